"""What the server says of a task queue: whether a worker polls it (asked before an
action is sent, and when none answers) and how many tasks wait in it (asked by a bulk
action that holds back while the workers are behind: :mod:`onboard.core.cli.pacing`).

Apart from :mod:`onboard.core.client` so that ``onboard digest`` asks the same way.
"""

import asyncio
from datetime import UTC, datetime, timedelta

from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client

#: A poller seen this recently is a live worker (the server lists stopped ones for minutes).
POLLER_FRESH = timedelta(minutes=1)


async def live_pollers(client: Client, task_queue: str, timeout: timedelta) -> list[str]:
    """Identities of the workers that polled ``task_queue`` for workflow tasks lately."""
    response = await client.workflow_service.describe_task_queue(
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
        ),
        timeout=timeout,
    )
    now = datetime.now(UTC)
    return [
        p.identity
        for p in response.pollers
        if now - p.last_access_time.ToDatetime(tzinfo=UTC)
        < POLLER_FRESH  # stopped workers stay listed a while
    ]


def no_worker(queue: str) -> str:
    """Why nobody answers for ``queue``: no worker polled it lately."""
    minutes = POLLER_FRESH.total_seconds() / 60
    return f"no worker has polled its task queue {queue!r} in the last {minutes:g} minutes (start `onboard worker`)"


async def queued_tasks(client: Client, task_queue: str, timeout: timedelta) -> int:
    """How many workflow and activity tasks wait in ``task_queue`` (the server's estimate,
    which it refreshes every few seconds; 0 from a server too old to report it)."""
    kinds = (TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW, TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY)
    requests = [
        DescribeTaskQueueRequest(
            namespace=client.namespace,
            task_queue=TaskQueue(name=task_queue),
            task_queue_type=kind,
            report_stats=True,
        )
        for kind in kinds
    ]
    responses = await asyncio.gather(
        *(client.workflow_service.describe_task_queue(r, timeout=timeout) for r in requests)
    )  # one round trip, not two
    return sum(response.stats.approximate_backlog_count for response in responses)
