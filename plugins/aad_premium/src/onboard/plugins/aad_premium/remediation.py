"""Azure AD Premium remediation items: what to confirm or fix for each open finding."""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.helpers import remediation_items_for
from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, Finding, RemediationItem, Requirement


@hookimpl
def remediation_items(
    findings: Sequence[Finding],
    requirements: Sequence[Requirement],
    facts: Mapping[str, FactValue],
) -> list[RemediationItem]:
    """One item per open finding of an Azure AD Premium requirement."""
    return remediation_items_for(findings, requirements, facts)
