"""What each notice of an engagement says, and to whom.

Pure functions of the state, called from workflow code (deterministic): each
returns the :class:`~onboard.core.models.Notification` of one event, without its
``id`` and time, which the workflow's outbox adds.  Who gets it follows who must
act: the parties a gate still needs, the side whose work a rejection sends back,
the owners of the steps a wave releases; escalations go to the provider people
first and, from the policy's ``escalate_after``-th notice on, to its
``escalate_to`` addresses too.  Commands carry ``{person}`` for the recipient.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs
from onboard.core.engagement.timeline import due_text
from onboard.core.meetings import meeting_ics
from onboard.core.models import (
    EngagementState,
    GateState,
    ItemState,
    MovedMeeting,
    Notification,
    Party,
    Person,
    PlanChange,
    Recipient,
    RosterChange,
    StepState,
)

#: How many lines of open items or steps a notice lists before "and N more".
LISTED = 15


def recipients(state: EngagementState, parties: Iterable[Party] = ()) -> tuple[Recipient, ...]:
    """The roster people of ``parties`` (everyone when none), with their e-mail."""
    wanted = set(parties)
    return tuple(
        Recipient(p.id, p.name, p.email, p.party.value)
        for p in state.spec.roster
        if not wanted or p.party in wanted
    )


def _notice(
    state: EngagementState,
    kind: str,
    subject: str,
    message: str,
    to: Sequence[Recipient],
    details: Sequence[str] = (),
    commands: Sequence[str] = (),
) -> Notification:
    eid = state.spec.engagement_id
    return Notification(
        eid,
        kind,
        message,
        state.spec.purchased_on,  # replaced by the outbox with the time it is queued
        tuple(r.id for r in to if r.id),
        subject=f"{eid}: {subject}",
        recipients=tuple(to),
        details=tuple(details),
        commands=tuple(commands),
    )


def _listed(lines: list[str]) -> list[str]:
    if len(lines) <= LISTED:
        return lines
    return [*lines[:LISTED], f"… and {len(lines) - LISTED} more (onboard show)"]


def gate_open(state: EngagementState, gate: GateState) -> Notification:
    eid = state.spec.engagement_id
    waiting = [p for p in gate.parties if p.value not in gate.approved_by]
    return _notice(
        state,
        "gate-open",
        f"gate {gate.id!r} awaits your decision",
        f"gate {gate.id!r} awaits a decision: {gate.title}",
        recipients(state, waiting),
        commands=(
            f'onboard approve {eid} {gate.id} --as {{person}} --comment "..."',
            f'onboard reject {eid} {gate.id} --as {{person}} --reason "..."',
        ),
    )


def gate_half_approved(state: EngagementState, gate: GateState, by: str) -> Notification:
    """One party approved a joint gate: the other party's turn now."""
    eid = state.spec.engagement_id
    waiting = [p for p in gate.parties if p.value not in gate.approved_by]
    return _notice(
        state,
        "gate-half-approved",
        f"{by} approved {gate.id!r}; your approval completes it",
        f"{by} approved gate {gate.id!r} ({gate.title}); it now waits for the "
        + " and ".join(p.value for p in waiting)
        + " side",
        recipients(state, waiting),
        commands=(f'onboard approve {eid} {gate.id} --as {{person}} --comment "..."',),
    )


def rejected(
    state: EngagementState, gate: GateState, by: str, by_party: Party, reason: str, reopened: Sequence[str]
) -> Notification:
    """A gate sent back: to the side whose work goes back (the owners of reopened
    items, else the gate's other parties, else the provider), with the reason."""
    eid = state.spec.engagement_id
    owners = {i.item.owner for i in state.items if i.item.id in reopened}
    back = owners or ({p for p in gate.parties if p is not by_party} or {Party.PROVIDER})
    details = [f"reopened: {item_id}" for item_id in reopened]
    return _notice(
        state,
        "rejected",
        f"{by} rejected {gate.id!r}: work goes back",
        f"{by} ({by_party.value}) rejected gate {gate.id!r} ({gate.title}): {reason}",
        recipients(state, back),
        details=_listed(details),
        commands=(f"onboard show {eid} --as {{person}}",),
    )


def steps_ready(state: EngagementState, party: Party, steps: Sequence[StepState]) -> Notification:
    """One digest per wave and side: the manual steps that became ready together."""
    eid = state.spec.engagement_id
    return _notice(
        state,
        "steps-ready",
        f"{len(steps)} enable step(s) ready for the {party.value} side",
        f"{len(steps)} enable step(s) are ready for the {party.value} side to carry out and attest",
        recipients(state, [party]),
        details=_listed([f"{st.step.id}: {st.step.title}" for st in steps]),
        commands=(f'onboard complete {eid} STEP --as {{person}} --evidence "..."',),
    )


