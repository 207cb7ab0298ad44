"""The Azure AD Premium service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ELIGIBILITY_SOURCE, FASTTRACK_MIN_LICENSES, ServiceInfo

SERVICE = "aad_premium"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Azure AD Premium, eligible from the programme's 150 licences (or through EMS).

    The threshold is a configurable default (``[policy] min_licenses``): the seeds give
    no number, the programme's page does (``ELIGIBILITY_SOURCE``).
    """
    return [
        ServiceInfo(
            key=SERVICE,
            name="Azure Active Directory Premium",
            description=(
                "Directory synchronization (Azure AD Connect, AD FS as needed), self-service password "
                "reset, multi-factor authentication, one marketplace SaaS application, self-service "
                "groups and administrative reports. Eligible (by default) with 150 or more licences of Azure AD "
                "Premium or of a suite that includes it; onboarded once."
            ),
            min_licenses=FASTTRACK_MIN_LICENSES,
            source=f"{ELIGIBILITY_SOURCE}; [F-PH] Enable phase - Azure Active Directory Premium; [F-AAD]",
        )
    ]
