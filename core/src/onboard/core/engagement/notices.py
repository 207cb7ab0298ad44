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

from onboard.core.models import (
    EngagementState,
    GateState,
    ItemState,
    Notification,
    Party,
    Recipient,
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


def checkpoint(state: EngagementState, number: int, open_items: Sequence[ItemState]) -> Notification:
    eid = state.spec.engagement_id
    lines = [
        f"{i.item.id} ({i.item.owner.value}, {i.item.severity.value}): {i.item.title}" for i in open_items
    ]
    return _notice(
        state,
        "checkpoint",
        f"checkpoint call {number}: {len(open_items)} remediation item(s) open",
        f"checkpoint call {number}: {len(open_items)} remediation item(s) open"
        + (f" ({', '.join(i.item.id for i in open_items[:5])})" if open_items else ""),
        recipients(state),
        details=_listed(lines),
        commands=(f"onboard show {eid}", f'onboard complete {eid} ITEM --as {{person}} --evidence "..."'),
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


def plain(state: EngagementState, kind: str, message: str, to: Sequence[Recipient]) -> Notification:
    """Any other notice (its message as the subject)."""
    return _notice(state, kind, message, message, to)
