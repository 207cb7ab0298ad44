"""The engagement's meetings as iCalendar (RFC 5545) text, with the ``icalendar`` library.

Each meeting is one VEVENT whose UID stays the same for the engagement and the
meeting (``kickoff.contoso-ems@onboard``), so a calendar updates the event it has
instead of adding another; SEQUENCE counts the meeting's moves.  Times are in the
engagement's time zone (``DTSTART;TZID=Europe/Berlin``, the VTIMEZONE built from
the zone database by the library).  ORGANIZER is the provider's first person with
an e-mail, every roster person with one an ATTENDEE.  The DESCRIPTION says what the
meeting is for, what to prepare and the commands to run.

Deterministic (no clock, no random UID): workflow code may attach
:func:`meeting_ics` to a notice, and a replay builds the same bytes.
"""

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, vCalAddress, vText
from onboard.core import region
from onboard.core.gates import JOINT_VERIFICATION, KICKOFF
from onboard.core.meetings.schedule import CALLED, CANCELLED, HELD, MOVED, Meeting, find, meetings
from onboard.core.models import EngagementState, Person
from temporalio import workflow

PRODID = "-//onboard//FastTrack onboarding meetings//EN"
#: What a command says where the reader is not known (the invite goes to everyone).
ANYONE = "YOUR-ID"
#: How many open items a checkpoint call's description lists before "and N more".
LISTED = 10
_PURPOSE = {
    KICKOFF: "Kick-off: discuss the onboarding process, verify data and agree the schedule of online "
    "meetings ([F-PH] Initiate phase).",
    "checkpoint": "Checkpoint call: review the progress of the remediation activities "
    "([F-RMS] 'according to the agreed-upon schedule').",
    JOINT_VERIFICATION: "Joint verification: provider and customer verify the outcomes of the remediation "
    "activities together before the Enable phase begins ([F-PH] Remediate phase).",
}


def uid(state: EngagementState, meeting_id: str) -> str:
    """The meeting's UID: the same for every invite of this engagement's meeting."""
    return f"{meeting_id}.{state.spec.engagement_id}@onboard"


def summary(state: EngagementState, meeting: Meeting) -> str:
    return f"{state.spec.customer}: {meeting.title} ({state.spec.engagement_id})"


def description(state: EngagementState, meeting: Meeting) -> str:
    """What the meeting is for, where and in which language, what to prepare, the commands."""
    spec, eid = state.spec, state.spec.engagement_id
    hours = region.business_hours(spec.business_hours).describe()
    lines = [
        _PURPOSE[meeting.kind],
        f"Held in {region.language_name(spec.language)} ({spec.language}), online, "
        f"within business hours {hours} {spec.timezone}.",
        f"Placed: {meeting.basis}.",
        "",
        "Prepare:",
        *(f"- {line}" for line in _prepare(state, meeting)),
        "",
        "Commands:",
        *(f"  {command}" for command in _commands(meeting, eid)),
    ]
    return "\n".join(lines)


def _prepare(state: EngagementState, meeting: Meeting) -> list[str]:
    if meeting.kind == KICKOFF:
        services = (
            ", ".join(state.plan.service_keys()) if state.plan is not None else ", ".join(state.spec.services)
        )
        return [
            f"the services in scope ({services}) and the licences purchased",
            "who takes part on each side (the roster) and the facts of your environment the plan depends on",
            "how the assessment bundle will be collected (AD exports, LDIF, DNS zones, device inventory)",
        ]
    if meeting.kind == JOINT_VERIFICATION:
        return [
            "the remediation checklist with the evidence of each closed item (onboard report)",
            "anything either side doubts: a rejection can reopen items",
        ]
    open_items = [i for i in state.items if not i.closed]
    late = [i for i in open_items if i.overdue(meeting.start)] if meeting.start is not None else []
    ordered = [*late, *(i for i in open_items if i not in late)]
    lines = [
        f"{len(open_items)} remediation item(s) open" + (f", {len(late)} overdue by the call" if late else "")
    ]
    for item in ordered[:LISTED]:
        due = f", due {item.due:%Y-%m-%d}" if item.due is not None else ""
        lines.append(f"{item.item.id} ({item.item.owner.value}{due}): {item.item.title}")
    if len(ordered) > LISTED:
        lines.append(f"... and {len(ordered) - LISTED} more (onboard show)")
    return lines


