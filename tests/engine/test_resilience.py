"""Durability: a killed worker, a blocked activity, long histories, all without loss."""

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

import pytest
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements, RejectedError
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement.workflows import EngagementWorkflow
from onboard.core.hookspecs import hookimpl
from onboard.core.models import (
    Category,
    Contact,
    EnableStep,
    GateDecision,
    Phase,
    Policy,
    Reassessment,
    Requirement,
    Resume,
    ServiceInfo,
    StepKind,
    StepResult,
)
from onboard.core.plugins import load_plugin_manager
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from .helpers import (
    KEYS,
    attest_enable_steps,
    close_all_items,
    close_item,
    make_spec,
    reach_remediate,
    wait_for,
)


def start_worker_process(client: Client, task_queue: str, *args: str) -> subprocess.Popen:
    """``onboard worker`` as an operator runs it (``args``: more flags); returns once it polls."""
    onboard = Path(sys.prefix) / "bin" / "onboard"
    proc = subprocess.Popen(
        [
            str(onboard),
            "worker",
            "--address",
            client.service_client.config.target_host,
            "--namespace",
            client.namespace,
            "--task-queue",
            task_queue,
            *args,
        ],
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    for line in proc.stderr:  # JSON log lines
        event = json.loads(line)
        if event.get("event") == "worker_starting":
            proc.started = event  # type: ignore[attr-defined]
            return proc
    raise AssertionError(f"onboard worker exited with {proc.wait()}")


async def test_a_worker_caching_fewer_engagements_than_wait_replays_each_and_loses_nothing(client):
    """``--workflow-cache-size 2`` with three engagements at the kick-off gate: each
    approval finds its engagement evicted and replays it first (as at 10,000 parked with
    the default 1,000); every approval is applied once and each engagement goes on."""
    task_queue = f"cache-{uuid.uuid4().hex[:8]}"
    engagements = Engagements(client, task_queue, signer=KEYS)
    worker = start_worker_process(client, task_queue, "--workflow-cache-size", "2")
    try:
        assert worker.started["workflow_cache_size"] == 2  # type: ignore[attr-defined]
        specs = [make_spec() for _ in range(3)]
        for spec in specs:
            await engagements.start(spec)
            await engagements.record_contact(spec.engagement_id, Contact("pat", "phoned"))
        for spec in specs:
            await wait_for(engagements, spec.engagement_id, lambda s: s.state.gates["kickoff"].open)
        for spec in specs:  # the oldest first: evicted by the two asked about since
            await engagements.decide(spec.engagement_id, GateDecision("kickoff", "pat", True, "held"))
        for spec in specs:
            status = await wait_for(
                engagements, spec.engagement_id, lambda s: s.state.gates["remediation-plan"].open
            )
            approvals = [a for a in status.state.audit if (a.action, a.subject) == ("approve", "kickoff")]
            assert len(approvals) == 1
            assert status.state.gates["kickoff"].passed
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()


async def test_worker_killed_and_restarted_mid_engagement_loses_nothing(client):
    task_queue = f"kill-{uuid.uuid4().hex[:8]}"
    engagements = Engagements(client, task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    first = start_worker_process(client, task_queue)
    try:
        await engagements.start(spec)
        await engagements.record_contact(eid, Contact("pat", "phoned"))
        await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
        await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
        await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    # With no worker alive the customer's approval is accepted by the server and waits.
    pending = asyncio.create_task(
        engagements.handle(eid).execute_update(
            EngagementWorkflow.decide,
            engagements.sign(eid, GateDecision("remediation-plan", "casey", True, "agreed while down")),
        )
    )
    await asyncio.sleep(1)
    assert not pending.done()

    second = start_worker_process(client, task_queue)
    try:
        await asyncio.wait_for(pending, timeout=30)
        status = await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
        await close_all_items(engagements, status)
        await engagements.decide(eid, GateDecision("joint-verification", "pat", True))
        await engagements.decide(eid, GateDecision("joint-verification", "casey", True))
        status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE)
    finally:
        second.send_signal(signal.SIGKILL)
        second.wait()

    audit = [(a.person, a.action, a.subject, a.comment) for a in status.state.audit]
    assert ("pat", "contact", "customer", "phoned") in audit
    assert ("casey", "approve", "remediation-plan", "agreed while down") in audit
    assert status.state.assessment_round == 1, "the assessment ran once, not again after the restart"


class BrokenRemediationPlugin:
    """A service whose remediation hook fails until it is 'fixed'."""

    def __init__(self) -> None:
        self.broken = True

    @hookimpl
    def register_services(self) -> Sequence[ServiceInfo]:
        return [ServiceInfo("flaky", "Flaky service", min_licenses=0)]

    @hookimpl
    def assess_requirements(self, services):
        return [Requirement("flaky.ready", "flaky", "Flaky is ready", Category.SERVICE, "manual")]

    @hookimpl
    def remediation_items(self, findings):
        if self.broken:
            raise RuntimeError("remediation catalogue unavailable")
        return []


async def test_a_failing_plugin_blocks_the_engagement_until_a_provider_resumes(client):
    plugin = BrokenRemediationPlugin()
    manager = load_plugin_manager(extra=[("flaky", plugin)])
    task_queue = f"blocked-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, manager=manager):
        engagements = Engagements(client, task_queue, signer=KEYS)
        spec = make_spec(("core", "flaky"))
        eid = spec.engagement_id
        await engagements.start(spec)
        await engagements.record_contact(eid, Contact("pat"))
        await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
        await engagements.decide(eid, GateDecision("kickoff", "pat", True))
        status = await wait_for(engagements, eid, lambda s: bool(s.state.blocked))
        assert "plugin 'flaky', hook remediation_items" in status.state.blocked
        assert "remediation catalogue unavailable" in status.state.blocked
        assert "party:provider" in status.awaiting
        with pytest.raises(RejectedError, match="not open yet"):
            await engagements.decide(eid, GateDecision("remediation-plan", "casey", True))
        with pytest.raises(RejectedError, match="only the provider side"):
            await engagements.resume(eid, Resume("casey"))

        plugin.broken = False
        await engagements.resume(eid, Resume("pat", "catalogue restored"))
        status = await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
        assert status.state.blocked == ""
        assert any(i.item.id == "fix.flaky.ready" for i in status.state.items)
        desc = await engagements.handle(eid).describe()
        assert desc.status is not None and desc.status.name == "RUNNING", "blocked is not failed"


async def test_history_stays_small_by_continuing_as_new_when_the_server_suggests(tmp_path):
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_extra_args=[
            "--log-level",
            "error",
            "--dynamic-config-value",
            "limit.historyCount.suggestContinueAsNew=40",
        ],
    )
    try:
        async with running_worker(env.client, task_queue="can"):
            engagements = Engagements(env.client, "can", signer=KEYS)
            spec = make_spec(policy=Policy(checkpoint_every=timedelta(seconds=0.5)))
            eid = spec.engagement_id
            status = await reach_remediate(engagements, spec)
            status = await wait_for(engagements, eid, lambda s: s.state.checkpoints >= 12, timeout=60)
            runs = [wf async for wf in env.client.list_workflows(f"WorkflowId = '{eid}'")]
            # Two runs end at phase boundaries; the rest were suggested by the server.
            assert len(runs) > 3
            for wf in runs:
                history = await env.client.get_workflow_handle(eid, run_id=wf.run_id).fetch_history()
                assert len(history.events) < 120
            assert status.state.audit[0].action == "contact", "the audit trail survives every run"
            # Decisions still land after many runs, and the audit chain runs on unbroken.
            await close_item(engagements, status, status.state.items[0])
            final = await engagements.status(eid)
            assert [r.seq for r in final.state.audit] == list(range(1, len(final.state.audit) + 1))
            assert final.state.audit[-1].action == "waive" and final.state.audit[-1].prev
    finally:
        await env.shutdown()


