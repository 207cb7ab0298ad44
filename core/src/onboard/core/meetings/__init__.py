"""The engagement's meetings: kick-off, checkpoint calls, joint verification.

Where each meeting is (:mod:`.schedule`), its calendar event (:mod:`.ics`) and
the rules for moving one (:mod:`.moves`), all pure functions of the engagement's
state: ``onboard schedule`` shows and exports them, and workflow code attaches a
meeting's invite to its notice (``Notification.calendar = meeting_ics(state, id)``).
"""

from onboard.core.meetings.ics import meeting_ics, schedule_ics, uid
from onboard.core.meetings.moves import apply_move, check_move
from onboard.core.meetings.schedule import (
    CHECKPOINT,
    LENGTHS,
    Meeting,
    checkpoint_id,
    find,
    meetings,
)

__all__ = [
    "CHECKPOINT",
    "LENGTHS",
    "Meeting",
    "apply_move",
    "check_move",
    "checkpoint_id",
    "find",
    "meeting_ics",
    "meetings",
    "schedule_ics",
    "uid",
]
