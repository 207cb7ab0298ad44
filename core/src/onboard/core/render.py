"""A plan, readable by a person: rich renderables grouped by phase and service.

``onboard plan`` prints :func:`render_plan`; the pieces (:func:`steps_table`,
:func:`requirements_table`, :func:`responsibilities_table`, :func:`exclusions_table`,
:func:`gates_table`) take plain model sequences so other commands (``onboard
show``) can reuse them.  Nothing here reads a file or calls a plugin.
"""

from collections.abc import Callable, Collection, Sequence
from datetime import timedelta

from onboard.core.models import (
    EnableStep,
    GateDefinition,
    Phase,
    Plan,
    Policy,
    Requirement,
    Responsibility,
    ScopeExclusion,
    ServiceInfo,
)
from rich.console import Group, RenderableType
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

#: Phases in process order, with what happens in each (design.md, "The engagement").
PHASE_TITLES = {
    Phase.INITIATE: "Initiate — eligibility, contact, kick-off, services in scope",
    Phase.ASSESS: "Assess — requirements checked against the assessment bundle",
    Phase.REMEDIATE: "Remediate — remediation items closed, checkpoints held",
    Phase.ENABLE: "Enable — core capabilities first, then each service",
}


def _table(title: str | None, *columns: str) -> Table:
    """A table whose first column (an id) never wraps, so ids can be copied whole."""
    table = Table(title=title, title_justify="left", header_style="bold", show_lines=False)
    for number, column in enumerate(columns):
        table.add_column(column, overflow="fold", no_wrap=number == 0)
    return table


def _service_label(info: ServiceInfo) -> str:
    return f"{info.key} ({info.name})" if info.name else info.key


def steps_table(steps: Sequence[EnableStep], title: str | None = None) -> Table:
    """Enable steps in plan order: who does each, what it waits for, why it is there."""
    table = _table(title, "step", "title", "kind", "owner", "depends on", "branch")
    for step in steps:
        table.add_row(
            step.id,
            step.title,
            step.kind.value,
            step.owner.value,
            ", ".join(step.depends_on) or "—",
            step.branch or "—",
        )
    return table


def requirements_table(requirements: Sequence[Requirement], title: str | None = None) -> Table:
    """Requirements with their check, severity and who fixes them when they fail."""
    table = _table(title, "requirement", "title", "check", "severity", "owner")
    for requirement in requirements:
        table.add_row(
            requirement.id,
            requirement.title,
            requirement.check,
            requirement.severity.value,
            requirement.owner.value,
        )
    return table


def responsibilities_table(responsibilities: Sequence[Responsibility], title: str | None = None) -> Table:
    """Responsibilities, provider first, each with its service and id."""
    table = _table(title, "side", "service", "responsibility", "id")
    ordered = sorted(responsibilities, key=lambda r: r.party.value != "provider")  # stable: plan order kept
    for responsibility in ordered:
        table.add_row(
            responsibility.party.value,
            responsibility.service,
            responsibility.text,
            Text(responsibility.id, style="dim"),
        )
    return table


def exclusions_table(exclusions: Sequence[ScopeExclusion], title: str | None = "out of scope") -> Table:
    """What the engagement does not cover, and why."""
    table = _table(title, "service", "not covered", "why", "rule")
    for exclusion in exclusions:
        table.add_row(exclusion.service, exclusion.subject, exclusion.reason, Text(exclusion.id, style="dim"))
    return table


def gates_table(gates: Sequence[GateDefinition], title: str | None = None) -> Table:
    """The sign-offs between phases and whose approval each needs."""
    table = _table(title, "gate", "closes phase", "title", "needs approval from")
    for gate in gates:
        table.add_row(gate.id, gate.phase.value, gate.title, " and ".join(p.value for p in gate.parties))
    return table