def _when(item: ItemState, now: datetime) -> str:
    return f", {due_text(item, now)}" if item.due is not None and not item.closed else ""


def _item_line(item: ItemState, now: datetime) -> str:
    i = item.item
    return f"{i.id} ({i.owner.value}, {i.severity.value}{_when(item, now)}): {i.title}"


def checkpoint(
    state: EngagementState, number: int, open_items: Sequence[ItemState], now: datetime | None = None
) -> Notification:
    """The open items, overdue ones first and named in the subject."""
    eid = state.spec.engagement_id
    late = [i for i in open_items if now is not None and i.overdue(now)]
    ordered = [*late, *(i for i in open_items if i not in late)]
    lines = (
        [_item_line(i, now) for i in ordered]
        if now is not None
        else [
            f"{i.item.id} ({i.item.owner.value}, {i.item.severity.value}): {i.item.title}" for i in open_items
        ]
    )
    overdue = f", {len(late)} overdue" if late else ""
    return _notice(
        state,
        "checkpoint",
        f"checkpoint call {number}: {len(open_items)} remediation item(s) open{overdue}",
        f"checkpoint call {number}: {len(open_items)} remediation item(s) open{overdue}"
        + (f" ({', '.join(i.item.id for i in ordered[:5])})" if open_items else ""),
        recipients(state),
        details=_listed(lines),
        commands=(f"onboard show {eid}", f'onboard complete {eid} ITEM --as {{person}} --evidence "..."'),
    )


def due_soon(state: EngagementState, party: Party, items: Sequence[ItemState], now: datetime) -> Notification:
    """To the owners: their items fall due within the policy's ``due_reminder_before``."""
    eid = state.spec.engagement_id
    first = min(i.due for i in items if i.due is not None)
    return _notice(
        state,
        "due-soon",
        f"{len(items)} remediation item(s) due by {first.date().isoformat()}",
        f"{len(items)} remediation item(s) of the {party.value} side fall due soon",
        recipients(state, [party]),
        details=_listed([_item_line(i, now) for i in items]),
        commands=(f'onboard complete {eid} ITEM --as {{person}} --evidence "..."',),
    )


def overdue(state: EngagementState, party: Party, items: Sequence[ItemState], now: datetime) -> Notification:
    """To the owners and the provider people (who run the checkpoint calls)."""
    eid = state.spec.engagement_id
    to = {r.id: r for r in (*recipients(state, [party]), *recipients(state, [Party.PROVIDER]))}
    commands = [f'onboard complete {eid} ITEM --as {{person}} --evidence "..."']
    commands.append(f'onboard due {eid} ITEM YYYY-MM-DD --as {{person}} --reason "..."  (provider)')
    return _notice(
        state,
        "overdue",
        f"{len(items)} remediation item(s) of the {party.value} side overdue",
        f"{len(items)} remediation item(s) of the {party.value} side are past their due date: "
        + ", ".join(i.item.id for i in items[:5]),
        tuple(to.values()),
        details=_listed([_item_line(i, now) for i in items]),
        commands=commands,
    )


def due_moved(state: EngagementState, item: ItemState, by: str, reason: str) -> Notification:
    """To the customer people (who confirm the timeline) and the item's owners."""
    eid = state.spec.engagement_id
    day = item.due.date().isoformat() if item.due is not None else "?"
    message = f"{by} moved the due date of {item.item.id!r} to {day}: {reason}"
    commands: tuple[str, ...] = (f"onboard show {eid} --as {{person}}",)
    gate = state.gates.get("remediation-plan")
    if gate is not None and gate.open and not gate.passed:
        message += "; approving the remediation plan confirms this timeline"
        commands = (f'onboard approve {eid} remediation-plan --as {{person}} --comment "..."', *commands)
    return _notice(
        state,
        "due-moved",
        f"{item.item.id} is now due {day}",
        message,
        recipients(state, {Party.CUSTOMER, item.item.owner}),
        commands=commands,
    )


def escalation(state: EngagementState, notice_number: int, message: str) -> Notification:
    """Tier 1 the provider people; from ``escalate_after`` on, the escalation list too."""
    policy = state.spec.policy
    to = list(recipients(state, [Party.PROVIDER]))
    if policy.escalate_to and notice_number >= policy.escalate_after:
        to += [Recipient(email=address) for address in policy.escalate_to]
    eid = state.spec.engagement_id
    return _notice(
        state,
        "escalation",
        f"escalation {notice_number}: the customer has not been contacted",
        message,
        to,
        commands=(f'onboard contact {eid} --as {{person}} --note "..."',),
    )


