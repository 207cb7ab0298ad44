"""A worker in its own process, so a test can kill it like an operator's SIGKILL would.

python -m tests.engine.worker_process ADDRESS NAMESPACE TASK_QUEUE
"""

import asyncio
import os
import sys

from onboard.core.connection import ConnectionOptions, connect
from onboard.core.engagement import WORKFLOWS, EngagementActivities, workflow_runner
from temporalio.worker import Worker


async def main(address: str, namespace: str, task_queue: str) -> None:
    client = await connect(ConnectionOptions(address=address, namespace=namespace))
    async with Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=EngagementActivities().all(),
        workflow_runner=workflow_runner(),
    ):
        print("worker ready", flush=True)
        await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:4]))
    finally:
        os._exit(0)
