"""Notices reach the people who must act: half-approved gates, rejections, waves of
steps, escalation tiers, and a record of what no channel could deliver."""

from datetime import timedelta

import attrs
import pytest
from onboard.core.client import Engagements
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Completion, GateDecision, Phase, Policy
from onboard.core.plugins import load_plugin_manager
from onboard.workers.worker import running_worker

from .helpers import FAST, KEYS, close_all_items, make_spec, owner_of, reach_remediate, wait_for
from .recorder import NotificationRecorder


@pytest.fixture
async def recorded(client):
    recorder = NotificationRecorder()
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    async with running_worker(client, task_queue=f"notices-{id(recorder)}", manager=manager) as running:
        yield Engagements(client, running.task_queue, signer=KEYS), recorder


def sent(recorder: NotificationRecorder, eid: str, kind: str) -> list:
    return [n for n in recorder.sent if n.engagement_id == eid and n.kind == kind]


async def test_the_side_that_must_act_next_hears_of_it(recorded):
    engagements, recorder = recorded
    spec = make_spec()
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    gate_open = sent(recorder, eid, "gate-open")[0]
    assert (
        gate_open.to == ("pat", "pam") and gate_open.subject == f"{eid}: gate 'kickoff' awaits your decision"
    )
    assert f'onboard approve {eid} kickoff --as {{person}} --comment "..."' in gate_open.commands
    assert {r.id for r in gate_open.recipients} == {"pat", "pam"}

    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    half = await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "gate-half-approved")))
    notice = sent(recorder, eid, "gate-half-approved")[0]
    assert notice.to == ("pat", "pam") and "casey approved gate 'joint-verification'" in notice.message
    assert half.phase is Phase.REMEDIATE

    item = status.state.items[0]
    reason = "the DNS records are not there yet"
    await engagements.decide(
        eid, GateDecision("joint-verification", "pat", False, reason, reopen=(item.item.id,))
    )
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "rejected")))
    rejection = sent(recorder, eid, "rejected")[0]
    owners = {p.id for p in spec.roster if p.party is item.item.owner}
    assert set(rejection.to) == owners, "the side whose work goes back"
    assert reason in rejection.message and f"reopened: {item.item.id}" in rejection.details


async def test_steps_ready_come_as_one_digest_per_wave_and_side(recorded):
    """Each wave is gathered for policy.step_digest_wait (1 s here), announced once per
    side, then attested as a person would after reading it."""
    engagements, recorder = recorded
    spec = make_spec()
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "ok"))
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "ok"))

    def announced() -> set[str]:
        return {line.split(":")[0] for d in sent(recorder, eid, "steps-ready") for line in d.details}

    waves = 0
    while True:
        status = await wait_for(
            engagements,
            eid,
            lambda s: (
                s.phase is Phase.COMPLETED or any(st.status == "awaiting" for st in s.state.steps.values())
            ),
        )
        if status.phase is Phase.COMPLETED:
            break
        ready = {st.step.id for st in status.state.steps.values() if st.status == "awaiting"}
        await wait_for(engagements, eid, lambda s, ready=ready: ready <= announced(), timeout=20)
        waves += 1
        for step_id in sorted(ready):
            step = status.state.steps[step_id]
            await engagements.complete(eid, Completion(step_id, owner_of(step.step.owner), "done"))
    digests = sent(recorder, eid, "steps-ready")
    listed = [line.split(":")[0] for d in digests for line in d.details]
    manual = [st for st in status.state.steps.values() if st.by not in ("automation", "")]
    assert sorted(listed) == sorted(st.step.id for st in manual), "each step announced once"
    assert len(digests) <= 2 * waves < 2 * len(manual), "a digest per wave and side, not per step"
    for digest in digests:
        parties = {p.party.value for p in spec.roster if p.id in digest.to}
        assert len(parties) == 1, "one side per digest"
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "completed")))


