"""Cancel, pause and resume, on a real server, in every phase: signed and audited,
timers stopped, due dates and checkpoints moved by the pause, everyone told."""

import asyncio
import json
from datetime import timedelta

import attrs
import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.models import (
    Cancellation,
    Closure,
    Completion,
    Contact,
    GateDecision,
    Pause,
    Phase,
    Unpause,
)
from onboard.core.plugins import load_plugin_manager
from onboard.workers.worker import running_worker

from .helpers import FAST, KEYS, close_all_items, make_spec, reach_remediate, wait_for
from .recorder import NotificationRecorder
from .test_cli import onboard


@pytest.fixture
async def recorded(client):
    recorder = NotificationRecorder()
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    async with running_worker(client, task_queue=f"lifecycle-{id(recorder)}", manager=manager) as running:
        yield Engagements(client, running.task_queue, signer=KEYS), recorder


def sent(recorder: NotificationRecorder, eid: str, kind: str) -> list:
    return [n for n in recorder.sent if n.engagement_id == eid and n.kind == kind]


async def into(engagements: Engagements, phase: Phase, policy=FAST, spec=None) -> str:
    """A fresh engagement (``spec``, else a core one) taken into ``phase`` the usual way; its id."""
    spec = spec or make_spec(policy=policy)
    eid = spec.engagement_id
    if phase is Phase.INITIATE:
        await engagements.start(spec)
        await wait_for(engagements, eid, lambda s: s.state.plan is not None)
        return eid
    if phase is Phase.ASSESS:
        await engagements.start(spec)
        await wait_for(engagements, eid, lambda s: s.state.plan is not None)
        await engagements.record_contact(eid, Contact("pat", "phoned"))
        await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
        await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
        await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
        return eid
    status = await reach_remediate(engagements, spec)
    if phase is Phase.ENABLE:
        await close_all_items(engagements, status)
        for who in ("pat", "casey"):
            await engagements.decide(eid, GateDecision("joint-verification", who, True, "verified"))
        await wait_for(
            engagements, eid, lambda s: any(st.status == "awaiting" for st in s.state.steps.values())
        )
    return eid


@pytest.mark.parametrize("phase", [Phase.INITIATE, Phase.ASSESS, Phase.REMEDIATE, Phase.ENABLE])
async def test_a_cancelled_engagement_ends_in_any_phase(recorded, phase):
    engagements, recorder = recorded
    eid = await into(engagements, phase)
    await engagements.cancel(eid, Cancellation("casey", "the customer chose another partner"))
    result = await engagements.handle(eid).result()  # the workflow ends (timers, steps and all)
    assert result.phase is Phase.CANCELLED and result.awaiting == ()
    state = result.state
    assert (state.cancelled_by, state.cancelled_reason) == ("casey", "the customer chose another partner")
    record = next(r for r in state.audit if r.action == "cancel")
    assert record.person == "casey" and record.signature is not None
    (notice,) = sent(recorder, eid, "cancelled")
    assert {r.id for r in notice.recipients} == {p.id for p in state.spec.roster}, "everyone is told"
    assert "the customer chose another partner" in notice.message


async def test_a_cancellation_stops_the_timers(recorded):
    engagements, recorder = recorded
    policy = attrs.evolve(FAST, contact_within=timedelta(seconds=1), escalate_every=timedelta(seconds=1))
    eid = await into(engagements, Phase.INITIATE, policy)
    await wait_for(engagements, eid, lambda s: s.state.escalation_notices >= 1)
    await engagements.cancel(eid, Cancellation("pat", "the deal fell through"))
    await engagements.handle(eid).result()
    escalations = len(sent(recorder, eid, "escalation"))
    await asyncio.sleep(3)
    assert len(sent(recorder, eid, "escalation")) == escalations, "no escalation after the cancellation"
    with pytest.raises(Exception, match="completed|not found|already"):
        await engagements.record_contact(eid, Contact("pat", "too late"))


async def test_a_pause_stops_the_contact_clock_and_moves_its_deadline(recorded):
    engagements, recorder = recorded
    policy = attrs.evolve(FAST, contact_within=timedelta(seconds=4), escalate_every=timedelta(hours=1))
    eid = await into(engagements, Phase.INITIATE, policy)
    await engagements.pause(eid, Pause("pat", "the customer's merger freeze"))
    await asyncio.sleep(6)  # past the contact deadline, paused
    status = await engagements.status(eid)
    assert status.state.escalations == 0 and status.awaiting == (), "paused: nothing fires, nobody awaited"
    with pytest.raises(RejectedError, match="paused .* resume it first"):
        await engagements.record_contact(eid, Contact("pat", "phoned"))
    with pytest.raises(RejectedError, match="already paused"):
        await engagements.pause(eid, Pause("casey", "again"))
    await engagements.unpause(eid, Unpause("casey", "the freeze is over"))
    status = await engagements.status(eid)
    assert status.state.paused_for >= timedelta(seconds=6) and status.state.paused_at is None
    await asyncio.sleep(1)
    assert (await engagements.status(eid)).state.escalations == 0, "the deadline moved by the pause"
    # Escalated, and its notice sent (the outbox delivers after the state changed).
    await wait_for(engagements, eid, lambda s: s.state.escalations == 1 and not s.state.outbox, timeout=20)
    kinds = [n.kind for n in recorder.sent if n.engagement_id == eid]
    assert kinds.index("paused") < kinds.index("resumed") < kinds.index("escalation")
    actions = [r.action for r in status.state.audit]
    assert actions[-2:] == ["pause", "unpause"]


