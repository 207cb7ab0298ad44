"""What signing every action costs: per operation, per decision, on replay, in bytes.

    .venv/bin/python benchmarks/signatures/bench.py [--cycles 100] [--out benchmarks/results/signatures.json]

Micro: statement, sign (key file, ssh-agent), check, the validator's two checks, key
loading.  End to end on the embedded dev server: two engagements of one shape at an
open joint-verification gate, one signed and one with ``Policy(allow_unsigned=True)``;
a cycle is pat approving and casey rejecting (which clears the approval: the gate is
as before), each ``decide`` timed at the client.  Then both histories are replayed.
What each number means: benchmarks/README.md, "signatures".
"""

import argparse
import asyncio
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
import uuid
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from onboard.core import models as m
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, rules, workflow_runner
from onboard.core.engagement.authority import UNSIGNED, carried_state_problem, check_signature, check_signer
from onboard.core.logging import configure_cli_logging
from onboard.core.trust import actions, keys, sshsig
from onboard.core.trust.signers import principal
from onboard.core.trust.store import TrustStore
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import History
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

QUEUE, JOINT, EID, VARIANTS = "bench-signatures", "joint-verification", "bench-micro", ("signed", "unsigned")
ROSTER = (
    m.Person("pat", "Pat Provider", m.Party.PROVIDER, "pat@fabrikam.com"),
    m.Person("pam", "Pam Provider", m.Party.PROVIDER, "pam@fabrikam.com"),
    m.Person("casey", "Casey Customer", m.Party.CUSTOMER, "casey@contoso.com"),
    m.Person("cole", "Cole Customer", m.Party.CUSTOMER, "cole@contoso.com"),
)
KEYS = {p.id: sshsig.Ed25519KeySigner(Ed25519PrivateKey.generate()) for p in ROSTER}
RING = keys.KeyRing(KEYS)
APPROVE = m.GateDecision(JOINT, "pat", True, "outcomes verified in the tenant")
REJECT = m.GateDecision(JOINT, "casey", False, "DNS is not cut over yet")
ACCEPTED = EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED


def stats(samples: list[float]) -> dict[str, float]:
    return {"min": min(samples), "median": statistics.median(samples), "max": max(samples), "n": len(samples)}


def per_call_us(fn, calls: int, batches: int) -> dict[str, float]:
    """Microseconds per call, over ``batches`` timings of ``calls`` calls each (after one warm-up call)."""
    fn()
    samples = []
    for _ in range(batches):
        started = time.perf_counter()
        for _ in range(calls):
            fn()
        samples.append((time.perf_counter() - started) / calls * 1e6)
    return stats(samples)


def row(signed, unsigned=None, calls: int = 300, batches: int = 25) -> dict:
    """One micro row; ``unsigned`` is the same step for an unsigned action, if there is one."""
    measured = {"signed": per_call_us(signed, calls, batches)}
    return measured | ({"unsigned": per_call_us(unsigned, calls * 10, batches)} if unsigned else {})


def spec(policy: m.Policy) -> m.EngagementSpec:
    return m.EngagementSpec(
        f"bench-{uuid.uuid4().hex[:8]}", "contoso.onmicrosoft.com", "Contoso", ("core",), {"core": 250},
        datetime.now(UTC), ROSTER, policy=policy,
    )  # fmt: skip


