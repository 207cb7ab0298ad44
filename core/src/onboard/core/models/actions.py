"""The other actions' Update arguments, and the small answers of some
(:class:`PlanChange` of ``change_scope``, :class:`MovedMeeting` of ``move_meeting``).

Those of ``onboard approve`` and ``complete`` are :mod:`.decisions`'s.
No ``from __future__ import annotations``: cattrs must see real types, not
strings, inside the Temporal workflow sandbox.
"""

from datetime import datetime

from attrs import field, frozen
from onboard.core.models.base import FactValue, Person, _aware, _non_empty, _str_tuple
from onboard.core.models.decisions import Signature

# ---------------------------------------------------------------------------
# Actions (Update arguments)
# ---------------------------------------------------------------------------


@frozen
class Contact:
    """The provider records that it contacted the customer (Initiate)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class Reassessment:
    """A new assessment bundle for the engagement (path as the worker sees it)."""

    person: str
    bundle: str
    signature: Signature | None = None


@frozen
class Cancellation:
    """A roster person ends the engagement before it completes (``onboard cancel``).

    Its timers stop, its open work is left as it is (the record stays), and
    everyone on the roster is told why.
    """

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Closure:
    """One side agrees to close the engagement in Enable (``onboard close``): the steps
    still open are not needed.  It completes once a provider and a customer person
    have both closed it."""

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Pause:
    """A roster person pauses the engagement (``onboard pause``): no timer fires, no
    action is taken, until someone resumes it; due dates and the next checkpoint
    then move by the time it was paused."""

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Unpause:
    """A roster person resumes a paused engagement (``onboard resume``)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class RosterChange:
    """Add, replace or remove a person on the roster (``onboard roster``).

    ``change`` is ``add`` (``new`` joins), ``replace`` (``subject`` leaves, ``new``
    of the same side takes their place) or ``remove`` (``subject`` leaves).  Each
    side changes its own people; a provider's change to the customer side waits
    until a customer person acknowledges it (:class:`RosterAck`).
    """

    person: str
    change: str  # add | replace | remove
    subject: str  # the person id joining, leaving or being replaced
    reason: str = field(validator=_non_empty)
    new: Person | None = None
    signature: Signature | None = None


@frozen
class RosterAck:
    """A customer person acknowledges a provider's pending change to the customer side."""

    person: str
    subject: str  # the pending change's subject (a person id)
    note: str = ""
    signature: Signature | None = None


@frozen
class ScopeChange:
    """A provider person changes a running engagement's scope (``onboard scope``).

    Services are added or removed (``licenses`` gives the added offers' counts),
    facts corrected.  The engagement plans again from the changed spec, keeps what
    was done, closes the items the new scope no longer needs, and re-assesses the
    last bundle for the requirements it now has.
    """

    person: str
    reason: str = field(validator=_non_empty)
    add: tuple[str, ...] = field(default=(), converter=_str_tuple)
    remove: tuple[str, ...] = field(default=(), converter=_str_tuple)
    facts: dict[str, FactValue] = field(factory=dict)
    licenses: dict[str, int] = field(factory=dict)
    signature: Signature | None = None


@frozen
class PlanChange:
    """What a scope change did to the plan (kept in the state, answered to the asker)."""

    at: datetime
    by: str
    reason: str
    services_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    services_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)
    facts_changed: tuple[str, ...] = field(default=(), converter=_str_tuple)  # "key: old -> new"
    requirements_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    requirements_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)
    items_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    items_closed: tuple[str, ...] = field(default=(), converter=_str_tuple)  # out of scope now
    steps_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    steps_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)

    def lines(self) -> list[str]:
        """What changed, one line per kind ("services added: intune"), for people."""
        kinds = (
            ("services added", self.services_added),
            ("services removed", self.services_removed),
            ("facts corrected", self.facts_changed),
            ("requirements added", self.requirements_added),
            ("requirements removed", self.requirements_removed),
            ("items opened", self.items_added),
            ("items closed as out of scope", self.items_closed),
            ("enable steps added", self.steps_added),
            ("enable steps removed", self.steps_removed),
        )
        return [f"{label} ({len(values)}): {', '.join(values)}" for label, values in kinds if values]


@frozen
class Resume:
    """A provider asks a blocked engagement to try again (after fixing the cause)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class Waiver:
    """One party's signed consent to close an automated-check item without a pass.

    The item closes as *waived* once a provider and a customer person, two
    different people, have both waived it with a reason.
    """

    item: str
    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class DueChange:
    """A provider person moves a remediation item's due date (``onboard due``).

    The provider establishes the remediation timeline, the customer confirms it
    (the seed's responsibilities): the customer people hear of every move.
    """

    item: str
    person: str
    due: datetime = field(converter=_aware)
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class MeetingMove:
    """A roster person moves one of the engagement's meetings (:mod:`onboard.core.meetings`).

    ``meeting`` is a meeting id (``kickoff``, ``checkpoint-3``, ``joint-verification``);
    ``start`` the new start, inside the engagement's business hours.  Who may move
    which meeting, and when: :func:`onboard.core.meetings.check_move`.
    """

    meeting: str
    person: str
    start: datetime = field(converter=_aware)
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


# ---------------------------------------------------------------------------
# Answers of Updates (MovedMeeting is part of the state too)
# ---------------------------------------------------------------------------


@frozen
class MovedMeeting:
    """Where a moved meeting is now (:attr:`EngagementState.meetings`).

    ``sequence`` counts its moves: the invite's iCalendar SEQUENCE, so a calendar
    takes the newer invite for the same meeting; ``at`` is when it was moved (the
    invite's DTSTAMP).
    """

    start: datetime = field(converter=_aware)
    by: str
    reason: str
    at: datetime = field(converter=_aware)
    sequence: int = 1
