"""What an engagement shows outside itself: its memo, and the Web UI's summary and details.

The memo (under :data:`MEMO_KEY`) is what ``onboard list`` prints without asking the
engagement: visibility returns it with every row, so listing ten thousand
engagements costs one query, not ten thousand.  Every run keeps it current (the
memo carries over to the next run), and a run that ends says nobody is awaited.
"""

from datetime import datetime
from typing import Any

from onboard.core.engagement import rules
from onboard.core.models import EngagementState, Phase, Severity

# Named in the workflow's interface, which readers of the memo import without the
# rules and the plan's models that this module needs to write it.
from onboard.core.workflow_api import MEMO_KEY as MEMO_KEY
from onboard.core.workflow_api import MEMO_VERSION


def memo(state: EngagementState, now: datetime, ended: bool = False) -> dict[str, Any]:
    """The engagement at a glance, as plain JSON values.

    ``ended``: the run is ending (continue-as-new or completion): nobody is awaited
    by *this* run, so a list of runs never shows a stale one as waiting.
    """
    s = state
    items = rules.open_items(s)
    dues = [i.due for i in items if i.due is not None]
    return {
        "version": MEMO_VERSION,
        "customer": s.spec.customer,
        "tenant": s.spec.tenant,
        "phase": s.phase.value,
        "awaiting": [] if ended else list(rules.awaiting(s)),
        "open_items": len(items),
        "open_blockers": sum(1 for i in items if i.item.severity is Severity.BLOCKER),
        "overdue_items": sum(1 for i in items if i.overdue(now)),
        "next_due": min(dues).isoformat() if dues else None,
        "escalations": s.escalation_notices or s.escalations,
        "blocked": s.blocked,
        "paused_at": s.paused_at.isoformat() if s.paused_at else None,
        "undelivered": len(s.undelivered),
        "started_at": s.started_at.isoformat() if s.started_at else None,
        "purchased_on": s.spec.purchased_on.isoformat(),
        "updated_at": now.isoformat(),
    }


def summary(state: EngagementState) -> str:
    """One line for the Web UI's list: customer, phase, who is awaited."""
    s = state
    if s.phase is Phase.COMPLETED:
        return f"{s.spec.customer}: completed"
    if s.phase is Phase.CANCELLED:
        return f"{s.spec.customer}: cancelled by {s.cancelled_by}: {s.cancelled_reason}"[:200]
    if s.paused_at is not None:
        return f"{s.spec.customer}: paused by {s.paused_by}: {s.paused_reason}"[:200]
    waiting = ", ".join(rules.awaiting(s)) or "nobody"
    blocked = " (blocked)" if s.blocked else ""
    return f"{s.spec.customer}: {s.phase.value}{blocked}, awaiting {waiting}"[:200]


def details(state: EngagementState, now: datetime) -> str:
    """Markdown for the Web UI's details: the same facts as the memo, for people."""
    m = memo(state, now)
    lines = [
        summary(state),
        f"**{state.spec.customer}** ({state.spec.tenant}): phase **{m['phase']}**",
        f"- awaiting: {', '.join(m['awaiting']) or 'nobody'}",
        f"- open items: {m['open_items']} ({m['open_blockers']} blockers, {m['overdue_items']} overdue)",
    ]
    if m["next_due"]:
        lines.append(f"- next due: {m['next_due'][:10]}")
    if m["escalations"]:
        lines.append(f"- escalations: {m['escalations']}")
    if state.blocked:
        lines.append(f"- **blocked**: {state.blocked}")
    lines.append(f"- `onboard show {state.spec.engagement_id}`")
    return "\n".join(lines)