def write_files(folder: Path) -> tuple[Path, Path, Path]:
    """A 20-line allowed-signers file (the roster among 16 others); pat's key, plain and encrypted."""
    others = (sshsig.Ed25519KeySigner(Ed25519PrivateKey.generate()) for _ in range(16))
    lines = [f"p{n}@example.com {key.openssh_public_key()}" for n, key in enumerate(others)]
    lines[8:8] = [
        f'{principal(p)} namespaces="action@onboard" {KEYS[p.id].openssh_public_key()}' for p in ROSTER
    ]
    (allowed := folder / "allowed_signers").write_text("\n".join(lines) + "\n")
    key = folder / "pat"
    key.write_bytes(KEYS["pat"].key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
    key.chmod(0o600)
    keys.generate(encrypted := folder / "pat-encrypted", passphrase="pw")
    return allowed, key, encrypted


def micro(allowed: Path, key: Path, encrypted: Path) -> dict[str, dict]:
    now, pat, store = actions.signing_time(), ROSTER[0], TrustStore(allowed)
    signing, plain = Engagements(None, QUEUE, RING), Engagements(None, QUEUE)  # type: ignore[arg-type]
    signed = signing.sign(EID, APPROVE)
    statement = actions.describe(EID, APPROVE).statement(signed.signature.signed_at, signed.signature.nonce)
    state = m.EngagementState(spec=spec(m.Policy()), gates=rules.gate_states())
    state.nonces = {actions.new_nonce(): now for _ in range(50)}  # the last ten minutes' actions
    open_state = m.EngagementState(spec=spec(m.Policy(allow_unsigned=True)), gates=rules.gate_states())
    by = check_signature(state, EID, signed, pat, now)
    return {
        "Action.statement (+ describe)": row(lambda: actions.describe(EID, APPROVE).statement(now, "0" * 32)),
        "sshsig.sign, key file": row(lambda: sshsig.sign(KEYS["pat"], statement)),
        "Engagements.sign (all the client adds)": row(lambda: signing.sign(EID, APPROVE), lambda: plain.sign(EID, APPROVE)),
        "sshsig.check": row(lambda: (sshsig.forget(), sshsig.check(statement, signed.signature.armored))),
        "sshsig.check, remembered (the handler's)": row(lambda: sshsig.check(statement, signed.signature.armored)),
        "authority.check_signature": row(lambda: (sshsig.forget(), check_signature(state, EID, signed, pat, now)),
                                         lambda: check_signature(open_state, EID, APPROVE, pat, now)),
        "authority.check_signature, remembered": row(lambda: check_signature(state, EID, signed, pat, now),
                                                     lambda: check_signature(open_state, EID, APPROVE, pat, now)),
        "authority.check_signer (20-line file)": row(lambda: check_signer(state, pat, by, now, store),
                                                     lambda: check_signer(open_state, pat, UNSIGNED, now, store)),
        "keys.load_private_key": row(lambda: keys.load_private_key(key), calls=100),
        "keys.load_private_key, passphrase": row(lambda: keys.load_private_key(encrypted, "pw"), calls=1, batches=10),
    } | agent_micro(key, statement)  # fmt: skip


def agent_micro(key: Path, statement: bytes) -> dict[str, dict]:
    """Signing through a real ssh-agent that holds ``key`` (skipped without OpenSSH)."""
    agent, add = shutil.which("ssh-agent"), shutil.which("ssh-add")
    if not (agent and add):
        print("no ssh-agent on PATH: agent rows skipped")
        return {}
    folder = Path(tempfile.mkdtemp(prefix="sig-agent-"))  # a socket's path must stay short
    socket, before = folder / "agent.sock", os.environ.get("SSH_AUTH_SOCK")
    process = subprocess.Popen(
        [agent, "-D", "-a", str(socket)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 5
        while not socket.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        os.environ["SSH_AUTH_SOCK"] = str(socket)
        subprocess.run([add, "-q", str(key)], check=True, stdin=subprocess.DEVNULL)
        (held,) = keys.agent_keys()
        made = sshsig.check(statement, sshsig.sign(held, statement))
        assert made.openssh_str() == KEYS["pat"].openssh_public_key(), "the agent signed with another key"
        return {
            "keys.agent_keys (connect + list)": row(keys.agent_keys, calls=10, batches=15),
            "sshsig.sign, ssh-agent": row(lambda: sshsig.sign(held, statement), calls=50),
        }
    finally:
        process.terminate()
        process.wait(timeout=5)
        os.environ.pop("SSH_AUTH_SOCK") if before is None else os.environ.update(SSH_AUTH_SOCK=before)
        shutil.rmtree(folder, ignore_errors=True)


async def until(eng: Engagements, eid: str, predicate) -> None:
    while True:
        try:
            if predicate(await eng.progress(eid)):
                return
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(0.02)


async def to_open_joint_gate(eng: Engagements, *, unsigned: bool) -> str:
    """An engagement in Remediate with every item closed and the joint gate open."""
    eid = (s := spec(m.Policy(allow_unsigned=unsigned))).engagement_id
    await eng.start(s)
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


def size(events) -> dict[str, int]:
    updates = (
        e.workflow_execution_update_accepted_event_attributes for e in events if e.event_type == ACCEPTED
    )
    args = [p for u in updates for p in u.accepted_request.input.args.payloads]  # one per Update
    return {"actions": len(args), "events": len(events), "bytes": History(events=events).ByteSize(),
            "update_arg_bytes": sum(p.ByteSize() for p in args)}  # fmt: skip


async def end_to_end(allowed: Path, cycles: int, pause: float, replays: int) -> dict:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()), search_attributes=sa.ALL, data_converter=DATA_CONVERTER,
        dev_server_extra_args=["--log-level", "error"],
    )  # fmt: skip
    try:
        async with running_worker(env.client, task_queue=QUEUE, allowed_signers=allowed):
            engs = {v: Engagements(env.client, QUEUE, RING if v == "signed" else None) for v in VARIANTS}
            ids = {v: await to_open_joint_gate(engs[v], unsigned=v == "unsigned") for v in VARIANTS}
            before = {v: await engs[v].handle(ids[v]).fetch_history() for v in VARIANTS}
            rtt = {what: {v: [] for v in VARIANTS} for what in ("decide, approve", "decide, reject")}
            for n in range(cycles):
                for v in VARIANTS[:: 1 if n % 2 else -1]:  # who goes first alternates
                    for what, decision in zip(rtt, (APPROVE, REJECT), strict=True):
                        started = time.perf_counter()
                        gate = await engs[v].decide(ids[v], decision)
                        rtt[what][v].append((time.perf_counter() - started) * 1e3)
                        assert gate.open and not gate.passed
                        await asyncio.sleep(pause)  # people's pace: each decision finds the workflow idle
            after = {v: await engs[v].handle(ids[v]).fetch_history() for v in VARIANTS}
            states = {
                v: (await engs[v].status(ids[v])).state for v in VARIANTS
            }  # what a next run would carry
    finally:
        await env.shutdown()
    assert all(after[v].run_id == before[v].run_id for v in VARIANTS), "continued as new during the cycles"
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    replay = {what: {v: [] for v in VARIANTS} for what in ("replay_workflow, wall", "replay_workflow, CPU")}
    for n in range(replays + 1):  # the first of each is a warm-up
        for v in VARIANTS[:: 1 if n % 2 else -1]:
            gc.collect()  # the last replay's garbage is not this one's to collect
            wall, cpu = time.perf_counter(), time.process_time()  # CPU: all threads, the Rust core's too
            await replayer.replay_workflow(after[v])
            replay["replay_workflow, wall"][v].append((time.perf_counter() - wall) * 1e3)
            replay["replay_workflow, CPU"][v].append((time.process_time() - cpu) * 1e3)
    assert not any(carried_state_problem(s) for s in states.values())
    records = f"authority.carried_state_problem, {len(states['signed'].audit)} records"
    history = {v: size(after[v].events) for v in VARIANTS}
    for v in VARIANTS:  # what the cycles alone added
        history[v] |= {f"cycles_{k}": history[v][k] - was for k, was in size(before[v].events).items()}
    return {
        "decide_ms": {what: {v: stats(times) for v, times in by.items()} for what, by in rtt.items()},
        "replay_ms": {what: {v: stats(times[1:]) for v, times in by.items()} for what, by in replay.items()},
        "replay_added_us_per_action": {
            what: added(by, history["signed"]["actions"]) for what, by in replay.items()
        },
        "history": history,
        "run_start_us": {
            records: row(*(partial(carried_state_problem, states[v]) for v in VARIANTS), calls=1, batches=10)
        },
    }


def added(replays: dict[str, list[float]], actions_n: int) -> dict:
    """Each signed replay against the unsigned one beside it (not the warm-ups), per action, in µs."""
    pairs = zip(replays["signed"][1:], replays["unsigned"][1:], strict=True)
    return {"added": stats([(s - u) * 1e3 / actions_n for s, u in pairs])}


def arg_bytes(arg) -> int:
    """The Update argument as a payload, metadata included."""
    return DATA_CONVERTER.payload_converter.to_payloads([arg])[0].ByteSize()


def show(title: str, rows: dict[str, dict]) -> None:
    print(
        f"\n{title:<42}" + " | ".join(f"{v + ': min / median / max':>29}" for v in next(iter(rows.values())))
    )
    for name, by in rows.items():
        cells = [f"{s['min']:9.1f} {s['median']:9.1f} {s['max']:9.1f}" for s in by.values()]
        print(f"  {name:<40}" + " |".join(cells))


def main(cycles: int, pause: float, replays: int, out: Path | None) -> None:
    started, folder = time.perf_counter(), Path(tempfile.mkdtemp(prefix="sig-bench-"))
    for name, path in (
        ("HOME", "home"),
        ("AUDIT_JOURNAL", "audit"),
        ("NOTIFICATIONS", "notifications.jsonl"),
    ):
        os.environ[f"ONBOARD_{name}"] = str(folder / path)  # never the journal of a real onboard home
    allowed, key, encrypted = write_files(folder)
    results: dict = {"micro_us": micro(allowed, key, encrypted)}
    results |= asyncio.run(end_to_end(allowed, cycles, pause, replays))
    signed = Engagements(None, QUEUE, RING).sign(EID, APPROVE)  # type: ignore[arg-type]
    s, u = results["history"]["signed"], results["history"]["unsigned"]
    results["per_action"] = {
        "decide_arg_bytes": {"signed": arg_bytes(signed), "unsigned": arg_bytes(APPROVE)},
        "armored_signature_bytes": len(signed.signature.armored),
        "history_bytes_added": (s["cycles_bytes"] - u["cycles_bytes"]) / s["cycles_actions"],
        "update_arg_bytes_added": (s["cycles_update_arg_bytes"] - u["cycles_update_arg_bytes"]) / s["cycles_actions"],
    }  # fmt: skip
    version = subprocess.run([find_binary(), "--version"], capture_output=True, text=True).stdout.strip()
    results["machine"] = {
        "python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count(),
        "temporal": version, "date": datetime.now(UTC).date().isoformat(),
        "cycles": cycles, "pause_s": pause, "replays": replays, "seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    show("micro, µs per call", results["micro_us"])
    show(f"per decision at the client, ms ({cycles} each)", results["decide_ms"])
    show(f"replay of the Remediate run, ms ({replays} each)", results["replay_ms"])
    show("replay, added per action, µs", results["replay_added_us_per_action"])
    show("a new run's check of the state it carries, µs", results["run_start_us"])
    print(f"\nhistory: {results['history']}\nper action: {results['per_action']}")
    print(f"{results['machine']['seconds']} s in all")
    if out:
        out.write_text(json.dumps(results, indent=2) + "\n")
    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cycles", type=int, default=100, help="approve + reject cycles per engagement")
    parser.add_argument("--pause", type=float, default=0.1, help="seconds between decisions")
    parser.add_argument("--replays", type=int, default=15, help="timed replays of each history")
    parser.add_argument("--out", type=Path, help="write the numbers as JSON here")
    args = parser.parse_args()
    configure_cli_logging(verbose=False)  # the notification sink's info lines would drown the numbers
    main(args.cycles, args.pause, args.replays, args.out)
