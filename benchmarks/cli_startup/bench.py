"""CLI start-up: ``onboard --help`` and ``onboard approve``, side by side with their baselines.

    .venv/bin/python benchmarks/cli_startup/bench.py [--rounds 15] [--before SRC] [--out FILE]

Every command is a fresh process, timed from spawn to exit (wall) and by the CPU
the child used (user + system); within a round the commands run one after the
other, in an order that rotates, so that load on the machine falls on all alike.

* ``--help``: ``onboard --help`` against ``python -c "import temporalio.client"``
  (target: at most 0.5x), with ``python -c pass`` as the interpreter's floor.
* ``approve``: ``onboard approve ID joint-verification --as pat --key FILE`` against
  ``bare_client.py``, which imports only ``temporalio.client``, connects and sends
  the same ``decide`` Update, signed by this script just before (target: at most
  1.2x).  One embedded dev server and one worker run here; after each approval,
  casey's rejection (in this process, not timed) opens the gate again.
* ``bulk``: ``--bulk N`` engagements (50) at an open kick-off gate, approved by one
  ``onboard approve - kickoff`` reading their ids on stdin: its wall time, per second.

Each runs twice: with bytecode (``PYTHONPYCACHEPREFIX`` pointing at a folder this
script fills with ``compileall`` first, as an install by ``dev.py`` has it next to
the sources) and without (an empty prefix and ``PYTHONDONTWRITEBYTECODE=1``: every
module compiled at every start).  ``--before SRC`` adds the onboard CLI of another
source tree (``git archive REV core/src | tar -x -C DIR``; SRC is DIR/core/src) to
both, first on ``PYTHONPATH``, so a change is measured side by side with what it
replaces.  ``$PYTHONPATH`` is kept: point it at a snapshot of the sources
(``git archive HEAD``) when others edit the working tree while this runs.  What the numbers are: benchmarks/README.md, "cli_startup".
"""

import argparse
import asyncio
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from onboard.core import models as m
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER, to_json_value
from onboard.core.engagement import rules
from onboard.core.logging import configure_cli_logging
from onboard.core.trust import keys, sshsig
from onboard.core.trust.signers import principal
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.testing import WorkflowEnvironment

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
ONBOARD = str(Path(sys.executable).with_name("onboard"))
QUEUE, JOINT = "bench-cli", "joint-verification"
ROSTER = (
    m.Person("pat", "Pat Provider", m.Party.PROVIDER, "pat@fabrikam.com"),
    m.Person("casey", "Casey Customer", m.Party.CUSTOMER, "casey@contoso.com"),
)
KEYS = {p.id: sshsig.Ed25519KeySigner(Ed25519PrivateKey.generate()) for p in ROSTER}
RING = keys.KeyRing(KEYS)
APPROVE = m.GateDecision(JOINT, "pat", True, "outcomes verified in the tenant")
REJECT = m.GateDecision(JOINT, "casey", False, "DNS is not cut over yet")


def stats(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "n": len(samples)}


def environments(folder: Path, before: Path | None) -> dict[str, dict[str, str]]:
    """The child environments: ``compiled`` and ``source`` bytecode, each for the current
    tree and (with ``before``) the other one."""
    base = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    base |= {"ONBOARD_HOME": str(folder / "home"), "COLUMNS": "100", "ONBOARD_PAGER": ""}
    (folder / "empty").mkdir(exist_ok=True)
    bytecode = {
        "compiled": {"PYTHONPYCACHEPREFIX": str(folder / "pyc")},
        "source": {"PYTHONPYCACHEPREFIX": str(folder / "empty"), "PYTHONDONTWRITEBYTECODE": "1"},
    }
    # $PYTHONPATH stays (a snapshot of this tree, say, while others edit it); before goes first.
    earlier = [str(before), *filter(None, [os.environ.get("PYTHONPATH")])] if before else []
    trees = {"now": {}} | ({"before": {"PYTHONPATH": os.pathsep.join(earlier)}} if before else {})
    return {f"{b}/{t}": base | bv | tv for b, bv in bytecode.items() for t, tv in trees.items()}


