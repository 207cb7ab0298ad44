"""Who may do what in a signed engagement: owners, waivers, reopening, one person one party."""

import uuid
from pathlib import Path

import attrs
import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.engagement.rules import backed_by_check
from onboard.core.models import Completion, Contact, GateDecision, Party, Person, Phase, Reassessment, Waiver
from onboard.workers.worker import running_worker

from .helpers import (
    KEYS,
    PERSONA_KEYS,
    ROSTER,
    close_all_items,
    make_spec,
    owner_of,
    reach_remediate,
    wait_for,
)

BUNDLES = Path(__file__).resolve().parents[2] / "examples" / "bundles"


async def test_only_the_owning_party_attests_and_checked_items_need_a_pass_or_a_waiver(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    status = await reach_remediate(engagements, make_spec())
    eid = status.engagement_id
    manual = next(i for i in status.state.items if not backed_by_check(status.state, i))
    checked = next(i for i in status.state.items if backed_by_check(status.state, i))
    wrong_side = "pat" if manual.item.owner is Party.CUSTOMER else "casey"

    with pytest.raises(RejectedError, match=f"belongs to the {manual.item.owner.value} side"):
        await engagements.complete(eid, Completion(manual.item.id, wrong_side, "done by the other side"))
    with pytest.raises(
        RejectedError, match="backed by the automated check .* or by a waiver both parties sign"
    ):
        await engagements.complete(eid, Completion(checked.item.id, owner_of(checked.item.owner), "trust me"))
    await engagements.complete(eid, Completion(manual.item.id, owner_of(manual.item.owner), "done"))

    first = await engagements.waive(eid, Waiver(checked.item.id, "pat", "accepted: raised next quarter"))
    assert not first.closed and first.waivers == {"provider": "pat"}
    for who, reason in (("pat", "again"), ("pam", "me too")):
        with pytest.raises(RejectedError, match="the provider side has already waived"):
            await engagements.waive(eid, Waiver(checked.item.id, who, reason))
    both = await engagements.waive(eid, Waiver(checked.item.id, "casey", "accepted by the customer"))
    assert both.closed and both.waived and both.closed_by == "waiver"
    assert "pat: accepted" in both.evidence and "casey: accepted" in both.evidence

    audit = (await engagements.status(eid)).state.audit
    waivers = [(a.person, a.action, a.subject) for a in audit if a.action == "waive"]
    assert waivers == [("pat", "waive", checked.item.id), ("casey", "waive", checked.item.id)]


async def test_steps_are_attested_by_their_owners_only(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    status = await reach_remediate(engagements, make_spec())
    eid = status.engagement_id
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True))
    status = await wait_for(
        engagements, eid, lambda s: any(st.status == "awaiting" for st in s.state.steps.values())
    )
    step = next(st.step for st in status.state.steps.values() if st.status == "awaiting")
    other = "casey" if step.owner is Party.PROVIDER else "pat"
    with pytest.raises(
        RejectedError, match=f"enable step {step.id!r} belongs to the {step.owner.value} side"
    ):
        await engagements.complete(eid, Completion(step.id, other, "done"))
    await engagements.complete(eid, Completion(step.id, owner_of(step.owner), "done"))


async def test_a_reassessment_reopens_closed_items_whose_check_fails_again(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(bundle=str(BUNDLES / "contoso"), facts={"forest_count": 1})
    await reach_remediate(engagements, spec)
    eid = spec.engagement_id
    fixed = await engagements.reassess(eid, Reassessment("casey", str(BUNDLES / "contoso-fixed")))
    assert fixed.closed, "the fixed bundle passes some checks"
    again = await engagements.reassess(eid, Reassessment("casey", str(BUNDLES / "contoso")))
    assert set(fixed.closed) <= set(again.still_open), "items whose check fails again are open again"
    state = (await engagements.status(eid)).state
    for item in state.items:
        if item.item.id in fixed.closed:
            assert not item.closed and item.reopened == 1 and "fails again" in item.evidence

    waived = fixed.closed[0]
    for who in ("pat", "casey"):
        await engagements.waive(eid, Waiver(waived, who, "accepted"))
    third = await engagements.reassess(eid, Reassessment("casey", str(BUNDLES / "contoso")))
    assert waived not in third.still_open, "a waiver both parties signed stands"


async def test_rejecting_the_joint_gate_reopens_the_items_it_names(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    status = await reach_remediate(engagements, make_spec())
    eid = status.engagement_id
    await close_all_items(engagements, status)
    item = status.state.items[0].item.id
    with pytest.raises(RejectedError, match="only a rejection of the joint verification gate can reopen"):
        await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "ok", reopen=(item,)))
    with pytest.raises(RejectedError, match="has no remediation item 'nothing'"):
        await engagements.decide(
            eid, GateDecision("joint-verification", "pat", False, "no", reopen=("nothing",))
        )

    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await engagements.decide(
        eid, GateDecision("joint-verification", "pat", False, "not really fixed", reopen=(item,))
    )
    status = await wait_for(engagements, eid, lambda s: not s.state.gates["joint-verification"].open)
    reopened = next(i for i in status.state.items if i.item.id == item)
    assert not reopened.closed and reopened.reopened == 1 and "not really fixed" in reopened.evidence
    assert status.phase is Phase.REMEDIATE and status.state.gates["joint-verification"].approved_by == {}
    reject = status.state.audit[-1]
    assert reject.action == "reject" and reject.content["reopen"] == item


async def test_one_person_cannot_stand_for_both_parties(client, worker, tmp_path):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    twice = (
        Person("pat", "Pat", Party.PROVIDER, "pat@example.com"),
        Person("patricia", "Pat", Party.CUSTOMER, "PAT@example.com"),
    )
    spec = attrs.evolve(make_spec(), roster=twice)
    await engagements.start(spec)
    status = await wait_for(engagements, spec.engagement_id, lambda s: bool(s.state.blocked))
    assert "'pat' and 'patricia' share the e-mail" in status.state.blocked

    # One key given to a provider and a customer person: it may act for neither.
    signers = tmp_path / "allowed_signers"
    shared = PERSONA_KEYS["pat"].openssh_public_key()
    signers.write_text(f"pat,cole {shared}\ncasey {PERSONA_KEYS['casey'].openssh_public_key()}\n")
    task_queue = f"shared-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, allowed_signers=signers):
        shared_key = Engagements(client, task_queue, signer=KEYS)
        spec = make_spec()
        await shared_key.start(spec)
        await wait_for(shared_key, spec.engagement_id, lambda s: s.state.plan is not None)
        with pytest.raises(RejectedError, match="stands for 'pat' .provider. and for 'cole' .customer."):
            await shared_key.record_contact(spec.engagement_id, Contact("pat", "phoned"))
        plan = (await shared_key.status(spec.engagement_id)).state.plan
        assert plan.signers is not None and set(plan.signers.unkeyed()) == {"pam"}, (
            "the plan names who has no key"
        )
    assert {p.id for p in ROSTER} == {"pat", "pam", "casey", "cole"}
