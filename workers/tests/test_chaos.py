"""Chaos: the worker is killed (SIGKILL) again and again while engagements run; no side
effect is lost and none is done twice.

What it proves: with a worker process that dies at random moments — between an
activity's side effect and the report of it, in the middle of an Update, while a
re-assessment or an automated Enable step runs — every engagement still completes, and

- every notice reaches the built-in sink exactly once (by ``Notification.id``), and
  each engagement gets the same notices as one that ran on a worker nobody killed;
- every accepted action is in the engagement's audit trail once (seqs 1..n, no
  nonce or signature twice), the audit journal holds each ``(seq, hash)`` once, its
  chain verifies and it equals the history's chain;
- every automated Enable step applied its effect exactly once per
  ``idempotency_key``, however often the step was run again (the raw calls are
  counted and reported);
- an action the client had to send again (no answer within its timeout because the
  worker was dead) was applied once: the resend is the same signed statement, so the
  same Update id and nonce.

How: a real dev server (the session's) and a worker process
(``workers_chaos_plugin.py``: ``onboard worker`` plus a test plugin whose service has
three automated steps) with the notification sink, the journal and the plugin's effect
files in ``tmp_path``.  ``ENGAGEMENTS`` engagements, started ``STAGGER`` s apart, are
driven concurrently from contact to completion with the people's signed actions
(contact, gate approvals, a re-assessment with ``examples/bundles/contoso-fixed``,
attestations and waivers of what is left, joint verification, manual Enable steps)
through :class:`onboard.core.client.Engagements`, waiting on the engagements' state,
never on the clock.  Meanwhile a seeded RNG (``$CHAOS_SEED`` replays a run) kills the
worker ``KILLS`` times, each 3–8 s after the new worker started polling; the last
``STEP_KILLS`` of them wait, after that, for an automated step to start and strike
within its second.  A control engagement with the same script runs on a second worker
that is never killed: its notices, actions and step effects are what each chaos
engagement must match.  Every worker runs a copy of the code taken when the test
starts, so a restarted worker runs what the first one ran even in a tree that is
being edited.

An engagement whose workflow task keeps failing is stuck (it is reported with the
failure, at once).  One such failure is a known defect, not the test's: a
nondeterminism error on replay when an Update was accepted in the same workflow task
as an activity's result (``KNOWN_REPLAY_DEFECT``).  The test then checks everything
for the other engagements and xfails with the evidence; any other failure fails it.
"""

import asyncio
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from onboard.core.client import AlreadyAppliedError, Engagements, RejectedError
from onboard.core.engagement.rules import backed_by_check
from onboard.core.errors import OnboardError
from onboard.core.journal import journal_path
from onboard.core.models import (
    Completion,
    Contact,
    EngagementProgress,
    EngagementSpec,
    EngagementStatus,
    GateDecision,
    Party,
    Phase,
    Reassessment,
    StepKind,
    Waiver,
)
from onboard.core.trust.audit_verify import compare, read_chain, verify_chain
from onboard.core.trust.signers import AllowedSigners
from onboard.workers.devserver import DevServer
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecutionStatus
from workers_chaos_plugin import CALLS_ENV, EFFECTS_ENV, SERVICE, STEPS
from workers_testing import KEYS, json_lines, make_spec, wait_until

#: Engagements driven at once while the worker is killed (the control comes on top).
ENGAGEMENTS = int(os.environ.get("CHAOS_ENGAGEMENTS", "20"))
#: Seconds between engagement starts, so that the worker dies in every phase of one.
STAGGER = 1.5
#: SIGKILLs of the worker, each 3-8 s (seeded) after a new worker started polling;
#: the last STEP_KILLS then also wait for an automated step to start.
KILLS = int(os.environ.get("CHAOS_KILLS", "7"))
STEP_KILLS = 2
KILL_AFTER = (3.0, 8.0)
SEED = int(os.environ.get("CHAOS_SEED", "20261201"))
#: The client's patience per action: shorter than the CLI's 30 s, so that actions
#: sent while the worker is dead time out and are sent again (the same signed request).
ACTION_TIMEOUT = timedelta(seconds=10)
#: Limits that only a stuck engagement reaches (no timing is asserted).
STATE_TIMEOUT = 300.0
SILENCE = 30.0  # no answer this long: look for a failing workflow task
RESENDS = 30
#: The replay defect this test found (see the module docstring).
KNOWN_REPLAY_DEFECT = "Nondeterminism error: Update machine does not handle this event"

