"""An engagement's report as plain data: what ``onboard report`` renders in every format.

:func:`engagement_report` reads one :class:`~onboard.core.models.EngagementStatus`
(the engagement's ``status`` query) and returns JSON-ready data; the Markdown, HTML
and CSV renderers only format it, so the formats always say the same thing.  It is
a pure function: the clock that decides what is overdue is an argument.

The remediation checklist has two parts.  *Failures* are items whose check ran and
failed (or that a person must do); *questions* are items whose check could not run
because an input is missing ("Provide the input for: …"): the customer answers them
by handing over the input, so they read apart from the work to do.
"""

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from onboard.core.models import (
    AuditRecord,
    EngagementState,
    EngagementStatus,
    Finding,
    ItemState,
    Outcome,
    Plan,
    Severity,
)
from onboard.core.reports.formatting import plural

#: Titles the default and the core plugins give an item made from a check that
#: could not run (:mod:`onboard.core.remediation`): such an item stays a question
#: after a re-assessment has closed it and its finding now passes.
QUESTION_PREFIXES = ("Provide the input for:",)
SEVERITY_ORDER = {Severity.BLOCKER.value: 0, Severity.WARNING.value: 1, Severity.INFO.value: 2}
OUTCOMES = (Outcome.FAIL.value, Outcome.NOT_RUN.value, Outcome.PASS.value)


def engagement_report(status: EngagementStatus, now: datetime) -> dict[str, Any]:
    """The report of ``status`` as of ``now`` (which open items are overdue)."""
    state = status.state
    names = {p.id: p.name for p in state.spec.roster}
    items = [_item(i, state, names, now) for i in state.items]
    items.sort(key=_checklist_order)
    return {
        "engagement_id": status.engagement_id,
        "customer": state.spec.customer,
        "tenant": status.tenant,
        "phase": status.phase.value,
        "services": list(status.services),
        "service_names": [s.name for s in state.plan.services] if state.plan else list(status.services),
        "awaiting": [names.get(a, a) for a in status.awaiting if not a.startswith("party:")],
        "awaiting_parties": [a.partition(":")[2] for a in status.awaiting if a.startswith("party:")],
        "purchased_on": state.spec.purchased_on.isoformat(),
        "started_at": state.started_at.isoformat() if state.started_at else None,
        "generated_at": now.isoformat(),
        "blocked": state.blocked,
        "people": [
            {"id": p.id, "name": p.name, "party": p.party.value, "email": p.email} for p in state.spec.roster
        ],
        "gates": [
            {
                "id": g.id,
                "phase": g.phase.value,
                "title": g.title,
                "parties": [p.value for p in g.parties],
                "state": "passed" if g.passed else "open" if g.open else "not open yet",
                "approved_by": {party: names.get(who, who) for party, who in g.approved_by.items()},
                "rejections": list(g.rejections),
            }
            for g in state.gates.values()
        ],
        "plan": _plan(state.plan, state) if state.plan else None,
        "checklist": {
            "failures": [i for i in items if i["kind"] == "failure"],
            "questions": [i for i in items if i["kind"] == "question"],
            "counts": _checklist_counts(items),
        },
        "audit": _audit(state, names),
        "assessment": _assessment(state),
    }


# ---------------------------------------------------------------------------
# The plan
# ---------------------------------------------------------------------------


def _plan(plan: Plan, state: EngagementState) -> dict[str, Any]:
    return {
        "services": [
            {"key": s.key, "name": s.name, "description": s.description, "bundles": list(s.bundles)}
            for s in plan.services
        ],
        "facts": dict(plan.facts),
        "eligibility": [
            {
                "service": e.service,
                "licenses": e.licenses,
                "min_licenses": e.min_licenses,
                "via": e.via,
                "eligible": e.eligible,
                "threshold_from": e.threshold_from,
            }
            for e in plan.eligibility
        ],
        "warnings": list(plan.warnings),
        "changes": [
            {
                "at": c.at.isoformat(),
                "by": c.by,
                "reason": c.reason,
                "services_added": list(c.services_added),
                "services_removed": list(c.services_removed),
                "facts_changed": list(c.facts_changed),
                "items_added": list(c.items_added),
                "items_closed": list(c.items_closed),
            }
            for c in state.plan_changes
        ],
        "exclusions": [
            {"id": x.id, "service": x.service, "subject": x.subject, "reason": x.reason, "source": x.source}
            for x in plan.exclusions
        ],
        "responsibilities": [
            {"service": r.service, "phase": r.phase, "party": r.party.value, "text": r.text}
            for r in plan.responsibilities
        ],
        "enable_steps": [_step(step.id, state) for step in plan.enable_steps],
        "requirements": len(plan.requirements),
    }


def _step(step_id: str, state: EngagementState) -> dict[str, Any]:
    st = state.steps.get(step_id)
    step = st.step if st else next(s for s in state.plan.enable_steps if s.id == step_id)
    return {
        "id": step.id,
        "service": step.service,
        "title": step.title,
        "kind": step.kind.value,
        "owner": step.owner.value,
        "depends_on": list(step.depends_on),
        "branch": step.branch,
        "status": st.status if st else "pending",
        "by": st.by if st else "",
        "evidence": st.evidence if st else "",
        "at": st.at.isoformat() if st and st.at else None,
    }


# ---------------------------------------------------------------------------
# The remediation checklist
# ---------------------------------------------------------------------------


