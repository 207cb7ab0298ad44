"""The Microsoft Intune service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ELIGIBILITY_SOURCE, FASTTRACK_MIN_LICENSES, ServiceInfo

SERVICE = "intune"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Microsoft Intune, eligible from the programme's 150 licences (or through EMS).

    The threshold is a configurable default (``[policy] min_licenses``): the seeds give
    no number, the programme's page does (``ELIGIBILITY_SOURCE``).
    """
    return [
        ServiceInfo(
            key=SERVICE,
            name="Microsoft Intune",
            description=(
                "Mobile device management (Intune or Configuration Manager as MDM authority), mobile "
                "application management (also beside a third-party MDM) and PC management. Eligible "
                "by default with 150 or more licences of Intune or of a suite that includes it; onboarded once, "
                "completed within 12 months of the start."
            ),
            min_licenses=FASTTRACK_MIN_LICENSES,
            source=f"{ELIGIBILITY_SOURCE}; [F-PH] Enable phase - Microsoft Intune; [F-INT]",
        )
    ]
