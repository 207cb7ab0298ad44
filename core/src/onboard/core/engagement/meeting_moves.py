"""Moving a meeting of a running engagement (``onboard schedule ID --move``): the Update.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.  Who may
move which meeting, and to when, is :mod:`onboard.core.meetings.moves`'; here the
move is signed, audited and told to everyone with the updated invite.  Moving the
next checkpoint call moves its notice too (the cadence goes on from the new time).
"""

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import authority, notices, rules
    from onboard.core.engagement.refusals import refusals_fail_the_update, refusing
    from onboard.core.meetings import CHECKPOINT, apply_move, check_move, checkpoint_id, find
    from onboard.core.models import (
        AuditRecord,
        EngagementState,
        MeetingMove,
        MovedMeeting,
        Notification,
        Person,
    )


class MeetingMoves:
    """The move_meeting Update."""

    state: EngagementState
    _lifecycle: bool
    _queue: Callable[[Notification], None]
    _publish: Callable[[], None]
    _signature: Callable[..., authority.SignedBy]
    _audit: Callable[..., AuditRecord]

    @workflow.update
    def move_meeting(self, move: MeetingMove) -> MovedMeeting:
        """Move the kick-off, the next checkpoint call or the joint verification."""
        s = self.state
        with refusals_fail_the_update():
            person, signed = self._check_move_meeting(move, live=False)
        self._audit(move, person, signed, move.reason)
        moved = apply_move(s, move, person, workflow.now())
        if move.meeting == checkpoint_id(s.checkpoints + 1) and move.meeting.startswith(CHECKPOINT):
            s.next_checkpoint_at = move.start  # the call's notice goes with it
        meeting = find(s, move.meeting)
        title = meeting.title if meeting is not None else move.meeting
        self._queue(notices.meeting_moved(s, move.meeting, moved, title))
        return moved

    @move_meeting.validator
    @refusing
    def _validate_move_meeting(self, move: MeetingMove) -> None:
        self._check_move_meeting(move, live=True)

    def _check_move_meeting(self, move: MeetingMove, live: bool) -> tuple[Person, authority.SignedBy]:
        if not self._lifecycle:
            raise rules.Rejected(
                "this run of the engagement began before meetings could move; its next run can"
            )
        person, _ = check_move(self.state, move, workflow.now())
        return person, self._signature(move, person, live)
