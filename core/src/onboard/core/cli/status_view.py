"""How ``onboard show`` prints an engagement: what you must do next, then a compact status.

The order is the reader's: first the things that wait for *you* (``--as`` /
``$ONBOARD_USER``; without one, for each side), each with its title, due date and
the exact command; then whether the engagement can be trusted and moves (blocked,
signing, journal, notices); then the open work.  ``--full`` adds what is done
(closed items, every step, the audit trail); :mod:`.subject_view` prints one item,
step or gate with its findings and evidence.
"""

import textwrap
from datetime import UTC, datetime

from onboard.core.cli.output import console, table
from onboard.core.engagement.rules import open_items
from onboard.core.engagement.timeline import due_text
from onboard.core.models import EngagementStatus, ItemState, Party, Person, Phase, Severity
from onboard.core.waiting import Waiting, for_person, ranked, waiting
from rich.markup import escape

#: Actions listed under "what you must do next" before "… and N more".
NEXT_LISTED = 12


def render_status(
    status: EngagementStatus, person: Person | None = None, *, full: bool = False, now: datetime | None = None
) -> None:
    s = status.state
    now = now or datetime.now(UTC)
    eid = status.engagement_id
    console.print(f"[bold]{eid}[/] — {s.spec.customer} ({status.tenant})")
    render_next(status, person, now)
    console.print()
    console.print(f"phase: [bold]{status.phase.value}[/]   services: {', '.join(status.services)}")
    console.print(f"awaiting: {', '.join(status.awaiting) or 'nobody'}")
    if s.paused_at is not None:
        console.print(
            f"[yellow]paused[/] since {s.paused_at:%Y-%m-%d %H:%M} UTC by {s.paused_by}: {escape(s.paused_reason)}  "
            f"(no reminder fires, no action is taken: onboard resume {eid} --as …)"
        )
    elif s.paused_for:
        console.print(f"[dim]paused for {s.paused_for} so far; due dates and checkpoints moved by it[/]")
    if s.blocked:
        console.print(f"[red]blocked:[/] {s.blocked}  (fix it, then: onboard resume {eid} --as …)")
    render_trust(status)
    for change in s.plan_changes[-3:]:
        moved = [
            f"{label} {', '.join(values)}"
            for label, values in (("+", change.services_added), ("-", change.services_removed))
            if values
        ]
        counts = (
            f"{len(change.items_added)} item(s) opened, {len(change.items_closed)} closed as out of scope"
        )
        console.print(
            f"[dim]scope changed {change.at:%Y-%m-%d} by {change.by} ({escape(change.reason)}): "
            f"{' '.join(moved) or 'facts: ' + '; '.join(change.facts_changed)}; {counts}[/]"
        )
    console.print(_progress_line(status, now))
    _gates(status)
    _items(status, now, full)
    _steps(status, full)
    if full:
        _audit(status)
    else:
        console.print(
            f"[dim]more: onboard show {eid} --full (closed items, every step, the audit trail); "
            f"onboard show {eid} ITEM (an item, step or gate with its findings and evidence); "
            f"onboard report {eid}[/]"
        )


def render_next(status: EngagementStatus, person: Person | None, now: datetime) -> None:
    """The things that wait for ``person`` (or, with nobody named, for each side)."""
    things = waiting(status, now)
    if person is not None:
        _next_list(f"what {person.id} must do next", for_person(things, person), person.id)
        return
    if status.phase is Phase.COMPLETED:
        console.print("[green]completed[/]: nothing waits for anyone")
        return
    if status.phase is Phase.CANCELLED:
        s = status.state
        console.print(
            f"[red]cancelled[/] by {s.cancelled_by}: {escape(s.cancelled_reason)}; nothing waits for anyone"
        )
        return
    for party in Party:
        mine = [t for t in things if t.party is party]
        _next_list(f"what the {party.value} side must do next", ranked(mine, "…"))
    console.print("[dim](--as PERSON or $ONBOARD_USER lists yours, with the commands to run as you)[/]")


