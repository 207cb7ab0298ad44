"""The shape of an engagement's Temporal work, read from its histories, as a script.

A script is plain JSON (it crosses to the worker process as one line): for each
parent run (``r0``, ``r1`` …) and each child workflow (``c0`` …) the list of its
workflow tasks, each with what it waited for (``after``: activities, timers, Updates,
signals, children it needed) and the commands it gave (``do``), with the sizes in
bytes of every payload. ``bare.BareWorkflow`` plays a script back with dummy payloads
of those sizes: the same Temporal work without the engine.

Ops in ``do`` (sizes are protobuf bytes of the payloads):
``["marker"]`` a patch marker, ``["sa", n]`` a search-attribute upsert,
``["memo", n]`` a memo upsert, ``["act", key, in, out]`` an activity,
``["timer", key, seconds]``, ``["cancel", key]`` a timer, ``["reply", k, n]`` Update
``k``'s result, ``["child", i, in]`` start child ``i``, ``["signal", target, n]``
``target`` is ``"parent"`` or a child ``"c<i>"``, ``["can", n]`` continue-as-new with
an input of ``n`` bytes, ``["done", n]`` complete with a result of ``n`` bytes.
Keys in ``after``: ``a<id>`` activity done, ``t<id>`` timer fired, ``u<k>`` the
``k``-th Update of the run received, ``s<k>`` its ``k``-th signal received,
``cs<i>``/``cd<i>`` child ``i`` started/done, ``x<k>`` its ``k``-th outgoing signal
delivered.
"""

from collections import Counter
from typing import Any

from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import EventType as E
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

Script = dict[str, Any]

_ACTIVITY_DONE = {
    E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    E.EVENT_TYPE_ACTIVITY_TASK_CANCELED,
}
_CHILD_DONE = {
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_COMPLETED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_FAILED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_CANCELED,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TIMED_OUT,
    E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_TERMINATED,
}
#: Events that say nothing the bare workflow must copy (its own tasks and activity starts).
_BOOKKEEPING = {
    E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
}


def size(payloads: Payloads | None) -> int:
    """Protobuf bytes of some payloads (0 for none)."""
    return sum(p.ByteSize() for p in payloads.payloads) if payloads is not None else 0


def _attrs(event: HistoryEvent) -> Any:
    return getattr(event, event.WhichOneof("attributes"))


class _Reader:
    """Turns one workflow's history into its tasks; children are numbered across the script."""

    def __init__(self, children: dict[str, int]) -> None:
        self.children = children  # child workflow id -> index, shared by every run
        self.unknown: Counter[str] = Counter()

    def tasks(self, history: WorkflowHistory, parent_id: str | None) -> list[dict[str, Any]]:
        tasks: list[dict[str, Any]] = []
        pending: list[str] = []
        updates: dict[str, int] = {}  # update id -> k
        signals = sent = 0
        child_of_initiated: dict[int, int] = {}
        signal_of_initiated: dict[int, int] = {}
        current: dict[str, Any] | None = None
        for event in history.events:
            kind, a = event.event_type, _attrs(event)
            if kind == E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                # When it completed (server clock, this machine): where a driver's wait ended.
                at = event.event_time.seconds + event.event_time.nanos / 1e9
                current = {"after": pending, "do": [], "at": at}
                tasks.append(current)
                pending = []
            elif kind in _BOOKKEEPING:
                continue
            elif kind in _ACTIVITY_DONE:
                pending.append(f"a{a.scheduled_event_id}")
            elif kind == E.EVENT_TYPE_TIMER_FIRED:
                pending.append(f"t{a.timer_id}")
            elif kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
                pending.append(f"s{signals}")
                signals += 1
            elif kind == E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED:
                pending.append(f"cs{child_of_initiated[a.initiated_event_id]}")
            elif kind in _CHILD_DONE:
                pending.append(f"cd{child_of_initiated[a.initiated_event_id]}")
            elif kind == E.EVENT_TYPE_EXTERNAL_WORKFLOW_EXECUTION_SIGNALED:
                pending.append(f"x{signal_of_initiated[a.initiated_event_id]}")
            elif current is None:
                self.unknown[E.Name(kind)] += 1
            elif kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                k = updates.setdefault(a.protocol_instance_id, len(updates))
                current["after"].append(f"u{k}")
                current.setdefault("args", []).append(size(a.accepted_request.input.args))
            else:
                op = self._command(event, kind, a, updates, child_of_initiated, parent_id)
                if op is None:
                    self.unknown[E.Name(kind)] += 1
                else:
                    if op[0] == "signal":
                        signal_of_initiated[event.event_id] = sent
                        sent += 1
                    current["do"].append(op)
        return tasks

    def _command(
        self,
        event: HistoryEvent,
        kind: int,
        a: Any,
        updates: dict[str, int],
        child_of_initiated: dict[int, int],
        parent_id: str | None,
    ) -> list[Any] | None:
        if kind == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            return ["act", f"a{event.event_id}", size(a.input), 0]  # the result is filled in later
        if kind == E.EVENT_TYPE_MARKER_RECORDED:
            return ["marker"] if a.marker_name == "core_patch" else None
        if kind == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            return ["sa", a.search_attributes.ByteSize()]
        if kind == E.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
            return ["memo", a.upserted_memo.ByteSize()]
        if kind == E.EVENT_TYPE_TIMER_STARTED:
            return ["timer", f"t{a.timer_id}", a.start_to_fire_timeout.ToTimedelta().total_seconds()]
        if kind == E.EVENT_TYPE_TIMER_CANCELED:
            return ["cancel", f"t{a.timer_id}"]
        if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
            k = updates.setdefault(a.meta.update_id, len(updates))
            return ["reply", k, size(a.outcome.success) if a.outcome.HasField("success") else 0]
        if kind == E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
            i = self.children.setdefault(a.workflow_id, len(self.children))
            child_of_initiated[event.event_id] = i
            return ["child", i, size(a.input)]
        if kind == E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
            target = a.workflow_execution.workflow_id
            to = (
                "parent"
                if target == parent_id
                else f"c{self.children.setdefault(target, len(self.children))}"
            )
            return ["signal", to, size(a.input)]
        if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
            return ["can", size(a.input)]
        if kind == E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
            return ["done", size(a.result)]
        return None