async def test_escalations_are_counted_as_sent_and_reach_the_escalation_list(recorded):
    engagements, recorder = recorded
    policy = attrs.evolve(
        FAST,
        contact_within=timedelta(seconds=1),
        escalate_every=timedelta(seconds=1),
        escalate_to=("manager@fabrikam.example",),
        escalate_after=2,
    )
    spec = make_spec(policy=policy)
    await engagements.start(spec)
    eid = spec.engagement_id
    await wait_for(engagements, eid, lambda s: len(sent(recorder, eid, "escalation")) >= 3, timeout=30)
    first, second, third = sent(recorder, eid, "escalation")[:3]
    assert "(escalation 1)" in first.message and "(escalation 2)" in second.message
    assert [r.email for r in first.recipients if not r.id] == [], "tier 1: the provider people"
    assert [r.email for r in second.recipients if not r.id] == ["manager@fabrikam.example"]
    assert [r.email for r in third.recipients if not r.id] == ["manager@fabrikam.example"]


class Broken:
    @hookimpl
    def notify(self, notification):
        raise RuntimeError("smtp.example.com:587 refused the connection")


async def test_a_notice_no_channel_delivers_is_recorded_and_the_engagement_goes_on(
    client, capsys, monkeypatch
):
    manager = load_plugin_manager(extra=[("broken", Broken())])
    async with running_worker(client, task_queue="notices-broken", manager=manager) as running:
        engagements = Engagements(client, running.task_queue, signer=KEYS)
        spec = make_spec()
        eid = spec.engagement_id
        await reach_remediate(engagements, spec, timeout=60)
        status = await wait_for(engagements, eid, lambda s: bool(s.state.undelivered), timeout=60)
        lost = status.state.undelivered[0]
        assert lost.kind == "gate-open" and "refused the connection" in lost.reason
        assert status.phase is Phase.REMEDIATE, "delivery failures never block the engagement"

        from .test_cli import onboard

        address = client.service_client.config.target_host
        code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid)
        assert code == 0 and "notice not delivered:" in out and "refused the connection" in out, out


def test_an_escalation_list_is_checked_like_the_roster(tmp_path):
    from onboard.core.planning import check_sizes

    from .helpers import make_spec as spec_with

    spec = attrs.evolve(spec_with(), policy=Policy(escalate_to=("x" * 300,)))
    with pytest.raises(Exception, match=r"policy.escalate_to\[0\].*the limit is 200"):
        check_sizes(spec)


async def test_a_channel_that_is_down_leaves_the_engagement_moving_and_the_notice_undelivered(
    client, tmp_path, monkeypatch
):
    """The real channels plugin; pat's webhook refuses connections (port 1)."""
    config = tmp_path / "channels.yml"
    config.write_text('people:\n  pat: "json://127.0.0.1:1/hook"\nretry: 0\n')
    monkeypatch.setenv("ONBOARD_CHANNELS", str(config))
    monkeypatch.setenv("ONBOARD_DISABLE_PLUGINS", "notifications")
    manager = load_plugin_manager()
    async with running_worker(client, task_queue="notices-down", manager=manager) as running:
        engagements = Engagements(client, running.task_queue, signer=KEYS)
        spec = make_spec()
        await reach_remediate(engagements, spec, timeout=90)
        status = await wait_for(
            engagements, spec.engagement_id, lambda s: bool(s.state.undelivered), timeout=90
        )
        lost = status.state.undelivered[0]
        assert lost.kind == "gate-open" and "pat" in lost.reason, lost
        assert status.phase is Phase.REMEDIATE


def test_a_recipient_any_channel_reached_is_not_unreached():
    from onboard.core.engagement.activities import combined_reach
    from onboard.core.models import Reach

    answers = [
        {"reached": ["pat"], "unreachable": ["pam", "casey"]},  # mail: casey and pam have no e-mail
        {"reached": ["casey"], "unreachable": []},  # a chat plugin reaches casey
        {"written": 1},  # a sink that says something else entirely counts neither way
    ]
    assert combined_reach(answers) == Reach(("casey", "pat"), ("pam",))
    assert combined_reach([None, {"written": 1}]) is None, "nobody said: nothing is known"
