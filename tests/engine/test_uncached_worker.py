"""Engagements on a worker that keeps none in memory: every workflow task is a replay.

That is what a worker does with an engagement it evicted (a busy worker, a small
``--workflow-cache-size``, a sticky task that timed out): it replays the history
from the start and goes on live from its tail.  The live tail can group the same
events into other activations than a later full replay does (temporalio's core
merges a task that completed without commands into the next one when that one
follows at once: temporalio/sdk-rust#1606), so these tests put such a quiet task
right before each action: a journal slower than the notices gives each activity
result a task of its own, and every action waits until both are idle.  Then each
run's history must replay, and no workflow task may have failed
(:mod:`onboard.workers.activation_batches` says why they now do not).
"""

import time
import uuid
from collections.abc import Callable

from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, workflow_runner
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Contact, EngagementStatus, GateDecision, Phase
from onboard.core.plugins import ServicePluginManager, load_plugin_manager
from onboard.workers import activation_batches
from onboard.workers.worker import build_worker, running_worker
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.worker import Replayer

from .helpers import KEYS, attest_enable_steps, close_item, make_spec, wait_for

ALL_JOBS_FIRST = activation_batches.FLAG


class SlowJournal:
    """An audit journal slower than the notices, so each activity result gets a task of its own."""

    @hookimpl
    def record_audit(self, engagement_id, records) -> None:
        time.sleep(0.6)


def slow_journal_plugins() -> ServicePluginManager:
    return load_plugin_manager(extra=[("slow-journal", SlowJournal())])


def settled(status: EngagementStatus) -> bool:
    """Every notice sent and every audit record journaled: the loops are waiting again."""
    s = status.state
    return not s.outbox and (not s.audit or s.journaled >= s.audit[-1].seq)


async def until_settled(
    engagements: Engagements, eid: str, predicate: Callable[[EngagementStatus], bool]
) -> EngagementStatus:
    try:
        return await wait_for(engagements, eid, lambda s: predicate(s) and settled(s), timeout=60)
    except AssertionError as exc:  # a stuck engagement answers no query: say why it is stuck
        failures = await failed_tasks(engagements.client, eid)
        raise AssertionError(f"{exc}; failed workflow tasks: {failures[:1]}") from None


async def runs_of(client: Client, eid: str) -> list:
    runs = [wf async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{eid}'")]
    return [await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history() for wf in runs]


async def failed_tasks(client: Client, eid: str) -> list[str]:
    return [
        event.workflow_task_failed_event_attributes.failure.message
        for history in await runs_of(client, eid)
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED
    ]


async def assert_every_run_replays(client: Client, eid: str) -> None:
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    for history in await runs_of(client, eid):
        await replayer.replay_workflow(history)


def lang_flags(history) -> set[int]:
    return {
        flag
        for event in history.events
        if event.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED
        for flag in event.workflow_task_completed_event_attributes.sdk_metadata.lang_used_flags
    }


async def through_the_phases(engagements: Engagements, eid: str) -> EngagementStatus:
    """Every kind of action, each after a quiet task, from kick-off to completion."""
    status = await until_settled(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    await until_settled(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))
    status = await until_settled(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    for item in status.state.items:
        await close_item(engagements, status, item)
        status = await until_settled(engagements, eid, lambda s: True)
    for who in ("pat", "casey"):
        await until_settled(engagements, eid, lambda s: s.state.gates["joint-verification"].open)
        await engagements.decide(eid, GateDecision("joint-verification", who, True, "verified"))
    await until_settled(engagements, eid, lambda s: s.phase is Phase.ENABLE)
    return await attest_enable_steps(engagements, eid)


async def test_an_uncached_worker_runs_an_engagement_whose_actions_follow_quiet_tasks(client):
    task_queue = f"uncached-{uuid.uuid4().hex[:8]}"
    engagements = Engagements(client, task_queue, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    async with running_worker(
        client, task_queue=task_queue, manager=slow_journal_plugins(), max_cached_workflows=0
    ):
        await engagements.start(spec)
        await until_settled(engagements, eid, lambda s: s.state.plan is not None)
        await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
        status = await through_the_phases(engagements, eid)
    assert status.phase is Phase.COMPLETED
    assert await failed_tasks(client, eid) == []
    await assert_every_run_replays(client, eid)
    assert all(ALL_JOBS_FIRST in lang_flags(history) for history in await runs_of(client, eid))


async def test_an_engagement_begun_before_the_change_goes_on_after_it(client):
    """Begun on a worker that ran each group of jobs in turn, then carried on, uncached,
    by one that applies them all first: the switch is recorded where it happened and
    the history replays, the old tasks as they ran."""
    task_queue = f"switch-{uuid.uuid4().hex[:8]}"
    engagements = Engagements(client, task_queue, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    manager = slow_journal_plugins()
    before = build_worker(client, task_queue=task_queue, manager=manager)
    before._set_default_workflow_logic_flag(ALL_JOBS_FIRST, enabled=False)
    async with before:
        await engagements.start(spec)
        await until_settled(engagements, eid, lambda s: s.state.plan is not None)
        await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
        await until_settled(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    [first] = await runs_of(client, eid)
    assert ALL_JOBS_FIRST not in lang_flags(first)
    async with running_worker(client, task_queue=task_queue, manager=manager, max_cached_workflows=0):
        status = await through_the_phases(engagements, eid)
    assert status.phase is Phase.COMPLETED
    assert await failed_tasks(client, eid) == []
    await assert_every_run_replays(client, eid)


async def test_every_worker_onboard_builds_applies_all_jobs_first(client):
    worker = build_worker(client, task_queue=f"flags-{uuid.uuid4().hex[:8]}")
    assert ALL_JOBS_FIRST in worker._workflow_worker._default_workflow_logic_flags
    assert activation_batches.apply_all_jobs_first(worker)
