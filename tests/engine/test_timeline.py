"""The remediation timeline: due dates proposed, moved by the provider, reminded of,
named at checkpoints; and the memo every run keeps for `onboard list` and the Web UI."""

import asyncio
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.engagement.summary import MEMO_KEY
from onboard.core.engagement.timeline import due_within
from onboard.core.models import Contact, DueChange, GateDecision, Party, Phase, RemediationItem, Severity
from onboard.core.plugins import load_plugin_manager
from onboard.workers.worker import running_worker
from temporalio.client import WorkflowExecutionStatus

from .helpers import FAST, KEYS, close_all_items, make_spec, reach_remediate, wait_for
from .recorder import NotificationRecorder


@pytest.fixture
async def recorded(client):
    recorder = NotificationRecorder()
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    async with running_worker(client, task_queue=f"timeline-{id(recorder)}", manager=manager) as running:
        yield Engagements(client, running.task_queue, signer=KEYS), recorder


def sent(recorder: NotificationRecorder, eid: str, kind: str) -> list:
    return [n for n in recorder.sent if n.engagement_id == eid and n.kind == kind]


def test_the_proposed_time_follows_owner_and_severity():
    policy = FAST
    blocker = RemediationItem("fix.a", "a", "core", "Fix a", Party.CUSTOMER, Severity.BLOCKER)
    assert due_within(policy, blocker) == policy.blocker_due_within == timedelta(days=14)
    assert due_within(policy, attrs.evolve(blocker, severity=Severity.WARNING)) == timedelta(days=28)
    assert due_within(policy, attrs.evolve(blocker, severity=Severity.INFO)) == timedelta(days=42)
    assert due_within(policy, attrs.evolve(blocker, owner=Party.PROVIDER)) == timedelta(days=7)


async def test_due_dates_are_proposed_by_severity_and_owner_and_moved_by_the_provider(recorded):
    engagements, recorder = recorded
    spec = make_spec()
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.record_contact(eid, Contact("pat", "phoned"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
    status = await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    items = status.state.items
    assert items and all(i.due is not None for i in items), "every open item has a proposed date"
    assessed = max(i.due - due_within(spec.policy, i.item) for i in items)
    for i in items:  # proposed at the assessment, from severity and owner
        assert abs(i.due - due_within(spec.policy, i.item) - assessed) < timedelta(seconds=5)

    item = items[0].item.id
    new_due = datetime.now(UTC).replace(microsecond=0) + timedelta(days=20)
    with pytest.raises(RejectedError, match="provider establishes the remediation timeline"):
        await engagements.move_due(eid, DueChange(item, "casey", new_due, "we need longer"))
    with pytest.raises(RejectedError, match="not in the future"):
        await engagements.move_due(eid, DueChange(item, "pat", datetime.now(UTC) - timedelta(days=1), "x"))
    with pytest.raises(RejectedError, match="more than two years away"):
        await engagements.move_due(eid, DueChange(item, "pat", new_due + timedelta(days=900), "typo"))
    with pytest.raises(RejectedError, match="no remediation item"):
        await engagements.move_due(eid, DueChange("fix.nothing", "pat", new_due, "x"))

    moved = await engagements.move_due(eid, DueChange(item, "pat", new_due, "the customer's change freeze"))
    assert moved.due == new_due and moved.due_moved_by == "pat"
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "due-moved")))
    notice = sent(recorder, eid, "due-moved")[0]
    assert {r.party for r in notice.recipients} >= {"customer"}
    assert "the customer's change freeze" in notice.message and new_due.date().isoformat() in notice.subject
    assert any(c.startswith(f"onboard approve {eid} remediation-plan") for c in notice.commands)
    status = await engagements.status(eid)
    record = status.state.audit[-1]
    assert (record.action, record.subject, record.person) == ("move-due", item, "pat")
    assert record.signature is not None and record.content["due"] == new_due.strftime("%Y-%m-%dT%H:%M:%SZ")


