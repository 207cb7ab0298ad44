"""The core remediation items: what to fix, or how to collect the missing input."""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, Finding, RemediationItem, Requirement

from .helpers import remediation_items_for


@hookimpl
def remediation_items(
    findings: Sequence[Finding],
    requirements: Sequence[Requirement],
    facts: Mapping[str, FactValue],
) -> list[RemediationItem]:
    """One item per open core finding, with the export command when an input is missing."""
    return remediation_items_for(findings, requirements, facts)
