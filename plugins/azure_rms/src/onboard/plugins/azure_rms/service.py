"""The Azure Rights Management service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ServiceInfo

SERVICE = "azure_rms"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Azure RMS, eligible from 150 licences (or through EMS) [F-ELIG][F-RMS]."""
    return [
        ServiceInfo(
            key=SERVICE,
            name="Azure Rights Management",
            description=(
                "Service enablement, IRM for Exchange Online and SharePoint Online, the RMS connector "
                "for on-premises Exchange and SharePoint 2010/2013, and the RMS sharing application. "
                "Eligible with 150 or more licences of Azure RMS or of a suite that includes it; "
                "onboarded once, after core capabilities."
            ),
            min_licenses=150,
            source="[F-ELIG]; [F-RMS]",
        )
    ]