def _commands(meeting: Meeting, eid: str) -> list[str]:
    if meeting.kind == KICKOFF:
        return [
            f"onboard show {eid} --as {ANYONE}",
            f'onboard approve {eid} kickoff --as {ANYONE} --comment "kick-off held"   (provider)',
        ]
    if meeting.kind == JOINT_VERIFICATION:
        return [
            f"onboard report {eid} -o {eid}.html",
            f'onboard approve {eid} joint-verification --as {ANYONE} --comment "..."   (each side)',
            f'onboard reject {eid} joint-verification --as {ANYONE} --reason "..." --reopen ITEM',
        ]
    return [
        f"onboard show {eid} --as {ANYONE}",
        f'onboard complete {eid} ITEM --as {ANYONE} --evidence "..."',
        f"onboard report {eid} -o {eid}.html",
    ]


def _address(person: Person, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["cn"] = vText(person.name or person.id)
    address.params.update(params)
    return address


def event(state: EngagementState, meeting: Meeting) -> Event:
    """The meeting's VEVENT (it must be placed: ``meeting.start`` set)."""
    if meeting.start is None or meeting.end is None:
        raise ValueError(f"meeting {meeting.id!r} has no time yet: {meeting.basis}")
    zone = ZoneInfo(state.spec.timezone)
    ev = Event()
    ev.add("uid", uid(state, meeting.id))
    ev.add("dtstamp", meeting.stamp)
    # A calendar that has the meeting takes the invite with the higher SEQUENCE; a
    # cancellation must raise it too, or it is ignored.
    ev.add("sequence", meeting.sequence + (1 if meeting.status == CANCELLED else 0))
    ev.add("dtstart", meeting.start.astimezone(zone))
    ev.add("dtend", meeting.end.astimezone(zone))
    ev.add("summary", summary(state, meeting))
    ev.add("description", description(state, meeting))
    ev.add("location", "online")
    ev.add("categories", ["onboard", meeting.kind])
    # Placed by the rules it is a proposal; moved by a person, or held, it is settled.
    settled = {CANCELLED: "CANCELLED", MOVED: "CONFIRMED", HELD: "CONFIRMED", CALLED: "CONFIRMED"}
    status = settled.get(meeting.status, "TENTATIVE")
    ev.add("status", status)
    if meeting.organizer is not None:
        ev["organizer"] = _address(meeting.organizer)
    for person in meeting.attendees:
        accepted = meeting.organizer is not None and person.id == meeting.organizer.id
        ev.add(
            "attendee",
            _address(
                person,
                cutype="INDIVIDUAL",
                role="REQ-PARTICIPANT",
                partstat="ACCEPTED" if accepted else "NEEDS-ACTION",
                rsvp="FALSE" if accepted else "TRUE",
            ),
            encode=0,
        )
    return ev


def calendar(state: EngagementState, chosen: Sequence[Meeting], method: str = "PUBLISH") -> Calendar:
    """A calendar of the placed meetings among ``chosen`` (PUBLISH: to import; REQUEST: an invite)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    cal.add("x-wr-calname", f"{state.spec.customer} onboarding ({state.spec.engagement_id})")
    for meeting in chosen:
        if meeting.placed:
            cal.add_component(event(state, meeting))
    cal.add_missing_timezones()
    return cal


@contextmanager
def _library() -> Iterator[None]:
    """icalendar imports some of its modules inside the functions that use them; in the
    workflow sandbox such an import would load a second icalendar (and dateutil, which
    reads the file system there and is refused).  The worker's own modules serve: the
    same input gives the same text.  Outside a workflow this changes nothing."""
    with workflow.unsafe.imports_passed_through():
        yield


def schedule_ics(state: EngagementState) -> str:
    """Every placed meeting of the engagement, to import into a calendar (``onboard schedule --ics``)."""
    with _library():
        return calendar(state, meetings(state)).to_ical().decode("utf-8")


def meeting_ics(state: EngagementState, meeting_id: str) -> str:
    """One meeting's invite for a notice (METHOD:REQUEST; CANCEL once it is called off),
    or "" when the engagement has no such meeting or it has no time yet.

    Deterministic and safe in workflow code (the sandbox included)."""
    meeting = find(state, meeting_id)
    if meeting is None or not meeting.placed:
        return ""
    method = "CANCEL" if meeting.status == CANCELLED else "REQUEST"
    with _library():
        return calendar(state, [meeting], method).to_ical().decode("utf-8")