def _next_list(heading: str, things: list[Waiting], who: str = "…") -> None:
    if not things:
        console.print(f"[bold]{heading}:[/] nothing")
        return
    console.print(f"[bold]{heading}[/] ({len(things)}):")
    for n, thing in enumerate(things[:NEXT_LISTED], start=1):
        colour = "red" if thing.overdue else "yellow" if thing.kind in ("gate", "contact", "resume") else ""
        _wrapped(thing.what, f"  {n}. ", "     ", colour)
        console.print(f"     [cyan]{escape(thing.command)}[/]", soft_wrap=True)
    if len(things) > NEXT_LISTED:
        console.print(f"  … and {len(things) - NEXT_LISTED} more (onboard todo --as {who} lists them all)")


def _wrapped(text: str, first: str, rest: str, style: str = "") -> None:
    """``text`` wrapped at the screen's width under a hanging indent (ids whole: they have no spaces)."""
    width = max(40, console.width)
    lines = textwrap.wrap(text, width, initial_indent=first, subsequent_indent=rest, break_long_words=False)
    body = escape("\n".join(lines))
    console.print(f"[{style}]{body}[/]" if style else body, soft_wrap=True)


def _progress_line(status: EngagementStatus, now: datetime) -> str:
    s = status.state
    parts = []
    if s.contact is None and status.phase is Phase.INITIATE:
        due = s.spec.purchased_on + s.spec.policy.contact_within
        parts.append(f"contact {'overdue since' if due < now else 'due'} {due.date().isoformat()}")
        if s.escalations:
            parts.append(f"escalations: {s.escalation_notices or s.escalations}")
    if s.items:
        still = open_items(s)
        late = sum(1 for i in still if i.overdue(now))
        blockers = sum(1 for i in still if i.item.severity is Severity.BLOCKER)
        parts.append(
            f"items: {len(still)} open ({blockers} blocker(s), {late} overdue), "
            f"{len(s.items) - len(still)} closed (assessment round {s.assessment_round})"
        )
    if s.next_checkpoint_at is not None and status.phase is Phase.REMEDIATE:
        parts.append(f"next checkpoint call {s.next_checkpoint_at.date().isoformat()} (#{s.checkpoints + 1})")
    if s.steps:
        done = sum(1 for st in s.steps.values() if st.status == "done")
        parts.append(f"enable steps: {done} of {len(s.steps)} done")
    return "; ".join(parts) if parts else ""


def _gates(status: EngagementStatus) -> None:
    gates = table("gates", "gate", "phase", "needs", "approved by", "state", "latest rejection")
    for g in status.state.gates.values():
        state = "passed" if g.passed else ("open" if g.open else "closed")
        approved = ", ".join(f"{party}: {who}" for party, who in g.approved_by.items())
        needs = " + ".join(p.value for p in g.parties)
        gates.add_row(
            g.id, g.phase.value, needs, approved or "—", state, g.rejections[-1] if g.rejections else "—"
        )
    console.print(gates)


def _items(status: EngagementStatus, now: datetime, full: bool) -> None:
    """One entry per open item: its id, owner, severity, due date and state on a line
    (ids first, so they never fold), the title wrapped beneath; overdue ones first."""
    s = status.state
    still = sorted(open_items(s), key=lambda i: (not i.overdue(now), i.due or now))
    if still:
        console.print(
            f"[bold]open remediation items[/] ({len(still)}; assessment round {s.assessment_round}):"
        )
        wide = max(len(i.item.id) for i in still)
        for i in still:
            due = due_text(i, now) + (f" (moved by {i.due_moved_by})" if i.due_moved_by else "")
            shown = f"[red]{due}[/]" if i.overdue(now) else due
            head = f"  {escape(i.item.id):<{wide}}  {i.item.owner.value:<8} {i.item.severity.value:<7} "
            console.print(f"{head} {shown}  {_item_state(i)}", soft_wrap=True)
            _wrapped(i.item.title, "      ", "      ", "dim")
    elif s.items:
        console.print("open remediation items: none")
    closed = [i for i in s.items if i.closed]
    if full and closed:
        done = table("closed remediation items", "item", "owner", "closed", "by", "evidence")
        for i in closed:
            when = i.closed_at.strftime("%Y-%m-%d") if i.closed_at else "—"
            done.add_row(i.item.id, i.item.owner.value, when, _item_state(i), i.evidence or "—")
        console.print(done)
    elif closed:
        console.print(f"[dim]{len(closed)} closed item(s) (--full lists them)[/]")


