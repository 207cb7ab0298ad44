"""Helpers the built-in plugins share; third-party plugins may use them too.

* :func:`manual` — a requirement a person confirms (check ``manual``).
* :func:`responsibility_list` — a seed's responsibility lists as
  :class:`~onboard.core.models.Responsibility` items with stable ids.
* :func:`verify_against_bundle` — how an automated Enable step verifies its work
  when there is no live tenant: it re-runs an assessment check on the engagement's
  assessment bundle (e.g. "the enrollment CNAMEs are now in the DNS zones").
* :func:`remediation_items_for` — remediation items that tell the customer *how* to
  provide a missing input (the exact export command) or what to fix, with ids equal
  to the planner's defaults (``fix.<requirement id>``) so they stay stable whether a
  plugin or the planner produced them.
"""

from collections.abc import Mapping, Sequence
from pathlib import Path

from onboard.core.models import (
    Category,
    EnableStep,
    EngagementSpec,
    FactValue,
    Finding,
    Outcome,
    Party,
    RemediationItem,
    Requirement,
    Responsibility,
    Severity,
    StepKind,
    StepResult,
)

#: How to produce each check's input in the assessment bundle (the check catalogue's
#: third column), shown when a check could not run because its input is missing.
HOW_TO_COLLECT: dict[str, str] = {
    "ad.forest_functional_level": "run `Get-ADForest | ConvertTo-Json > forest.json` in the bundle folder",
    "ad.domain_functional_level": "run `Get-ADDomain | ConvertTo-Json > domains.json` for every domain",
    "ad.forest_count": "run `Get-ADForest | ConvertTo-Json > forest.json` (an array for several forests)",
    "ad.upn_suffixes_routable": "run `Get-ADForest | ConvertTo-Json > forest.json` and "
    "`Get-ADDomain | ConvertTo-Json > domains.json`",
    "directory.idfix": "export users and groups with "
    '`ldifde -f directory.ldf -r "(|(objectCategory=Person)(objectCategory=Group))"`',
    "dns.zones_present": "export the DNS zone of every UPN and e-mail domain into dns/<domain>.zone",
    "dns.records": "export the DNS zone of every UPN and e-mail domain into dns/<domain>.zone",
    "devices.platforms": "list the devices in devices.csv (platform, os_version, count)",
    "environment.browsers": "list the browsers in use under [[browsers]] in environment.toml",
    "environment.exchange_onprem": "describe on-premises Exchange under [exchange] in environment.toml",
    "environment.sharepoint_onprem": "describe on-premises SharePoint under [sharepoint] in environment.toml",
    "environment.rms_connector_servers": "describe the connector servers under "
    "[[rms_connector_servers]] in environment.toml",
    "environment.proxy": "describe the proxy under [proxy] in environment.toml",
    "environment.adfs": "describe AD FS under [adfs] in environment.toml",
    "environment.value": "add the field to environment.toml",
    "facts.forest_count": "run `Get-ADForest | ConvertTo-Json > forest.json` in every forest and put the "
    "results in one array",
    "facts.on_premises": "describe on-premises Exchange, SharePoint and AD FS under [exchange], [sharepoint] "
    "and [adfs] in environment.toml, with present = false for a product not used on premises",
}


def manual(
    id: str,
    service: str,
    title: str,
    question: str,
    category: Category,
    source: str,
    *,
    severity: Severity = Severity.BLOCKER,
    owner: Party = Party.CUSTOMER,
    remediation: str = "",
) -> Requirement:
    """A requirement a person confirms (no input in the bundle can show it)."""
    return Requirement(
        id, service, title, category, "manual", {"question": question}, severity, owner, remediation, source
    )


def responsibility_list(
    service: str, party: Party, lists: dict[str, list[tuple[str, str]]]
) -> list[Responsibility]:
    """Responsibilities with ids ``<service>.resp.<party>.<phase>.<slug>``, in list order."""
    return [
        Responsibility(f"{service}.resp.{party.value}.{phase}.{slug}", service, phase, party, text)
        for phase, entries in lists.items()
        for slug, text in entries
    ]


