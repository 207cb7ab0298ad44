"""Scale: N engagements parked at a gate, listed and bulk-approved by the real CLI.

    .venv/bin/python benchmarks/scale/bench.py [--engagements 10000] [--rounds 5] [--out FILE]
    .venv/bin/python benchmarks/scale/bench.py --engagements 200          # a smoke run, ~1 minute

One ``temporal server start-dev`` (SQLite file in the work folder) and one ``onboard
worker``, each its own process, so that each one's resident memory (peak: ``VmHWM``)
and CPU (``utime + stime``) are its own.  This script then:

1. **parks** N engagements (core only, the two-person roster) at the kick-off gate:
   each is started, waited for until planned (the light ``progress`` query), sent
   pat's signed contact and waited for until its kick-off gate is open, at most
   ``--concurrency`` engagements at a time;
2. times ``onboard --plain list --awaiting pat --all --limit 0`` (and the table,
   without ``--plain``) as subprocesses, ``--rounds`` times each (target: at most
   1 s), and checks that each lists all N;
3. **bulk-approves**: ``onboard --plain list --awaiting pat --all --limit 0 |
   onboard approve - kickoff --as pat``, timed from spawn to the last exit
   (target: at least 20 per second), its stdout one line per id;
4. **verifies** from the server: no engagement awaits pat any more (visibility), and
   each one's state (the ``status`` query) has its kick-off gate passed, approved by
   pat, and exactly one audit record of that approval.

What the numbers are: benchmarks/README.md, "scale".
"""

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from onboard.core import models as m
from onboard.core.client import Engagements, live_pollers
from onboard.core.listing import count_engagements, list_query
from onboard.core.logging import configure_cli_logging
from onboard.core.pollers import queued_tasks
from onboard.core.settings import TASK_QUEUE
from onboard.core.trust import keys, sshsig
from onboard.core.trust.signers import principal
from onboard.workers.devserver import DevServer, find_binary
from temporalio.client import Client

ONBOARD = str(Path(sys.executable).with_name("onboard"))
KICKOFF = "kickoff"
ROSTER = (
    m.Person("pat", "Pat Provider", m.Party.PROVIDER, "pat@fabrikam.com"),
    m.Person("casey", "Casey Customer", m.Party.CUSTOMER, "casey@contoso.com"),
)
#: Each person's key: made by :func:`write_keys` (or read back from a snapshot's folder).
KEYS: dict[str, sshsig.Ed25519KeySigner] = {}
TICK = os.sysconf("SC_CLK_TCK")


def stats(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "n": len(samples)}


