"""The engagement's rules without a server: gates and who is awaited."""

from datetime import UTC, datetime

from onboard.core.engagement import rules
from onboard.core.models import (
    AuditRecord,
    EngagementState,
    GateDecision,
    ItemState,
    Party,
    Phase,
    RemediationItem,
)
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def remediating_state() -> EngagementState:
    spec = preview_spec(["core"])
    state = EngagementState(spec=spec, gates=rules.gate_states(), phase=Phase.REMEDIATE)
    state.plan = build_plan(load_plugin_manager(), spec)
    state.contact = AuditRecord(NOW, "provider", Party.PROVIDER, "contact", "customer")
    return state


def test_a_gate_that_closes_again_forgets_its_approvals():
    state = remediating_state()
    rules.refresh_gates(state)
    joint = state.gates["joint-verification"]
    assert joint.open
    person = rules.validate_decision(state, GateDecision("joint-verification", "provider", True))
    rules.apply_decision(state, GateDecision("joint-verification", "provider", True), person, NOW)
    assert joint.approved_by == {"provider": "provider"} and not joint.passed

    # A re-assessment finds something new: the gate closes, and the earlier
    # provider approval must not count once the new item is fixed.
    item = RemediationItem("fix.core.x", "core.forest-functional-level", "core", "Raise the level")
    state.items.append(ItemState(item))
    rules.refresh_gates(state)
    assert not joint.open and joint.approved_by == {}
    state.items[0].closed = True
    rules.refresh_gates(state)
    assert joint.open
    person = rules.validate_decision(state, GateDecision("joint-verification", "customer", True))
    rules.apply_decision(state, GateDecision("joint-verification", "customer", True), person, NOW)
    assert not joint.passed, "the provider has to approve again"


def test_awaiting_names_people_and_parties():
    state = remediating_state()
    rules.refresh_gates(state)
    assert rules.awaiting(state) == ("customer", "provider", "party:customer", "party:provider")
    state.blocked = "assessing the bundle failed: boom"
    assert rules.awaiting(state) == ("provider", "party:provider")