def plan_header(
    plan: Plan, *, title: str = "Plan", fact_keys: Collection[str] | None = None
) -> RenderableType:
    """Services, eligibility and the facts the plan was built from (``fact_keys`` only, if given)."""
    lines = [Text(title, style="bold")]
    lines.append(Text(f"services: {', '.join(_service_label(s) for s in plan.services)}"))
    for e in plan.eligibility:
        mark = "eligible" if e.eligible else "NOT eligible"
        whose = f", {e.threshold_from}" if e.threshold_from else ""
        lines.append(
            Text(
                f"  {e.service}: {mark} with {e.licenses} licences of {e.via!r} (needs {e.min_licenses}{whose})"
            )
        )
    facts = ", ".join(f"{k}={_show(v)}" for k, v in plan.facts.items() if fact_keys is None or k in fact_keys)
    lines.append(Text(f"facts: {facts or 'none'}"))
    if plan.plugin_versions:
        versions = ", ".join(f"{k} {v}" for k, v in sorted(plan.plugin_versions.items()) if v)
        lines.append(Text(f"plugins: {versions}", style="dim"))
    # Last in the header, so they sit just above the tables a person goes on to read.
    lines += [Text(f"warning: {warning}", style="yellow") for warning in plan.warnings]
    return Group(*lines)


def timeline_table(policy: Policy) -> Table:
    """The engagement's clock: contact, checkpoint calls, and when each item falls due."""
    table = _table("timeline", "what", "when")
    table.add_row(
        "first contact",
        f"within {_span(policy.contact_within)} of purchase; escalated every {_span(policy.escalate_every)}",
    )
    table.add_row("checkpoint calls", f"every {_span(policy.checkpoint_every)} during Remediate")
    table.add_row(
        "provider's items", f"due {_span(policy.provider_due_within)} after the assessment opens them"
    )
    table.add_row("customer's blockers", f"due {_span(policy.blocker_due_within)} after")
    table.add_row("customer's warnings", f"due {_span(policy.warning_due_within)} after")
    table.add_row("customer's notes", f"due {_span(policy.info_due_within)} after")
    table.add_row(
        "reminders", f"{_span(policy.due_reminder_before)} before an item is due, and once when overdue"
    )
    return table


def _span(delta: timedelta) -> str:
    days = delta.total_seconds() / 86400
    if days >= 1 and days == int(days):
        return f"{int(days)} day{'s' if days != 1 else ''}"
    return f"{delta.total_seconds():g} seconds"


def render_plan(
    plan: Plan, *, title: str = "Plan", fact_keys: Collection[str] | None = None, policy: Policy | None = None
) -> RenderableType:
    """The whole plan: header, exclusions, then each phase's work, responsibilities and gate.

    ``fact_keys`` limits the facts shown to those that matter (e.g. the in-scope
    services' own); the plan itself carries every declared fact.  With ``policy``,
    the timeline (contact, checkpoint calls, due dates) opens Remediate.
    """
    parts: list[RenderableType] = [plan_header(plan, title=title, fact_keys=fact_keys)]
    if plan.exclusions:
        parts.append(exclusions_table(plan.exclusions))
    by_phase = {phase: [r for r in plan.responsibilities if r.phase == phase.value] for phase in PHASE_TITLES}
    for phase, heading in PHASE_TITLES.items():
        parts.append(Rule(heading, align="left"))
        if phase is Phase.ASSESS:
            parts += _per_service(
                plan,
                "requirements",
                lambda key: [r for r in plan.requirements if r.service == key],
                requirements_table,
            )
        if phase is Phase.REMEDIATE and policy is not None:
            parts.append(timeline_table(policy))
        if phase is Phase.ENABLE:
            parts += _enable(plan)
        if by_phase[phase]:
            parts.append(responsibilities_table(by_phase[phase], "responsibilities"))
        gates = [g for g in plan.gates if g.phase is phase]
        if gates:
            parts.append(gates_table(gates, "gate"))
    general = [r for r in plan.responsibilities if r.phase == "general"]
    if general:
        parts.append(Rule("Throughout the engagement", align="left"))
        parts.append(responsibilities_table(general, "general responsibilities"))
    return Group(*parts)


def _per_service(
    plan: Plan,
    what: str,
    items_of: Callable[[str], Sequence[Requirement]],
    make_table: Callable[[Sequence[Requirement], str], Table],
) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for info in plan.services:
        items = items_of(info.key)
        if items:
            parts.append(make_table(items, f"{_service_label(info)}: {what}"))
    return parts


def _enable(plan: Plan) -> list[RenderableType]:
    parts: list[RenderableType] = []
    for info in plan.services:
        steps = plan.steps_for(info.key)
        if not steps:
            continue
        after = [a for a in info.after if a in plan.service_keys() and a != info.key]
        when = f" — after {', '.join(after)}" if after else " — first"
        parts.append(steps_table(steps, f"{_service_label(info)}{when}"))
    return parts


def _show(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
