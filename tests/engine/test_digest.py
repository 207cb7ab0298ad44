"""The daily digest against the real server: one notice per person across engagements,
none for people with nothing waiting, nothing new on a second run the same day, and
the schedule that runs it daily."""

import asyncio
import json
import uuid
from pathlib import Path

import attrs
import pytest
from onboard.core.client import Engagements
from onboard.core.digest import activities as digest_activities
from onboard.core.digest.activities import waiting_query
from onboard.core.digest.messages import DigestInput, DigestResult
from onboard.core.digest.workflow import DailyDigestWorkflow
from onboard.core.engagement.rules import backed_by_check
from onboard.core.models import Contact, GateDecision, Notification, Party, Person, Phase
from onboard.core.plugins import load_plugin_manager
from onboard.workers.worker import running_worker
from temporalio.client import ScheduleActionStartWorkflow, ScheduleRange
from temporalio.service import RPCError, RPCStatusCode

from .helpers import FAST, make_spec, reach_remediate, wait_for
from .recorder import NotificationRecorder
from .test_cli import onboard

UNSIGNED = attrs.evolve(FAST, allow_unsigned=True)  # rosters with e-mails: no persona keys for them


@pytest.fixture
async def recorded(client, tmp_path, monkeypatch):
    """A worker with a recording sink beside the built-in ones; the JSON-lines sink
    writes to this test's own file."""
    sink = tmp_path / "notifications.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(sink))
    recorder = NotificationRecorder()
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    async with running_worker(
        client, task_queue=f"digest-{uuid.uuid4().hex[:8]}", manager=manager
    ) as running:
        yield Engagements(client, running.task_queue), recorder, running.task_queue, sink


def digest_lines(sink: Path) -> list[dict]:
    lines = [json.loads(raw) for raw in sink.read_text().splitlines()] if sink.exists() else []
    return [line for line in lines if line["kind"] == "digest"]


