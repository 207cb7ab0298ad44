"""The benchmark's worker, in a process of its own so that its CPU can be read apart.

    python worker.py ADDRESS TASK_QUEUE ALLOWED_SIGNERS [--profile FILE]

One onboard worker (``build_worker``: the engagement workflows and activities, the
sandboxed runner, the allowed-signers file), and beside it on the same connection a
worker of ``bare.BareWorkflow`` and its activity (queue ``driver.BARE_QUEUE``, payloads
not compressed: see ``driver.BARE_CONVERTER``). Prints ``ready`` once polling; then reads one JSON line per script
(``{"id": ..., "script": ...}``) into :mod:`bench_scripts` and answers ``ok ID``. At
end of input it stops (writing the cProfile of the whole run if asked) and leaves with
``os._exit`` (sdk-python#300).
"""

import asyncio
import cProfile
import json
import os
import pstats
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scripts
from bare import BareWorkflow, work
from driver import BARE_CONVERTER, BARE_QUEUE
from onboard.core import digest, engagement
from onboard.core.converter import DATA_CONVERTER
from onboard.core.logging import configure_cli_logging
from onboard.core.plugins import default_plugin_manager
from onboard.core.trust.store import TrustStore
from onboard.workers import activation_batches
from onboard.workers.worker import build_worker
from temporalio.client import Client
from temporalio.worker import Worker

#: One profiler per thread: workflow activations run in the workflow task executor's
#: threads, which a profiler of the main thread does not see.
PROFILES: list[cProfile.Profile] = []


def _profile_thread() -> None:
    profile = cProfile.Profile()
    PROFILES.append(profile)
    profile.enable()


async def serve(address: str, queue: str, allowed: Path, profiled: bool) -> None:
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    manager = default_plugin_manager()
    activities = [
        *engagement.EngagementActivities(manager, TrustStore(allowed)).all(),
        *digest.DigestActivities(client, manager).all(),
    ]
    options: dict[str, Any] = {}
    if profiled:
        # The SDK's default executor, with a profiler started in each thread.
        options["workflow_task_executor"] = ThreadPoolExecutor(max_workers=500, initializer=_profile_thread)
    worker = build_worker(
        client,
        **options,
        task_queue=queue,
        manager=manager,
        workflows=engagement.WORKFLOWS,
        activities=activities,
        allowed_signers=allowed,
    )
    # The bare side: the same runner and executor, its payloads not compressed (see
    # driver.BARE_CONVERTER), on one connection with the engagement's worker.
    bare_client = Client(**{**client.config(), "data_converter": BARE_CONVERTER})
    bare_worker = Worker(
        bare_client,
        **options,
        task_queue=BARE_QUEUE,
        workflows=[BareWorkflow],
        activities=[work],
        workflow_runner=engagement.workflow_runner(),
    )
    activation_batches.apply_all_jobs_first(bare_worker)  # as every onboard worker does
    async with worker, bare_worker:
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            message = json.loads(line)
            bench_scripts.SCRIPTS[message["id"]] = message["script"]
            print(f"ok {message['id']}", flush=True)


def main() -> None:
    address, queue, allowed = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    profile = Path(sys.argv[5]) if sys.argv[4:5] == ["--profile"] else None
    configure_cli_logging(verbose=False)  # the notification sink's info lines are not wanted
    if profile:
        _profile_thread()
    try:
        asyncio.run(serve(address, queue, allowed, profile is not None))
    finally:
        if profile and PROFILES:
            PROFILES[0].disable()
            stats = pstats.Stats(PROFILES[0])
            for other in PROFILES[1:]:
                stats.add(other)
            stats.dump_stats(profile)
        sys.stdout.flush()
        os._exit(0)


if __name__ == "__main__":
    main()