def _steps(status: EngagementStatus, full: bool) -> None:
    s = status.state
    shown = [st for st in s.steps.values() if full or st.status in ("awaiting", "running", "failed")]
    if not shown:
        return
    title = "enable steps" if full else "enable steps in progress or waiting for a person"
    steps = table(title, "step", "service", "kind", "owner", "status", "title", "by / evidence")
    for st in shown:
        detail = " — ".join(x for x in (st.by, st.evidence) if x)
        steps.add_row(
            st.step.id,
            st.step.service,
            st.step.kind.value,
            st.step.owner.value,
            st.status,
            st.step.title,
            detail or "—",
        )
    console.print(steps)


def _audit(status: EngagementStatus) -> None:
    s = status.state
    records = sorted([*s.evidence, *s.audit], key=lambda r: r.seq)
    if not records:
        return
    audit = table(
        "audit trail",
        "#",
        "when",
        "who",
        "side",
        "action",
        "subject",
        "comment",
        "signed with",
        ids=("#", "subject"),
    )
    for a in records:
        audit.add_row(
            str(a.seq or "—"),
            a.at.strftime("%Y-%m-%d %H:%M:%S"),
            a.person,
            a.party.value,
            a.action,
            a.subject,
            a.comment or "—",
            a.key or ("[red]unsigned[/]" if s.signed else "—"),
        )
    console.print(audit)
    if s.archived:
        console.print(f"[dim]records 1–{s.archived} are in the audit journal (onboard audit verify)[/]")


def render_trust(status: EngagementStatus) -> None:
    """Whether actions must be signed, who cannot act yet, and whether the journal keeps up."""
    s = status.state
    if not s.signed:
        console.print(
            "[yellow]this run began before signed actions: until its phase ends, actions are "
            "accepted unsigned (docs/security.md)[/]"
        )
    elif s.spec.policy.allow_unsigned:
        console.print(
            "[bold red]WARNING: this engagement's policy accepts UNSIGNED actions: anyone who can reach "
            "the Temporal frontend can act as anyone on its roster[/]"
        )
    signers = s.plan.signers if s.plan else None
    if signers is not None and signers.unkeyed():
        console.print(
            f"[yellow]no key in the workers' allowed-signers file (as planned) for: "
            f"{', '.join(signers.unkeyed())}[/]"
        )
    if s.journal_problem:
        console.print(f"[red]audit journal:[/] {s.journal_problem}")
    for lost in s.undelivered:
        console.print(
            f"[red]notice not delivered:[/] {lost.subject} ({lost.kind}, {lost.at:%Y-%m-%d %H:%M} UTC): {lost.reason}"
        )
    if s.unreached:
        console.print(
            f"[yellow]notices reach nobody for: {', '.join(s.unreached)}[/] (the workers have no channel "
            "for them: an e-mail on the roster with an e-mail channel, or a personal channel; "
            'docs/operations.md, "Notification channels")'
        )
    if s.outbox:
        console.print(f"{len(s.outbox)} notice(s) waiting to be sent")
    if s.audit_head:
        lag = max((r.seq for r in s.audit), default=0) - s.journaled
        journal = f"{lag} record(s) not journaled yet" if lag else "all journaled"
        if s.archived:
            journal += f"; records 1–{s.archived} archived in the journal (onboard audit verify)"
        console.print(f"audit chain head: {s.audit_head[:16]}…  ({journal})")


def _item_state(item: ItemState) -> str:
    if item.waived:
        return "[magenta]waived[/] (both parties)"
    if item.closed:
        return f"closed by {item.closed_by}"
    waived_by = ", ".join(f"{party}: {who}" for party, who in item.waivers.items())
    reopened = f"reopened ×{item.reopened}" if item.reopened else ""
    return "; ".join(x for x in ("open", f"waived by {waived_by}" if waived_by else "", reopened) if x)
