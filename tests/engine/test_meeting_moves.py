"""Meetings on a real engagement: invites ride on the notices, and a provider moves
the next checkpoint call (its notice moves with it; everyone gets the new invite)."""

from datetime import UTC, datetime, timedelta

import attrs
import icalendar
import pytest
from onboard.core.client import RejectedError
from onboard.core.models import MeetingMove, Policy

from .helpers import make_spec, reach_remediate, wait_for
from .test_cli import onboard
from .test_lifecycle import recorded, sent  # noqa: F401 - the fixture

AROUND_THE_CLOCK = "Mon-Sun 00:00-23:59"


def events(text: str) -> list:
    return [c for c in icalendar.Calendar.from_ical(text).walk() if c.name == "VEVENT"]


async def test_invites_ride_on_notices_and_the_next_call_moves(recorded, capsys, monkeypatch, address):  # noqa: F811
    engagements, recorder = recorded
    spec = attrs.evolve(
        make_spec(policy=Policy(checkpoint_every=timedelta(days=1))), business_hours=AROUND_THE_CLOCK
    )
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    kickoff = sent(recorder, eid, "gate-open")[0]
    assert kickoff.calendar and events(kickoff.calendar)[0]["SUMMARY"], "the kick-off's invite"
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "checkpoints")))
    (schedule,) = sent(recorder, eid, "checkpoints")
    (first_call,) = events(schedule.calendar)
    first_uid = str(first_call["UID"])

    start = (datetime.now(UTC) + timedelta(hours=3)).replace(minute=0, second=0, microsecond=0)
    with pytest.raises(RejectedError, match="customer side"):
        await engagements.move_meeting(eid, MeetingMove("checkpoint-1", "casey", start, "x"))
    moved = await engagements.move_meeting(
        eid, MeetingMove("checkpoint-1", "pat", start, "the board meets then")
    )
    assert moved.start == start and moved.sequence == 1
    status = await engagements.status(eid)
    assert status.state.next_checkpoint_at == start, "the call's notice moves with it"
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "meeting-moved")))
    (notice,) = sent(recorder, eid, "meeting-moved")
    (event,) = events(notice.calendar)
    assert str(event["UID"]) == first_uid and int(event["SEQUENCE"]) >= 1
    assert event.decoded("DTSTART").astimezone(UTC) == start
    assert status.state.audit[-1].action == "move-meeting"

    code, out, err = await onboard(
        capsys, monkeypatch, address, "move-meeting", eid, "checkpoint-1",
        (start + timedelta(hours=1)).isoformat(), "--as", "pat", "--reason", "an hour later",
    )  # fmt: skip
    assert code == 0 and "moved to" in out, err
    code, out, err = await onboard(
        capsys, monkeypatch, address, "schedule", eid, "--move", "checkpoint-1",
        "--to", (start + timedelta(hours=2)).isoformat(), "--as", "pat", "--reason", "later still",
    )  # fmt: skip
    assert code == 0 and "moved to" in out, err
    code, _, err = await onboard(capsys, monkeypatch, address, "schedule", eid, "--move", "kickoff")
    assert code == 1 and "--move needs --to WHEN and --as PERSON" in err