async def test_owners_are_reminded_before_and_after_and_checkpoints_name_the_overdue(recorded):
    engagements, recorder = recorded
    policy = attrs.evolve(
        FAST,
        blocker_due_within=timedelta(seconds=6),
        warning_due_within=timedelta(seconds=6),
        info_due_within=timedelta(seconds=6),
        provider_due_within=timedelta(seconds=6),
        due_reminder_before=timedelta(seconds=3),
        checkpoint_every=timedelta(seconds=9),
    )
    spec = make_spec(policy=policy)
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    sides = {i.item.owner.value for i in status.state.items}
    status = await wait_for(
        engagements, eid, lambda s: all(i.due_reminded == "overdue" for i in s.state.items), timeout=30
    )
    await wait_for(  # the notices leave through the outbox a moment later
        engagements, eid, lambda s: len(sent(recorder, eid, "overdue")) == len(sides), timeout=20
    )
    for kind in ("due-soon", "overdue"):
        notices = sent(recorder, eid, kind)
        assert {n.message.split(" side ")[0].split()[-1] for n in notices} == sides, kind
        assert len(notices) == len(sides), f"one {kind} notice per side, not one per item"
    overdue = sent(recorder, eid, "overdue")
    customer = next(n for n in overdue if "customer side" in n.message)
    assert {r.party for r in customer.recipients} == {"customer", "provider"}
    assert all("overdue since" in line for line in customer.details)
    assert status.phase is Phase.REMEDIATE

    # The checkpoint's notice leaves through the outbox a moment after the call is counted.
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "checkpoint")), timeout=20)
    checkpoint = sent(recorder, eid, "checkpoint")[0]
    count = len(status.state.items)
    assert f"{count} remediation item(s) open, {count} overdue" in checkpoint.subject
    assert "overdue since" in checkpoint.details[0]
    memo = (await engagements.handle(eid).describe()).memo
    assert (await memo_of(engagements, eid))["overdue_items"] == count, memo


async def listed(client, query: str, ready, timeout: float = 10.0) -> list:
    """Visibility catches up with the runs a moment later: list until ``ready``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        rows = [r async for r in client.list_workflows(query)]
        if ready(rows) or asyncio.get_running_loop().time() > deadline:
            return rows
        await asyncio.sleep(0.2)


async def memo_of(engagements: Engagements, eid: str) -> dict:
    description = await engagements.handle(eid).describe()
    return await description.memo_value(MEMO_KEY)


async def test_every_run_keeps_a_memo_and_ended_runs_await_nobody(recorded, client):
    engagements, _ = recorded
    spec = make_spec()
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)

    def settled(rows: list) -> bool:  # the initiate and assess runs ended, the remediate run began
        running = [r for r in rows if r.status == WorkflowExecutionStatus.RUNNING]
        return len(rows) >= 3 and len(running) == 1 and MEMO_KEY in running[0].raw_info.memo.fields

    runs = await listed(client, f"WorkflowId = '{eid}'", settled)
    assert settled(runs), "initiate, assess and remediate runs"
    current = next(r for r in runs if r.status == WorkflowExecutionStatus.RUNNING)
    memo = await current.memo_value(MEMO_KEY)
    assert memo["customer"] == "Contoso" and memo["phase"] == "remediate"
    assert memo["awaiting"] == list(status.awaiting) and memo["open_items"] == len(status.state.items)
    assert memo["started_at"] and memo["started_at"] < current.start_time.isoformat(), "the first run's"
    metadata = await engagements.handle(eid).query("__temporal_workflow_metadata")
    assert "phase **remediate**" in metadata.current_details, "the Web UI's details"
    for run in runs:
        if run is not current:
            assert (await run.memo_value(MEMO_KEY))["awaiting"] == []
            assert "OnboardAwaiting" not in run.search_attributes
    query = f"WorkflowId = '{eid}' AND OnboardAwaiting = 'casey'"
    waiting = await listed(client, query, lambda rows: len(rows) == 1)
    assert [r.run_id for r in waiting] == [current.run_id], "only the running run is awaiting"

    await close_all_items(engagements, status)
    for who in ("pat", "casey"):
        await engagements.decide(eid, GateDecision("joint-verification", who, True, "verified"))
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ENABLE)
    assert (await memo_of(engagements, eid))["open_items"] == 0


def test_due_dates_fall_at_the_close_of_business_in_the_region():
    from zoneinfo import ZoneInfo

    from onboard.core.engagement.timeline import close_of_business
    from onboard.core.models import EngagementState

    spec = attrs.evolve(make_spec(), timezone="Europe/Berlin", business_hours="08:00-16:30")
    state = EngagementState(spec=spec)
    saturday = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    due = close_of_business(state, saturday)
    local = due.astimezone(ZoneInfo("Europe/Berlin"))
    assert (local.date().isoformat(), local.strftime("%H:%M")) == ("2026-12-07", "16:30"), "Monday's close"
    wednesday_night = datetime(2026, 12, 9, 23, 30, tzinfo=UTC)  # already Thursday in Berlin
    assert close_of_business(state, wednesday_night).astimezone(ZoneInfo("Europe/Berlin")).day == 10


async def test_an_engagement_proposes_due_dates_at_its_close_of_business(recorded):
    from zoneinfo import ZoneInfo

    engagements, _ = recorded
    spec = attrs.evolve(make_spec(), timezone="America/New_York", business_hours="Mon-Fri 09:00-17:00")
    status = await reach_remediate(engagements, spec)
    zone = ZoneInfo("America/New_York")
    for item in status.state.items:
        local = item.due.astimezone(zone)
        assert local.strftime("%H:%M") == "17:00" and local.weekday() < 5, item.item.id
