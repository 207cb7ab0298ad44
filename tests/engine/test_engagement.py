"""A whole engagement through every phase, against the real dev server."""

import asyncio

import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.models import Completion, Contact, GateDecision, Phase

from .helpers import (
    KEYS,
    attest_enable_steps,
    close_all_items,
    make_spec,
    owner_of,
    reach_remediate,
    wait_for,
)


async def test_full_engagement_through_every_phase(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    handle = await engagements.start(spec)
    eid = spec.engagement_id

    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    with pytest.raises(RejectedError, match="not open yet"):
        await engagements.decide(eid, GateDecision("kickoff", "pat", True))
    await engagements.record_contact(eid, Contact("pat", "called the customer"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))

    status = await wait_for(
        engagements, eid, lambda s: s.phase is Phase.ASSESS and s.state.assessment_round == 1
    )
    assert status.state.items, "an assessment without a bundle leaves every requirement open"
    assert "casey" in status.awaiting and "party:customer" in status.awaiting
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))

    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    with pytest.raises(RejectedError, match="not open yet"):
        await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    status = await engagements.status(eid)
    assert status.phase is Phase.REMEDIATE, "a joint gate needs the customer too"
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))

    await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE)
    await attest_enable_steps(engagements, eid)
    final = await handle.result()
    assert final.phase is Phase.COMPLETED
    assert all(step.status == "done" for step in final.state.steps.values())
    actions = [(a.person, a.action, a.subject) for a in final.state.audit]
    assert ("pat", "approve", "kickoff") in actions
    assert ("casey", "approve", "joint-verification") in actions
    assert final.awaiting == ()


async def test_enable_runs_core_first_then_the_services_in_parallel_and_the_suite_last(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(("ems",), licenses={"ems": 500})
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True))

    def services_waiting(s) -> set[str]:
        return {st.step.service for st in s.state.steps.values() if st.status in ("awaiting", "running")}

    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE and bool(services_waiting(s)))
    assert services_waiting(status) == {"core"}, "core capabilities come before every service"
    attested: set[str] = set()
    while any(st.step.service == "core" and st.status != "done" for st in status.state.steps.values()):
        for st in status.state.steps.values():
            if st.status == "awaiting" and st.step.id not in attested:
                await engagements.complete(eid, Completion(st.step.id, owner_of(st.step.owner), "done"))
                attested.add(st.step.id)
        await asyncio.sleep(0.1)
        status = await engagements.status(eid)
    status = await wait_for(
        engagements, eid, lambda s: {"aad_premium", "intune", "azure_rms"} <= services_waiting(s)
    )
    assert "ems" not in services_waiting(status), "the suite's own steps wait for its members"
    final = await attest_enable_steps(engagements, eid)
    assert final.phase is Phase.COMPLETED
    enabled = [line.split(" enabled ")[1] for line in final.state.history if " enabled " in line]
    assert enabled[0] == "core" and enabled[-1] == "ems"
