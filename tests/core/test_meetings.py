"""The engagement's meetings on a real plan and state: where the rules put them, the
iCalendar round trip through icalendar's own parser, and who may move what."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import pytest
from icalendar import Calendar
from onboard.core.engagement.rules import Rejected
from onboard.core.meetings import apply_move, check_move, find, meeting_ics, meetings, schedule_ics, uid
from onboard.core.models import AuditRecord, EngagementState, MeetingMove, Party, Phase

from tests.reports.sample import NOW, contoso_status

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def remediating() -> EngagementState:
    """Contoso in Remediate (tests/reports/sample.py), its region Berlin, in German;
    two checkpoint calls made, the third due in two days."""
    state = contoso_status().state
    state.spec = attrs.evolve(state.spec, timezone="Europe/Berlin", language="de")
    state.contact = AuditRecord(
        NOW - timedelta(days=18, hours=3), "pat", Party.PROVIDER, "contact", "engagement"
    )
    state.checkpoints = 2
    state.next_checkpoint_at = datetime(2026, 12, 3, 5, 0, tzinfo=UTC)  # 06:00 in Berlin, a Thursday
    return state


def fresh(state: EngagementState) -> EngagementState:
    """A copy a test may change (the fixture is shared)."""
    copy = attrs.evolve(
        state, meetings=dict(state.meetings), gates={k: attrs.evolve(g) for k, g in state.gates.items()}
    )
    copy.items = [attrs.evolve(i) for i in state.items]
    return copy


def test_meetings_in_remediate(remediating):
    found = {m.id: m for m in meetings(remediating)}
    assert list(found) == ["kickoff", "checkpoint-2", "checkpoint-3", "joint-verification"]
    kickoff = found["kickoff"]
    # Proposed for the Monday after the contact; the approval came before: held then.
    assert kickoff.status == "held" and kickoff.start == NOW - timedelta(days=18)
    assert "pat approved 'kickoff'" in kickoff.basis
    call = found["checkpoint-3"]
    assert call.status == "proposed" and call.sequence == 0
    assert call.start.astimezone(BERLIN) == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN), "09:00 local that day"
    assert call.start == datetime(2026, 12, 3, 8, 0, tzinfo=UTC) and call.end - call.start == timedelta(
        minutes=30
    )
    assert found["checkpoint-2"].status == "called", "its notice went out"
    assert found["checkpoint-2"].start.astimezone(BERLIN).date() == datetime(2026, 11, 26).date(), (
        "a week before"
    )
    joint = found["joint-verification"]
    open_items = sum(1 for i in remediating.items if not i.closed)
    assert (
        joint.status == "waiting"
        and joint.start is None
        and f"{open_items} remediation item(s) open" in joint.basis
    )
    assert [p.id for p in call.attendees] == ["pat", "casey"] and call.organizer.id == "pat"


def test_the_kickoff_is_proposed_after_the_contact(remediating):
    state = fresh(remediating)
    state.phase, state.audit = Phase.INITIATE, []
    state.gates["kickoff"].passed = False
    state.contact = None
    assert find(state, "kickoff").status == "waiting" and find(state, "kickoff").start is None
    assert meeting_ics(state, "kickoff") == "", "no time yet: no invite"
    # Contact on a Friday afternoon: a day later is Saturday; Monday 09:00 in Berlin.
    state.contact = AuditRecord(
        datetime(2026, 11, 13, 15, 0, tzinfo=UTC), "pat", Party.PROVIDER, "contact", "engagement"
    )
    kickoff = find(state, "kickoff")
    assert kickoff.status == "proposed"
    assert kickoff.start == datetime(
        2026, 11, 16, 8, 0, tzinfo=UTC
    ) and kickoff.end - kickoff.start == timedelta(hours=1)
    assert kickoff.stamp == state.contact.at
    assert [m.id for m in meetings(state)] == ["kickoff", "joint-verification"], (
        "no checkpoint calls before Remediate"
    )


def test_the_joint_verification_follows_its_gate(remediating):
    state = fresh(remediating)
    for item in state.items:
        item.closed = True
    gate = state.gates["joint-verification"]
    gate.open, gate.opened_at = True, datetime(2026, 12, 2, 16, 45, tzinfo=UTC)  # 17:45 in Berlin
    joint = find(state, "joint-verification")
    assert joint.status == "proposed"
    assert joint.start.astimezone(BERLIN) == datetime(2026, 12, 4, 9, 0, tzinfo=BERLIN), (
        "a day later, the next opening"
    )
    gate.passed, gate.open = True, False
    state.audit = [
        *state.audit,
        AuditRecord(
            datetime(2026, 12, 4, 9, 50, tzinfo=UTC), "pat", Party.PROVIDER, "approve", "joint-verification"
        ),
        AuditRecord(
            datetime(2026, 12, 4, 9, 55, tzinfo=UTC), "casey", Party.CUSTOMER, "approve", "joint-verification"
        ),
    ]
    joint = find(state, "joint-verification")
    assert joint.status == "held" and joint.start == datetime(2026, 12, 4, 8, 0, tzinfo=UTC)
    assert "casey approved" in joint.basis and joint.stamp == datetime(2026, 12, 4, 9, 55, tzinfo=UTC)


def parse(text: str) -> Calendar:
    return Calendar.from_ical(text)


def test_the_schedule_round_trips_through_icalendar(remediating):
    text = schedule_ics(remediating)
    assert text == schedule_ics(remediating), "the same state, the same bytes (replay builds the same invite)"
    assert "\r\n" in text and text.startswith("BEGIN:VCALENDAR")
    cal = parse(text)
    assert str(cal["METHOD"]) == "PUBLISH" and str(cal["PRODID"]).startswith("-//onboard//")
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    events = {str(e["UID"]): e for e in cal.walk("VEVENT")}
    assert set(events) == {f"{m}.contoso-ems@onboard" for m in ("kickoff", "checkpoint-2", "checkpoint-3")}
    call = events[uid(remediating, "checkpoint-3")]
    assert call["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert call.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
    assert call.decoded("DTSTART").astimezone(UTC) == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert call.decoded("DTEND") - call.decoded("DTSTART") == timedelta(minutes=30)
    assert int(call["SEQUENCE"]) == 0 and str(call["STATUS"]) == "TENTATIVE"
    assert str(call["SUMMARY"]) == "Contoso Ltd: checkpoint call 3 (contoso-ems)"
    assert (
        str(call["ORGANIZER"]) == "mailto:pat@fasttrack.example"
        and call["ORGANIZER"].params["CN"] == "Pat Provider"
    )
    attendees = {str(a): a.params for a in call.get("ATTENDEE")}
    assert set(attendees) == {"mailto:pat@fasttrack.example", "mailto:casey@contoso.example"}
    assert attendees["mailto:casey@contoso.example"]["ROLE"] == "REQ-PARTICIPANT"
    assert attendees["mailto:casey@contoso.example"]["PARTSTAT"] == "NEEDS-ACTION"
    assert attendees["mailto:pat@fasttrack.example"]["PARTSTAT"] == "ACCEPTED", "the organizer"
    description = str(call["DESCRIPTION"])
    assert "review the progress of the remediation activities" in description
    assert "Held in German (de)" in description and "Mon-Fri 09:00-17:00 Europe/Berlin" in description
    assert 'onboard complete contoso-ems ITEM --as YOUR-ID --evidence "..."' in description
    overdue = [i for i in remediating.items if i.overdue(datetime(2026, 12, 3, 8, 0, tzinfo=UTC))]
    assert f"{len(overdue)} overdue by the call" in description and overdue[0].item.id in description
    kickoff = events[uid(remediating, "kickoff")]
    assert str(kickoff["STATUS"]) == "CONFIRMED", "held"
    assert "onboard approve contoso-ems kickoff" in str(kickoff["DESCRIPTION"])


def test_a_notice_invite_is_one_meeting(remediating):
    text = meeting_ics(remediating, "checkpoint-3")
    cal = parse(text)
    assert str(cal["METHOD"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    assert str(event["UID"]) == "checkpoint-3.contoso-ems@onboard"
    assert (
        event.decoded("DTSTAMP") == remediating.next_checkpoint_at - remediating.spec.policy.checkpoint_every
    )
    assert meeting_ics(remediating, "joint-verification") == "", "waiting: nothing to invite to yet"
    assert meeting_ics(remediating, "checkpoint-9") == "" and meeting_ics(remediating, "lunch") == ""


def test_utc_engagements_write_utc_times(remediating):
    state = fresh(remediating)
    state.spec = attrs.evolve(state.spec, timezone="UTC", business_hours="Mon-Fri 08:00-16:00")
    (event,) = parse(meeting_ics(state, "checkpoint-3")).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
    assert event.decoded("DTSTART").astimezone(UTC).time() == time(8, 0)


def move(meeting: str, person: str, start: datetime, reason: str = "the DNS team is away") -> MeetingMove:
    return MeetingMove(meeting, person, start, reason)


def test_who_may_move_what(remediating):
    state = fresh(remediating)
    now = NOW  # 2026-12-01 12:00 UTC
    thursday_2pm = datetime(2026, 12, 3, 14, 0, tzinfo=BERLIN)
    with pytest.raises(
        Rejected, match="'casey' is on the customer side: the provider sets up the checkpoint calls"
    ):
        check_move(state, move("checkpoint-3", "casey", thursday_2pm), now)
    with pytest.raises(
        Rejected, match="the kickoff meeting is set in initiate, and the engagement is in remediate"
    ):
        check_move(state, move("kickoff", "pat", thursday_2pm), now)
    with pytest.raises(
        Rejected, match="checkpoint-2 was called already; only the next call, checkpoint-3, can move"
    ):
        check_move(state, move("checkpoint-2", "pat", thursday_2pm), now)
    with pytest.raises(Rejected, match="only the next checkpoint call, checkpoint-3, can move"):
        check_move(state, move("checkpoint-4", "pat", thursday_2pm), now)
    with pytest.raises(Rejected, match="has no meeting 'lunch' .its meetings: kickoff, checkpoint-2"):
        check_move(state, move("lunch", "pat", thursday_2pm), now)
    with pytest.raises(Rejected, match="'quinn' is not on the roster"):
        check_move(state, move("joint-verification", "quinn", thursday_2pm), now)
    # Support is given in business hours, in the engagement's zone.
    with pytest.raises(
        Rejected,
        match=r"Thu 2026-12-03 18:00 Europe/Berlin is outside the engagement's business hours \(Mon-Fri 09:00-17:00",
    ):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 3, 18, 0, tzinfo=BERLIN)), now)
    with pytest.raises(Rejected, match="Sat 2026-12-05 10:00 Europe/Berlin is outside"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 5, 10, 0, tzinfo=BERLIN)), now)
    with pytest.raises(Rejected, match="for a 30-minute checkpoint call"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 3, 16, 45, tzinfo=BERLIN)), now)
    with pytest.raises(Rejected, match="is not in the future"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 11, 30, 10, 0, tzinfo=BERLIN)), now)
    with pytest.raises(Rejected, match="moves within its cadence: it must end before the next call is due"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 14, 10, 0, tzinfo=BERLIN)), now)
    with pytest.raises(Rejected, match="at 2026-12-03 09:00 Europe/Berlin already"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)), now)
    person, meeting = check_move(state, move("checkpoint-3", "pat", thursday_2pm), now)
    assert person.id == "pat" and meeting.id == "checkpoint-3"
    # The joint verification is both sides': the customer moves it, even before it is placed.
    far = datetime(2029, 1, 8, 10, 0, tzinfo=BERLIN)
    with pytest.raises(Rejected, match="more than two years away"):
        check_move(state, move("joint-verification", "casey", far), now)
    person, meeting = check_move(
        state, move("joint-verification", "casey", datetime(2026, 12, 10, 10, 0, tzinfo=BERLIN)), now
    )
    assert person.party is Party.CUSTOMER and meeting.status == "waiting"


def test_a_moved_meeting_keeps_its_uid_and_raises_its_sequence(remediating):
    state = fresh(remediating)
    now = NOW
    first = move(
        "checkpoint-3", "pat", datetime(2026, 12, 3, 14, 0, tzinfo=BERLIN), "Casey is out in the morning"
    )
    person, _ = check_move(state, first, now)
    moved = apply_move(state, first, person, now)
    assert moved.sequence == 1 and moved.by == "pat" and state.meetings["checkpoint-3"] is moved
    call = find(state, "checkpoint-3")
    assert call.status == "moved" and call.start == datetime(2026, 12, 3, 13, 0, tzinfo=UTC)
    assert call.basis == "moved by pat: Casey is out in the morning" and call.stamp == now
    later = now + timedelta(hours=2)
    second = move("checkpoint-3", "pat", datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN), "Thursday is a holiday")
    apply_move(state, second, check_move(state, second, later)[0], later)
    (event,) = parse(meeting_ics(state, "checkpoint-3")).walk("VEVENT")
    assert str(event["UID"]) == "checkpoint-3.contoso-ems@onboard", "the calendar updates the event it has"
    assert int(event["SEQUENCE"]) == 2 and str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTART") == datetime(2026, 12, 4, 10, 0, tzinfo=BERLIN)
    assert event.decoded("DTSTAMP") == later
    # Once the engagement has made that call and the next, the record of the old move goes.
    state.checkpoints, state.next_checkpoint_at = 4, state.next_checkpoint_at + timedelta(days=14)
    nxt = move("checkpoint-5", "pat", datetime(2026, 12, 17, 11, 0, tzinfo=BERLIN))
    apply_move(state, nxt, check_move(state, nxt, later)[0], later)
    assert list(state.meetings) == ["checkpoint-5"]


def test_a_held_meeting_does_not_move(remediating):
    state = fresh(remediating)
    state.phase = Phase.INITIATE  # pretend the kick-off gate passed in Initiate
    state.gates["kickoff"].passed = True
    with pytest.raises(Rejected, match="the kick-off meeting is held: only meetings still ahead move"):
        check_move(state, move("kickoff", "pat", datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)), NOW)
    state.gates["kickoff"].passed, state.contact = False, None
    with pytest.raises(Rejected, match="record the contact first"):
        check_move(state, move("kickoff", "pat", datetime(2026, 12, 3, 10, 0, tzinfo=BERLIN)), NOW)


def test_a_cancelled_engagement_calls_its_meetings_off(remediating):
    state = fresh(remediating)
    state.phase = Phase.CANCELLED
    found = {m.id: m for m in meetings(state)}
    assert found["checkpoint-3"].status == "cancelled" and found["kickoff"].status == "held"
    assert found["checkpoint-2"].status == "called", "what happened stays as it was"
    cal = parse(meeting_ics(state, "checkpoint-3"))
    assert str(cal["METHOD"]) == "CANCEL"
    (event,) = cal.walk("VEVENT")
    # A calendar ignores a cancellation that does not raise the SEQUENCE.
    assert str(event["STATUS"]) == "CANCELLED" and int(event["SEQUENCE"]) == 1
    assert str(event["UID"]) == "checkpoint-3.contoso-ems@onboard"
    with pytest.raises(Rejected, match="the engagement was cancelled: its meetings are called off"):
        check_move(state, move("checkpoint-3", "pat", datetime(2026, 12, 3, 14, 0, tzinfo=BERLIN)), NOW)


def test_the_first_call_is_known_when_the_plan_is_agreed(remediating):
    """The notice announcing the schedule goes out before the phase changes."""
    state = fresh(remediating)
    state.phase, state.checkpoints = Phase.ASSESS, 0
    assert [m.id for m in meetings(state)] == ["kickoff", "checkpoint-1", "joint-verification"]
    (event,) = parse(meeting_ics(state, "checkpoint-1")).walk("VEVENT")
    assert event.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
    state.next_checkpoint_at = None  # before the plan gate passed: no schedule yet
    assert meeting_ics(state, "checkpoint-1") == ""