class Process:
    """Memory and CPU of one process, from /proc (Linux)."""

    def __init__(self, pid: int, name: str) -> None:
        self.pid, self.name = pid, name
        self.peak_rss = 0  # the largest VmRSS sampled, bytes

    def status(self, field: str) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
        raise KeyError(field)

    def cpu(self) -> float:
        """Seconds of CPU (user + system) so far."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICK

    def sample(self) -> dict[str, float]:
        rss = self.status("VmRSS")
        self.peak_rss = max(self.peak_rss, rss)
        return {"rss_mib": rss / 2**20, "hwm_mib": self.status("VmHWM") / 2**20, "cpu_s": self.cpu()}


def child_env(folder: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ONBOARD_", "TEMPORAL_"))}
    return base | {
        "ONBOARD_HOME": str(folder / "home"),
        "ONBOARD_AUDIT_JOURNAL": str(folder / "audit"),
        "ONBOARD_NOTIFICATIONS": str(folder / "notifications.jsonl"),
        "ONBOARD_PAGER": "",
        "COLUMNS": "160",
    }  # fmt: skip  -- never the journal or keys of a real onboard home


def write_keys(folder: Path, earlier: Path | None = None) -> tuple[Path, Path]:
    """Keys for pat and casey (``earlier``'s, to resume: they signed what the engagements
    hold), the workers' allowed-signers file, and pat's key file for the CLI."""
    for p in ROSTER:
        path = folder / "keys" / p.id
        if earlier is not None:
            KEYS[p.id] = keys.load_private_key(earlier / p.id, prompt=False)
        else:
            KEYS[p.id] = sshsig.Ed25519KeySigner(Ed25519PrivateKey.generate())
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(KEYS[p.id].key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
        path.chmod(0o600)
    signers = folder / "allowed_signers"
    signers.write_text("".join(f"{principal(p)} {KEYS[p.id].openssh_public_key()}\n" for p in ROSTER))
    return signers, folder / "keys" / "pat"


def new_spec(run: str, n: int) -> m.EngagementSpec:
    return m.EngagementSpec(
        f"scale-{run}-{n:05d}", "contoso.onmicrosoft.com", "Contoso", ("core",), {"core": 250},
        datetime.now(UTC), ROSTER,
    )  # fmt: skip


async def until(eng: Engagements, eid: str, predicate: Any, first: float = 1.0, every: float = 1.0) -> None:
    await asyncio.sleep(first)  # each query is a round trip to the worker: few of them
    while True:
        try:
            if predicate(await eng.progress(eid)):
                return
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(every)


async def park(eng: Engagements, count: int, concurrency: int) -> tuple[list[str], float]:
    """``count`` engagements at an open kick-off gate; their ids and the seconds it took.

    Each is started and sent pat's contact once planned; only when every contact is
    in are the gates waited for (by then nearly all are open: one query each).
    """
    run = uuid.uuid4().hex[:6]
    gate = asyncio.Semaphore(concurrency)
    done = 0

    async def contacted(n: int) -> str:
        nonlocal done
        async with gate:
            spec = new_spec(run, n)
            await eng.start(spec)
            await until(eng, spec.engagement_id, lambda p: p.planned)
            await eng.record_contact(spec.engagement_id, m.Contact("pat", "phoned the customer"))
            done += 1
            if done % 1000 == 0:
                print(f"  contacted {done:,}", flush=True)
            return spec.engagement_id

    async def kickoff_open(eid: str) -> None:
        async with gate:
            await until(eng, eid, lambda p: KICKOFF in p.open_gates, first=0)

    started = time.perf_counter()
    ids = await asyncio.gather(*(contacted(n) for n in range(count)))
    await asyncio.gather(*(kickoff_open(eid) for eid in ids))
    return list(ids), time.perf_counter() - started


def list_command(plain: bool) -> list[str]:
    return [ONBOARD, *(["--plain"] if plain else []), "list", "--awaiting", "pat", "--all", "--limit", "0"]


def time_list(env: dict[str, str], address: str, plain: bool) -> tuple[float, float, int]:
    """One ``onboard list`` run: wall seconds, its CPU seconds, and the rows it printed."""
    before = os.times()
    started = time.perf_counter()
    done = subprocess.run(
        [*list_command(plain), "--address", address], env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    after = os.times()
    if done.returncode != 0:
        raise SystemExit(f"onboard list failed ({done.returncode}): {done.stderr[-2000:]}")
    cpu = after.children_user - before.children_user + after.children_system - before.children_system
    lines = done.stdout.splitlines()
    # Plain: a header line, then one row each; the table: its ids are the runs of "scale-".
    rows = len(lines) - 1 if plain else sum(line.lstrip("│┃ ").startswith("scale-") for line in lines)
    return wall, cpu, rows


def bulk_approve(env: dict[str, str], address: str, key: Path, extra: list[str]) -> dict[str, Any]:
    """``onboard --plain list ... | onboard approve - kickoff``, from spawn to the last exit,
    and the CPU the two commands used (user + system)."""
    before = os.times()
    started = time.perf_counter()
    lister = subprocess.Popen(
        [*list_command(True), "--address", address], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    approve = [ONBOARD, "approve", "-", KICKOFF, "--as", "pat", "--key", str(key), "--address", address]
    approve += extra
    approver = subprocess.Popen(
        approve, env=env, stdin=lister.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert lister.stdout is not None
    lister.stdout.close()  # the approver's now
    out, err = approver.communicate()
    lister.wait()
    wall = time.perf_counter() - started
    after = os.times()
    assert lister.stderr is not None
    return {
        "wall_s": wall,
        "cli_cpu_s": after.children_user
        - before.children_user
        + after.children_system
        - before.children_system,
        "exit": approver.returncode,
        "list_exit": lister.returncode,
        "stdout": out.splitlines(),
        "stderr": err.strip().splitlines()[-20:],
        "list_stderr": lister.stderr.read().decode(errors="replace")[-2000:],
    }


def journaled_approvals(journal: Path, ids: list[str]) -> dict[str, int]:
    """How many records of pat's kick-off approval each engagement's audit journal holds."""
    counts = {}
    for eid in ids:
        path = journal / f"{eid}.jsonl"
        lines = path.read_text().splitlines() if path.exists() else []
        records = [json.loads(line)["record"] for line in lines]
        counts[eid] = sum(r["action"] == "approve" and r["subject"] == KICKOFF for r in records)
    return counts


async def drained_in(client: Client, deadline: float) -> float:
    """When the queue's backlog was first seen empty, of three looks a second apart that
    all saw it so (``perf_counter``).

    An engagement publishes its new phase as soon as the approval is handled; the
    notices, the journal and the assessment that follow it are activities, which wait
    in the queue while the bulk keeps the worker busy.
    """
    seen_empty: list[float] = []
    while len(seen_empty) < 3 and time.monotonic() < deadline:
        if await queued_tasks(client, TASK_QUEUE, timedelta(seconds=30)) == 0:
            seen_empty.append(time.perf_counter())
        else:
            seen_empty.clear()
        if len(seen_empty) < 3:
            await asyncio.sleep(1)
    return seen_empty[0] if seen_empty else time.perf_counter()


async def verify(
    eng: Engagements,
    ids: list[str],
    lines: list[str],
    journal: Path,
    sample: int,
    concurrency: int,
    settle: float = 1800,
) -> dict[str, Any]:
    """What the server says became of every engagement's kick-off gate.

    Every engagement: visibility (none awaits pat, each one's latest run is past Initiate)
    and the worker's audit journal (one record of the approval each, once journaled).
    ``sample`` of them, at random: the workflow's own state (the ``status`` query replays
    an engagement the worker no longer caches, so all N would take many minutes).
    """
    started = time.perf_counter()
    expected = {f"{eid}: gate 'kickoff' passed" for eid in ids}
    # Each engagement publishes its new phase only once the worker has run what follows the
    # approval (the new run): wait for it, and say how long that backlog took.
    deadline = time.monotonic() + settle
    while True:
        still = await count_engagements(eng.client, list_query(awaiting="pat"))
        past = await count_engagements(eng.client, list_query() + " AND OnboardPhase != 'initiate'")
        if (still == 0 and past == len(ids)) or time.monotonic() > deadline:
            break
        await asyncio.sleep(1)
    settled = time.perf_counter() - started
    drained = await drained_in(eng.client, deadline) - started  # what follows each approval, done
    while (journaled := journaled_approvals(journal, ids)) and time.monotonic() < deadline:
        if all(n == 1 for n in journaled.values()) or any(n > 1 for n in journaled.values()):
            break
        await asyncio.sleep(2)
    gate = asyncio.Semaphore(concurrency)
    problems: dict[str, str] = {}

    async def one(eid: str) -> None:
        async with gate:
            try:
                state = (await eng.status(eid)).state
            except Exception as exc:
                problems[eid] = f"status: {exc}"
                return
            kickoff = state.gates[KICKOFF]
            records = [a for a in state.audit if a.action == "approve" and a.subject == KICKOFF]
            if not kickoff.passed or kickoff.approved_by.get(m.Party.PROVIDER.value) != "pat":
                problems[eid] = f"kick-off gate {kickoff}"
            elif len(records) != 1:
                problems[eid] = f"{len(records)} audit records of the kick-off approval"

    chosen = random.sample(ids, min(sample, len(ids)))
    await asyncio.gather(*(one(eid) for eid in chosen))
    return {
        "stdout_lines": len(lines),
        "stdout_one_line_per_id": len(lines) == len(ids) and set(lines) == expected,
        "still_awaiting_pat": still,
        "settled_in_s": settled,
        "drained_in_s": drained,
        "past_initiate": past,
        "journaled_once": sum(n == 1 for n in journaled.values()),
        "journaled_not_once": {eid: n for eid, n in journaled.items() if n != 1},
        "status_checked": len(chosen),
        "status_problems": len(problems),
        "first_problems": dict(list(problems.items())[:10]),
        "verified_in_s": time.perf_counter() - started,
    }


async def sampling(processes: list[Process], stop: asyncio.Event) -> None:
    while not stop.is_set():
        for p in processes:
            p.sample()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)


async def bench(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    signers, key = write_keys(folder, args.resume.with_suffix(".keys") if args.resume else None)
    env = child_env(folder)
    if args.resume:  # the server's database and the journal of the engagements parked then
        shutil.copyfile(args.resume, folder / "temporal.db")
        shutil.copytree(args.resume.with_suffix(".audit"), folder / "audit", dirs_exist_ok=True)
    server = DevServer(db=folder / "temporal.db", port=0, ui=False, log_level="error")
    await server.start()
    worker_log = open(folder / "worker.log", "wb")  # noqa: SIM115 - open for the worker's whole life
    worker_command = [ONBOARD, "worker", "--address", server.address, "--allowed-signers", str(signers)]
    worker = subprocess.Popen(
        [*worker_command, "--log-level", "warning", *args.worker_arg],
        env=env, stdout=worker_log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    assert server.pid is not None
    procs = {"worker": Process(worker.pid, "worker"), "server": Process(server.pid, "server")}
    stop = asyncio.Event()
    sampler = asyncio.create_task(sampling(list(procs.values()), stop))
    marks: dict[str, dict[str, dict[str, float]]] = {}

    def mark(phase: str) -> None:
        marks[phase] = {name: p.sample() for name, p in procs.items()}
        print(f"{phase}: " + ", ".join(f"{n} {s['rss_mib']:.0f} MiB" for n, s in marks[phase].items()))

    results: dict[str, Any] = {"engagements": args.engagements}
    try:
        client = await server.connect()
        while not await live_pollers(client, TASK_QUEUE, timedelta(seconds=10)):
            await asyncio.sleep(0.2)
        eng = Engagements(client, TASK_QUEUE, keys.KeyRing(KEYS))
        mark("started")
        if args.resume:  # parked by an earlier run (--snapshot)
            ids = [r.engagement_id for r in await eng.list(awaiting="pat")]
            results["park"] = {"resumed_from": str(args.resume)}
        else:
            ids, seconds = await park(eng, args.engagements, args.concurrency)
            results["park"] = {"seconds": seconds, "per_second": len(ids) / seconds}
        results["engagements"] = len(ids)
        mark("parked")
        if args.snapshot:  # SQLite's online backup: consistent while the server writes
            with sqlite3.connect(folder / "temporal.db") as source, sqlite3.connect(args.snapshot) as copy:
                source.backup(copy)
            shutil.copytree(folder / "audit", args.snapshot.with_suffix(".audit"), dirs_exist_ok=True)
            shutil.copytree(folder / "keys", args.snapshot.with_suffix(".keys"), dirs_exist_ok=True)
            if args.park_only:  # list and approve later, with --resume (perhaps another tree's code)
                return results
        lists: dict[str, dict[str, list[float]]] = {}
        trees = {"": env} | ({" (before)": env | {"PYTHONPATH": str(args.before)}} if args.before else {})
        for plain, (tree, tree_env) in itertools.product((True, False), trees.items()):
            name = ("plain" if plain else "table") + tree
            walls, cpus = [], []
            for _ in range(args.rounds):
                wall, cpu, rows = await asyncio.to_thread(time_list, tree_env, server.address, plain)
                if rows != len(ids):
                    raise SystemExit(f"onboard list ({name}) printed {rows} rows, not {len(ids)}")
                walls.append(wall)
                cpus.append(cpu)
            lists[name] = {"wall_s": stats(walls), "cpu_s": stats(cpus)}
            print(f"list ({name}): " + " ".join(f"{v:.2f}" for v in list(lists[name]["wall_s"].values())[:3]))
        results["list"] = lists
        mark("listed")
        if args.list_only:  # a change to the listing, timed against a --resume'd server
            return results
        bulk = await asyncio.to_thread(bulk_approve, env, server.address, key, args.approve_arg)
        lines = bulk.pop("stdout")
        bulk["per_second"] = len(ids) / bulk["wall_s"]
        results["bulk"] = bulk
        print(f"bulk: {bulk['wall_s']:.1f} s, {bulk['per_second']:.1f}/s, exit {bulk['exit']}")
        mark("approved")
        journal = Path(env["ONBOARD_AUDIT_JOURNAL"])
        results["verify"] = await verify(eng, ids, lines, journal, args.verify_sample, args.concurrency)
        print(f"verify: {results['verify']}")
        # The approvals with the work they set going (notices, journal, assessment) done.
        results["end_to_end_per_s"] = len(ids) / (bulk["wall_s"] + results["verify"]["drained_in_s"])
        print(f"end to end: {results['end_to_end_per_s']:.1f}/s")
        mark("verified")
    finally:
        stop.set()
        await sampler
        results["processes"] = {
            name: {
                "peak_rss_mib": p.status("VmHWM") / 2**20,  # the kernel's own peak, not just our samples
                "cpu_s": p.cpu(),
                "phases": {phase: by[name] for phase, by in marks.items()},
            }
            for name, p in procs.items()
        }
        worker.terminate()
        await asyncio.to_thread(worker.wait)
        worker_log.close()
        await server.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engagements", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=64, help="engagements parked at a time")
    parser.add_argument("--rounds", type=int, default=5, help="runs of each `onboard list`")
    parser.add_argument("--worker-arg", action="append", default=[], help="one more `onboard worker` flag")
    parser.add_argument("--approve-arg", action="append", default=[], help="one more `onboard approve` flag")
    parser.add_argument("--before", help="PYTHONPATH of another tree whose `onboard list` is timed too")
    parser.add_argument("--verify-sample", type=int, default=500, help="engagements whose state is asked")
    parser.add_argument("--snapshot", type=Path, help="after parking, copy the server's database here")
    parser.add_argument("--resume", type=Path, help="start from a --snapshot instead of parking")
    parser.add_argument("--park-only", action="store_true", help="stop after the --snapshot")
    parser.add_argument("--list-only", action="store_true", help="stop after timing `onboard list`")
    parser.add_argument(
        "--workdir", type=Path, help="the server's database and the logs (default: a temp dir)"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    folder = args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="scale-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    configure_cli_logging(verbose=False)
    started = time.perf_counter()
    results = asyncio.run(bench(args, folder))
    version = subprocess.run([find_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    results["machine"] = {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "load_average": os.getloadavg(), "temporal": version, "date": datetime.now(UTC).date().isoformat(),
        "seconds": round(time.perf_counter() - started, 1), "workdir": str(folder),
        "worker_args": args.worker_arg,
        "approve_args": args.approve_arg,
    }  # fmt: skip
    print(json.dumps(results, indent=2, default=str))
    if args.out:
        args.out.write_text(json.dumps(results, indent=2, default=str) + "\n")
        print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
