"""`onboard schedule` on a real engagement, and a meeting's invite built inside the
workflow sandbox (as notices will build it)."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import attrs
from icalendar import Calendar
from onboard.core.client import Engagements
from onboard.core.demo import sample_bundle
from onboard.core.engagement import workflow_runner
from onboard.core.meetings import find, meeting_ics
from temporalio.worker import Worker

from tests.reports.sample import contoso_status

from .helpers import KEYS, make_spec, reach_remediate
from .invite_probe import InviteProbe
from .test_cli import onboard

BERLIN = ZoneInfo("Europe/Berlin")


async def test_onboard_schedule_shows_and_exports_the_meetings(
    client, worker, address, capsys, monkeypatch, tmp_path
):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = attrs.evolve(
        make_spec(
            ("core",),
            bundle=str(sample_bundle("contoso")),
            facts={"identity": "synchronized", "forest_count": 1},
        ),
        timezone="Europe/Berlin",
        language="de",
    )
    status = await reach_remediate(engagements, spec)
    eid = status.engagement_id
    monkeypatch.setenv("COLUMNS", "200")
    code, out, err = await onboard(capsys, monkeypatch, address, "schedule", eid)
    assert code == 0, err
    assert (
        f"meetings of {eid} (Contoso): business hours Mon-Fri 09:00-17:00 Europe/Berlin, held in German (de)"
        in out
    )
    assert "when (Europe/Berlin)" in out
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 3}
    assert {"kickoff", "checkpoint-1", "joint-verification"} <= set(rows), out
    assert "held" in rows["kickoff"] and "waiting" in rows["joint-verification"]
    call = find(status.state, "checkpoint-1")
    local = call.start.astimezone(BERLIN)
    assert (
        f"{local:%a %Y-%m-%d %H:%M}" in rows["checkpoint-1"]
        and f"{call.start:%Y-%m-%d %H:%M}Z" in rows["checkpoint-1"]
    )
    assert 9 <= local.hour < 17 and local.weekday() < 5, "in Berlin's business hours"
    assert "Pat Provider (no e-mail: no invite)" in out, "the test roster has no e-mail addresses"
    assert f"onboard schedule {eid} --ics {eid}.ics" in out

    path = tmp_path / "meetings.ics"
    code, out, err = await onboard(capsys, monkeypatch, address, "schedule", eid, "--ics", str(path))
    assert code == 0, err
    assert f"2 meeting(s) of {eid} written to {path}" in err and "checkpoint-1" in out
    cal = Calendar.from_ical(path.read_bytes())
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"kickoff.{eid}@onboard", f"checkpoint-1.{eid}@onboard"}
    event = events[f"checkpoint-1.{eid}@onboard"]
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert event.decoded("DTSTART").astimezone(UTC) == call.start

    code, out, err = await onboard(capsys, monkeypatch, address, "schedule", eid, "--ics", "-")
    assert code == 0 and out.startswith("BEGIN:VCALENDAR") and "│" not in out

    code, out, err = await onboard(capsys, monkeypatch, address, "schedule", eid, "--json")
    assert code == 0, err
    found = {m["id"]: m for m in json.loads(out)}
    assert found["checkpoint-1"]["status"] == "proposed" and found["kickoff"]["status"] == "held"
    assert datetime.fromisoformat(found["checkpoint-1"]["start"]) == call.start

    code, out, err = await onboard(capsys, monkeypatch, address, "schedule", "no-such-engagement")
    assert code == 1 and "no-such-engagement" in err and len(err.strip().splitlines()) == 1


async def test_a_meeting_invite_is_built_inside_the_workflow_sandbox(client):
    """meeting_ics is deterministic and sandbox-safe: the workflow's invite is the
    same bytes as one built outside it."""
    state = contoso_status().state
    state.spec = attrs.evolve(state.spec, timezone="Europe/Berlin")
    state.checkpoints, state.next_checkpoint_at = 1, datetime(2026, 12, 3, 5, 0, tzinfo=UTC)
    # The workflow reads the zone from the database itself (in the sandbox), not from
    # the cache this process filled while building the state.
    ZoneInfo.clear_cache()
    task_queue = f"invite-{uuid.uuid4().hex[:8]}"
    async with Worker(
        client, task_queue=task_queue, workflows=[InviteProbe], workflow_runner=workflow_runner()
    ):
        text = await client.execute_workflow(
            InviteProbe.run,
            args=[state, "checkpoint-2"],
            id=f"invite-probe-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
            execution_timeout=timedelta(seconds=30),
        )
    assert text == meeting_ics(state, "checkpoint-2") and "BEGIN:VEVENT" in text
    (event,) = Calendar.from_ical(text).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
