"""The bare workflow of the engine-overhead benchmark: an engagement's Temporal work, no engine.

``BareWorkflow`` plays a script of :mod:`shape` (one per engagement measured): each
workflow task of each run and child, in order, waits for what the engagement's task
waited for and then gives the same commands with dummy payloads of the same sizes.
Parent runs and children are the same workflow type, told apart by their input's
``part``. Nothing is decoded beyond the SDK's own work: Updates, signals and queries
are dynamic handlers whose arguments stay raw.
"""

import asyncio
from collections.abc import Coroutine, Sequence
from datetime import timedelta
from typing import Any

from attrs import frozen
from temporalio import activity, workflow
from temporalio.common import RawValue, SearchAttributeKey

with workflow.unsafe.imports_passed_through():
    import bench_scripts

AWAITING = SearchAttributeKey.for_keyword_list("OnboardAwaiting")
TIMEOUT = timedelta(seconds=60)
#: Bytes a JSON string payload adds to its characters (metadata, quotes, framing):
#: pads are that much shorter than the payload they stand for.
STR_OVERHEAD = 30
#: The same for a ``BareInput`` (its other fields) and a keyword-list search attribute.
INPUT_OVERHEAD = STR_OVERHEAD + 50
SA_OVERHEAD = 70
SA_VALUE = 200


def pad(size: int, overhead: int = STR_OVERHEAD) -> str:
    """A string whose payload weighs about ``size`` bytes."""
    return "x" * max(0, size - overhead)


@frozen
class BareInput:
    script: str
    part: str
    #: Parent tasks done before this run (what the driver's ``progress`` counts).
    done: int = 0
    pad: str = ""


@activity.defn
async def work(arg: str) -> str:
    """Returns as many bytes as the engagement's activity returned (the number before ``:``)."""
    return pad(int(arg.partition(":")[0]))


@workflow.defn
class BareWorkflow:
    @workflow.init
    def __init__(self, inp: BareInput) -> None:
        self.script = bench_scripts.SCRIPTS[inp.script]
        self.done = inp.done
        self.seen: set[str] = set()
        self.updates = self.signals = self.sent = self.markers = 0
        self.replies: dict[int, int] = {}
        self.background: set[asyncio.Task[None]] = set()

    @workflow.update(dynamic=True)
    async def update(self, name: str, args: Sequence[RawValue]) -> str:
        k = self.updates
        self.updates += 1
        self.seen.add(f"u{k}")
        await workflow.wait_condition(lambda: k in self.replies)
        return pad(self.replies[k])

    @workflow.signal(dynamic=True)
    def signal(self, name: str, args: Sequence[RawValue]) -> None:
        self.seen.add(f"s{self.signals}")
        self.signals += 1

    @workflow.query(dynamic=True)
    def query(self, name: str, args: Sequence[RawValue]) -> str:
        # The engagement's answer had this size; progress leads with the tasks done.
        size = self.script["queries"].get(name, 0)
        return f"{self.done}:{pad(size, STR_OVERHEAD + 4)}" if name == "progress" else pad(size)

    @workflow.run
    async def run(self, inp: BareInput) -> str:
        timers: dict[str, asyncio.Task[None]] = {}
        result = ""
        for task in self.script["parts"][inp.part]["tasks"]:
            after = task["after"]
            if not all(k in self.seen for k in after):
                await workflow.wait_condition(lambda after=after: all(k in self.seen for k in after))
            for op in task["do"]:
                kind = op[0]
                if kind == "act":
                    self._spawn(self._activity(op[1], op[2], op[3]))
                elif kind == "marker":
                    workflow.patched(f"p{self.markers}")
                    self.markers += 1
                elif kind == "sa":
                    values = pad(op[1], SA_OVERHEAD)
                    chunks = [values[i : i + SA_VALUE] for i in range(0, len(values), SA_VALUE)] or [""]
                    workflow.upsert_search_attributes([AWAITING.value_set(chunks)])
                elif kind == "memo":
                    workflow.upsert_memo({"bench": pad(op[1])})
                elif kind == "timer":
                    timers[op[1]] = self._spawn(self._timer(op[1], op[2]))
                elif kind == "cancel":
                    timers.pop(op[1]).cancel()
                elif kind == "reply":
                    self.replies[op[1]] = op[2]
                elif kind == "child":
                    self._spawn(self._child(inp.script, op[1], op[2]))
                elif kind == "signal":
                    self._spawn(self._signal(op[1], op[2]))
                elif kind == "can":
                    # The run's tasks are all done (this one too) when the next run starts.
                    part = f"r{int(inp.part[1:]) + 1}"
                    workflow.continue_as_new(
                        BareInput(inp.script, part, self.done + 1, pad(op[1], INPUT_OVERHEAD))
                    )
                elif kind == "done":
                    result = pad(op[1])
            self.done += 1
        return result

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)
        return task

    async def _activity(self, key: str, size: int, result: int) -> None:
        arg = f"{result}:"
        await workflow.execute_activity(
            work, arg + pad(size, STR_OVERHEAD + len(arg)), start_to_close_timeout=TIMEOUT
        )
        self.seen.add(key)

    async def _timer(self, key: str, seconds: float) -> None:
        try:
            await asyncio.sleep(seconds)
        except asyncio.CancelledError:
            return
        self.seen.add(key)

    async def _child(self, script: str, i: int, size: int) -> None:
        handle = await workflow.start_child_workflow(
            BareWorkflow.run,
            BareInput(script, f"c{i}", 0, pad(size, INPUT_OVERHEAD)),
            id=f"{workflow.info().workflow_id}.c{i}",
        )
        self.seen.add(f"cs{i}")
        await handle
        self.seen.add(f"cd{i}")

    async def _signal(self, target: str, size: int) -> None:
        k = self.sent
        self.sent += 1
        info = workflow.info()
        parent = info.parent.workflow_id if info.parent else info.workflow_id
        to = parent if target == "parent" else f"{parent}.{target}"
        await workflow.get_external_workflow_handle(to).signal("bench", pad(size))
        self.seen.add(f"x{k}")