def blocked(state: EngagementState, reason: str) -> Notification:
    eid = state.spec.engagement_id
    return _notice(
        state,
        "blocked",
        "blocked: an operator or provider must act",
        reason,
        recipients(state, [Party.PROVIDER]),
        commands=(f'onboard resume {eid} --as {{person}} --note "what was fixed"',),
    )


def transition(state: EngagementState, previous: str, phase: str) -> Notification:
    kind = "completed" if phase == "completed" else "transition"
    subject = "onboarding completed" if kind == "completed" else f"phase {previous} -> {phase}"
    return _notice(state, kind, subject, f"{previous} -> {phase}", recipients(state))


def lifecycle(state: EngagementState, kind: str, by: Person, reason: str) -> Notification:
    """Cancelled, paused or resumed: everyone on the roster hears it, with why."""
    eid = state.spec.engagement_id
    commands: tuple[str, ...] = ()
    if kind == "paused":
        commands = (f'onboard resume {eid} --as {{person}} --note "..."',)
    elif kind == "resumed":
        commands = (f"onboard show {eid} --as {{person}}",)
    return _notice(
        state,
        kind,
        f"{kind} by {by.id}",
        f"{state.spec.customer}'s onboarding was {kind} by {by.name or by.id} ({by.party.value}): {reason}",
        recipients(state),
        commands=commands,
    )


def roster(
    state: EngagementState, change: RosterChange, by: Person, *, pending: bool, acknowledged_by: str = ""
) -> Notification:
    """A roster change: to everyone (as the roster is now), or, while it waits, to the
    customer people who acknowledge it."""
    eid = state.spec.engagement_id
    new = change.new
    what = {
        "add": f"{new.name if new else change.subject} ({change.subject}) joins the {new.party.value if new else ''} side",
        "replace": f"{new.name if new else '?'} ({new.id if new else '?'}) replaces {change.subject}",
        "remove": f"{change.subject} leaves the roster",
    }.get(change.change, change.change)
    if pending:
        return _notice(
            state,
            "roster-pending",
            f"{by.id} proposes a change to your side: {what}",
            f"{by.id} ({by.party.value}) proposes: {what} ({change.reason}); it applies once a customer "
            "person acknowledges it",
            recipients(state, [Party.CUSTOMER]),
            commands=(f"onboard roster ack {eid} {change.subject} --as {{person}}",),
        )
    done = f"{what} (by {by.id}" + (f", acknowledged by {acknowledged_by}" if acknowledged_by else "") + ")"
    return _notice(state, "roster", f"roster: {what}", f"{done}: {change.reason}", recipients(state))


def scope_changed(state: EngagementState, change: PlanChange) -> Notification:
    """To everyone: what the plan gained and lost, and why."""
    eid = state.spec.engagement_id
    lines = change.lines()
    return _notice(
        state,
        "scope-changed",
        "the scope changed: " + (", ".join(lines[:2]) if lines else "nothing in the plan moved"),
        f"{change.by} changed the scope: {change.reason}",
        recipients(state),
        details=_listed(lines),
        commands=(f"onboard show {eid} --as {{person}}",),
    )


def with_invite(state: EngagementState, notice: Notification, meeting_id: str) -> Notification:
    """``notice`` with the meeting's calendar invite attached (as it is unless the
    meeting has a time); the channels send it as ``invite.ics``."""
    try:
        invite = meeting_ics(state, meeting_id)
    except Exception:  # an invite is a courtesy: never let it stop a notice (or the workflow)
        return notice
    return attrs.evolve(notice, calendar=invite) if invite else notice


def meeting_moved(state: EngagementState, meeting_id: str, moved: MovedMeeting, title: str) -> Notification:
    """To everyone: the meeting's new time, with its updated invite."""
    eid = state.spec.engagement_id
    notice = _notice(
        state,
        "meeting-moved",
        f"{title} moved to {moved.start:%Y-%m-%d %H:%M} UTC",
        f"{moved.by} moved the {title} to {moved.start:%Y-%m-%d %H:%M} UTC: {moved.reason}",
        recipients(state),
        commands=(f"onboard schedule {eid}",),
    )
    return with_invite(state, notice, meeting_id)


def plain(state: EngagementState, kind: str, message: str, to: Sequence[Recipient]) -> Notification:
    """Any other notice (its message as the subject)."""
    return _notice(state, kind, message, message, to)