async def until_listed(client, task_queue: str, ids: set[str], timeout: float = 20.0) -> None:
    """Visibility is eventually consistent: wait until the digest's query finds ``ids``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        found = {wf.id async for wf in client.list_workflows(waiting_query(task_queue))}
        if ids <= found:
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"not listed as waiting: {ids - found}")


async def test_one_digest_per_person_across_engagements_once_a_day(
    recorded, client, capsys, monkeypatch, address
):
    engagements, recorder, task_queue, sink = recorded
    sfx = uuid.uuid4().hex[:6]
    pat = Person("pat", "Pat Provider", Party.PROVIDER, f"pat@{sfx}.example")
    pam = Person(f"pam-{sfx}", "Pam Provider", Party.PROVIDER)  # no e-mail: matched by id
    casey = Person("casey", "Casey Customer", Party.CUSTOMER, f"casey@{sfx}.example")
    cole = Person(f"cole-{sfx}", "Cole Customer", Party.CUSTOMER)
    # The same Casey by e-mail (another case), under another id on the second roster.
    casey_2 = Person("casey.c", "Casey C.", Party.CUSTOMER, f"Casey@{sfx}.EXAMPLE")
    drew = Person(f"drew-{sfx}", "Drew Provider", Party.PROVIDER, f"drew@{sfx}.example")

    # One engagement in Remediate with every item open; one at the remediation-plan gate.
    first = attrs.evolve(make_spec(policy=UNSIGNED), roster=(pat, pam, casey, cole))
    second = attrs.evolve(make_spec(policy=UNSIGNED), roster=(pat, casey_2, drew))
    e1, e2 = first.engagement_id, second.engagement_id
    remediating = await reach_remediate(engagements, first)
    await engagements.start(second)
    await wait_for(engagements, e2, lambda s: s.state.plan is not None)
    await engagements.record_contact(e2, Contact("pat", "phoned"))
    await wait_for(engagements, e2, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(e2, GateDecision("kickoff", "pat", True, "held"))
    await wait_for(
        engagements, e2, lambda s: s.state.gates["remediation-plan"].open and s.phase is Phase.ASSESS
    )
    await until_listed(client, task_queue, {e1, e2})
    monkeypatch.setattr(digest_activities, "PAGE_SIZE", 1)  # every page is read, not the first

    result: DigestResult = await client.execute_workflow(
        DailyDigestWorkflow.run, DigestInput(), id=f"digest-{sfx}", task_queue=task_queue
    )
    day = result.day
    assert result.engagements >= 2 and not result.skipped
    digests = {n.id: n for n in recorder.sent if n.kind == "digest"}
    items = [i for i in remediating.state.items if not i.closed]
    customer_items = [i for i in items if i.item.owner is Party.CUSTOMER]
    provider_items = [i for i in items if i.item.owner is Party.PROVIDER]
    assert customer_items, "an engagement without a bundle has open customer items"

    def command_for(item) -> str:
        if backed_by_check(remediating.state, item):
            return f"onboard reassess {e1} BUNDLE --as {{person}}"
        return f'onboard complete {e1} {item.item.id} --as {{person}} --evidence "..."'

    # Casey: both engagements in one digest, matched by e-mail across ids.
    mine: Notification = digests.pop(f"digest/{day}/casey@{sfx}.example")
    # The recipient is Casey as the first engagement (by id) knows them; the other
    # engagement's commands name the id Casey has there.
    me, there = (casey, casey_2) if e1 < e2 else (casey_2, casey)
    assert mine.recipients[0].email == me.email and mine.to == (me.id,)
    as_e1 = "{person}" if me is casey else casey.id
    as_e2 = "{person}" if me is casey_2 else casey_2.id
    assert mine.subject == f"onboard: {len(customer_items) + 1} things wait for you"
    assert (
        f"{e2} (Contoso): gate 'remediation-plan' awaits your decision: Remediation plan agreed"
        in mine.details
    )
    for item in customer_items:
        assert any(line.startswith(f"{e1} (Contoso): item {item.item.id} (") for line in mine.details)
        assert command_for(item).replace("{person}", as_e1) in mine.commands
    assert f'onboard approve {e2} remediation-plan --as {as_e2} --comment "..."' in mine.commands
    assert there.id not in mine.to
    assert not any("kickoff" in line for line in mine.details), "nothing that waits for the provider"

    # Cole: the first engagement's customer items only; matched by id (no e-mail).
    cole_digest = digests.pop(f"digest/{day}/{cole.id}")
    assert cole_digest.to == (cole.id,) and len(cole_digest.details) == len(customer_items)
    assert all(line.startswith(f"{e1} ") for line in cole_digest.details)

    # The provider side waits only where it owns items; Drew (second engagement) waits for nothing.
    for person in (pat, pam):
        key = f"digest/{day}/{person.email or person.id}"
        if provider_items:
            assert len(digests.pop(key).details) == len(provider_items)
        assert key not in digests
    assert not [n for n in digests.values() if n.recipients[0].email == drew.email or n.to == (drew.id,)]
    assert not digests, f"no other digests: {list(digests)}"
    assert {s.id for s in result.digests} == {n.id for n in recorder.sent if n.kind == "digest"}
    [summary] = [s for s in result.digests if s.id == mine.id]
    assert summary.things == len(customer_items) + 1 and summary.engagements == tuple(sorted((e1, e2)))

    lines = digest_lines(sink)
    assert sorted(line["id"] for line in lines) == sorted(s.id for s in result.digests)

    # Again the same day, through the CLI: the same digests reach the sinks, which drop them.
    code, out, err = await onboard(capsys, monkeypatch, address, "digest", "send", "--task-queue", task_queue)
    assert code == 0, err
    printed = out[out.index(f"{len(result.digests)} digest(s) for {day}") :]  # after the worker's logs
    assert f"│ {me.id} " in printed and f"│ {cole.id} " in printed and drew.id not in printed
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "digest", "send", "--task-queue", task_queue, "--json"
    )
    again, _ = json.JSONDecoder().raw_decode(out[out.index("{\n") :])  # logs may follow
    assert code == 0 and sorted(d["id"] for d in again["digests"]) == sorted(s.id for s in result.digests)
    assert sorted(line["id"] for line in digest_lines(sink)) == sorted(s.id for s in result.digests), (
        "one line per digest id however often it runs"
    )
    # Each send called every notify implementation again; the recorder, like the sink,
    # kept each digest once.
    assert len([n for n in recorder.sent if n.kind == "digest"]) == len(result.digests)
    assert len([n for n in recorder.repeated if n.kind == "digest"]) == 2 * len(result.digests)


async def test_schedule_is_one_daily_calendar_in_its_time_zone(client, capsys, monkeypatch, address):
    schedule_id = f"digest-test-{uuid.uuid4().hex[:8]}"
    args = ("--schedule-id", schedule_id, "--task-queue", "digest-schedule-test")
    code, out, err = await onboard(
        capsys,
        monkeypatch,
        address,
        "digest",
        "schedule",
        "--at",
        "08:00",
        "--timezone",
        "Europe/Berlin",
        *args,
    )
    assert code == 0, err
    assert out.startswith(f"created schedule {schedule_id}") and "08:00 Europe/Berlin" in out
    handle = client.get_schedule_handle(schedule_id)
    described = await handle.describe()
    spec = described.schedule.spec
    assert spec.time_zone_name == "Europe/Berlin"
    [calendar] = spec.calendars
    assert list(calendar.hour) == [ScheduleRange(8)] and list(calendar.minute) == [ScheduleRange(0)]
    action = described.schedule.action
    assert isinstance(action, ScheduleActionStartWorkflow) and action.workflow == "DailyDigestWorkflow"
    assert action.task_queue == "digest-schedule-test"

    code, out, err = await onboard(
        capsys, monkeypatch, address, "digest", "schedule", "--at", "9:30", "--timezone", "UTC", *args
    )
    assert code == 0 and out.startswith(f"updated schedule {schedule_id}"), err
    spec = (await handle.describe()).schedule.spec
    assert spec.time_zone_name == "UTC"
    assert [(list(c.hour), list(c.minute)) for c in spec.calendars] == [
        ([ScheduleRange(9)], [ScheduleRange(30)])
    ]
    for _ in range(100):  # the schedule list is eventually consistent
        listed = [s.id async for s in await client.list_schedules() if s.id == schedule_id]
        if listed:
            break
        await asyncio.sleep(0.1)
    assert listed == [schedule_id], "running it twice leaves one schedule"

    code, _, err = await onboard(capsys, monkeypatch, address, "digest", "schedule", "--at", "25:00", *args)
    assert code == 1 and "is not a time of day HH:MM" in err and len(err.strip().splitlines()) == 1
    code, _, err = await onboard(
        capsys, monkeypatch, address, "digest", "schedule", "--timezone", "Mars/Olympus", *args
    )
    assert code == 1 and "unknown time zone 'Mars/Olympus'" in err

    code, out, err = await onboard(
        capsys, monkeypatch, address, "digest", "unschedule", "--schedule-id", schedule_id
    )
    assert code == 0 and f"deleted schedule {schedule_id}" in out, err
    with pytest.raises(RPCError) as gone:
        await handle.describe()
    assert gone.value.status == RPCStatusCode.NOT_FOUND
    code, _, err = await onboard(
        capsys, monkeypatch, address, "digest", "unschedule", "--schedule-id", schedule_id
    )
    assert code == 1 and f"no schedule {schedule_id!r}" in err
