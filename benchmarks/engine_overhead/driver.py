"""Both drivers of the engine-overhead benchmark, and what they sent.

:class:`Recorder` is a client interceptor: every call either driver makes to the
server is logged (method, query or Update name, when it returned, the answer's
size), so the calls are counted on both sides the same way. :func:`bare_plan`
turns the engagement driver's log into the bare driver's: the same start, Updates
and non-polling queries in the same order, and each of its waits (a run of
``progress`` queries) into "poll until the bare workflow has done as many tasks as
the engagement had when its wait ended", with the same poll interval.
"""

import asyncio
import dataclasses
import itertools
import time
import uuid
from collections import Counter
from typing import Any

import attrs
from bare import STR_OVERHEAD, BareInput, BareWorkflow, pad
from onboard.core.converter import DATA_CONVERTER
from shape import Script
from temporalio import client as tc

POLL_QUERY = "progress"
#: The bare side's data converter: onboard's, without the compression codec.  The bare
#: payloads are padding of the size the engagement's payloads have *as stored*
#: (compressed where the codec compressed them); compressed again they would shrink to
#: nearly nothing, and the bare side would write fewer bytes than the engagement.
BARE_CONVERTER = dataclasses.replace(DATA_CONVERTER, payload_codec=None)
#: The bare workflow's own task queue, served by a worker with :data:`BARE_CONVERTER`.
BARE_QUEUE = "bench-bare"


@attrs.define
class Call:
    method: str
    name: str = ""
    at: float = 0.0  # time.time() when it returned (the server's clock is this machine's)
    sent: float = 0.0  # time.time() when it was sent
    size: int = 0  # bytes of the query's answer


class Recorder(tc.Interceptor):
    """Logs the driver's calls through the client into ``calls``: starts, queries,
    Updates, signals, describes, history fetches (raw ``workflow_service`` calls, such
    as the engagement client's "does a worker poll" check, bypass interceptors)."""

    def __init__(self) -> None:
        self.calls: list[Call] = []

    def intercept_client(self, next: tc.OutboundInterceptor) -> tc.OutboundInterceptor:
        return _Outbound(next, self)

    def counts(self) -> dict[str, int]:
        """Calls by kind: ``query:progress``, ``update:decide``, ``describe_workflow`` …"""
        return dict(
            sorted(Counter(f"{c.method}:{c.name}" if c.name else c.method for c in self.calls).items())
        )


class _Outbound(tc.OutboundInterceptor):
    def __init__(self, next: tc.OutboundInterceptor, recorder: Recorder) -> None:
        super().__init__(next)
        self.recorder = recorder

    async def query_workflow(self, input: tc.QueryWorkflowInput) -> Any:
        sent = time.time()
        result = await super().query_workflow(input)
        payloads = DATA_CONVERTER.payload_converter.to_payloads([result])
        answer = sum(p.ByteSize() for p in payloads)
        self.recorder.calls.append(Call("query", input.query, at=time.time(), size=answer, sent=sent))
        return result

    async def start_workflow_update(self, input: tc.StartWorkflowUpdateInput) -> Any:
        handle = await super().start_workflow_update(input)
        self.recorder.calls.append(Call("update", input.update, time.time()))
        return handle

    async def start_workflow(self, input: tc.StartWorkflowInput) -> Any:
        handle = await super().start_workflow(input)
        self.recorder.calls.append(Call("start_workflow", at=time.time()))
        return handle

    async def describe_workflow(self, input: tc.DescribeWorkflowInput) -> Any:
        result = await super().describe_workflow(input)
        self.recorder.calls.append(Call("describe_workflow", at=time.time()))
        return result

    async def signal_workflow(self, input: tc.SignalWorkflowInput) -> None:
        await super().signal_workflow(input)
        self.recorder.calls.append(Call("signal", input.signal, time.time()))

    def fetch_workflow_history_events(self, input: tc.FetchWorkflowHistoryEventsInput) -> Any:
        # Waiting for a result is this too (a long poll of the history's last event).
        self.recorder.calls.append(Call("history", at=time.time()))
        return super().fetch_workflow_history_events(input)


@attrs.frozen
class Step:
    """One step of the bare driver: ``start``, ``wait`` (for ``target`` tasks), ``query``, ``update``, ``result``."""

    kind: str
    target: int = 0
    name: str = ""
    size: int = 0


