"""Moving a meeting: who may move which, to when (the rules of the ``move_meeting`` Update).

The provider sets the meetings up ("we'll set up a schedule of online meetings",
"we'll also set up appropriate checkpoint calls", [F-PH]): provider people move the
kick-off and the checkpoint calls.  The joint verification is both sides' ("we'll
jointly verify", [F-PH]): either side moves it.  A meeting moves only while it is
still ahead (not held, not called off), to a time in the future, at most two years
away, that lies inside the engagement's business hours in its time zone (support
is given "during normal business hours for a given region", [F-RMS]).  A
checkpoint call moves within its cadence: before the call after it is due.

Pure functions of the state; the caller passes ``now`` (the workflow's clock).
"""

from datetime import datetime, timedelta

from onboard.core import region
from onboard.core.engagement.rules import Rejected, roster_person
from onboard.core.gates import JOINT_VERIFICATION, KICKOFF
from onboard.core.meetings.schedule import (
    CALLED,
    CANCELLED,
    CHECKPOINT,
    HELD,
    LENGTHS,
    Meeting,
    checkpoint_id,
    checkpoint_number,
    find,
    kind_of,
    meetings,
)
from onboard.core.models import EngagementState, MeetingMove, MovedMeeting, Party, Person, Phase

#: How far ahead a meeting may be moved (a typo in the year is refused, not kept).
LATEST = timedelta(days=2 * 365)


def check_move(state: EngagementState, move: MeetingMove, now: datetime) -> tuple[Person, Meeting]:
    """Who moves which meeting, or :class:`Rejected` saying why not."""
    eid = state.spec.engagement_id
    kind = kind_of(move.meeting)
    if kind is None:
        known = ", ".join(m.id for m in meetings(state))
        raise Rejected(f"engagement {eid!r} has no meeting {move.meeting!r} (its meetings: {known})")
    person = roster_person(state, move.person)
    if kind != JOINT_VERIFICATION and person.party is not Party.PROVIDER:
        raise Rejected(
            f"{person.id!r} is on the customer side: the provider sets up the "
            f"{'kick-off' if kind == KICKOFF else 'checkpoint calls'}; either side moves the joint verification"
        )
    meeting = _movable(state, move.meeting, kind)
    _check_start(state, meeting, move.start, now)
    if kind == CHECKPOINT and state.next_checkpoint_at is not None:
        following = state.next_checkpoint_at + state.spec.policy.checkpoint_every
        if move.start + LENGTHS[CHECKPOINT] > following:
            raise Rejected(
                f"{move.meeting} moves within its cadence: it must end before the next call is due "
                f"({following:%Y-%m-%d %H:%M} UTC)"
            )
    return person, meeting


def _movable(state: EngagementState, meeting_id: str, kind: str) -> Meeting:
    """The meeting, if it is still ahead in the phase it belongs to."""
    if state.phase.value == "cancelled":
        raise Rejected("the engagement was cancelled: its meetings are called off")
    phase = Phase.INITIATE if kind == KICKOFF else Phase.REMEDIATE
    if state.phase is not phase:
        raise Rejected(
            f"the {kind} meeting is set in {phase.value}, and the engagement is in {state.phase.value}"
        )
    if kind == KICKOFF and state.contact is None:
        raise Rejected("record the contact first (onboard contact): the kick-off is set up with the customer")
    if kind == CHECKPOINT:
        upcoming = checkpoint_id(state.checkpoints + 1)
        if state.next_checkpoint_at is None or meeting_id != upcoming:
            number = checkpoint_number(meeting_id)
            past = number is not None and number <= state.checkpoints
            raise Rejected(
                f"{meeting_id} was called already; only the next call, {upcoming}, can move"
                if past
                else f"only the next checkpoint call, {upcoming}, can move"
            )
    meeting = find(state, meeting_id)
    if meeting is None:  # every id that passed the checks above is listed: a safeguard
        raise Rejected(f"the engagement has no meeting {meeting_id!r} now")
    if meeting.status in (HELD, CALLED, CANCELLED):
        raise Rejected(f"the {meeting.title} is {meeting.status}: only meetings still ahead move")
    return meeting


def _check_start(state: EngagementState, meeting: Meeting, start: datetime, now: datetime) -> None:
    spec = state.spec
    zone, hours = region.time_zone(spec.timezone), region.business_hours(spec.business_hours)
    local = start.astimezone(zone)
    if start <= now:
        raise Rejected(
            f"the new start {local:%Y-%m-%d %H:%M} {spec.timezone} is not in the future "
            f"(the engagement's clock says {now:%Y-%m-%d %H:%M} UTC)"
        )
    if start > now + LATEST:
        raise Rejected(f"the new start {local:%Y-%m-%d} is more than two years away")
    length = LENGTHS[meeting.kind]
    if not hours.within(start, start + length, zone):
        raise Rejected(
            f"{local:%a %Y-%m-%d %H:%M} {spec.timezone} is outside the engagement's business hours "
            f"({hours.describe()} {spec.timezone}) for a {int(length.total_seconds() // 60)}-minute {meeting.title}"
        )
    if meeting.start == start:
        raise Rejected(f"the {meeting.title} is at {local:%Y-%m-%d %H:%M} {spec.timezone} already")


def apply_move(state: EngagementState, move: MeetingMove, person: Person, now: datetime) -> MovedMeeting:
    """Put the meeting where the move says (the caller audits it); its SEQUENCE goes up by one."""
    before = state.meetings.get(move.meeting)
    moved = MovedMeeting(
        start=move.start,
        by=person.id,
        reason=move.reason,
        at=now,
        sequence=(before.sequence if before is not None else 0) + 1,
    )
    state.meetings[move.meeting] = moved
    # Calls the engagement made long ago need no record any more (keeps the state small).
    for meeting_id in list(state.meetings):
        number = checkpoint_number(meeting_id)
        if number is not None and number < state.checkpoints:
            del state.meetings[meeting_id]
    return moved
