"""From findings to a remediation plan: the plugins' items, defaults for the rest.

Run in an activity (and by ``onboard assess``); the workflow only records the result.
"""

from collections.abc import Mapping, Sequence

from onboard.core.errors import PlanError
from onboard.core.models import (
    FactValue,
    Finding,
    Outcome,
    RemediationItem,
    Requirement,
    ServiceInfo,
)
from onboard.core.plugins import ServicePluginManager

CORE = "core"


def remediation_id(requirement_id: str) -> str:
    """The default item id for a requirement: stable, so re-assessment can close it."""
    return f"fix.{requirement_id}"


def blocked_services(requirement: Requirement, services: Sequence[ServiceInfo]) -> tuple[str, ...]:
    """A core requirement blocks every service; a service's blocks that service."""
    if requirement.service == CORE:
        return tuple(s.key for s in services)
    return (requirement.service,)


def default_item(
    requirement: Requirement, finding: Finding, services: Sequence[ServiceInfo]
) -> RemediationItem:
    title = requirement.remediation or f"Make this pass: {requirement.title}"
    if finding.outcome is Outcome.NOT_RUN:
        title = f"Provide the input for: {requirement.title}"
    return RemediationItem(
        id=remediation_id(requirement.id),
        requirement_id=requirement.id,
        service=requirement.service,
        title=title,
        owner=requirement.owner,
        severity=requirement.severity,
        blocks=blocked_services(requirement, services),
        detail=finding.summary,
    )


def plan_remediation(
    manager: ServicePluginManager,
    services: Sequence[ServiceInfo],
    requirements: Sequence[Requirement],
    findings: Sequence[Finding],
    facts: Mapping[str, FactValue],
) -> list[RemediationItem]:
    """Items for every finding that did not pass, in requirement order.

    Plugins' :func:`~onboard.core.hookspecs.remediation_items` go first; a finding
    they leave uncovered gets :func:`default_item`.  An item pointing at a
    requirement the plugin was not given is a plugin error.
    """
    by_id = {r.id: r for r in requirements}
    open_findings = [f for f in findings if f.outcome is not Outcome.PASS and f.requirement_id in by_id]
    open_requirements = [by_id[f.requirement_id] for f in open_findings]
    items: list[RemediationItem] = []
    # Each plugin sees only the findings of its own services' requirements.
    for owner in sorted({manager.owner(r.service) for r in open_requirements}):
        owned = {r.service for r in open_requirements if manager.owner(r.service) == owner}
        owned_findings = [f for f in open_findings if by_id[f.requirement_id].service in owned]
        owned_items, errors = manager.collect(
            "remediation_items",
            RemediationItem,
            owned,
            findings=owned_findings,
            requirements=[by_id[f.requirement_id] for f in owned_findings],
            facts=facts,
        )
        if errors:
            raise PlanError(str(errors[0])) from errors[0]  # the cause names the plugin (metrics)
        items.extend(owned_items)
    open_ids = {r.id for r in open_requirements}
    for item in items:
        if item.requirement_id not in open_ids:
            raise PlanError(
                f"remediation item {item.id!r} ({item.service}) points at requirement "
                f"{item.requirement_id!r}, which has no open finding"
            )
    covered = {i.requirement_id for i in items}
    items += [
        default_item(by_id[f.requirement_id], f, services)
        for f in open_findings
        if f.requirement_id not in covered
    ]
    order = {r.id: n for n, r in enumerate(requirements)}
    items.sort(key=lambda i: order[i.requirement_id])
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise PlanError(f"remediation item id {item.id!r} is returned twice")
        seen.add(item.id)
    return items
