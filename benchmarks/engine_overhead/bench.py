"""Engine overhead: full engagements against a bare workflow doing the same Temporal work.

    .venv/bin/python benchmarks/engine_overhead/bench.py [--rounds 9] [--out FILE] [--json]

1. One dev server (``temporal server start-dev``, SQLite in a temporary folder) with
   ``history.workflowIdReuseMinimalInterval`` at 0 s, so a new run after
   continue-as-new starts at once instead of a second later (the gaps are reported).
2. One worker in its own process (``worker.py``): the onboard worker as
   ``build_worker`` makes it, plus the bare workflow.
3. A warm-up engagement (the demo's: scripted, signed decisions, 10 ms polls of
   ``progress``) is played; from its histories (every run, every child) comes the
   script the bare workflow plays (``shape.py``), and from the driver's recorded
   calls the bare driver's plan (``driver.py``). Derived anew at every invocation.
4. Each round plays one engagement and one bare engagement, alternating which goes
   first, and measures for each: wall time, and CPU of the server process and of the
   worker process (user + system from ``/proc/PID/stat``, all threads), plus the
   driver's (this process, ``time.process_time``; not in the ratio).
5. Per round the ratios engagement / bare; then min / median / max over the rounds.
   Target: CPU ratio (server + worker) at most 1.10.
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from driver import (
    BARE_CONVERTER,
    BARE_QUEUE,
    Recorder,
    bare_plan,
    continue_as_new_gaps,
    histories_of,
    query_sizes,
    run_bare,
)
from onboard.core.client import Engagements
from onboard.core.demo import PERSONAS, play, sample_spec
from onboard.core.logging import configure_cli_logging
from onboard.core.trust import keys
from onboard.workers.devserver import DevServer, find_binary
from shape import Script, counts, history_bytes, script_of
from temporalio.client import Client

QUEUE = "bench"
#: The continue-as-new delay off (the dev server's default is 1 s after a run shorter than that).
NO_REUSE_DELAY = ["--dynamic-config-value", 'history.workflowIdReuseMinimalInterval="0s"']
TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime, stime (fields 14, 15)


class Bench:
    def __init__(self, client: Client, recorder: Recorder, engagements: Engagements, pids: dict[str, int], poll: float, worker: subprocess.Popen[str]) -> None:  # fmt: skip
        self.client, self.recorder, self.engagements = client, recorder, engagements
        self.pids, self.poll, self.worker = pids, poll, worker

    async def engagement(self) -> tuple[str, list[Any]]:
        self.recorder.calls.clear()
        spec = sample_spec()
        await play(self.engagements, spec, quiet=True, interval=self.poll)
        return spec.engagement_id, list(self.recorder.calls)

    def load(self, script: Script) -> str:
        """Hand a script to the worker process; its id."""
        script_id = uuid.uuid4().hex[:8]
        assert self.worker.stdin and self.worker.stdout
        self.worker.stdin.write(json.dumps({"id": script_id, "script": script}) + "\n")
        self.worker.stdin.flush()
        answer = self.worker.stdout.readline().strip()
        assert answer == f"ok {script_id}", answer
        return script_id

    async def script(self, workflow_id: str, calls: list[Any]) -> tuple[Script, dict[str, Any]]:
        runs, children = await histories_of(self.client, workflow_id)
        script = script_of(runs, children)
        script["queries"] = query_sizes(calls)
        return script, self.shape(runs, children)

    def shape(self, runs: list[Any], children: dict[str, Any]) -> dict[str, Any]:
        return {
            "history_bytes": history_bytes(runs) + history_bytes(list(children.values())),
            "history_events": sum(len(h.events) for h in [*runs, *children.values()]),
            "run_bytes": [history_bytes([h]) for h in runs],
            "child_bytes": history_bytes(list(children.values())),
            "continue_as_new_gaps_s": [round(g, 3) for g in continue_as_new_gaps(runs)],
        }

    async def measure(self, side: str, play_side: Any) -> dict[str, Any]:
        self.recorder.calls.clear()
        before = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        driver, started = time.process_time(), time.perf_counter()
        workflow_id = await play_side()
        wall, driver = time.perf_counter() - started, time.process_time() - driver
        cpu = {name: cpu_seconds(pid) - before[name] for name, pid in self.pids.items()}
        calls = self.recorder.counts()
        runs, children = await histories_of(self.client, workflow_id)
        result = {
            "side": side, "wall_s": wall, "server_cpu_s": cpu["server"], "worker_cpu_s": cpu["worker"],
            "cpu_s": cpu["server"] + cpu["worker"], "driver_cpu_s": driver, "calls": calls,
            "queries": sum(n for k, n in calls.items() if k.startswith("query")), **self.shape(runs, children),
        }  # fmt: skip
        if side == "engagement":
            result["work"] = counts(script_of(runs, children))
        return result


def spread(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


async def main(args: argparse.Namespace) -> dict[str, Any]:
    home = Path(os.environ["ONBOARD_HOME"])
    ring, allowed = keys.persona_keys(home / "keys", PERSONAS)
    extra = [] if args.reuse_delay else NO_REUSE_DELAY
    server = DevServer(db=home / "temporal.db", port=0, ui=False, log_level="error", extra_args=extra)
    async with server:
        command = [
            sys.executable,
            str(Path(__file__).with_name("worker.py")),
            server.address,
            QUEUE,
            str(allowed),
        ]
        if args.profile:
            command += ["--profile", str(args.profile)]
        worker = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert worker.stdout and worker.stdout.readline().strip() == "ready"
            return await rounds(args, server, worker, ring)
        finally:
            if worker.stdin:
                worker.stdin.close()  # the worker stops at end of input
            worker.wait(timeout=60)


async def rounds(args: argparse.Namespace, server: DevServer, worker: subprocess.Popen[str], ring: Any) -> dict[str, Any]:  # fmt: skip
    recorder = Recorder()
    base = await server.connect()
    client = Client(**{**base.config(), "interceptors": [recorder]})
    bare_client = Client(**{**client.config(), "data_converter": BARE_CONVERTER})
    assert server.pid is not None
    bench = Bench(client, recorder, Engagements(client, QUEUE, signer=ring), {"server": server.pid, "worker": worker.pid}, args.poll, worker)  # fmt: skip
    workflow_id, calls = await bench.engagement()  # warm-up: imports, caches; and the shape
    script, warm_shape = await bench.script(workflow_id, calls)
    script_id = bench.load(script)
    steps = bare_plan(calls, script)

    async def engagement() -> str:
        return (await bench.engagement())[0]

    async def bare() -> str:
        return await run_bare(bare_client, script_id, steps, BARE_QUEUE, args.poll)

    await bare()  # warm-up of the bare side
    results = []
    for r in range(args.rounds):
        order = [("engagement", engagement), ("bare", bare)]
        sides = {}
        for side, play_side in order if r % 2 == 0 else order[::-1]:
            sides[side] = await bench.measure(side, play_side)
        sides["first"] = order[r % 2][0]
        results.append(sides)
        if not args.json:
            print(round_line(r, sides), flush=True)
    return summary(args, results, script, warm_shape, steps)


def round_line(r: int, s: dict[str, Any]) -> str:
    e, b = s["engagement"], s["bare"]
    return (
        f"round {r + 1} ({s['first']} first): wall {e['wall_s']:.2f}/{b['wall_s']:.2f} s = "
        f"{e['wall_s'] / b['wall_s']:.2f}, CPU {e['cpu_s']:.2f}/{b['cpu_s']:.2f} s = {e['cpu_s'] / b['cpu_s']:.2f} "
        f"(server {e['server_cpu_s']:.2f}/{b['server_cpu_s']:.2f}, worker {e['worker_cpu_s']:.2f}/{b['worker_cpu_s']:.2f}), "
        f"queries {e['queries']}/{b['queries']}, history {e['history_bytes']:,}/{b['history_bytes']:,} B"
    )


def summary(args: argparse.Namespace, results: list[dict[str, Any]], script: Script, warm: dict[str, Any], steps: list[Any]) -> dict[str, Any]:  # fmt: skip
    def ratio(key: str) -> dict[str, float]:
        return spread([r["engagement"][key] / r["bare"][key] for r in results])

    def each(side: str, key: str) -> dict[str, float]:
        return spread([r[side][key] for r in results])

    keys_ = ("wall_s", "cpu_s", "server_cpu_s", "worker_cpu_s", "driver_cpu_s", "queries", "history_bytes")
    return {
        "rounds": args.rounds,
        "poll_s": args.poll,
        "reuse_delay": args.reuse_delay,
        "machine": machine(),
        "ratio": {k: ratio(k) for k in ("wall_s", "cpu_s", "server_cpu_s", "worker_cpu_s", "history_bytes")},
        "engagement": {k: each("engagement", k) for k in keys_},
        "bare": {k: each("bare", k) for k in keys_},
        "work": counts(script),
        "bare_driver": {kind: sum(s.kind == kind for s in steps) for kind in ("wait", "query", "update")},
        "warm_up_shape": warm,
        "unknown_events": script["unknown"],
        "per_round": results,
    }


def machine() -> dict[str, Any]:
    temporal = subprocess.run([str(find_binary()), "--version"], capture_output=True, text=True)
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "temporal": temporal.stdout.strip(),
        "loadavg_after": os.getloadavg(),
        "date": time.strftime("%Y-%m-%d"),
    }


def report(s: dict[str, Any]) -> str:
    lines = [f"{s['rounds']} rounds, poll {s['poll_s']} s, work per engagement: {s['work']}"]
    for key, label in (("wall_s", "wall"), ("cpu_s", "CPU server+worker"), ("server_cpu_s", "CPU server"),
                       ("worker_cpu_s", "CPU worker"), ("history_bytes", "history bytes")):  # fmt: skip
        e, b, q = s["engagement"].get(key), s["bare"].get(key), s["ratio"][key]
        lines.append(
            f"{label:>18}: engagement median {e['median']:,.3f}, bare median {b['median']:,.3f}; "
            f"ratio min {q['min']:.3f} median {q['median']:.3f} max {q['max']:.3f}"
        )
    lines.append(
        f"continue-as-new gaps (warm-up engagement): {s['warm_up_shape']['continue_as_new_gaps_s']} s"
    )
    lines.append(f"CPU ratio target <= 1.10: {'met' if s['ratio']['cpu_s']['median'] <= 1.10 else 'MISSED'}")
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--poll", type=float, default=0.01, help="both drivers' poll interval (s)")
    parser.add_argument("--out", type=Path, help="write the numbers as JSON here")
    parser.add_argument("--json", action="store_true", help="print the JSON summary, nothing else")
    parser.add_argument("--profile", type=Path, help="cProfile the worker process into this file")
    parser.add_argument("--reuse-delay", action="store_true", help="keep the server's continue-as-new delay")
    args = parser.parse_args()
    os.environ.setdefault("ONBOARD_HOME", tempfile.mkdtemp(prefix="onboard-bench-"))
    configure_cli_logging(verbose=False)  # the notification sink's info lines would drown the numbers
    result = asyncio.run(main(args))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result) if args.json else report(result))
    sys.stdout.flush()
    os._exit(0)