def bare_plan(calls: list[Call], script: Script) -> list[Step]:
    """The bare driver's steps, from the engagement driver's calls and the engagement's script."""
    tasks = [t for name, part in script["parts"].items() if name.startswith("r") for t in part["tasks"]]
    done_at = [t["at"] for t in tasks]
    # The k-th Update (over the whole engagement) and the task that took it in.
    update_task = [i for i, t in enumerate(tasks) for _ in t.get("args", ())]
    update_args = [size for t in tasks for size in t.get("args", ())]
    steps: list[Step] = [Step("start", size=script["start"])]
    waiting: Call | None = None
    updates = 0
    for call in calls:
        if call.method == "query" and call.name == POLL_QUERY:
            waiting = call
            continue
        if waiting is not None:
            # Tasks done before the last poll was sent were surely in its answer (a task
            # done while it was on its way may not have been: the bare driver would then
            # wait for one the engagement's driver did not need).
            target = sum(at <= waiting.sent for at in done_at)
            if call.method == "update" and updates < len(update_task):
                target = min(target, update_task[updates])  # never past what the Update unblocks
            steps.append(Step("wait", target=target))
            waiting = None
        if call.method == "query":
            steps.append(Step("query", name=call.name))
        elif call.method == "update":
            steps.append(
                Step("update", name=call.name, size=update_args[updates] if updates < len(update_args) else 0)
            )
            updates += 1
    steps.append(Step("result"))
    return steps


async def run_bare(client: tc.Client, script_id: str, steps: list[Step], queue: str, poll: float) -> str:
    """Drive one bare engagement through ``steps``; its workflow id."""
    wid = f"bare-{uuid.uuid4().hex[:8]}"
    handle: tc.WorkflowHandle[Any, Any] | None = None
    for step in steps:
        if step.kind == "start":
            handle = await client.start_workflow(
                BareWorkflow.run, BareInput(script_id, "r0", 0, pad(step.size, STR_OVERHEAD + 50)),
                id=wid, task_queue=queue,
            )  # fmt: skip
            continue
        assert handle is not None
        if step.kind == "wait":
            while int((await handle.query(POLL_QUERY, result_type=str)).partition(":")[0]) < step.target:
                await asyncio.sleep(poll)  # the engagement driver's interval (Narrator.until)
        elif step.kind == "query":
            await handle.query(step.name, result_type=str)
        elif step.kind == "update":
            await handle.execute_update(step.name, pad(step.size), result_type=str)
        elif step.kind == "result":
            # As the engagement driver does: the latest run's result, not the chain from the first.
            await client.get_workflow_handle(wid).result()
    return wid


async def runs_of(client: tc.Client, workflow_id: str) -> list[tc.WorkflowHistory]:
    """Every run of a workflow, oldest first (following continue-as-new back from the latest)."""
    runs: list[tc.WorkflowHistory] = []
    run_id: str | None = None
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        runs.insert(0, history)
        run_id = history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
        if not run_id:
            return runs


async def histories_of(
    client: tc.Client, workflow_id: str
) -> tuple[list[tc.WorkflowHistory], dict[str, tc.WorkflowHistory]]:
    """The runs of a workflow and the (last runs of the) children they started, by id."""
    runs = await runs_of(client, workflow_id)
    children: dict[str, tc.WorkflowHistory] = {}
    for history in runs:
        for event in history.events:
            if event.HasField("start_child_workflow_execution_initiated_event_attributes"):
                child = event.start_child_workflow_execution_initiated_event_attributes.workflow_id
                children[child] = (await runs_of(client, child))[-1]
    return runs, children


def query_sizes(calls: list[Call]) -> dict[str, int]:
    """The median answer size of each query the engagement driver sent."""
    by_name: dict[str, list[int]] = {}
    for call in calls:
        if call.method == "query":
            by_name.setdefault(call.name, []).append(call.size)
    return {name: sorted(sizes)[len(sizes) // 2] for name, sizes in by_name.items()}


def continue_as_new_gaps(runs: list[tc.WorkflowHistory]) -> list[float]:
    """Seconds from each continue-as-new to the next run's first workflow task starting."""
    gaps = []
    for old, new in itertools.pairwise(runs):
        ended = old.events[-1].event_time.ToDatetime()
        started = next(e for e in new.events if e.HasField("workflow_task_started_event_attributes"))
        gaps.append((started.event_time.ToDatetime() - ended).total_seconds())
    return gaps