ROOT = Path(__file__).resolve().parents[2]
BUNDLE, FIXED_BUNDLE = ROOT / "examples/bundles/contoso", ROOT / "examples/bundles/contoso-fixed"
WORKER_SCRIPT = Path(__file__).with_name("workers_chaos_plugin.py")
GATE_OPENS = {"kickoff", "remediation-plan", "joint-verification"}
TRANSITIONS = {"initiate -> assess", "assess -> remediate", "remediate -> enable", "enable -> completed"}


def chaos_spec(engagement_id: str) -> EngagementSpec:
    """Core (cloud identities) and the chaos service, assessed first with the Contoso bundle."""
    return attrs.evolve(
        make_spec(engagement_id),
        services=("core", SERVICE),
        licenses={"core": 250, SERVICE: 250},
        facts={"identity": "cloud"},
        bundle=str(BUNDLE),
    )


def owner(party: Party) -> str:
    return "pat" if party is Party.PROVIDER else "casey"


def snapshot_code(folder: Path) -> str:
    """Copy onboard's sources (core, workers, plugins) now; the PYTHONPATH that runs them."""
    sources = [ROOT / "core/src", ROOT / "workers/src", *sorted((ROOT / "plugins").glob("*/src"))]
    paths = []
    for source in sources:
        target = folder / source.relative_to(ROOT)
        shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__"))
        paths.append(str(target))
    return os.pathsep.join(paths)


class Stuck(Exception):
    """The engagement's workflow task keeps failing: nothing moves it on."""


class WorkerProcess:
    """A worker process on one task queue that can be killed and started again."""

    def __init__(self, address: str, task_queue: str, env: dict[str, str], logs: Path, name: str) -> None:
        self.address, self.task_queue, self.env, self.logs, self.name = address, task_queue, env, logs, name
        self.process: subprocess.Popen | None = None
        self.started = 0

    async def start(self) -> None:
        self.started += 1
        log = self.logs / f"{self.name}-{self.started}.log"
        with open(log, "wb") as stderr:
            process = subprocess.Popen(
                [sys.executable, str(WORKER_SCRIPT), self.address, self.task_queue],
                stderr=stderr,
                stdout=subprocess.DEVNULL,
                env=self.env,
            )
        self.process = process
        await wait_until(
            lambda: '"event": "worker_starting"' in log.read_text() or process.poll() is not None,
            60,
            f"{self.name} worker {self.started} to start",
        )
        assert process.poll() is None, f"worker exited with {process.returncode}: {log.read_text()[-3000:]}"

    def kill(self) -> None:
        assert self.process is not None and self.process.poll() is None, "the worker died on its own"
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_lines(self) -> list[dict]:
        lines = []
        for number in range(1, self.started + 1):
            for raw in (self.logs / f"{self.name}-{number}.log").read_text().splitlines():
                try:
                    lines.append(json.loads(raw) | {"worker": f"{self.name}-{number}"})
                except json.JSONDecodeError:
                    lines.append({"event": raw, "worker": f"{self.name}-{number}"})  # cut by SIGKILL
        return lines


