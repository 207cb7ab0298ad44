"""How ``onboard show`` prints an engagement: trust first, then gates, items, steps, audit."""

from onboard.core.cli.output import console, table
from onboard.core.models import EngagementStatus, ItemState, Phase


def render_status(status: EngagementStatus) -> None:
    s = status.state
    console.print(f"[bold]{status.engagement_id}[/] — {s.spec.customer} ({status.tenant})")
    console.print(f"phase: [bold]{status.phase.value}[/]   services: {', '.join(status.services)}")
    console.print(f"awaiting: {', '.join(status.awaiting) or 'nobody'}")
    if s.blocked:
        console.print(
            f"[red]blocked:[/] {s.blocked}  (fix it, then: onboard resume {status.engagement_id} --as …)"
        )
    render_trust(status)
    if s.contact is None and status.phase is Phase.INITIATE:
        due = s.spec.purchased_on + s.spec.policy.contact_within
        console.print(f"contact due by {due.isoformat()} (escalations so far: {s.escalations})")
    gates = table("gates", "gate", "phase", "needs", "approved by", "state", "rejections")
    for g in s.gates.values():
        state = "passed" if g.passed else ("open" if g.open else "closed")
        approved = ", ".join(f"{party}: {who}" for party, who in g.approved_by.items())
        gates.add_row(
            g.id,
            g.phase.value,
            " + ".join(p.value for p in g.parties),
            approved,
            state,
            "; ".join(g.rejections),
        )
    console.print(gates)
    if s.items:
        items = table(
            f"remediation items (assessment round {s.assessment_round})",
            "item",
            "owner",
            "severity",
            "blocks",
            "state",
            "title",
        )
        for i in s.items:
            state = _item_state(i)
            items.add_row(
                i.item.id,
                i.item.owner.value,
                i.item.severity.value,
                ", ".join(i.item.blocks),
                state,
                i.item.title,
            )
        console.print(items)
    if s.steps:
        steps = table("enable steps", "step", "service", "kind", "owner", "status", "by / evidence")
        for st in s.steps.values():
            detail = " — ".join(x for x in (st.by, st.evidence) if x)
            steps.add_row(
                st.step.id, st.step.service, st.step.kind.value, st.step.owner.value, st.status, detail
            )
        console.print(steps)
    if s.audit:
        audit = table(
            "audit trail", "#", "when", "who", "side", "action", "subject", "comment", "signed with"
        )
        for a in s.audit:
            audit.add_row(
                str(a.seq or "—"),
                a.at.strftime("%Y-%m-%d %H:%M:%S"),
                a.person,
                a.party.value,
                a.action,
                a.subject,
                a.comment,
                a.key or ("[red]unsigned[/]" if s.signed else "—"),
            )
        console.print(audit)


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
