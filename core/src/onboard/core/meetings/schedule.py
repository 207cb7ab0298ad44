"""Where the engagement's meetings are: pure functions of its state.

The seeds: "we'll set up a schedule of online meetings" and "a kick-off meeting"
(Initiate, [F-PH]); "checkpoint calls for the remediation phase" held "according to
the agreed-upon schedule" ([F-PH], [F-RMS]); "we'll jointly verify the outcomes of
the remediation activities" before Enable ([F-PH]).  Support is given "during
normal business hours for a given region" ([F-RMS]), so every meeting is placed in
the engagement's business hours, in its time zone (:mod:`onboard.core.region`):

- **kickoff**: proposed at the first slot a day after the provider recorded the
  contact; *held* once the kick-off gate passed (at its time, or when the gate's
  approval says it was, if earlier);
- **checkpoint-N**: during Remediate, call N at the first slot at or after the
  moment the cadence puts it (``state.next_checkpoint_at`` for the next call,
  ``checkpoint_every`` before it for the latest one the engagement called);
- **joint-verification**: proposed at the first slot a day after the joint gate
  opened (its approvers were told), *held* once it passed.

A meeting a person moved (``state.meetings``) is where they put it.  Nothing here
reads a clock, so workflow code may call it (a notice's invite) and every replay
builds the same meetings.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from attrs import evolve, frozen
from onboard.core import region
from onboard.core.gates import JOINT_VERIFICATION, KICKOFF
from onboard.core.models import AuditRecord, EngagementState, MovedMeeting, Party, Person, Phase

CHECKPOINT = "checkpoint"
#: How long each kind of meeting is booked for.
LENGTHS = {
    KICKOFF: timedelta(hours=1),
    CHECKPOINT: timedelta(minutes=30),
    JOINT_VERIFICATION: timedelta(hours=1),
}
#: A meeting proposed after an event (the contact, the gate opening) is at least this
#: far ahead, so its invite reaches people before it starts.
LEAD = timedelta(days=1)
#: Statuses: placed by the rules, moved by a person, held (its gate passed), called
#: (a checkpoint call whose notice went out), waiting for what would place it, or
#: called off (the engagement was cancelled).
PROPOSED, MOVED, HELD, CALLED = "proposed", "moved", "held", "called"
WAITING, CANCELLED = "waiting", "cancelled"
_LATER = (Phase.ASSESS, Phase.REMEDIATE, Phase.ENABLE, Phase.COMPLETED)


@frozen
class Meeting:
    """One meeting of the engagement, as a calendar and ``onboard schedule`` show it.

    ``start``/``end`` are UTC (None while ``waiting``); ``basis`` says why it is where
    it is, or what it waits for; ``stamp`` is when that was decided (the invite's
    DTSTAMP); ``sequence`` counts its moves (the invite's SEQUENCE).
    """

    id: str
    kind: str  # kickoff | checkpoint | joint-verification
    title: str
    status: str
    start: datetime | None
    end: datetime | None
    basis: str
    stamp: datetime
    sequence: int = 0
    moved: MovedMeeting | None = None
    organizer: Person | None = None
    attendees: tuple[Person, ...] = ()

    @property
    def placed(self) -> bool:
        """It has a time (a calendar event can be made of it)."""
        return self.start is not None


def checkpoint_id(number: int) -> str:
    return f"{CHECKPOINT}-{number}"


def checkpoint_number(meeting_id: str) -> int | None:
    """``checkpoint-3`` → 3; None for other ids."""
    prefix, _, number = meeting_id.partition("-")
    if prefix != CHECKPOINT or not number.isdigit() or number.startswith("0"):
        return None
    return int(number)


def kind_of(meeting_id: str) -> str | None:
    """The kind of meeting an id names (None: no meeting has such an id)."""
    if meeting_id in (KICKOFF, JOINT_VERIFICATION):
        return meeting_id
    return CHECKPOINT if checkpoint_number(meeting_id) is not None else None


def slot(state: EngagementState, after: datetime, kind: str) -> datetime:
    """The first start at or after ``after`` inside the engagement's business hours."""
    spec = state.spec
    return region.first_slot(
        after, region.business_hours(spec.business_hours), region.time_zone(spec.timezone), LENGTHS[kind]
    )


def organizer(state: EngagementState) -> Person | None:
    """The provider sets the meetings up ("we'll set up a schedule"): its first person with an e-mail."""
    return next((p for p in state.spec.roster if p.party is Party.PROVIDER and p.email), None)


def meetings(state: EngagementState) -> list[Meeting]:
    """The engagement's meetings in order: kick-off, checkpoint calls, joint verification."""
    found = [_kickoff(state), *_checkpoints(state), _joint(state)]
    if state.phase.value == "cancelled":  # the lifecycle's end before completion
        found = [_called_off(m) for m in found]
    return found


def find(state: EngagementState, meeting_id: str) -> Meeting | None:
    """The meeting with that id, if the engagement has it now."""
    return next((m for m in meetings(state) if m.id == meeting_id), None)


def _meeting(
    state: EngagementState,
    meeting_id: str,
    kind: str,
    title: str,
    status: str,
    start: datetime | None,
    basis: str,
    stamp: datetime,
) -> Meeting:
    """The meeting, where a person moved it if they did (a past one keeps its status)."""
    moved = state.meetings.get(meeting_id)
    sequence = moved.sequence if moved is not None else 0
    if moved is not None and status not in (HELD, CALLED):
        status, start, stamp = MOVED, moved.start, moved.at
        basis = f"moved by {moved.by}: {moved.reason}"
    elif moved is not None and status == CALLED:
        start, basis = moved.start, f"{basis}; moved by {moved.by}: {moved.reason}"
    roster = tuple(p for p in state.spec.roster if p.email)
    return Meeting(
        meeting_id,
        kind,
        title,
        status,
        start,
        start + LENGTHS[kind] if start is not None else None,
        basis,
        stamp,
        sequence,
        moved,
        organizer(state),
        roster,
    )


def _approval(state: EngagementState, gate: str) -> AuditRecord | None:
    """The latest approval of ``gate`` the state still holds (older ones are in the journal)."""
    approvals = [r for r in _records(state) if r.action == "approve" and r.subject == gate]
    return max(approvals, key=lambda r: r.at, default=None)


def _records(state: EngagementState) -> Iterable[AuditRecord]:
    yield from state.audit
    yield from state.evidence


def _held(
    state: EngagementState, meeting_id: str, kind: str, title: str, planned: datetime | None, basis: str
) -> Meeting:
    """A meeting whose gate passed: at its planned time, or the approval's if that came first."""
    moved = state.meetings.get(meeting_id)
    if moved is not None:
        planned = moved.start
    approval = _approval(state, meeting_id)
    if approval is None:
        when = planned
        basis = f"held ({basis}; its approval is in the journal)"
        stamp = moved.at if moved is not None else state.spec.purchased_on
    else:
        when = planned if planned is not None and planned <= approval.at else approval.at
        basis = f"held: {approval.person} approved {meeting_id!r} on {approval.at:%Y-%m-%d %H:%M} UTC"
        stamp = approval.at
    return _meeting(state, meeting_id, kind, title, HELD, when, basis, stamp)


def _kickoff(state: EngagementState) -> Meeting:
    title = "kick-off meeting"
    gate = state.gates.get(KICKOFF)
    contact = state.contact
    planned = slot(state, contact.at + LEAD, KICKOFF) if contact is not None else None
    basis = f"first business-hours slot a day after the contact ({contact.at:%Y-%m-%d})" if contact else ""
    if (gate is not None and gate.passed) or state.phase in _LATER:
        return _held(state, KICKOFF, KICKOFF, title, planned, basis or "no contact on record")
    if contact is None:
        return _meeting(
            state,
            KICKOFF,
            KICKOFF,
            title,
            WAITING,
            None,
            "proposed once the provider records the contact (onboard contact)",
            state.spec.purchased_on,
        )
    return _meeting(state, KICKOFF, KICKOFF, title, PROPOSED, planned, basis, contact.at)


def _checkpoints(state: EngagementState) -> list[Meeting]:
    """The latest call the engagement made (if any) and the next one, once the schedule is set."""
    joint = state.gates.get(JOINT_VERIFICATION)
    # Cancelled in Remediate (the joint gate never passed): the calls are listed, called off.
    cancelled = state.phase.value == "cancelled" and not (joint is not None and joint.passed)
    # In Assess the schedule exists from the moment the plan is agreed (the notice that
    # announces it goes out before the engagement enters Remediate).
    if state.phase not in (Phase.ASSESS, Phase.REMEDIATE) and not cancelled:
        return []
    if state.next_checkpoint_at is None:
        return []
    every = state.spec.policy.checkpoint_every
    found = []
    calls = [
        (state.checkpoints, state.next_checkpoint_at - every),
        (state.checkpoints + 1, state.next_checkpoint_at),
    ]
    for number, moment in calls:
        if number < 1:
            continue
        basis = (
            f"checkpoint call {number} of the cadence (every {_span(every)}), due {moment:%Y-%m-%d %H:%M} UTC"
        )
        found.append(
            _meeting(
                state,
                checkpoint_id(number),
                CHECKPOINT,
                f"checkpoint call {number}",
                CALLED if number == state.checkpoints else PROPOSED,
                slot(state, moment, CHECKPOINT),
                basis,
                moment - every,  # decided when the previous call was (or the plan agreed)
            )
        )
    return found


def _joint(state: EngagementState) -> Meeting:
    title = "joint verification"
    gate = state.gates.get(JOINT_VERIFICATION)
    opened = gate.opened_at if gate is not None else None
    planned = slot(state, opened + LEAD, JOINT_VERIFICATION) if opened is not None else None
    basis = f"first business-hours slot a day after the gate opened ({opened:%Y-%m-%d})" if opened else ""
    if (gate is not None and gate.passed) or state.phase in (Phase.ENABLE, Phase.COMPLETED):
        return _held(state, JOINT_VERIFICATION, JOINT_VERIFICATION, title, planned, basis or "gate passed")
    if planned is None or opened is None:
        left = sum(1 for i in state.items if not i.closed)
        waits = f"{left} remediation item(s) open" if state.phase is Phase.REMEDIATE else "Remediate"
        return _meeting(
            state,
            JOINT_VERIFICATION,
            JOINT_VERIFICATION,
            title,
            WAITING,
            None,
            f"proposed when every remediation item is closed and the gate opens ({waits})",
            state.spec.purchased_on,
        )
    return _meeting(state, JOINT_VERIFICATION, JOINT_VERIFICATION, title, PROPOSED, planned, basis, opened)


def _called_off(meeting: Meeting) -> Meeting:
    if meeting.status in (HELD, CALLED, WAITING):
        return meeting
    return evolve(meeting, status=CANCELLED, basis=f"the engagement was cancelled ({meeting.basis})")


def _span(delta: timedelta) -> str:
    if delta >= timedelta(days=1) and delta.total_seconds() % 86400 == 0:
        return "1 day" if delta.days == 1 else f"{delta.days} days"
    return f"{delta.total_seconds():g} s"
