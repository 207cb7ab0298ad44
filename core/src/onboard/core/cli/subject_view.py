"""``onboard show ID SUBJECT``: one remediation item, enable step or gate, in full.

An item with the requirement behind it, the latest finding (its summary, every
detail line the assessment kept, where the evidence is), its due date and state,
and the audit records about it; a step with what it depends on; a gate with who
approved, why it is not open yet, and its rejections.
"""

from datetime import UTC, datetime

from onboard.core.cli.output import console
from onboard.core.engagement.rules import backed_by_check, why_closed
from onboard.core.engagement.timeline import due_text
from onboard.core.errors import OnboardError
from onboard.core.models import AuditRecord, EngagementStatus, GateState, ItemState, StepState
from rich.markup import escape


def render_subject(status: EngagementStatus, subject: str, now: datetime | None = None) -> None:
    """Print ``subject`` (an item, step or gate id) of ``status``'s engagement.

    :raises OnboardError: naming the engagement when it has no such thing.
    """
    s, now = status.state, now or datetime.now(UTC)
    item = next((i for i in s.items if i.item.id == subject), None)
    if item is not None:
        return _item(status, item, now)
    if subject in s.steps:
        return _step(status, s.steps[subject])
    if subject in s.gates:
        return _gate(status, s.gates[subject])
    raise OnboardError(
        f"engagement {status.engagement_id!r} has no remediation item, enable step or gate {subject[:80]!r} "
        f"(onboard show {status.engagement_id} --full lists them)"
    )


def _field(name: str, value: str) -> None:
    console.print(f"[bold]{name}:[/] {escape(value)}")


def _item(status: EngagementStatus, item: ItemState, now: datetime) -> None:
    s, i = status.state, item.item
    console.print(f"[bold]{escape(i.id)}[/] — {escape(i.title)}")
    _field("engagement", f"{status.engagement_id} ({s.spec.customer})")
    _field("owner", f"{i.owner.value}   severity: {i.severity.value}   service: {i.service}")
    _field("blocks", ", ".join(i.blocks) or "nothing")
    if item.closed:
        when = item.closed_at.strftime("%Y-%m-%d %H:%M UTC") if item.closed_at else ""
        _field("state", f"closed by {item.closed_by} {when}".strip() + (" (waived)" if item.waived else ""))
    else:
        waivers = ", ".join(f"{party}: {who}" for party, who in item.waivers.items())
        _field(
            "state",
            "open"
            + (f"; waived by {waivers}" if waivers else "")
            + (f"; reopened ×{item.reopened}" if item.reopened else ""),
        )
        moved = f" (moved by {item.due_moved_by})" if item.due_moved_by else " (as proposed)"
        _field("due", due_text(item, now) + (moved if item.due else ""))
    if item.evidence:
        _field("evidence", item.evidence)
    if i.detail:
        _field("detail", i.detail)
    requirement = next((r for r in (s.plan.requirements if s.plan else ()) if r.id == i.requirement_id), None)
    if requirement is not None:
        _field("requirement", f"{requirement.id}: {requirement.title}")
        _field("check", f"{requirement.check} ({requirement.category.value})")
        if requirement.source:
            _field("source", requirement.source)
    finding = next((f for f in s.findings if f.requirement_id == i.requirement_id), None)
    if finding is not None:
        _field(
            f"finding (assessment round {s.assessment_round})", f"{finding.outcome.value}: {finding.summary}"
        )
        if finding.location:
            _field("where", finding.location)
        for line in finding.details:
            console.print(f"  - {escape(line)}")
        if finding.total > len(finding.details):
            console.print(
                f"  … {finding.total - len(finding.details)} more in the bundle (onboard report {status.engagement_id})"
            )
    eid = status.engagement_id
    if not item.closed:
        if backed_by_check(s, item):
            how = f"fix it, then: onboard reassess {eid} BUNDLE --as …  (or both sides: onboard waive {eid} {i.id} --reason …)"
        else:
            how = f'onboard complete {eid} {i.id} --as … --evidence "..."'
        _field("to close it", how)
    _records(status, i.id)


def _step(status: EngagementStatus, step: StepState) -> None:
    st = step.step
    console.print(f"[bold]{escape(st.id)}[/] — {escape(st.title)}")
    _field("service", f"{st.service}   kind: {st.kind.value}   owner: {st.owner.value}")
    _field("status", step.status + (f" by {step.by}" if step.by else ""))
    if st.depends_on:
        waiting = [
            d for d in st.depends_on if status.state.steps.get(d) and status.state.steps[d].status != "done"
        ]
        _field(
            "depends on",
            ", ".join(st.depends_on) + (f" (not done yet: {', '.join(waiting)})" if waiting else ""),
        )
    if st.branch:
        _field("branch", st.branch)
    if step.evidence:
        _field("evidence", step.evidence)
    if st.source:
        _field("source", st.source)
    if step.status == "awaiting":
        _field("to attest it", f'onboard complete {status.engagement_id} {st.id} --as … --evidence "..."')
    _records(status, st.id)


def _gate(status: EngagementStatus, gate: GateState) -> None:
    console.print(f"[bold]{gate.id}[/] — {escape(gate.title)}")
    _field("phase", f"{gate.phase.value}   needs: {' + '.join(p.value for p in gate.parties)}")
    state = "passed" if gate.passed else "open" if gate.open else f"closed: {why_closed(status.state, gate)}"
    _field("state", state)
    for party, who in gate.approved_by.items():
        _field(f"approved ({party})", who)
    for reason in gate.rejections:
        _field("rejected", reason)
    if gate.open and not gate.passed:
        _field("to decide", f'onboard approve {status.engagement_id} {gate.id} --as … --comment "..."')
    _records(status, gate.id)


def _records(status: EngagementStatus, subject: str) -> None:
    s = status.state
    records: list[AuditRecord] = sorted(
        (r for r in (*s.evidence, *s.audit) if r.subject == subject), key=lambda r: (r.seq, r.at)
    )
    if not records:
        return
    console.print("[bold]audit records:[/]")
    for r in records:
        signed = f" (signed {r.key[:20]}…)" if r.key else ""
        console.print(
            f"  #{r.seq or '—'} {r.at:%Y-%m-%d %H:%M} {r.person} ({r.party.value}) {r.action}: {escape(r.comment or '—')}{signed}"
        )
