"""The Microsoft Intune service: its key, eligibility and programme facts."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ServiceInfo

SERVICE = "intune"


@hookimpl
def register_services() -> list[ServiceInfo]:
    """Microsoft Intune, eligible from 150 licences (or through EMS) [F-ELIG]."""
    return [
        ServiceInfo(
            key=SERVICE,
            name="Microsoft Intune",
            description=(
                "Mobile device management (Intune or Configuration Manager as MDM authority), mobile "
                "application management (also beside a third-party MDM) and PC management. Eligible "
                "with 150 or more licences of Intune or of a suite that includes it; onboarded once, "
                "completed within 12 months of the start."
            ),
            min_licenses=150,
            source="[F-ELIG]; [F-PH] Enable phase - Microsoft Intune; [F-INT]",
        )
    ]
