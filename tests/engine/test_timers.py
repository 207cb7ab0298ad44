"""Policy timers: the contact SLA escalates, checkpoints remind, on real servers."""

import asyncio
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Contact, Phase, Policy
from onboard.core.plugins import load_plugin_manager
from onboard.workers.worker import running_worker
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.testing import WorkflowEnvironment

from .helpers import KEYS, close_all_items, make_spec, reach_remediate, wait_for
from .recorder import NotificationRecorder


@pytest.fixture
def recorder() -> NotificationRecorder:
    return NotificationRecorder()


@pytest.fixture
async def recording_worker(client, recorder):
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    task_queue = f"timers-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, manager=manager) as worker:
        yield worker


async def test_missed_contact_escalates_and_keeps_escalating(client, recording_worker, recorder):
    engagements = Engagements(client, recording_worker.task_queue, signer=KEYS)
    policy = Policy(contact_within=timedelta(seconds=2), escalate_every=timedelta(seconds=2))
    spec = make_spec(policy=policy)
    await engagements.start(spec)
    # The escalation is counted, then delivered by an activity: wait for the delivery.
    status = await wait_for(
        engagements,
        spec.engagement_id,
        lambda s: s.state.escalations >= 2 and recorder.kinds(spec.engagement_id).count("escalation") >= 2,
        timeout=20,
    )
    assert status.phase is Phase.INITIATE
    escalations = [
        n for n in recorder.sent if n.kind == "escalation" and n.engagement_id == spec.engagement_id
    ]
    assert "has not been contacted" in escalations[0].message
    assert set(escalations[0].to) == {"pat", "pam"}, "escalations go to the provider side"
    await engagements.record_contact(spec.engagement_id, Contact("pat", "finally"))
    await wait_for(
        engagements,
        spec.engagement_id,
        lambda s: "gate-open" in recorder.kinds(spec.engagement_id),
    )
    # Every notice has its own idempotency key, numbered in the order sent.
    ids = [n.id for n in recorder.sent if n.engagement_id == spec.engagement_id]
    eid = spec.engagement_id
    assert ids[:2] == [f"{eid}/1/escalation", f"{eid}/2/escalation"]
    assert len(set(ids)) == len(ids) and ids[-1].endswith("/gate-open")


async def test_a_long_overdue_contact_escalates_once_not_once_per_missed_period(
    client, recording_worker, recorder
):
    engagements = Engagements(client, recording_worker.task_queue, signer=KEYS)
    policy = Policy(contact_within=timedelta(days=30), escalate_every=timedelta(days=7))
    spec = make_spec(policy=policy, purchased_on=datetime.now(UTC) - timedelta(days=60))
    await engagements.start(spec)
    status = await wait_for(
        engagements, spec.engagement_id, lambda s: "escalation" in recorder.kinds(spec.engagement_id)
    )
    # 60 days after purchase: 30 days late, the 5th weekly period; one notice says so.
    assert status.state.escalations == 5
    await asyncio.sleep(1)
    assert recorder.kinds(spec.engagement_id).count("escalation") == 1


async def test_a_contact_in_time_never_escalates(client, recording_worker, recorder):
    engagements = Engagements(client, recording_worker.task_queue, signer=KEYS)
    spec = make_spec(policy=Policy(contact_within=timedelta(seconds=3)))
    await engagements.start(spec)
    await engagements.record_contact(spec.engagement_id, Contact("pat"))
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.gates["kickoff"].open)
    await asyncio.sleep(4)  # past the contact deadline
    status = await engagements.status(spec.engagement_id)
    assert status.state.escalations == 0
    assert "escalation" not in recorder.kinds(spec.engagement_id)


async def test_checkpoint_reminders_fire_during_remediate(client, recording_worker, recorder):
    engagements = Engagements(client, recording_worker.task_queue, signer=KEYS)
    spec = make_spec(policy=Policy(checkpoint_every=timedelta(seconds=2)))
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    status = await wait_for(engagements, eid, lambda s: s.state.checkpoints >= 2, timeout=20)
    assert status.phase is Phase.REMEDIATE
    checkpoint = next(n for n in recorder.sent if n.kind == "checkpoint" and n.engagement_id == eid)
    assert f"{len(status.state.items)} remediation item(s) open" in checkpoint.message
    await close_all_items(engagements, status)
    await wait_for(engagements, eid, lambda s: s.state.gates["joint-verification"].open)
    assert "gate-open" in recorder.kinds(eid)


async def test_thirty_day_contact_sla_on_the_time_skipping_server(recorder):
    """The seeds' default policy, unshortened: 30 days skip in moments."""
    server = Path(sys.prefix) / "bin" / "temporal-test-server"
    env = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(server), data_converter=DATA_CONVERTER
    )
    try:
        await env.client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=env.client.namespace,
                search_attributes={
                    key.name: IndexedValueType.Value(f"INDEXED_VALUE_TYPE_{key.indexed_value_type.name}")
                    for key in sa.ALL
                },
            )
        )
        manager = load_plugin_manager(extra=[("recorder", recorder)])
        async with running_worker(env.client, task_queue="skipping", manager=manager):
            engagements = Engagements(env.client, "skipping", signer=KEYS)
            spec = make_spec(policy=Policy(), purchased_on=datetime.now(UTC))
            await engagements.start(spec)
            await env.sleep(timedelta(days=29))
            assert (await engagements.status(spec.engagement_id)).state.escalations == 0
            await env.sleep(timedelta(days=2))
            status = await engagements.status(spec.engagement_id)
            assert status.state.escalations == 1
            assert "due 30 days after purchase" in next(
                n.message for n in recorder.sent if n.kind == "escalation"
            )
            await env.sleep(timedelta(days=7))
            assert (await engagements.status(spec.engagement_id)).state.escalations == 2
    finally:
        await env.shutdown()


class FlakySink:
    """Fails its first delivery, then works."""

    def __init__(self) -> None:
        self.attempts = 0

    @hookimpl
    def notify(self, notification):
        self.attempts += 1
        if self.attempts == 1:
            raise ConnectionError("mail relay down")


async def test_a_failing_sink_is_retried_without_repeating_the_others(client, recorder):
    flaky = FlakySink()
    manager = load_plugin_manager(extra=[("recorder", recorder), ("zz-flaky", flaky)])
    async with running_worker(client, task_queue=f"sinks-{uuid.uuid4().hex[:8]}", manager=manager) as worker:
        engagements = Engagements(client, worker.task_queue, signer=KEYS)
        spec = make_spec(policy=Policy(contact_within=timedelta(seconds=1)))
        await engagements.start(spec)
        await wait_for(
            engagements, spec.engagement_id, lambda s: s.state.escalations >= 1 and flaky.attempts >= 2
        )
        assert recorder.kinds(spec.engagement_id).count("escalation") == 1, "the working sink got it once"
