"""An engagement status built from real parts, without a server: the example
engagement file's plan, the example bundle's assessment, the workflow's own rules.

What the engagement would hold in Remediate after a few actions: an item done, one
waived by both sides, one overdue, a due date moved, a gate passed.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from onboard.core.assessment import assess_bundle
from onboard.core.engagement import rules
from onboard.core.models import (
    AuditRecord,
    EngagementState,
    EngagementStatus,
    ItemState,
    Party,
    Phase,
    Severity,
)
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.remediation import plan_remediation
from onboard.core.specfile import load_spec

ROOT = Path(__file__).parents[2]
CONTOSO_FILE = ROOT / "examples" / "contoso.toml"
CONTOSO_BUNDLE = ROOT / "examples" / "bundles" / "contoso"
#: The report's clock: every due date below is relative to it.
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def contoso_status(customer: str = "Contoso Ltd") -> EngagementStatus:
    manager = load_plugin_manager()
    spec = attrs.evolve(load_spec(CONTOSO_FILE), customer=customer)
    plan = build_plan(manager, spec)
    with assess_bundle(CONTOSO_BUNDLE, plan.requirements, manager=manager) as result:
        findings = list(result.findings)
    items = plan_remediation(manager, plan.services, plan.requirements, findings, plan.facts)
    state = EngagementState(
        spec=spec,
        phase=Phase.REMEDIATE,
        plan=plan,
        gates=rules.gate_states(),
        steps=rules.step_states(plan),
        bundle=str(CONTOSO_BUNDLE),
        signed=True,
        started_at=NOW - timedelta(days=20),
    )
    rules.merge_assessment(state, findings, items, NOW - timedelta(days=19))
    for n, item in enumerate(state.items):
        item.due = NOW + timedelta(days=n - 2)  # the first two are overdue
    state.gates["kickoff"].passed = True
    state.gates["kickoff"].approved_by = {"provider": "pat"}
    state.gates["remediation-plan"].passed = True
    state.gates["remediation-plan"].approved_by = {"customer": "casey"}
    _close(state, kind_of="failure", by="casey", evidence="CHG-1234: objects fixed")
    _waive(state)
    moved = [i for i in state.items if not i.closed][-1]
    moved.due, moved.due_moved_by = NOW + timedelta(days=30), "pat"
    at = NOW - timedelta(days=18)
    state.audit = [
        _record(1, at, "pat", Party.PROVIDER, "contact", "engagement", "phoned Casey"),
        _record(2, at, "pat", Party.PROVIDER, "approve", "kickoff", "kick-off held <b>on site</b>"),
        _record(3, at, "casey", Party.CUSTOMER, "approve", "remediation-plan", "plan agreed"),
    ]
    return rules.status(state)


def _close(state: EngagementState, *, kind_of: str, by: str, evidence: str) -> ItemState:
    failing = {f.requirement_id for f in state.findings if f.outcome.value == "fail"}
    item = next(i for i in state.items if (i.item.requirement_id in failing) == (kind_of == "failure"))
    item.closed, item.closed_by, item.evidence, item.closed_at = True, by, evidence, NOW - timedelta(days=3)
    return item


def _waive(state: EngagementState) -> ItemState:
    item = next(i for i in state.items if not i.closed and i.item.severity is not Severity.BLOCKER)
    item.waivers = {"provider": "pat", "customer": "casey"}
    item.closed, item.closed_by, item.waived = True, "waiver", True
    item.closed_at, item.evidence = NOW - timedelta(days=2), "waived: not needed for the pilot"
    return item


def _record(seq: int, at: datetime, person: str, party: Party, action: str, subject: str, comment: str):
    return AuditRecord(at, person, party, action, subject, comment, seq=seq, engagement="contoso-ems")