FIXED_BUNDLE = Path(__file__).resolve().parents[2] / "examples" / "bundles" / "contoso-fixed"


class SlowTransitions:
    """A notification sink that takes its time with phase transitions."""

    @hookimpl
    def notify(self, notification):
        if notification.kind == "transition":
            time.sleep(1.5)


async def test_a_reassessment_sent_during_a_phase_change_is_not_lost(client):
    # The phase is already `remediate` while the old run still delivers the
    # transition notice; a re-assessment sent then must be answered, not deadlock.
    manager = load_plugin_manager(extra=[("slow", SlowTransitions())])
    task_queue = f"window-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, manager=manager):
        engagements = Engagements(client, task_queue, signer=KEYS)
        spec = make_spec()
        eid = spec.engagement_id
        await reach_remediate(engagements, spec)
        result = await asyncio.wait_for(
            engagements.reassess(eid, Reassessment("casey", str(FIXED_BUNDLE))), 30
        )
        assert result.round == 2

        with pytest.raises(RejectedError, match=r"re-assessment of /no/such/bundle failed: .*not a folder"):
            await engagements.reassess(eid, Reassessment("casey", "/no/such/bundle"))
        status = await engagements.status(eid)
        assert status.state.assessment_round == 2 and not status.state.blocked, "a bad bundle changes nothing"


