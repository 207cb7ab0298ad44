"""A worker process whose activity ignores shutdown, to show that a second signal forces the exit.

python workers_stubborn_worker.py ADDRESS TASK_QUEUE
"""

import asyncio
import os
import sys
from datetime import timedelta

from onboard.workers.logs import configure_worker_logging
from onboard.workers.worker import run_worker
from temporalio.client import Client
from workers_sample_workflows import StubbornWorkflow, ignore_shutdown


async def main(address: str, task_queue: str) -> None:
    configure_worker_logging()
    client = await Client.connect(address)
    await run_worker(
        client,
        task_queue=task_queue,
        workflows=[StubbornWorkflow],
        activities=[ignore_shutdown],
        graceful_shutdown_timeout=timedelta(seconds=60),
    )


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
    os._exit(0)
