"""The remediation timeline: when each item is due, and when its owners hear of it.

The seeds: the provider will "establish the timeline for remediation activities",
the customer will "confirm remediation timelines", and both hold checkpoint calls
"according to the agreed-upon schedule".  So an item's due date is *proposed* from
its severity and owner when an assessment opens it (the policy's ``*_due_within``),
shown with the remediation plan, and *agreed* when both sides approve that plan.
A provider person moves a due date with a signed ``onboard due``; the customer
people hear of every move (before the plan is agreed, they confirm the new
timeline by approving it; afterwards, it is the timeline they work to).

During Remediate the owners are reminded once ``due_reminder_before`` the date and
once when it has passed; checkpoint calls name the overdue items.

Pure functions of the state, called from workflow code (deterministic) and by the
CLI and the reports.
"""

from datetime import UTC, datetime, timedelta

from onboard.core import region
from onboard.core.engagement.rules import Rejected, open_items, roster_person
from onboard.core.models import (
    DueChange,
    EngagementState,
    ItemState,
    Party,
    Person,
    Phase,
    Policy,
    RemediationItem,
    Severity,
)

#: How far ahead a due date may be moved (a typo in the year is refused, not kept).
LATEST_DUE = timedelta(days=2 * 365)
SOON, OVERDUE = "soon", "overdue"


def due_within(policy: Policy, item: RemediationItem) -> timedelta:
    """How long the owner gets for an item: the provider's own items are quick
    (guidance, documents); the customer's by how much the finding matters."""
    if item.owner is Party.PROVIDER:
        return policy.provider_due_within
    return {
        Severity.BLOCKER: policy.blocker_due_within,
        Severity.WARNING: policy.warning_due_within,
    }.get(item.severity, policy.info_due_within)


def propose(state: EngagementState, now: datetime, *, business_days: bool = False) -> list[ItemState]:
    """Give every open item without a due date its proposed one; the items dated.

    With ``business_days`` (runs since the ``business-days`` patch), a due date a day
    or more away falls at the close of business on a business day in the
    engagement's region (its time zone and hours), not at whatever hour the
    assessment ran: "due Friday" means by Friday evening where the work is done.
    """
    dated = []
    for item in open_items(state):
        if item.due is None:
            within = due_within(state.spec.policy, item.item)
            due = now + within
            if business_days and within >= timedelta(days=1):
                due = close_of_business(state, due)
            item.due = due
            dated.append(item)
    return dated


def close_of_business(state: EngagementState, moment: datetime) -> datetime:
    """The close of business of ``moment``'s day in the engagement's region, or of the
    next business day when that day is none (UTC-aware)."""
    zone = region.time_zone(state.spec.timezone)
    hours = region.business_hours(state.spec.business_hours)
    day = moment.astimezone(zone).date()
    for _ in range(15):  # every week has a business day
        if hours.is_business_day(day):
            return datetime.combine(day, hours.closes, tzinfo=zone).astimezone(UTC)
        day += timedelta(days=1)
    return moment


def reminders(state: EngagementState, now: datetime) -> tuple[list[ItemState], list[ItemState]]:
    """The open items whose owners are to hear now: (due soon, overdue), each once."""
    before = state.spec.policy.due_reminder_before
    soon, overdue = [], []
    for item in open_items(state):
        if item.due is None or item.due_reminded == OVERDUE:
            continue
        if item.due <= now:
            overdue.append(item)
        elif item.due - before <= now and item.due_reminded != SOON:
            soon.append(item)
    return soon, overdue


def next_reminder_at(state: EngagementState) -> datetime | None:
    """When the next due reminder is to go out (None: no open item is dated)."""
    before = state.spec.policy.due_reminder_before
    moments = []
    for item in open_items(state):
        if item.due is None or item.due_reminded == OVERDUE:
            continue
        moments.append(item.due if item.due_reminded == SOON else item.due - before)
    return min(moments, default=None)


def overdue(state: EngagementState, now: datetime) -> list[ItemState]:
    return [i for i in open_items(state) if i.overdue(now)]


def check_move(state: EngagementState, change: DueChange, now: datetime) -> tuple[Person, ItemState]:
    """Who moves which item, or :class:`Rejected` saying why not."""
    person = roster_person(state, change.person)
    if person.party is not Party.PROVIDER:
        raise Rejected(
            f"{person.id!r} is on the customer side: the provider establishes the remediation "
            "timeline and the customer confirms it (by approving the remediation plan)"
        )
    item = next((i for i in state.items if i.item.id == change.item), None)
    if item is None:
        raise Rejected(f"engagement {state.spec.engagement_id!r} has no remediation item {change.item!r}")
    if state.phase not in (Phase.ASSESS, Phase.REMEDIATE):
        raise Rejected(f"due dates are set in assess or remediate, not {state.phase.value}")
    if item.closed:
        raise Rejected(
            f"remediation item {item.item.id!r} is closed ({item.closed_by}); it needs no due date"
        )
    if change.due <= now:
        raise Rejected(
            f"the new due date {change.due.isoformat()} is not in the future "
            f"(the engagement's clock says {now.isoformat(timespec='seconds')})"
        )
    if change.due > now + LATEST_DUE:
        raise Rejected(f"the new due date {change.due.date().isoformat()} is more than two years away")
    return person, item


def apply_move(state: EngagementState, change: DueChange, person: Person) -> ItemState:
    """Move the date; a new date earns its own reminders."""
    item = next(i for i in state.items if i.item.id == change.item)
    item.due, item.due_moved_by, item.due_reminded = change.due, person.id, ""
    return item


def day(at: datetime | None) -> str:
    """A due date as people read it: the calendar day (UTC)."""
    return at.date().isoformat() if at is not None else "—"


def due_text(item: ItemState, now: datetime) -> str:
    """'due 2026-12-16', 'overdue since 2026-12-02', '—' for closed or undated items."""
    if item.closed or item.due is None:
        return "—"
    if item.due < now:
        return f"overdue since {day(item.due)}"
    return f"due {day(item.due)}"