def item_kind(item: ItemState, findings: Iterable[Finding]) -> str:
    """``question`` for an item whose check could not run, else ``failure``.

    The latest finding decides; an item whose finding passes now (a re-assessment
    closed it) keeps the kind its title says it had.
    """
    outcome = next((f.outcome for f in findings if f.requirement_id == item.item.requirement_id), None)
    if outcome is Outcome.NOT_RUN:
        return "question"
    if outcome is Outcome.FAIL:
        return "failure"
    return "question" if item.item.title.startswith(QUESTION_PREFIXES) else "failure"


def item_status(item: ItemState) -> str:
    """``open``, ``done`` or ``waived`` (by both parties)."""
    return "waived" if item.waived else "done" if item.closed else "open"


def why(title: str, detail: str) -> str:
    """An item's detail where it adds to its title ("" where it only repeats it:
    "Confirm: Is …?" beside "to be confirmed by a person: Is …?")."""
    question = title.partition(": ")[2] or title
    return "" if question and question in detail and len(detail) - len(question) < 40 else detail


def _closed_by(item: ItemState, names: dict[str, str]) -> str:
    if not item.closed:
        return ""
    if item.waived:
        return "waiver: " + ", ".join(names.get(who, who) for who in item.waivers.values())
    return names.get(item.closed_by, item.closed_by)


def _item(item: ItemState, state: EngagementState, names: dict[str, str], now: datetime) -> dict[str, Any]:
    i = item.item
    return {
        "id": i.id,
        "kind": item_kind(item, state.findings),
        "title": i.title,
        "service": i.service,
        "requirement_id": i.requirement_id,
        "owner": i.owner.value,
        "severity": i.severity.value,
        "blocks": list(i.blocks),
        "detail": i.detail,
        "why": why(i.title, i.detail),
        "due": item.due.isoformat() if item.due else None,
        "due_moved_by": names.get(item.due_moved_by, item.due_moved_by),
        "overdue": item.overdue(now),
        "status": item_status(item),
        "closed_by": _closed_by(item, names),
        "closed_at": item.closed_at.isoformat() if item.closed_at else None,
        "evidence": item.evidence,
        "reopened": item.reopened,
        # One side has waived it and the other has not yet: worth a line in a hand-over.
        "waived_by": {party: names.get(who, who) for party, who in item.waivers.items()}
        if not item.closed
        else {},
    }


def _checklist_order(item: dict[str, Any]) -> tuple:
    """Open work first, the overdue before it all; then by severity, due date and id."""
    return (
        item["status"] != "open",
        not item["overdue"],
        SEVERITY_ORDER.get(item["severity"], 9),
        item["due"] or "~",  # no due date sorts last: ISO stamps sort as dates
        item["id"],
    )


def _checklist_counts(items: list[dict[str, Any]]) -> dict[str, int]:
    open_ = [i for i in items if i["status"] == "open"]
    return {
        "total": len(items),
        "open": len(open_),
        "done": sum(1 for i in items if i["status"] == "done"),
        "waived": sum(1 for i in items if i["status"] == "waived"),
        "overdue": sum(1 for i in items if i["overdue"]),
        "open_blockers": sum(1 for i in open_ if i["severity"] == Severity.BLOCKER.value),
        "failures": sum(1 for i in items if i["kind"] == "failure"),
        "questions": sum(1 for i in items if i["kind"] == "question"),
    }


# ---------------------------------------------------------------------------
# The audit trail and the assessment
# ---------------------------------------------------------------------------


def _record(record: AuditRecord, names: dict[str, str], evidence: bool) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at.isoformat(),
        "person": record.person,
        "name": names.get(record.person, record.person),
        "party": record.party.value,
        "action": record.action,
        "subject": record.subject,
        "comment": record.comment,
        "key": record.key,
        "signed": record.signature is not None,
        # Kept as evidence for a decision still in force: its text is in the journal only.
        "evidence": evidence,
    }


def _audit(state: EngagementState, names: dict[str, str]) -> dict[str, Any]:
    records = [_record(r, names, True) for r in state.evidence] + [
        _record(r, names, False) for r in state.audit
    ]
    # Unchained records (seq 0, before signing) keep their order after the chained ones.
    records.sort(key=lambda r: (r["seq"] == 0, r["seq"]))
    if state.archived:
        note = (
            f"Records 1–{state.archived} are archived in the audit journal; this report lists "
            f"the {plural(len(state.evidence), 'record')} of them kept as evidence for decisions "
            "still in force (their comments are in the journal only). "
            "The whole chain: onboard audit verify JOURNAL."
        )
    elif state.audit_head or state.signed:
        note = "Every record of the engagement's signed, hash-chained audit trail."
    else:
        note = "An engagement from before signing: the records are not chained."
    return {
        "records": records,
        "archived": state.archived,
        "head": state.audit_head,
        "journaled": state.journaled,
        "note": note,
    }


def _assessment(state: EngagementState) -> dict[str, Any]:
    requirements = {r.id: r for r in state.plan.requirements} if state.plan else {}
    by_outcome: dict[str, list[dict[str, Any]]] = {o: [] for o in OUTCOMES}
    for f in state.findings:
        requirement = requirements.get(f.requirement_id)
        by_outcome.setdefault(f.outcome.value, []).append(
            {
                "requirement_id": f.requirement_id,
                "title": requirement.title if requirement else f.requirement_id,
                "service": f.service,
                "severity": requirement.severity.value if requirement else "",
                "summary": f.summary,
                "details": list(f.details),
                "total": f.total,
                "location": f.location,
            }
        )
    return {
        "round": state.assessment_round,
        "bundle": state.bundle,
        "counts": {o: len(v) for o, v in by_outcome.items()},
        "findings": by_outcome,
    }
