"""History bytes per engagement, and the server CPU each engagement costs.

    .venv/bin/python benchmarks/history_size/bench.py [--engagements 5] [--out FILE]

Plays the demo engagement (EMS: core + three services + the suite, the sample bundle
assessed and re-assessed, every gate decided, every Enable step attested) on an
embedded dev server with the worker in this process, then reads every run's history
(the engagement's runs and its children) and reports:

* history bytes per engagement (the serialized ``History`` protos of all its runs and
  children), by event type, and the largest payloads by kind;
* the dev server's CPU (user + system, from ``/proc/<pid>/stat``) while each
  engagement is played, and what it uses idle for as long (its own timers, the
  worker's long polls), to read the first against.
"""

import argparse
import asyncio
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.demo import PERSONAS, play, sample_spec
from onboard.core.logging import configure_cli_logging
from onboard.core.trust import keys
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

QUEUE = "history-bench"
#: The dev server's CPU ticks per second (``/proc/<pid>/stat`` counts in them).
TICKS = os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU of the server process and its waited-for children."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime = int(fields[11]), int(fields[12])
    return (utime + stime) / TICKS


def server_pid() -> int:
    """The dev server this process started (``temporal server start-dev``, a child of ours)."""
    me = str(os.getpid())
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if stat[1] == me and b"start-dev" in cmdline:
            return int(proc.name)
    raise RuntimeError("no dev server among this process's children")


def _payload_sizes(event, activity_types: dict[int, str]) -> list[tuple[str, int]]:
    """(what, bytes) of the payloads one event carries, for the largest-payload table."""
    name = event.WhichOneof("attributes")
    if name is None:
        return []
    body = getattr(event, name)
    kind = name.removesuffix("_event_attributes")
    if kind == "activity_task_scheduled":
        activity_types[event.event_id] = body.activity_type.name
        return [(f"activity {body.activity_type.name} input", body.input.ByteSize())]
    if kind == "activity_task_completed":
        return [
            (f"activity {activity_types.get(body.scheduled_event_id, '?')} result", body.result.ByteSize())
        ]
    if kind == "workflow_execution_update_accepted":
        request = body.accepted_request.input
        return [(f"update {request.name} args", request.args.ByteSize())]
    if kind == "workflow_execution_update_completed":
        return [("update outcomes", body.outcome.ByteSize())]
    sizes = []
    for field in ("input", "result", "memo", "search_attributes", "details"):
        if field not in body.DESCRIPTOR.fields_by_name:
            continue
        value = getattr(body, field)
        size = value.ByteSize() if hasattr(value, "ByteSize") else sum(v.ByteSize() for v in value.values())
        if size:
            sizes.append((f"{kind} {field}", size))
    return sizes


async def measure(client: Client, engagement_id: str) -> dict:
    by_type: collections.Counter[str] = collections.Counter()
    by_payload: collections.Counter[str] = collections.Counter()
    total = runs = events = 0
    async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{engagement_id}'"):
        history = await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history()
        runs += 1
        activity_types: dict[int, str] = {}
        for event in history.events:
            size = event.ByteSize()
            total += size
            events += 1
            by_type[EventType.Name(event.event_type).removeprefix("EVENT_TYPE_")] += size
            for what, n in _payload_sizes(event, activity_types):
                by_payload[what] += n
    return {
        "bytes": total,
        "runs_and_children": runs,
        "events": events,
        "by_event_type": dict(by_type.most_common()),
        "by_payload": dict(by_payload.most_common(20)),
    }


async def main(engagements: int, out: Path | None) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_extra_args=["--log-level", "error"],
    )
    pid = server_pid()
    results, cpu, wall = [], [], []
    idle = 0.0
    try:
        # Signed as the demo signs: each persona's own key, trusted by the worker.
        ring, allowed = keys.persona_keys(Path(os.environ["ONBOARD_HOME"]) / "keys", PERSONAS)
        async with running_worker(env.client, task_queue=QUEUE, allowed_signers=allowed):
            for _ in range(engagements):
                spec = sample_spec()
                before, started = server_cpu_seconds(pid), time.perf_counter()
                await play(Engagements(env.client, QUEUE, signer=ring), spec, quiet=True, interval=0.05)
                cpu.append(server_cpu_seconds(pid) - before)
                wall.append(time.perf_counter() - started)
                results.append(await measure(env.client, spec.engagement_id))
            # What the server burns doing nothing for as long (its own timers and the
            # worker's long polls), to read the per-engagement CPU against.
            before = server_cpu_seconds(pid)
            await asyncio.sleep(statistics.median(wall))
            idle = server_cpu_seconds(pid) - before
    finally:
        await env.shutdown()
    sizes = [r["bytes"] for r in results]
    summary = {
        "engagements": engagements,
        "history_bytes": {"min": min(sizes), "median": statistics.median(sizes), "max": max(sizes)},
        "server_cpu_s": {"min": min(cpu), "median": statistics.median(cpu), "max": max(cpu)},
        "server_idle_cpu_s": idle,
        "wall_s": {"min": min(wall), "median": statistics.median(wall), "max": max(wall)},
        "first": results[0],
    }
    print(json.dumps(summary, indent=2))
    if out:
        out.write_text(json.dumps(summary, indent=2) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--engagements", type=int, default=5)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    os.environ.setdefault("ONBOARD_HOME", tempfile.mkdtemp(prefix="onboard-history-bench-"))
    configure_cli_logging(verbose=False)
    asyncio.run(main(args.engagements, args.out))
    sys.stdout.flush()
    os._exit(0)
