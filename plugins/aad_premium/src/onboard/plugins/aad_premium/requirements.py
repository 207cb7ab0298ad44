"""What the source environment must satisfy before Azure AD Premium is enabled.

The seed's expectation for service onboarding: on-premises AD and the environment are
prepared for the service, identified issues remediated [F-ENV][F-AAD].  The
Assess phase also decides between password hash sync and AD FS [F-AAD].  The
directory checks themselves (functional level, IdFix, UPN suffixes) are core's.
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.facts import on_premises
from onboard.core.capabilities.helpers import manual
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, FactValue, Party, Requirement, Severity

from .service import SERVICE


@hookimpl
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[Requirement]:
    """Azure AD Premium's requirements for ``facts``."""
    reqs = [
        manual(
            "aad_premium.saas-application",
            SERVICE,
            "The first SaaS application is chosen",
            "Which one SaaS application from the Azure AD Marketplace is set up for single "
            "sign-on, and who owns it on the customer side?",
            Category.SERVICE,
            "[F-PH] Azure AD Premium: one SaaS application from the marketplace",
            severity=Severity.WARNING,
        ),
    ]
    if on_premises(facts):
        reqs += [
            manual(
                "aad_premium.ad-prepared",
                SERVICE,
                "On-premises AD and the environment are prepared for Azure AD Premium",
                "Have the issues that would prevent integration with Azure AD and the Azure AD "
                "Premium features been remediated in on-premises AD and the environment?",
                Category.ACTIVE_DIRECTORY,
                "[F-ENV] service onboarding expectation; [F-AAD]",
            ),
            manual(
                "aad_premium.sign-in-method",
                SERVICE,
                "Password hash synchronization or AD FS is decided",
                f"Has the assessment confirmed the sign-in method: password hash synchronization "
                f"or federation with AD FS (the plan assumes identity={facts['identity']})?",
                Category.IDENTITY,
                "[F-AAD] Assess: password hash sync versus AD FS",
                severity=Severity.WARNING,
                owner=Party.PROVIDER,
            ),
        ]
    return reqs