def verify_against_bundle(spec: EngagementSpec, requirement: Requirement) -> StepResult:
    """Verify an automated step by running ``requirement``'s check on the spec's bundle.

    Without a bundle the step cannot be verified and a person is asked instead
    (``ok=False``); a check that fails or cannot run says why in the summary.
    """
    if not spec.bundle:
        return StepResult(
            False,
            f"no assessment bundle to verify against ({requirement.title}); submit one with "
            "`onboard reassess` or confirm the step by hand",
        )
    # Imported here: planning and `onboard plan` never need the assessment engine.
    from onboard.core.assessment import run_check

    finding = run_check(Path(spec.bundle), requirement)
    evidence = "; ".join(part for part in (finding.location, *finding.details[:3]) if part)
    if finding.outcome is Outcome.PASS:
        return StepResult(True, f"verified: {finding.summary}", evidence)
    if finding.outcome is Outcome.NOT_RUN:
        return StepResult(False, f"could not verify: {finding.summary}", evidence)
    return StepResult(False, f"not done yet: {finding.summary}", evidence)


def remediation_items_for(
    findings: Sequence[Finding],
    requirements: Sequence[Requirement],
    facts: Mapping[str, FactValue] | None = None,
) -> list[RemediationItem]:
    """One item per open finding: what to fix, or how to provide the missing input.

    ``findings`` and ``requirements`` are what the ``remediation_items`` hook receives
    (open findings of the plugin's own requirements).  The item blocks the
    requirement's own service (a ``core`` item blocks core, which every service
    waits for).
    """
    by_id = {r.id: r for r in requirements}
    items = []
    for finding in findings:
        requirement = by_id.get(finding.requirement_id)
        if requirement is None:
            continue
        title, detail = _what_to_do(requirement, finding)
        items.append(
            RemediationItem(
                id=f"fix.{requirement.id}",
                requirement_id=requirement.id,
                service=requirement.service,
                title=title,
                owner=requirement.owner,
                severity=requirement.severity,
                blocks=(requirement.service,),
                detail=detail,
            )
        )
    return items


def _what_to_do(requirement: Requirement, finding: Finding) -> tuple[str, str]:
    if requirement.check == "manual":
        question = requirement.params.get("question", requirement.title)
        return f"Confirm: {question}", requirement.remediation or finding.summary
    if finding.outcome is Outcome.NOT_RUN:
        how = HOW_TO_COLLECT.get(requirement.check, "add the check's input to the bundle")
        return f"Provide the input for: {requirement.title}", f"{finding.summary}; to collect it, {how}"
    problems = "; ".join(finding.details[:5])
    more = f" (and {finding.total - 5} more)" if finding.total > 5 else ""
    detail = finding.summary + (f": {problems}{more}" if problems else "")
    return requirement.remediation or f"Make this pass: {requirement.title}", detail


class StepMaker:
    """Builds a service's enable steps from short slugs, so step lists read like the seeds.

    ``step = StepMaker("intune", "[F-PH] Enable phase - Microsoft Intune")`` then
    ``step("add-users", "Add users", ["configure-identities"])`` is the step
    ``intune.add-users`` depending on ``intune.configure-identities``; a dependency
    that starts with ``core.`` names a core step by its full id.
    """

    def __init__(self, service: str, source: str) -> None:
        self.service = service
        self.source = source

    def __call__(
        self,
        slug: str,
        title: str,
        depends_on: Sequence[str] = (),
        *,
        owner: Party = Party.CUSTOMER,
        kind: StepKind = StepKind.MANUAL,
        branch: str = "",
        source: str = "",
    ) -> EnableStep:
        deps = tuple(d if d.startswith("core.") else f"{self.service}.{d}" for d in depends_on)
        return EnableStep(
            f"{self.service}.{slug}", self.service, title, kind, owner, deps, branch, source or self.source
        )
