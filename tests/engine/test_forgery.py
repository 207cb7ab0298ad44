"""Forgeries refused at the door, on a real server, through the Go CLI and the raw client.

Someone with nothing but access to the Temporal frontend tries to act as a roster
person: unsigned, with the wrong key, replaying a valid signature elsewhere, with a
revoked key, by an outsider's signal, by starting a workflow with a forged state.
Every refusal names its reason and leaves the history as it was.
"""

import asyncio
import json
import subprocess
import uuid
from datetime import timedelta

import attrs
import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.converter import to_json_value
from onboard.core.engagement import EngagementWorkflow
from onboard.core.engagement.messages import EngagementInput, StepChange
from onboard.core.models import (
    AuditRecord,
    Contact,
    EngagementState,
    GateDecision,
    Party,
    Phase,
    Signature,
)
from onboard.core.trust import actions
from onboard.core.trust.keys import KeyRing
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.client import Client, WorkflowFailureError, WorkflowUpdateFailedError

from .helpers import (
    KEYS,
    OUTSIDER_KEY,
    PERSONA_KEYS,
    ROSTER,
    allowed_signers_text,
    close_all_items,
    make_spec,
    reach_remediate,
    wait_for,
)
from .test_gates import quiet_history_length


async def temporal(client: Client, *args: str) -> subprocess.CompletedProcess:
    """The Go ``temporal`` CLI against the test server, as an outsider would use it.

    In a thread: the test's worker shares this event loop and must keep running.
    """
    address = client.service_client.config.target_host
    command = [str(find_binary()), *args, "--address", address, "--namespace", client.namespace]
    return await asyncio.to_thread(subprocess.run, command, capture_output=True, text=True, timeout=60)


async def in_initiate_with_kickoff_open(engagements: Engagements) -> str:
    spec = make_spec()
    await engagements.start(spec)
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    await engagements.record_contact(spec.engagement_id, Contact("pat", "phoned"))
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.gates["kickoff"].open)
    return spec.engagement_id


