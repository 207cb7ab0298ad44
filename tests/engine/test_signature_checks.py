"""How often a signed action's signature is checked: once live, once on replay.

The validator checks a signed Update (the workers' allowed signers too); its handler,
run right after on the same state, takes that answer when the argument it is given
equals the one the validator passed. On replay validators do not run, so the
handler checks in full: the decision a history records never rests on a check that
replay skips.
"""

from onboard.core.client import Engagements
from onboard.core.engagement import authority
from onboard.core.models import Contact, GateDecision
from temporalio import workflow

from .helpers import KEYS, make_spec, wait_for
from .test_uncached_worker import assert_every_run_replays


async def test_a_signed_update_is_checked_once_live_and_in_full_on_replay(client, worker, monkeypatch):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)

    checks: list[tuple[str, bool]] = []
    real = authority.check_signature

    def counted(state, engagement_id, arg, person, now):
        checks.append((type(arg).__name__, workflow.unsafe.is_replaying()))
        return real(state, engagement_id, arg, person, now)

    # The sandbox passes onboard's modules through: the workflow calls this one.
    monkeypatch.setattr(authority, "check_signature", counted)
    await engagements.record_contact(eid, Contact("pat", "phoned"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    assert checks == [("Contact", False), ("GateDecision", False)], "the validators' checks only"

    checks.clear()
    await assert_every_run_replays(client, eid)
    assert checks == [("Contact", True), ("GateDecision", True)], "each handler checks on replay"