def _activity_results(history: WorkflowHistory) -> dict[str, int]:
    return {
        f"a{e.activity_task_completed_event_attributes.scheduled_event_id}": size(
            e.activity_task_completed_event_attributes.result
        )
        for e in history.events
        if e.event_type == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED
    }


def script_of(runs: list[WorkflowHistory], children: dict[str, WorkflowHistory]) -> Script:
    """The script of one engagement: its parent runs (oldest first) and its children by id."""
    ids: dict[str, int] = {}
    reader = _Reader(ids)
    parts: dict[str, Any] = {}
    offset = 0
    for r, history in enumerate(runs):
        tasks = reader.tasks(history, None)
        parts[f"r{r}"] = {"tasks": tasks, "offset": offset}
        offset += len(tasks)
        _fill_results(tasks, _activity_results(history))
    parent_id = runs[0].workflow_id
    for child_id, i in list(ids.items()):
        if child_id in children:
            tasks = reader.tasks(children[child_id], parent_id)
            _fill_results(tasks, _activity_results(children[child_id]))
            parts[f"c{i}"] = {"tasks": tasks, "offset": 0}
    first = runs[0].events[0].workflow_execution_started_event_attributes
    return {
        "parts": parts,
        "start": size(first.input),
        "children_input": {
            f"c{i}": size(children[c].events[0].workflow_execution_started_event_attributes.input)
            for c, i in ids.items()
            if c in children
        },
        "unknown": dict(reader.unknown),
    }


def _fill_results(tasks: list[dict[str, Any]], results: dict[str, int]) -> None:
    for task in tasks:
        for op in task["do"]:
            if op[0] == "act":
                op[3] = results.get(op[1], 0)


def counts(script: Script) -> dict[str, int]:
    """What the script does, summed over its runs and children (for the report)."""
    ops: Counter[str] = Counter()
    for name, part in script["parts"].items():
        prefix = "child_" if name.startswith("c") else ""
        ops[prefix + "tasks"] += len(part["tasks"])
        for task in part["tasks"]:
            ops[prefix + "updates"] += len(task.get("args", ()))
            ops[prefix + "signals_in"] += sum(key.startswith("s") for key in task["after"])
            ops[prefix + "timers_fired"] += sum(key.startswith("t") for key in task["after"])
            for op in task["do"]:
                ops[prefix + op[0]] += 1
    ops["runs"] = sum(name.startswith("r") for name in script["parts"])
    return dict(sorted(ops.items()))


def history_bytes(histories: list[WorkflowHistory]) -> int:
    """Protobuf bytes of every event of these histories."""
    return sum(e.ByteSize() for h in histories for e in h.events)