@attrs.define
class Driver:
    """Takes one engagement through its whole life, as its people would."""

    engagements: Engagements
    spec: EngagementSpec
    #: (action, subject, nonce) of every action the engagement accepted, in order.
    accepted: list[tuple[str, str, str]] = attrs.Factory(list)
    #: what happened to actions that got no answer at first.
    resends: list[str] = attrs.Factory(list)
    attested_automated: list[str] = attrs.Factory(list)
    final: EngagementStatus | None = None
    stuck: str = ""

    @property
    def eid(self) -> str:
        return self.spec.engagement_id

    async def run(self, after: float = 0.0) -> None:
        """The whole life, begun ``after`` seconds from now; a stuck engagement is recorded."""
        await asyncio.sleep(after)
        try:
            await self._life()
        except Stuck as exc:
            self.stuck = str(exc)

    async def _life(self) -> None:
        e = self.engagements
        await e.start(self.spec)
        await self.until(lambda p: p.planned, "the plan")
        await self.act("contact", "", e.record_contact, Contact("pat", "phoned the customer"))
        await self.until(lambda p: "kickoff" in p.open_gates, "the kick-off gate")
        await self.act("approve", "kickoff", e.decide, GateDecision("kickoff", "pat", True, "held"))
        await self.until(lambda p: "remediation-plan" in p.open_gates, "the remediation-plan gate")
        plan = GateDecision("remediation-plan", "casey", True, "plan agreed")
        await self.act("approve", "remediation-plan", e.decide, plan)
        await self.until(lambda p: p.phase is Phase.REMEDIATE, "Remediate")
        fixed = Reassessment("casey", str(FIXED_BUNDLE))
        result = await self.act("reassess", str(FIXED_BUNDLE), e.reassess, fixed)
        assert result is None or result.round == 2, result
        status = await self.status()
        for item in status.state.items:
            if item.closed:
                continue
            if backed_by_check(status.state, item):
                for who in ("pat", "casey"):
                    waiver = Waiver(item.item.id, who, "accepted for the test")
                    await self.act("waive", item.item.id, e.waive, waiver)
            else:
                done = Completion(item.item.id, owner(item.item.owner), "fixed")
                await self.act("complete", item.item.id, e.complete, done)
        await self.until(lambda p: "joint-verification" in p.open_gates, "the joint-verification gate")
        for who in ("pat", "casey"):
            joint = GateDecision("joint-verification", who, True, "verified")
            await self.act("approve", "joint-verification", e.decide, joint)
        steps = {s.id: s for s in status.state.plan.enable_steps}
        attested: set[str] = set()
        while True:
            progress = await self.until(
                lambda p: p.phase is Phase.COMPLETED or bool(set(p.awaiting_steps) - attested),
                "a manual step or completion",
            )
            if progress.phase is Phase.COMPLETED:
                break
            for step_id in sorted(set(progress.awaiting_steps) - attested):
                step = steps[step_id]
                if step.kind is StepKind.AUTOMATED:
                    self.attested_automated.append(step_id)
                done = Completion(step_id, owner(step.owner), f"done: {step.title}")
                await self.act("complete", step_id, e.complete, done)
                attested.add(step_id)
        # The workflow's result is its final status (no query replays a closed workflow).
        self.final = await asyncio.wait_for(e.handle(self.eid).result(), STATE_TIMEOUT)

    async def act(self, action: str, subject: str, send: Callable[..., Awaitable[Any]], arg: Any) -> Any:
        """Send a signed action until it gets an answer; a resend is the same signed request."""
        signed = self.engagements.sign(self.eid, arg)
        nonce = signed.signature.nonce
        silent_since = time.monotonic()
        for attempt in range(1, RESENDS + 1):
            try:
                result = await send(self.eid, signed)
            except RejectedError as exc:
                # A resend the engagement refuses (already decided, nonce used) is fine
                # only if an earlier send was applied; the audit trail says.
                if attempt > 1 and await self.applied(nonce):
                    self.resends.append(f"{action} {subject}: {attempt} sends, the last refused ({exc})")
                    self.accepted.append((action, subject, nonce))
                    return None
                raise
            except AlreadyAppliedError as exc:  # an earlier send was applied, in a run since ended
                assert attempt > 1 and await self.applied(nonce), exc
                self.resends.append(f"{action} {subject}: send {attempt}: {exc}")
                self.accepted.append((action, subject, nonce))
                return None
            except OnboardError as exc:  # no answer in time: the worker is (was) dead
                why = f"{action} {subject}: send {attempt}: {type(exc.__cause__).__name__}: {str(exc)[:200]}"
                if attempt == 1 or type(exc.__cause__).__name__ != "WorkflowUpdateRPCTimeoutOrCancelledError":
                    self.resends.append(why)
                if time.monotonic() - silent_since > SILENCE:
                    await self.check_not_stuck()
                await asyncio.sleep(0.5)
                continue
            if attempt > 1:
                self.resends.append(f"{action} {subject}: answered at send {attempt}")
            self.accepted.append((action, subject, nonce))
            return result
        pytest.fail(f"{self.eid}: {action} {subject} got no answer in {RESENDS} sends: {self.resends[-3:]}")

    async def applied(self, nonce: str) -> bool:
        status = await self.status()
        return any(r.signature is not None and r.signature.nonce == nonce for r in status.state.audit)

    async def status(self) -> EngagementStatus:
        deadline = time.monotonic() + STATE_TIMEOUT
        while True:
            try:
                return await asyncio.wait_for(self.engagements.status(self.eid), 15)
            except (OnboardError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                await self.check_not_stuck()
                await asyncio.sleep(0.5)

    async def until(self, predicate: Callable[[EngagementProgress], bool], what: str) -> EngagementProgress:
        """Poll the progress query until ``predicate`` holds (no answer while no worker runs)."""
        deadline = time.monotonic() + STATE_TIMEOUT
        answered = time.monotonic()
        last: EngagementProgress | None = None
        while time.monotonic() < deadline:
            try:
                last = await asyncio.wait_for(self.engagements.progress(self.eid), 15)
                answered = time.monotonic()
            except (OnboardError, TimeoutError):
                last = None
                if time.monotonic() - answered > SILENCE:
                    await self.check_not_stuck()
            if last is not None:
                assert not last.blocked, f"{self.eid} is blocked: {last.blocked}"
                if predicate(last):
                    return last
            await asyncio.sleep(0.5)
        pytest.fail(f"{self.eid}: timed out waiting for {what}; last progress: {last}")

    async def check_not_stuck(self) -> None:
        """Raise :class:`Stuck` if the latest workflow task of the current run failed."""
        history = await self.engagements.handle(self.eid).fetch_history()
        for event in reversed(history.events):
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
                return
            if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
                failure = event.workflow_task_failed_event_attributes.failure.message
                raise Stuck(f"{self.eid}: workflow task {event.event_id} failed: {failure}")


@pytest.mark.timeout(900)
async def test_killing_the_worker_loses_and_doubles_no_side_effect(
    dev_server: DevServer, dev_client: Client, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    began = time.monotonic()
    rng = random.Random(SEED)
    sink, journal, effects, calls = (
        tmp_path / "notifications.jsonl",
        tmp_path / "audit",
        tmp_path / "effects.jsonl",
        tmp_path / "calls.jsonl",
    )
    monkeypatch.setenv("ONBOARD_AUDIT_JOURNAL", str(journal))  # journal_path() reads it here too
    env = {
        **os.environ,
        "PYTHONPATH": snapshot_code(tmp_path / "code"),
        "ONBOARD_NOTIFICATIONS": str(sink),
        "ONBOARD_AUDIT_JOURNAL": str(journal),
        EFFECTS_ENV: str(effects),
        CALLS_ENV: str(calls),
    }
    run = uuid.uuid4().hex[:6]
    chaos = WorkerProcess(dev_server.address, f"chaos-{run}", env, tmp_path, "chaos")
    steady = WorkerProcess(dev_server.address, f"steady-{run}", env, tmp_path, "steady")
    drivers = [
        Driver(
            Engagements(dev_client, chaos.task_queue, KEYS, ACTION_TIMEOUT),
            chaos_spec(f"chaos-{run}-{i:02d}"),
        )
        for i in range(ENGAGEMENTS)
    ]
    control = Driver(Engagements(dev_client, steady.task_queue, KEYS), chaos_spec(f"chaos-{run}-control"))
    kills: list[str] = []

    def step_calls() -> int:
        return len(calls.read_text().splitlines()) if calls.exists() else 0

    async def kill_repeatedly() -> None:
        for number in range(1, KILLS + 1):
            await asyncio.sleep(rng.uniform(*KILL_AFTER))
            moment = "at random"
            if number > KILLS - STEP_KILLS:
                seen = step_calls()
                await wait_until(lambda seen=seen: step_calls() > seen, STATE_TIMEOUT, "an automated step")
                await asyncio.sleep(rng.uniform(0.0, 1.0))  # a step takes 1 s, its effect at 0.3 s
                moment = "in an automated step"
            running = sum(d.final is None and not d.stuck for d in drivers)
            chaos.kill()
            kills.append(
                f"{time.monotonic() - began:.1f}s: worker {chaos.started} {moment} ({running} running)"
            )
            await chaos.start()

    try:
        await asyncio.gather(chaos.start(), steady.start())
        killer = asyncio.create_task(kill_repeatedly())
        results = await asyncio.gather(
            control.run(),
            *(d.run(i * STAGGER) for i, d in enumerate(drivers)),
            killer,
            return_exceptions=True,
        )
        took = time.monotonic() - began
    finally:
        chaos.stop()
        steady.stop()

    everyone = [control, *drivers]
    stuck = [d for d in everyone if d.stuck]
    done = [d for d in everyone if not d.stuck]
    raw_calls = Counter(c["key"] for c in json_lines(calls)) if calls.exists() else Counter()
    warnings = Counter(
        f"{line['worker']}: {line.get('level')}: {str(line.get('event'))[:160]}"
        for line in chaos.log_lines() + steady.log_lines()
        if line.get("level") in ("warning", "error", "critical")
    )
    summary = {
        "seed": SEED,
        "seconds": round(took, 1),
        "kills": kills,
        "stuck": [d.stuck for d in stuck],
        "resends": {d.eid: d.resends for d in drivers if d.resends},
        "step_reruns": {key: n for key, n in raw_calls.items() if n > 1},
        "warnings": dict(warnings),
    }
    (tmp_path / "chaos-summary.json").write_text(json.dumps(summary, indent=2))
    print(json.dumps(summary, indent=2))
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        raise failures[0]

    # The chaos was real: the worker died KILLS times while engagements were in flight.
    assert len(kills) == KILLS >= 5 and chaos.started == KILLS + 1
    assert all(not k.endswith("(0 running)") for k in kills), kills
    assert not control.stuck, control.stuck

    # 0 lost engagements: each completed, on the server too, its steps by automation.
    for d in done:
        assert d.final is not None and d.final.phase is Phase.COMPLETED, d.eid
        assert (await d.engagements.handle(d.eid).describe()).status is WorkflowExecutionStatus.COMPLETED
        assert not d.attested_automated, (
            f"{d.eid}: automation failed, a person confirmed {d.attested_automated}"
        )
        assert all(d.final.state.steps[s].by == "automation" for s in STEPS), d.eid
        assert d.final.state.assessment_round == 2, f"{d.eid}: the re-assessment ran once"

    # Notices: each id once in the sink; every engagement got what the control got.
    notices = json_lines(sink)
    ids = Counter(n["id"] for n in notices)
    assert not {i: n for i, n in ids.items() if n > 1}, "a notice was delivered twice"
    assert all(ids), "every notice carries an idempotency key"

    def notices_of(d: Driver) -> tuple[list[tuple[str, str]], list[str]]:
        """What an engagement was told, and which steps were announced ready.

        Steps come in waves whose grouping follows timing (a kill can split one), so
        they are compared as the steps announced, and notices by kind and message."""
        mine = [n for n in notices if n["engagement_id"] == d.eid]
        told = sorted((n["kind"], n["message"]) for n in mine if n["kind"] != "steps-ready")
        steps = sorted(
            line.split(":")[0] for n in mine if n["kind"] == "steps-ready" for line in n["details"]
        )
        return told, steps

    expected = notices_of(control)
    kinds = Counter(kind for kind, _ in expected[0])
    phases = {m for k, m in expected[0] if k in ("transition", "completed")}
    assert kinds["gate-open"] == len(GATE_OPENS) and phases == TRANSITIONS, expected
    assert {m.split("'")[1] for k, m in expected[0] if k == "gate-open"} == GATE_OPENS
    assert len(expected[1]) == len(set(expected[1])), "each ready step announced at most once"
    for d in done:
        assert notices_of(d) == expected, f"{d.eid}: notices lost or added"

    # Actions: each accepted once, in the script's order; the journal holds each once.
    signers = AllowedSigners.load(Path(os.environ["ONBOARD_ALLOWED_SIGNERS"]))
    script = [(action, subject) for action, subject, _ in control.accepted]
    for d in done:
        audit = d.final.state.audit
        assert [r.seq for r in audit] == list(range(1, len(audit) + 1)), d.eid
        assert [r.signature.nonce for r in audit] == [nonce for _, _, nonce in d.accepted], d.eid
        assert len({r.signature.armored for r in audit}) == len(audit), f"{d.eid}: a signature twice"
        assert [(a, s) for a, s, _ in d.accepted] == script, d.eid
        chain = read_chain(journal_path(d.eid))
        lines = Counter((e.record.seq, e.hash) for e in chain.entries)
        assert not {k: n for k, n in lines.items() if n > 1}, f"{d.eid}: a journal record twice"
        report = verify_chain(chain, signers)
        assert report.ok and not report.problems, f"{d.eid}: {[str(p) for p in report.problems]}"
        assert not compare(chain, audit), f"{d.eid}: {[str(p) for p in compare(chain, audit)]}"
    for d in stuck:  # as far as it got: nothing twice there either
        chain = read_chain(journal_path(d.eid))
        assert len({(e.record.seq, e.hash) for e in chain.entries}) == len(chain.entries), d.eid

    # run_step: each step's effect exactly once per idempotency key, however often it ran.
    applied = Counter(line["key"] for line in json_lines(effects))
    assert not {k: n for k, n in applied.items() if n > 1}, "an effect was applied twice"
    assert set(applied) >= {f"{d.eid}/{step}" for d in done for step in STEPS}, "an effect was lost"
    assert set(raw_calls) == set(applied), "a step ran but applied nothing"

    if stuck:
        reasons = "; ".join(d.stuck for d in stuck)
        if all(KNOWN_REPLAY_DEFECT in d.stuck for d in stuck):
            pytest.xfail(
                f"{len(stuck)} engagement(s) stuck on the known replay defect (every other check "
                f"passed): {reasons}"
            )
        pytest.fail(f"engagements stuck: {reasons}")
