"""Engine overhead: a full engagement against a bare workflow doing the same work.

    .venv/bin/python benchmarks/engine_overhead/bench.py [--rounds 5] [--scenario ems|core]

1. Runs full engagements (scripted approvals, no waiting on people) on one embedded
   dev server and counts, from their histories, what Temporal did: activities,
   accepted updates, timers started, child workflows, runs (continue-as-new).
2. Runs a bare workflow on the same server, in the same process, that does the
   same number of activities (no-ops), updates, timers and child workflows, driven
   the same way (the driver waits for "ready" between updates, as approvers wait
   for a gate to open).
3. Prints the median wall time of each and the ratio engagement / bare.
   Target: 1.10 or less.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import attrs
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.demo import play, sample_spec
from onboard.core.engagement import WORKFLOWS, EngagementActivities, workflow_runner
from onboard.core.logging import configure_cli_logging
from onboard.workers.devserver import find_binary
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare import BareChild, BareInput, BareWorkflow, Workload, noop

QUEUE = "bench"
#: How often both drivers look whether the workflow is ready for the next decision.
POLL = 0.01


async def count_workload(client: Client, engagement_id: str) -> Workload:
    counts = dict.fromkeys(
        ("activities", "updates", "timers", "children", "child_activities", "runs", "upserts"), 0
    )
    async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{engagement_id}'"):
        history = await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history()
        child = wf.id != engagement_id
        counts["runs"] += 0 if child else 1
        for event in history.events:
            if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
                counts["child_activities" if child else "activities"] += 1
            elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
                counts["updates"] += 1
            elif event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
                counts["timers"] += 1
            elif event.event_type == EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
                counts["children"] += 1
            elif event.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
                counts["upserts"] += 1
    return Workload(**counts)


async def run_bare(client: Client, load: Workload) -> float:
    started = time.perf_counter()
    handle = await client.start_workflow(
        BareWorkflow.run, BareInput(load), id=f"bare-{uuid.uuid4().hex[:8]}", task_queue=QUEUE
    )
    for n in range(load.updates):
        while await handle.query(BareWorkflow.ready_for) <= n:
            await asyncio.sleep(POLL)  # the same polling interval as the engagement driver
        await handle.execute_update(BareWorkflow.step, n)
    await handle.result()
    return time.perf_counter() - started


SCENARIOS = {
    # The demo's engagement: EMS (core + three services + the suite), the sample
    # bundle assessed (LDIF, zones, inventory, environment), a re-assessment with
    # the fixed bundle, every Enable step attested.
    "ems": lambda: sample_spec(),
}


async def run_engagement(client: Client, scenario: str) -> tuple[float, str]:
    spec = SCENARIOS[scenario]()
    started = time.perf_counter()
    await play(Engagements(client, QUEUE), spec, quiet=True, interval=POLL)
    return time.perf_counter() - started, spec.engagement_id


async def main(rounds: int, scenario: str, out: Path | None) -> float:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        async with Worker(
            env.client,
            task_queue=QUEUE,
            workflows=[*WORKFLOWS, BareWorkflow, BareChild],
            activities=[*EngagementActivities().all(), noop],
            workflow_runner=workflow_runner(),
        ):
            await run_engagement(env.client, scenario)  # warm-up: imports, caches
            engagement_times, bare_times, load = [], [], None
            for _ in range(rounds):
                seconds, eid = await run_engagement(env.client, scenario)
                engagement_times.append(seconds)
                load = load or await count_workload(env.client, eid)
                bare_times.append(await run_bare(env.client, load))
    finally:
        await env.shutdown()
    engagement, bare = statistics.median(engagement_times), statistics.median(bare_times)
    ratio = engagement / bare
    print(f"workload per engagement: {load}")
    print(
        f"engagement: median {engagement:.3f} s over {rounds} rounds {[round(t, 3) for t in engagement_times]}"
    )
    print(f"bare:       median {bare:.3f} s over {rounds} rounds {[round(t, 3) for t in bare_times]}")
    print(f"ratio engagement/bare: {ratio:.3f} (target <= 1.10)")
    if out:
        out.write_text(
            json.dumps(
                {
                    "scenario": scenario,
                    "workload": attrs.asdict(load),
                    "engagement_s": engagement_times,
                    "bare_s": bare_times,
                    "ratio": ratio,
                },
                indent=2,
            )
        )
    return ratio


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="ems")
    parser.add_argument("--out", type=Path, help="write the numbers as JSON here")
    args = parser.parse_args()
    os.environ.setdefault("ONBOARD_HOME", tempfile.mkdtemp(prefix="onboard-bench-"))
    configure_cli_logging(verbose=False)  # the notification sink's info lines would drown the numbers
    asyncio.run(main(args.rounds, args.scenario, args.out))
    sys.stdout.flush()
    os._exit(0)