async def test_every_activity_heartbeats_so_a_dead_worker_is_noticed_in_seconds(client, worker):
    """Planning, notices and the journal too (before, planning waited out five minutes)."""
    from onboard.core.engagement.options import QUICK_HEARTBEAT_TIMEOUT
    from temporalio.api.enums.v1 import EventType

    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    await engagements.start(spec)
    await engagements.record_contact(spec.engagement_id, Contact("pat", "phoned"))
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.gates["kickoff"].open)
    history = await engagements.handle(spec.engagement_id).fetch_history()
    scheduled = {
        e.activity_task_scheduled_event_attributes.activity_type.name: e.activity_task_scheduled_event_attributes
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    }
    assert {"plan_engagement", "notify", "journal"} <= set(scheduled)
    for name in ("plan_engagement", "notify", "journal"):
        assert scheduled[name].heartbeat_timeout.ToTimedelta() == QUICK_HEARTBEAT_TIMEOUT, name


class KeyedStepPlugin:
    """A service with one automated step that fails once, then records what it was given."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    @hookimpl
    def register_services(self) -> Sequence[ServiceInfo]:
        return [ServiceInfo("keyed", "Keyed service", min_licenses=0)]

    @hookimpl
    def enable_steps(self, services):
        return [EnableStep("keyed.create", "keyed", "Create the thing", StepKind.AUTOMATED)]

    @hookimpl
    def run_step(self, step, idempotency_key):
        if step.service != "keyed":
            return None
        self.keys.append(idempotency_key)
        if len(self.keys) == 1:
            raise RuntimeError("the remote API timed out (it may have created the thing)")
        return StepResult(True, "created", f"request {idempotency_key}")


async def test_a_retried_step_gets_the_same_idempotency_key(client):
    plugin = KeyedStepPlugin()
    manager = load_plugin_manager(extra=[("keyed", plugin)])
    task_queue = f"keyed-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, manager=manager):
        engagements = Engagements(client, task_queue, signer=KEYS)
        spec = make_spec(("core", "keyed"))
        status = await reach_remediate(engagements, spec)
        await close_all_items(engagements, status)
        await engagements.decide(spec.engagement_id, GateDecision("joint-verification", "pat", True))
        await engagements.decide(spec.engagement_id, GateDecision("joint-verification", "casey", True))
        final = await attest_enable_steps(engagements, spec.engagement_id)
    assert plugin.keys == [f"{spec.engagement_id}/keyed.create"] * 2
    assert final.state.steps["keyed.create"].status == "done"