def compile_everything(env: dict[str, str]) -> None:
    """Fill the prefix with bytecode for every folder on the child's ``sys.path``."""
    paths = subprocess.run(
        [PYTHON, "-c", "import json, sys; print(json.dumps([p for p in sys.path if p]))"],
        env=env, capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    folders = [p for p in json.loads(paths) if Path(p).is_dir()]
    # Some files do not compile (the test data of lib2to3, say); they are never imported.
    command = [PYTHON, "-m", "compileall", "-q", "-j", "0", *folders]
    subprocess.run(command, env=env, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def timed(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run ``command``; its wall time and CPU time (user + system), in ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    wall = (time.perf_counter() - started) * 1e3
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed ({done.returncode}): {done.stderr[-1000:]}")
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1e3
    return wall, cpu


def rotate(names: list[str], n: int) -> list[str]:
    return names[n % len(names) :] + names[: n % len(names)]


def summary(samples: dict[str, dict[str, list[float]]], ratios: dict[str, tuple[str, str]]) -> dict:
    """min/median/max of each command, and of the per-round ratios named in ``ratios``."""
    out: dict = {name: {k: stats(v) for k, v in by.items()} for name, by in samples.items()}
    for label, (top, bottom) in ratios.items():
        if top in samples and bottom in samples:
            pairs = zip(samples[top]["wall_ms"], samples[bottom]["wall_ms"], strict=True)
            cpu = zip(samples[top]["cpu_ms"], samples[bottom]["cpu_ms"], strict=True)
            out[label] = {"wall": stats([a / b for a, b in pairs]), "cpu": stats([a / b for a, b in cpu])}
    return out


def help_rounds(envs: dict[str, dict[str, str]], rounds: int) -> dict:
    results = {}
    for kind in ("compiled", "source"):
        commands = {
            "python -c pass": ([PYTHON, "-c", "pass"], envs[f"{kind}/now"]),
            "import temporalio.client": ([PYTHON, "-c", "import temporalio.client"], envs[f"{kind}/now"]),
            "onboard --help": ([ONBOARD, "--help"], envs[f"{kind}/now"]),
        }
        if f"{kind}/before" in envs:
            commands["onboard --help (before)"] = ([ONBOARD, "--help"], envs[f"{kind}/before"])
        samples = {name: {"wall_ms": [], "cpu_ms": []} for name in commands}
        for command, env in commands.values():  # a warm-up each (and any bytecode still missing)
            timed(command, env)
        for n in range(rounds):
            for name in rotate(list(commands), n):
                wall, cpu = timed(*commands[name])
                samples[name]["wall_ms"].append(wall)
                samples[name]["cpu_ms"].append(cpu)
        results[kind] = summary(
            samples,
            {
                "ratio --help / import temporalio.client": ("onboard --help", "import temporalio.client"),
                "ratio before / import temporalio.client": (
                    "onboard --help (before)",
                    "import temporalio.client",
                ),
            },
        )
    return results


async def until(eng: Engagements, eid: str, predicate, every: float = 0.02) -> None:
    while True:
        try:
            if predicate(await eng.progress(eid)):
                return
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(every)


def new_spec() -> m.EngagementSpec:
    return m.EngagementSpec(
        f"bench-cli-{uuid.uuid4().hex[:8]}", "contoso.onmicrosoft.com", "Contoso", ("core",), {"core": 250},
        datetime.now(UTC), ROSTER,
    )  # fmt: skip


async def to_open_joint_gate(eng: Engagements) -> str:
    """An engagement in Remediate with every item closed and the joint gate open."""
    spec = new_spec()
    eid = spec.engagement_id
    await eng.start(spec)
    await until(eng, eid, lambda p: p.planned)
    await eng.record_contact(eid, m.Contact("pat", "phoned the customer"))
    await until(eng, eid, lambda p: "kickoff" in p.open_gates)
    await eng.decide(eid, m.GateDecision("kickoff", "pat", True, "kick-off held"))
    await until(eng, eid, lambda p: "remediation-plan" in p.open_gates)
    await eng.decide(eid, m.GateDecision("remediation-plan", "casey", True, "plan agreed"))
    await until(eng, eid, lambda p: p.phase is m.Phase.REMEDIATE)
    state = (await eng.status(eid)).state
    for item in state.items:  # as the rules allow: waived by both sides, or attested by its owner
        if rules.backed_by_check(state, item):
            for who in ("pat", "casey"):
                await eng.waive(eid, m.Waiver(item.item.id, who, "accepted for the benchmark"))
        else:
            await eng.complete(eid, m.Completion(item.item.id, "casey", "fixed"))
    await until(eng, eid, lambda p: JOINT in p.open_gates)
    return eid


async def bulk_round(eng: Engagements, approve: list[str], env: dict[str, str], count: int) -> dict:
    """``count`` engagements at an open kick-off gate, approved by one ``onboard approve -``."""
    specs = [new_spec() for _ in range(count)]
    ids = [s.engagement_id for s in specs]
    await asyncio.gather(*(eng.start(s) for s in specs))
    await asyncio.gather(*(until(eng, eid, lambda p: p.planned, every=0.2) for eid in ids))
    await asyncio.gather(*(eng.record_contact(eid, m.Contact("pat", "phoned")) for eid in ids))
    await asyncio.gather(*(until(eng, eid, lambda p: "kickoff" in p.open_gates, every=0.2) for eid in ids))
    command = [*approve, "--json"]
    started = time.perf_counter()
    done = await asyncio.to_thread(
        subprocess.run,
        command,
        input="".join(f"{eid}\n" for eid in ids),
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    applied = sum(o["outcome"] == "applied" for o in json.loads(done.stdout or "[]"))
    return {
        "engagements": count,
        "applied": applied,
        "exit": done.returncode,
        "wall_s": wall,
        "per_second": count / wall,
    }


async def approve_rounds(
    envs: dict[str, dict[str, str]], folder: Path, rounds: int, pause: float, bulk: int
) -> dict:
    signers = folder / "allowed_signers"
    signers.write_text(
        "".join(
            f'{principal(p)} namespaces="action@onboard" {KEYS[p.id].openssh_public_key()}\n' for p in ROSTER
        )
    )
    key = folder / "pat"
    key.write_bytes(KEYS["pat"].key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    key.chmod(0o600)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()), search_attributes=sa.ALL, data_converter=DATA_CONVERTER,
        dev_server_extra_args=["--log-level", "error"],
    )  # fmt: skip
    address = env.client.service_client.config.target_host
    results = {}
    try:
        async with running_worker(env.client, task_queue=QUEUE, allowed_signers=signers):
            eng = Engagements(env.client, QUEUE, RING)
            eid = await to_open_joint_gate(eng)
            approve = [ONBOARD, "approve", eid, JOINT, "--as", "pat", "--key", str(key), "--address", address]
            argument = folder / "decide.json"
            bare = [PYTHON, str(HERE / "bare_client.py"), address, eid, str(argument)]
            for kind in ("compiled", "source"):
                commands = {
                    "bare client": (bare, envs[f"{kind}/now"]),
                    "onboard approve": (approve, envs[f"{kind}/now"]),
                }
                if f"{kind}/before" in envs:
                    commands["onboard approve (before)"] = (approve, envs[f"{kind}/before"])
                samples = {name: {"wall_ms": [], "cpu_ms": []} for name in commands}
                for n in range(-1, rounds):  # round -1 is a warm-up
                    for name in rotate(list(commands), n):
                        argument.write_text(json.dumps(to_json_value(eng.sign(eid, APPROVE))))
                        wall, cpu = await asyncio.to_thread(timed, *commands[name])
                        gate = await eng.decide(eid, REJECT)  # the approval cleared: as before
                        assert gate.open and not gate.passed and not gate.approved_by
                        if n >= 0:
                            samples[name]["wall_ms"].append(wall)
                            samples[name]["cpu_ms"].append(cpu)
                        await asyncio.sleep(pause)  # each command finds the workflow idle
                results[kind] = summary(
                    samples,
                    {
                        "ratio approve / bare client": ("onboard approve", "bare client"),
                        "ratio before / bare client": ("onboard approve (before)", "bare client"),
                    },
                )
            if bulk:
                kickoff = [
                    ONBOARD,
                    "approve",
                    "-",
                    "kickoff",
                    "--as",
                    "pat",
                    "--key",
                    str(key),
                    "--address",
                    address,
                ]
                results["bulk"] = await bulk_round(eng, kickoff, envs["compiled/now"], bulk)
    finally:
        await env.shutdown()
    return results


def show(title: str, block: dict) -> None:
    print(f"\n{title}")
    for name, by in block.items():
        for what, s in by.items():
            unit = "" if name.startswith("ratio") else " ms"
            print(f"  {name:<42} {what:<7} {s['min']:8.2f} {s['median']:8.2f} {s['max']:8.2f}{unit}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between approvals")
    parser.add_argument("--before", type=Path, help="another tree's core/src, measured beside this one")
    parser.add_argument("--skip-approve", action="store_true", help="only --help (no server)")
    parser.add_argument("--bulk", type=int, default=50, help="engagements one `approve -` takes (0: none)")
    parser.add_argument("--workdir", type=Path, help="keep the compiled bytecode here, for the next run")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    started = time.perf_counter()
    folder = args.workdir.resolve() if args.workdir else Path(tempfile.mkdtemp(prefix="cli-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        {
            f"ONBOARD_{k}": str(folder / v)
            for k, v in (("HOME", "home"), ("AUDIT_JOURNAL", "audit"), ("NOTIFICATIONS", "n.jsonl"))
        }
    )  # never the journal of a real onboard home
    envs = environments(folder, args.before.resolve() if args.before else None)
    for name, env in envs.items():
        if name.startswith("compiled/"):
            compile_everything(env)
    results: dict = {"help": help_rounds(envs, args.rounds)}
    if not args.skip_approve:
        configure_cli_logging(verbose=False)  # the notification sink's info lines would drown the numbers
        results["approve"] = asyncio.run(approve_rounds(envs, folder, args.rounds, args.pause, args.bulk))
    version = subprocess.run([find_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    results["machine"] = {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "load_average": os.getloadavg(), "temporal": version, "date": datetime.now(UTC).date().isoformat(),
        "rounds": args.rounds, "before": str(args.before) if args.before else None,
        "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    for part in ("help", "approve"):
        for kind, block in results.get(part, {}).items():
            if kind != "bulk":
                show(f"{part}, {kind} (min / median / max over {args.rounds} rounds)", block)
    if "bulk" in results.get("approve", {}):
        print(f"\nbulk: {results['approve']['bulk']}")
    if args.out:
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
