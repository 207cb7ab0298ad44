"""Every action has a request id: a repeat returns the first outcome, and the CLI can
tell the user what became of an action it got no answer to."""

import asyncio
import uuid

import pytest
from onboard.core.client import AlreadyAppliedError, Engagements
from onboard.core.engagement import EngagementWorkflow
from onboard.core.models import Contact, GateDecision, Phase
from onboard.workers.worker import running_worker

from .helpers import KEYS, make_spec, wait_for
from .test_cli import onboard
from .test_forgery import in_initiate_with_kickoff_open


async def test_a_repeat_returns_the_first_outcome_in_the_run_and_after_it(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await in_initiate_with_kickoff_open(engagements)
    signed = engagements.sign(eid, GateDecision("kickoff", "pat", False, "agenda missing"))
    handle = engagements.handle(eid)
    first = await handle.execute_update(EngagementWorkflow.decide, signed, id=signed.signature.nonce)
    again = await handle.execute_update(EngagementWorkflow.decide, signed, id=signed.signature.nonce)
    assert again == first and len(first.rejections) == 1, "the same run: Temporal's answer, once"

    approval = engagements.sign(eid, GateDecision("kickoff", "pat", True, "agreed"))
    run = (await handle.describe()).run_id
    await handle.execute_update(EngagementWorkflow.decide, approval, id=approval.signature.nonce)
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS)
    for _ in range(100):  # the phase ends its run: wait for the next one
        if (await handle.describe()).run_id != run:
            break
        await asyncio.sleep(0.1)
    # The new run never saw that Update id; the request id (nonce) it carries still says.
    with pytest.raises(
        AlreadyAppliedError, match=r"already applied: audit record \d+ \(approve kickoff by pat"
    ):
        await engagements._update(eid, EngagementWorkflow.decide, approval)
    after = await engagements.status(eid)
    assert len(after.state.audit) == len(status.state.audit), "nothing was done again"
    record = await engagements.request(eid, approval.signature.nonce)
    assert record is not None and record.action == "approve" and record.person == "pat"
    assert await engagements.request(eid, "0" * 32) is None


async def test_the_cli_times_out_says_with_which_request_and_tells_what_became_of_it(
    capsys,
    monkeypatch,
    address,
    client,
):
    task_queue = f"late-{uuid.uuid4().hex[:8]}"
    spec = make_spec()
    eid = spec.engagement_id
    await Engagements(client, task_queue).start(spec)
    common = ("--timeout", "2")

    # No worker ever polled: both say so at once, and nothing is sent.
    code, _, err = await onboard(capsys, monkeypatch, address, "show", eid, *common)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert f"cannot answer: no worker has polled its task queue '{task_queue}'" in err, err

    # A worker that just went away still looks alive for a minute: the action is
    # sent, gets no answer in time, and the CLI says which request to ask about.
    async with running_worker(client, task_queue=task_queue):
        await wait_for(Engagements(client, task_queue), eid, lambda s: s.state.plan is not None)
    code, _, err = await onboard(
        capsys, monkeypatch, address, "contact", eid, "--note", "rang", "--as", "pat", *common
    )
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "did not answer within 2 s" in err and f"`onboard request {eid} " in err, err
    request_id = err.split(f"`onboard request {eid} ")[1].split("`")[0]

    async with running_worker(client, task_queue=task_queue):
        await wait_for(Engagements(client, task_queue), eid, lambda s: s.state.contact is not None)
        code, out, _ = await onboard(capsys, monkeypatch, address, "request", eid, request_id, *common)
        assert code == 0 and out.startswith("applied: audit record ") and "contact" in out, out
        code, _, err = await onboard(capsys, monkeypatch, address, "request", eid, "f" * 32, *common)
        assert code == 1 and "not applied" in err and "within 10 minutes of its signing" in err, err


async def test_an_unreachable_server_is_reported_within_the_timeout(capsys, monkeypatch):
    # 192.0.2.0/24 is TEST-NET-1: nothing answers, the connection just hangs.
    code, _, err = await onboard(capsys, monkeypatch, "192.0.2.1:7233", "list", "--timeout", "1")
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "cannot reach Temporal at 192.0.2.1:7233" in err and ("within 1 s" in err or "error" in err), err


async def test_contact_sent_twice_by_the_client_is_recorded_once(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    await engagements.start(spec)
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    contact = engagements.sign(spec.engagement_id, Contact("pat", "phoned"))
    await engagements._update(spec.engagement_id, EngagementWorkflow.record_contact, contact)
    await engagements._update(spec.engagement_id, EngagementWorkflow.record_contact, contact)
    status = await engagements.status(spec.engagement_id)
    assert [r.action for r in status.state.audit].count("contact") == 1
