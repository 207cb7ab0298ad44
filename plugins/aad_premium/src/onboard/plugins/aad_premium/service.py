"""The Azure AD Premium service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ServiceInfo

SERVICE = "aad_premium"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Azure AD Premium, eligible from 150 licences (or through EMS) [F-ELIG]."""
    return [
        ServiceInfo(
            key=SERVICE,
            name="Azure Active Directory Premium",
            description=(
                "Directory synchronization (Azure AD Connect, AD FS as needed), self-service password "
                "reset, multi-factor authentication, one marketplace SaaS application, self-service "
                "groups and administrative reports. Eligible with 150 or more licences of Azure AD "
                "Premium or of a suite that includes it; onboarded once."
            ),
            min_licenses=150,
            source="[F-ELIG]; [F-PH] Enable phase - Azure Active Directory Premium; [F-AAD]",
        )
    ]
