"""Gate decisions: every kind of refusal is rejected at the caller and writes nothing."""

import asyncio

import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.models import Completion, Contact, GateDecision, Phase

from .helpers import KEYS, close_all_items, make_spec, reach_remediate, wait_for


async def history_length(engagements: Engagements, engagement_id: str) -> int:
    history = await engagements.handle(engagement_id).fetch_history()
    return len(history.events)


async def quiet_history_length(engagements: Engagements, engagement_id: str) -> int:
    """The history length once the workflow has nothing more in flight."""
    previous = -1
    while True:
        current = await history_length(engagements, engagement_id)
        if current == previous:
            return current
        previous = current
        await asyncio.sleep(0.5)


async def started_in_initiate(engagements: Engagements) -> str:
    spec = make_spec()
    await engagements.start(spec)
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    return spec.engagement_id


async def test_refused_decisions_are_rejected_with_a_reason_and_write_nothing(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await started_in_initiate(engagements)
    await engagements.record_contact(eid, Contact("pat"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    before = await quiet_history_length(engagements, eid)

    refusals = [
        (GateDecision("go-live", "pat", True), "unknown gate 'go-live'"),
        (GateDecision("kickoff", "mallory", True), "'mallory' is not on the roster"),
        (GateDecision("kickoff", "casey", True), "needs a provider decision"),
        (GateDecision("remediation-plan", "casey", True), "not open yet"),
        (GateDecision("kickoff", "pat", False, ""), "a rejection needs a reason"),
    ]
    for decision, reason in refusals:
        with pytest.raises(RejectedError, match=reason):
            await engagements.decide(eid, decision)
    with pytest.raises(RejectedError, match="already recorded"):
        await engagements.record_contact(eid, Contact("pat"))
    with pytest.raises(RejectedError, match="no remediation item or enable step 'nothing'"):
        await engagements.complete(eid, Completion("nothing", "pat", "evidence"))

    assert await history_length(engagements, eid) == before, "a rejected Update must not touch history"
    status = await engagements.status(eid)
    assert status.state.audit[-1].action == "contact", "no rejected decision reached the audit trail"


async def test_second_decision_by_the_same_person_and_side_is_rejected(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    with pytest.raises(RejectedError, match="already closed"):
        await engagements.complete(eid, Completion(status.state.items[0].item.id, "cole", "again"))

    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "ok"))
    with pytest.raises(RejectedError, match="'casey' has already approved"):
        await engagements.decide(eid, GateDecision("joint-verification", "casey", True))
    with pytest.raises(RejectedError, match="already has the customer approval"):
        await engagements.decide(eid, GateDecision("joint-verification", "cole", True))
    with pytest.raises(RejectedError, match="already passed"):
        await engagements.decide(eid, GateDecision("kickoff", "pam", True))
    await engagements.decide(eid, GateDecision("joint-verification", "pam", True, "ok"))
    await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE)


async def test_a_rejection_sends_the_gate_back_and_keeps_the_reason(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    await engagements.start(spec)
    await engagements.record_contact(eid, Contact("pat"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True))
    await wait_for(
        engagements, eid, lambda s: s.phase is Phase.ASSESS and s.state.gates["remediation-plan"].open
    )
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", False, "timeline too short"))

    status = await engagements.status(eid)
    gate = status.state.gates["remediation-plan"]
    assert status.phase is Phase.ASSESS and not gate.passed and gate.open
    assert gate.rejections == ["casey: timeline too short"]
    assert "casey" in status.awaiting

    # The joint gate: a rejection also withdraws the other side's approval.
    await engagements.decide(eid, GateDecision("remediation-plan", "cole", True, "revised timeline"))
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", False, "pilot users missing"))
    status = await engagements.status(eid)
    joint = status.state.gates["joint-verification"]
    assert status.phase is Phase.REMEDIATE and joint.approved_by == {} and joint.open
    assert joint.rejections == ["casey: pilot users missing"]
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "pilot users added"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE)

    final = await engagements.status(eid)
    rejected = [(a.person, a.subject, a.comment) for a in final.state.audit if a.action == "reject"]
    assert rejected == [
        ("casey", "remediation-plan", "timeline too short"),
        ("casey", "joint-verification", "pilot users missing"),
    ]
