"""Scope changes on running engagements, on a real server: services added and removed,
facts corrected; the plan changes as data, what was done stays, the new scope is assessed."""

import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.demo import sample_bundle
from onboard.core.models import GateDecision, Phase, ScopeChange

from .helpers import KEYS, close_all_items, make_spec, reach_remediate, wait_for
from .test_cli import onboard
from .test_lifecycle import into


@pytest.fixture
def engagements(client, worker) -> Engagements:
    return Engagements(client, worker.task_queue, signer=KEYS)


async def test_a_service_added_in_remediate_is_planned_and_assessed(engagements):
    status = await reach_remediate(engagements, make_spec(("aad_premium",)))
    eid = status.engagement_id
    before = {i.item.id for i in status.state.items}
    change = await engagements.change_scope(
        eid, ScopeChange("pat", "the customer bought Intune", add=("intune",), licenses={"intune": 300})
    )
    assert change.services_added == ("intune",) and not change.services_removed
    assert change.requirements_added and all(r.startswith("intune.") for r in change.requirements_added)
    assert change.items_added and all(i.startswith("fix.intune.") for i in change.items_added)
    assert change.steps_added and not change.items_closed
    status = await engagements.status(eid)
    assert status.phase is Phase.REMEDIATE and "intune" in status.services
    assert before <= {i.item.id for i in status.state.items}, "what was there stays"
    added = [i for i in status.state.items if i.item.id in change.items_added]
    assert all(i.due is not None for i in added), "the new items join the timeline"
    record = status.state.audit[-1]
    assert (record.action, record.person) == ("rescope", "pat") and record.signature is not None
    assert status.state.plan_changes[-1] == change


async def test_a_service_removed_closes_its_items_and_the_engagement_goes_on(engagements):
    status = await reach_remediate(engagements, make_spec(("aad_premium", "azure_rms")))
    eid = status.engagement_id
    rms = [i.item.id for i in status.state.items if i.item.service == "azure_rms"]
    assert rms
    change = await engagements.change_scope(eid, ScopeChange("pat", "RMS postponed", remove=("azure_rms",)))
    assert change.services_removed == ("azure_rms",) and set(change.items_closed) == set(rms)
    status = await engagements.status(eid)
    closed = {i.item.id: i for i in status.state.items if i.item.id in rms}
    assert all(i.closed and i.closed_by == "scope change" for i in closed.values())
    await close_all_items(engagements, status)
    for who in ("pat", "casey"):
        await engagements.decide(eid, GateDecision("joint-verification", who, True, "verified"))
    # A new run takes the state on (its carried-state check passes) and enables what is left.
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE and bool(s.state.steps))
    assert not any(st.step.service == "azure_rms" for st in status.state.steps.values())


async def test_a_corrected_fact_is_reassessed_against_the_bundle(engagements):
    spec = make_spec(
        ("ems",),
        bundle=str(sample_bundle("contoso")),
        licenses={"ems": 500},
        facts={"identity": "synchronized", "forest_count": 1, "mdm_authority": "intune"},
    )
    eid = await into(engagements, Phase.ASSESS, spec=spec)
    change = await engagements.change_scope(
        eid, ScopeChange("pat", "two forests, says IT", facts={"forest_count": 2})
    )
    assert change.facts_changed == ("forest_count: 1 -> 2",)
    status = await engagements.status(eid)
    finding = next(f for f in status.state.findings if f.requirement_id == "core.forest-count")
    assert finding.outcome.value == "fail" and "forest_count = 2" in finding.summary
    assert "fix.core.forest-count" in change.items_added


async def test_what_is_refused(engagements):
    eid = await into(engagements, Phase.INITIATE)
    with pytest.raises(RejectedError, match="provider side changes the scope"):
        await engagements.change_scope(eid, ScopeChange("casey", "x", add=("intune",)))
    with pytest.raises(RejectedError, match="not one of the engagement's services"):
        await engagements.change_scope(eid, ScopeChange("pat", "x", remove=("intune",)))
    with pytest.raises(RejectedError, match="keeps at least one service"):
        await engagements.change_scope(eid, ScopeChange("pat", "x", remove=("core",)))
    with pytest.raises(RejectedError, match="not applied: .*licen"):
        await engagements.change_scope(eid, ScopeChange("pat", "x", add=("intune",), licenses={"intune": 10}))
    status = await engagements.status(eid)
    assert "intune" not in status.services and not status.state.plan_changes, "nothing changed"
    change = await engagements.change_scope(
        eid, ScopeChange("pat", "in Initiate", add=("intune",), licenses={"intune": 200})
    )
    assert change.services_added == ("intune",) and not change.items_added, "nothing to assess yet"
    eid = await into(engagements, Phase.ENABLE)
    with pytest.raises(RejectedError, match="before Enable"):
        await engagements.change_scope(eid, ScopeChange("pat", "x", add=("intune",)))


async def test_scope_from_the_cli(engagements, capsys, monkeypatch, address):
    eid = await into(engagements, Phase.INITIATE)
    code, out, err = await onboard(
        capsys, monkeypatch, address, "scope", eid, "--add", "azure_rms", "--license", "azure_rms=200",
        "--as", "pat", "--reason", "RMS too",
    )  # fmt: skip
    assert code == 0, err
    assert "services added (1): azure_rms" in out and "requirements added" in out
    code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid)
    assert "scope changed" in out and "+ azure_rms" in out
