"""Azure AD Premium's additions to the shared responsibility lists (core has the rest).

From the service's own process document [F-AAD]: the Assess phase weighs password
hash sync against AD FS, the customer runs any on-premises MFA server, and
onboarding begins within 90 days of purchase.
"""

from collections.abc import Sequence

from onboard.core.capabilities.helpers import responsibility_list
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Party, Responsibility

from .service import SERVICE

PROVIDER = {
    "initiate": [
        ("begin-90-days", "Begin Azure AD Premium onboarding within 90 days of the purchase."),
    ],
    "assess": [
        ("sign-in-method", "Provide guidance on choosing password hash synchronization or AD FS."),
    ],
}

CUSTOMER = {
    "enable": [
        ("mfa-server", "Deploy and configure any on-premises Azure Multi-Factor Authentication Server."),
    ],
}


@hookimpl
def responsibilities(services: Sequence[str]) -> list[Responsibility]:
    """The Azure AD Premium-specific provider and customer responsibilities."""
    return responsibility_list(SERVICE, Party.PROVIDER, PROVIDER) + responsibility_list(
        SERVICE, Party.CUSTOMER, CUSTOMER
    )