async def test_a_pause_in_remediate_moves_due_dates_and_the_checkpoint(recorded):
    engagements, recorder = recorded
    policy = attrs.evolve(
        FAST,
        blocker_due_within=timedelta(seconds=8),
        warning_due_within=timedelta(seconds=8),
        info_due_within=timedelta(seconds=8),
        provider_due_within=timedelta(seconds=8),
        due_reminder_before=timedelta(seconds=2),
    )
    eid = await into(engagements, Phase.REMEDIATE, policy)
    before = await engagements.status(eid)
    await engagements.pause(eid, Pause("casey", "waiting for the change board"))
    item = before.state.items[0]
    with pytest.raises(RejectedError, match="paused"):
        await engagements.complete(eid, Completion(item.item.id, "casey", "done"))
    await asyncio.sleep(9)  # past every due date, paused: no reminder
    assert not sent(recorder, eid, "due-soon") and not sent(recorder, eid, "overdue")
    await engagements.unpause(eid, Unpause("pat"))
    after = await engagements.status(eid)
    paused = after.state.paused_for
    assert paused >= timedelta(seconds=9)
    for old, new in zip(before.state.items, after.state.items, strict=True):
        assert new.due == old.due + paused, new.item.id
    assert after.state.next_checkpoint_at == before.state.next_checkpoint_at + paused
    await wait_for(engagements, eid, lambda s: any(i.due_reminded == "overdue" for i in s.state.items), 20)


async def test_pause_resume_and_cancel_from_the_cli(recorded, capsys, monkeypatch, address):
    engagements, _ = recorded
    eid = await into(engagements, Phase.ASSESS)
    code, out, err = await onboard(
        capsys, monkeypatch, address, "pause", eid, "--as", "pat", "--reason", "holiday", "--json"
    )
    # The in-process worker logs to the same stdout: the outcome is the JSON block.
    assert code == 0 and json.loads(out[out.index("{\n") :])["action"] == "pause", err
    code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid, "--as", "casey")
    assert "paused since" in out and "onboard resume" in out
    code, _, err = await onboard(
        capsys, monkeypatch, address, "approve", eid, "remediation-plan", "--as", "casey"
    )
    assert code == 2 and "paused" in err
    code, out, err = await onboard(capsys, monkeypatch, address, "resume", eid, "--as", "casey")
    assert code == 0 and "resumed" in out, err
    code, _, err = await onboard(capsys, monkeypatch, address, "cancel", eid, "--as", "pat", "--reason", " ")
    assert code == 1 and "--reason must say why" in err
    code, out, err = await onboard(
        capsys, monkeypatch, address, "cancel", eid, "--as", "pat", "--reason", "customer withdrew"
    )
    assert code == 0 and "cancelled" in out, err
    result = await engagements.handle(eid).result()
    assert result.phase is Phase.CANCELLED


async def test_both_sides_close_an_engagement_in_enable(recorded, capsys, monkeypatch, address):
    engagements, recorder = recorded
    eid = await into(engagements, Phase.ENABLE)
    with pytest.raises(RejectedError, match="closes in enable"):
        await engagements.close(await into(engagements, Phase.REMEDIATE), Closure("pat", "x"))
    code, out, err = await onboard(
        capsys,
        monkeypatch,
        address,
        "close",
        eid,
        "--as",
        "pat",
        "--reason",
        "the customer rolls out the rest",
    )
    assert code == 0 and "once the other side closes it too" in out, err
    with pytest.raises(RejectedError, match="provider side has already agreed"):
        await engagements.close(eid, Closure("pam", "again"))
    assert sent(recorder, eid, "closing")
    await engagements.close(eid, Closure("casey", "we take it from here"))
    result = await engagements.handle(eid).result()
    assert result.phase is Phase.COMPLETED and result.state.closing == {
        "provider": "pat",
        "customer": "casey",
    }
    assert any(st.status != "done" for st in result.state.steps.values()), "the open steps were not needed"
    assert [r.action for r in result.state.audit if r.action == "close"] == ["close", "close"]
    (closed,) = sent(recorder, eid, "closed")
    assert "we take it from here" in closed.message


async def test_a_pause_in_enable_holds_the_attestations(recorded):
    engagements, _ = recorded
    eid = await into(engagements, Phase.ENABLE)
    status = await engagements.status(eid)
    step = next(st for st in status.state.steps.values() if st.status == "awaiting")
    await engagements.pause(eid, Pause("casey", "the pilot group is on holiday"))
    who = "pat" if step.step.owner.value == "provider" else "casey"
    with pytest.raises(RejectedError, match="paused"):
        await engagements.complete(eid, Completion(step.step.id, who, "done"))
    await engagements.unpause(eid, Unpause("pat", "back"))
    await engagements.complete(eid, Completion(step.step.id, who, "done"))
    status = await engagements.status(eid)
    assert status.phase is Phase.ENABLE and status.state.steps[step.step.id].status == "done"
