"""Why an engagement does not move: a workflow task that keeps failing.

Values are checked before anything starts, but a bug, a worker deployed with code
that does not replay the engagement's history, or a value that slipped through can
still fail a workflow task.  Temporal then retries the task for ever: nothing is
lost, nothing moves, and queries fail.  This module finds such an engagement
(its pending workflow task is on its second attempt or later, and the last task
event is a failure) and reads the failure from history, so ``onboard list`` and
``onboard show`` can say *stuck* and why.  docs/operations.md, "A stuck engagement",
has the way out.
"""

import asyncio
from collections.abc import Iterable
from datetime import UTC, timedelta

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryReverseRequest,
)
from temporalio.client import Client
from temporalio.service import RPCError

#: Where the way out is written down.
WAY_OUT = "docs/operations.md, 'A stuck engagement'"
#: Engagements ``onboard list`` describes at a time.
CONCURRENCY = 16

_TASK_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
}


async def task_failure(client: Client, workflow_id: str, timeout: timedelta) -> str:
    """Why ``workflow_id``'s workflow task keeps failing ("" when it does not)."""
    service, namespace = client.workflow_service, client.namespace
    described = await service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        ),
        timeout=timeout,
    )
    if not described.HasField("pending_workflow_task") or described.pending_workflow_task.attempt < 2:
        return ""
    pending = described.pending_workflow_task
    run_id = described.workflow_execution_info.execution.run_id
    history = await service.get_workflow_execution_history_reverse(
        GetWorkflowExecutionHistoryReverseRequest(
            namespace=namespace,
            execution=WorkflowExecution(workflow_id=workflow_id, run_id=run_id),
            maximum_page_size=50,
        ),
        timeout=timeout,
    )
    last = next((e for e in history.history.events if e.event_type in _TASK_EVENTS), None)
    if last is None or last.event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        return ""  # timed out: no worker took it, which is not the engagement's fault
    failed = last.workflow_task_failed_event_attributes
    since = pending.original_scheduled_time.ToDatetime(tzinfo=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    message = failed.failure.message.strip().splitlines()[0] if failed.failure.message.strip() else ""
    cause_name = (
        WorkflowTaskFailedCause.Name(failed.cause).removeprefix("WORKFLOW_TASK_FAILED_CAUSE_").lower()
    )
    return (
        f"its workflow task has failed {pending.attempt - 1} times since {since} "
        f"({cause_name.replace('_', ' ')}): {message or 'no message'}"
    )


async def task_failures(client: Client, workflow_ids: Iterable[str], timeout: timedelta) -> dict[str, str]:
    """:func:`task_failure` of each id that has one (a few at a time; errors skipped)."""
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one(workflow_id: str) -> tuple[str, str]:
        async with gate:
            try:
                return workflow_id, await task_failure(client, workflow_id, timeout)
            except RPCError:
                return workflow_id, ""

    found = await asyncio.gather(*(one(w) for w in workflow_ids))
    return {w: why for w, why in found if why}
