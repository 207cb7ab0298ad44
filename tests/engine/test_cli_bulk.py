"""``onboard approve`` and ``onboard complete`` on many engagements at once, against the
real server: each engagement answered on its own line (or in the --json array), one
failing does not stop the others, the exit status says the worst, and they hold back
while the workers are behind."""

import asyncio
import io
import json
import random
import uuid
from datetime import timedelta

from onboard.core.cli import bulk
from onboard.core.client import Engagements
from onboard.core.engagement.rules import backed_by_check
from onboard.core.models import Contact, Party
from onboard.core.pollers import queued_tasks
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from .helpers import KEYS, make_spec, reach_remediate, wait_for
from .test_cli import onboard as run_onboard


async def onboard(capsys, monkeypatch, address: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # the workers' log lines before the CLI configured logging
    return await run_onboard(capsys, monkeypatch, address, *args)


async def started(engagements: Engagements, count: int, contacted: int) -> list[str]:
    """``count`` engagements; the first ``contacted`` with their kick-off gate open."""
    specs = [make_spec() for _ in range(count)]
    await asyncio.gather(*(engagements.start(spec) for spec in specs))

    async def contact(engagement_id: str) -> None:
        await wait_for(engagements, engagement_id, lambda s: s.state.plan is not None)
        await engagements.record_contact(engagement_id, Contact("pat", "phoned"))
        await wait_for(engagements, engagement_id, lambda s: s.state.gates["kickoff"].open)

    await asyncio.gather(*(contact(spec.engagement_id) for spec in specs[:contacted]))
    return [s.engagement_id for s in specs]


async def test_approve_many_reports_each_and_goes_on_past_failures(
    client, worker, address, capsys, monkeypatch
):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    a, b, c = await started(engagements, 3, contacted=2)
    unknown = f"no-such-{uuid.uuid4().hex[:8]}"
    run = (capsys, monkeypatch, address)

    code, out, err = await onboard(*run, "approve", a, unknown, b, c, "kickoff", "--as", "pat", "--json")
    assert code == 1, err  # an unknown engagement is an error, not a refusal
    outcomes = json.loads(out)
    assert [o["engagement_id"] for o in outcomes] == [a, unknown, b, c]
    assert [o["outcome"] for o in outcomes] == ["applied", "error", "applied", "rejected"]
    assert outcomes[0]["result"]["passed"] and outcomes[0]["result"]["approved_by"] == {"provider": "pat"}
    assert outcomes[0]["request_id"] != outcomes[2]["request_id"] and outcomes[0]["error"] is None
    assert "unknown engagement" in outcomes[1]["error"] and "not open yet" in outcomes[3]["error"]
    lines = err.strip().splitlines()
    assert lines[0].startswith("onboard: error: unknown engagement") and lines[1].startswith(
        "onboard: rejected:"
    )
    assert lines[-1] == "onboard: approve on 4 engagements: 2 applied, 1 rejected, 1 failed"
    for eid in (a, b):
        assert (await engagements.status(eid)).state.gates["kickoff"].passed

    # Only refusals: exit 2, nothing on stdout.
    code, out, err = await onboard(*run, "approve", a, b, "kickoff", "--as", "pat")
    assert (code, out) == (2, "") and err.count("onboard: rejected:") == 2


async def test_approve_reads_ids_from_stdin_as_list_plain_prints_them(
    client, worker, address, capsys, monkeypatch
):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    ids = await started(engagements, 3, contacted=3)
    # `onboard --plain list ... | cut -f1` (a header line first), or the whole rows.
    piped = (
        "engagement\n" + "".join(f"{eid}\trunning\tinitiate\tContoso\tpat\n" for eid in ids) + ids[0] + "\n"
    )
    monkeypatch.setattr("sys.stdin", io.StringIO(piped))
    code, out, err = await onboard(capsys, monkeypatch, address, "approve", "-", "kickoff", "--as", "pat")
    assert code == 0, err
    assert out.splitlines() == [f"{eid}: gate 'kickoff' passed" for eid in ids]  # each once, in order
    assert err.strip() == "onboard: approve on 3 engagements: 3 applied"


async def test_more_than_are_sent_at_once_each_answered_once_in_the_order_given(
    client, worker, address, capsys, monkeypatch
):
    """More engagements than are in flight at once, in another order than they were
    started, among them an unknown id, two whose gate is not open and a repeat."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    count = bulk.AT_ONCE + 8
    ids = await started(engagements, count, contacted=count - 2)
    closed, parked = ids[-2:], ids[:-2]
    given = ids[:]
    random.Random(13).shuffle(given)
    unknown = f"no-such-{uuid.uuid4().hex[:8]}"
    given.insert(5, unknown)
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{eid}\n" for eid in [*given, given[0]])))
    code, out, err = await onboard(capsys, monkeypatch, address, "approve", "-", "kickoff", "--as", "pat")

    assert code == 1, err  # the unknown engagement: an error outranks the refusals
    applied = [eid for eid in given if eid in parked]
    assert out.splitlines() == [f"{eid}: gate 'kickoff' passed" for eid in applied]
    problems = err.strip().splitlines()
    refused = [eid for eid in given if eid in closed or eid == unknown]
    assert len(problems) == len(refused) + 1
    for line, eid in zip(problems, refused, strict=False):  # each in the order given, naming it
        assert eid in line and line.startswith("onboard: error:" if eid == unknown else "onboard: rejected:")
    assert problems[-1] == (
        f"onboard: approve on {count + 1} engagements: {count - 2} applied, 2 rejected, 1 failed"
    )
    for eid in parked:  # each approval applied once, by the engagement's own account
        state = (await engagements.status(eid)).state
        assert state.gates["kickoff"].passed
        assert [a.subject for a in state.audit if a.action == "approve"] == ["kickoff"]


async def test_complete_many(client, worker, address, capsys, monkeypatch):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    specs = [make_spec() for _ in range(2)]
    statuses = await asyncio.gather(*(reach_remediate(engagements, spec) for spec in specs))
    manual = next(
        i for i in statuses[0].state.items if not i.closed and not backed_by_check(statuses[0].state, i)
    )
    owner = "casey" if manual.item.owner is Party.CUSTOMER else "pat"
    ids = [s.engagement_id for s in statuses]
    code, out, err = await onboard(
        capsys, monkeypatch, address, "complete", *ids, manual.item.id, "--as", owner, "--evidence", "CHG-1"
    )
    assert code == 0, err
    assert out.splitlines() == [f"{eid}: {manual.item.id} completed" for eid in ids]
    for eid in ids:
        status = await engagements.status(eid)
        assert next(i for i in status.state.items if i.item.id == manual.item.id).closed


@workflow.defn(name="Idle")
class Idle:
    """Work for a queue that the approvals' pacing watches."""

    @workflow.run
    async def run(self) -> None:
        return None


async def backlog_of(client: Client, count: int) -> str:
    """A task queue no worker polls, with ``count`` workflow tasks waiting in it."""
    queue = f"busy-{uuid.uuid4().hex[:8]}"
    for n in range(count):
        await client.start_workflow("Idle", id=f"{queue}-{n}", task_queue=queue)
    for _ in range(100):  # the server's estimate follows within moments
        if await queued_tasks(client, queue, timedelta(seconds=5)) >= count:
            return queue
        await asyncio.sleep(0.1)
    raise AssertionError(f"the server never counted {count} tasks in {queue}")


async def test_a_bulk_action_holds_back_while_the_workers_are_behind(
    client, worker, address, capsys, monkeypatch
):
    """Three tasks wait in the queue: with --max-queued 3 nothing is sent until a worker
    takes them, then everything is."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    ids = await started(engagements, 2, contacted=2)
    busy = await backlog_of(client, 3)
    args = ("approve", *ids, "kickoff", "--as", "pat", "--task-queue", busy, "--max-queued", "3")
    approving = asyncio.create_task(onboard(capsys, monkeypatch, address, *args))
    await asyncio.sleep(3)
    assert not approving.done()
    for eid in ids:
        assert not (await engagements.status(eid)).state.gates["kickoff"].passed
    # The workers catch up (unsandboxed: the sandbox would import this test module anew).
    async with Worker(client, task_queue=busy, workflows=[Idle], workflow_runner=UnsandboxedWorkflowRunner()):
        code, out, err = await asyncio.wait_for(approving, timeout=60)
    assert code == 0, err
    assert out.splitlines() == [f"{eid}: gate 'kickoff' passed" for eid in ids]
    lines = err.strip().splitlines()
    assert "onboard: 3 tasks wait for the workers: holding back until fewer than 3" in lines
    assert lines[-1].startswith("onboard: approve on 2 engagements: 2 applied (held back ")


async def test_a_queue_that_never_drains_holds_back_no_longer_than_the_timeout(
    client, worker, address, capsys, monkeypatch
):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    ids = await started(engagements, 2, contacted=2)
    busy = await backlog_of(client, 2)
    code, out, err = await onboard(
        capsys, monkeypatch, address,
        "approve", *ids, "kickoff", "--as", "pat", "--task-queue", busy, "--max-queued", "1", "--timeout", "2",
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines() == [f"{eid}: gate 'kickoff' passed" for eid in ids]
    assert "onboard: the workers' queue has not shrunk in 2 s: sending anyway" in err