async def test_the_go_cli_cannot_decide_or_report_steps_for_anyone(client, worker):
    """Unsigned or badly signed actions through ``temporal workflow update execute`` are refused."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    before = await quiet_history_length(engagements, eid)
    contact = await temporal(
        client, "workflow", "update", "execute", "--workflow-id", eid, "--name", "record_contact",
        "--input", json.dumps({"person": "pat", "note": "trust me"}),
    )  # fmt: skip
    assert contact.returncode != 0 and "not signed" in contact.stderr, contact.stderr
    badly_signed = {
        "person": "pat",
        "note": "trust me",
        "signature": {
            "signed_at": actions.format_time(actions.signing_time()),
            "nonce": "n1",
            "armored": "x",
        },
    }
    contact = await temporal(
        client, "workflow", "update", "execute", "--workflow-id", eid, "--name", "record_contact",
        "--input", json.dumps(badly_signed),
    )  # fmt: skip
    assert contact.returncode != 0 and "bad signature" in contact.stderr, contact.stderr
    assert await quiet_history_length(engagements, eid) == before, "a refused Update writes nothing"

    await engagements.record_contact(eid, Contact("pat", "phoned"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    before = await quiet_history_length(engagements, eid)
    decide = await temporal(
        client, "workflow", "update", "execute", "--workflow-id", eid, "--name", "decide",
        "--input", json.dumps({"gate": "kickoff", "person": "pat", "approve": True}),
    )  # fmt: skip
    assert decide.returncode != 0 and "not signed" in decide.stderr, decide.stderr
    assert "type: Rejected, retryable: false" in decide.stderr, "a refusal is not worth retrying"
    assert await quiet_history_length(engagements, eid) == before

    # A signal is always written to history (the server cannot refuse one), but it changes nothing.
    signal = await temporal(
        client, "workflow", "signal", "--workflow-id", eid, "--name", "step_changed",
        "--input", json.dumps({"step": "core.tenant-activation", "status": "done", "by": "nobody-on-roster"}),
    )  # fmt: skip
    assert signal.returncode == 0, signal.stderr
    status = await engagements.status(eid)
    assert all(st.status != "done" for st in status.state.steps.values())
    assert [a.action for a in status.state.audit] == ["contact"]
    assert not status.state.gates["kickoff"].passed and status.phase is Phase.INITIATE


async def test_the_raw_client_cannot_sign_as_someone_else_or_replay_a_signature(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await in_initiate_with_kickoff_open(engagements)
    other = await in_initiate_with_kickoff_open(engagements)
    handle = engagements.handle(eid)
    before = await quiet_history_length(engagements, eid)

    unsigned = Engagements(client, worker.task_queue)
    with pytest.raises(RejectedError, match="not signed"):
        await unsigned.decide(eid, GateDecision("kickoff", "pat", True, "held"))
    with pytest.raises(WorkflowUpdateFailedError) as raw:
        await handle.execute_update("decide", {"gate": "kickoff", "person": "pat", "approve": True})
    assert "not signed" in str(raw.value.cause)

    # Pat's name, an outsider's key.
    impostor = Engagements(client, worker.task_queue, signer=KeyRing({}, fallback=OUTSIDER_KEY))
    with pytest.raises(RejectedError, match="does not give to 'pat'"):
        await impostor.decide(eid, GateDecision("kickoff", "pat", True, "held"))
    # Pam's own valid key, claiming to be Pat.
    pam_as_pat = Engagements(client, worker.task_queue, signer=KeyRing({"pat": PERSONA_KEYS["pam"]}))
    with pytest.raises(RejectedError, match="does not give to 'pat'"):
        await pam_as_pat.decide(eid, GateDecision("kickoff", "pat", True, "held"))

    # Pat's real signature, moved: to another gate, another comment, another engagement.
    genuine = engagements.sign(eid, GateDecision("kickoff", "pat", True, "held"))
    moved = [
        (eid, attrs.evolve(genuine, gate="remediation-plan")),
        (eid, attrs.evolve(genuine, comment="held, and more")),
        (eid, attrs.evolve(genuine, approve=False)),
        (other, genuine),
    ]
    for target, forged in moved:
        with pytest.raises(RejectedError, match="bad signature|not open yet|needs a reason"):
            await engagements.decide(target, forged)
    late = engagements.sign(eid, GateDecision("kickoff", "pat", True, "held"))
    stale = attrs.evolve(late.signature, signed_at=late.signature.signed_at - timedelta(hours=1))
    with pytest.raises(RejectedError, match="signatures are accepted within"):
        await engagements.decide(eid, attrs.evolve(late, signature=stale))
    with pytest.raises(RejectedError, match="bad signature"):
        garbage = Signature(
            late.signature.signed_at, late.signature.nonce, "-----BEGIN SSH SIGNATURE-----\nAAAA\n"
        )
        await engagements.decide(eid, attrs.evolve(late, signature=garbage))
    assert await quiet_history_length(engagements, eid) == before, "no refusal touched the history"

    # The genuine one is accepted once; the same signature under a new update id is refused.
    await engagements.decide(eid, genuine)
    await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS)
    with pytest.raises(WorkflowUpdateFailedError) as again:
        await handle.execute_update(EngagementWorkflow.decide, genuine, id=f"again-{uuid.uuid4().hex}")
    assert "already" in str(again.value.cause)
    status = await engagements.status(eid)
    approvals = [a for a in status.state.audit if a.action == "approve"]
    assert len(approvals) == 1 and approvals[0].signature == genuine.signature
    assert approvals[0].key.startswith("SHA256:") and approvals[0].principal == "pat"


async def test_a_removed_key_is_revoked_for_every_action_from_then_on(client, tmp_path):
    signers = tmp_path / "allowed_signers"
    signers.write_text(allowed_signers_text())
    task_queue = f"revoke-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, allowed_signers=signers):
        engagements = Engagements(client, task_queue, signer=KEYS)
        eid = await in_initiate_with_kickoff_open(engagements)
        before = await quiet_history_length(engagements, eid)

        signers.write_text(allowed_signers_text([p for p in ROSTER if p.id != "pat"]))
        with pytest.raises(RejectedError, match="'pat' .* has no key in the workers' allowed-signers file"):
            await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
        signers.write_text("pat ssh-ed25519 not-a-key\n")
        with pytest.raises(RejectedError, match="cannot be used, so nothing is accepted"):
            await engagements.decide(eid, GateDecision("kickoff", "pam", True, "held"))
        assert await quiet_history_length(engagements, eid) == before

        signers.write_text(allowed_signers_text())  # a new key works without re-planning
        await engagements.decide(eid, GateDecision("kickoff", "pam", True, "held"))
        status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS)
        assert status.state.audit[-1].person == "pam" and status.state.audit[-1].principal == "pam"


async def test_a_fresh_start_never_accepts_a_carried_state(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    backdated = AuditRecord(spec.purchased_on, "pat", Party.PROVIDER, "approve", "kickoff", "trust me")
    forged = EngagementState(spec=spec, phase=Phase.COMPLETED, audit=[backdated])
    handle = await client.start_workflow(
        EngagementWorkflow.run,
        EngagementInput(spec, forged),
        id=spec.engagement_id,
        task_queue=worker.task_queue,
    )
    with pytest.raises(WorkflowFailureError) as failure:
        await handle.result()
    assert "a fresh start cannot carry an engagement state" in str(failure.value.cause)

    other = make_spec()
    cli = await temporal(
        client, "workflow", "start", "--type", "EngagementWorkflow", "--task-queue", worker.task_queue,
        "--workflow-id", other.engagement_id,
        "--input", json.dumps(to_json_value(EngagementInput(other, attrs.evolve(forged, spec=other)))),
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    with pytest.raises(WorkflowFailureError):
        await engagements.handle(other.engagement_id).result()
    rows = await engagements.list(running_only=False)
    assert not any(
        r.engagement_id in (spec.engagement_id, other.engagement_id) and r.status == "completed" for r in rows
    )


async def test_children_cannot_be_impersonated_in_enable(client, worker):
    """Signed engagements run every service's steps as activities: no signal reports progress."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(("aad_premium",))
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True))
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE and bool(s.state.steps))
    step = status.state.plan.steps_for("aad_premium")[-1]
    await engagements.handle(eid).signal(
        EngagementWorkflow.step_changed, StepChange(step.id, "done", "nobody-on-roster", "forged")
    )
    status = await engagements.status(eid)
    assert (
        status.state.steps[step.id].status != "done" and status.state.steps[step.id].by != "nobody-on-roster"
    )
    children = [wf async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{eid}.enable.'")]
    assert children == [], "a signed engagement starts no child that signals back"
