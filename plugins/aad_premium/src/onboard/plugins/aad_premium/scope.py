"""What Azure AD Premium onboarding does not cover."""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, ScopeExclusion

from .service import SERVICE


@hookimpl
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[ScopeExclusion]:
    """One SaaS application is set up; the rest are the customer's."""
    return [
        ScopeExclusion(
            "aad_premium.scope.more-saas-applications",
            SERVICE,
            "SaaS applications beyond the first one",
            "the benefit sets up one SaaS application from the Azure AD Marketplace; connecting "
            "further applications is the customer's",
            "[F-PH] Azure AD Premium: set up one SaaS application",
        )
    ]
