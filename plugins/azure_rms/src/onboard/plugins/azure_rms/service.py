"""The Azure Rights Management service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ELIGIBILITY_SOURCE, FASTTRACK_MIN_LICENSES, ServiceInfo

SERVICE = "azure_rms"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Azure RMS, eligible from the programme's 150 licences (or through EMS) [F-RMS].

    The threshold is a configurable default (``[policy] min_licenses``): the seeds give
    no number, the programme's page does (``ELIGIBILITY_SOURCE``).
    """
    return [
        ServiceInfo(
            key=SERVICE,
            name="Azure Rights Management",
            description=(
                "Service enablement, IRM for Exchange Online and SharePoint Online, the RMS connector "
                "for on-premises Exchange and SharePoint 2010/2013, and the RMS sharing application. "
                "Eligible (by default) with 150 or more licences of Azure RMS or of a suite that includes it; "
                "onboarded once, after core capabilities."
            ),
            min_licenses=FASTTRACK_MIN_LICENSES,
            source=f"{ELIGIBILITY_SOURCE}; [F-RMS]",
        )
    ]
