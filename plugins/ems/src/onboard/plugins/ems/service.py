"""The Enterprise Mobility Suite offer: bundles the three services, its own eligibility."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ELIGIBILITY_SOURCE, FASTTRACK_MIN_LICENSES, ServiceInfo

SERVICE = "ems"

#: The suite's members [F-ELIG]; an EMS engagement onboards each once (the planner
#: expands the bundle and never repeats a service).
MEMBERS = ("aad_premium", "intune", "azure_rms")


@hookimpl
def register_services() -> list[ServiceInfo]:
    """EMS: the programme's 150 licences of the suite make each member eligible.

    The threshold is a configurable default (``[policy] min_licenses``): the seeds give
    no number, the programme's page does (``ELIGIBILITY_SOURCE``).
    """
    return [
        ServiceInfo(
            key=SERVICE,
            name="Enterprise Mobility Suite",
            description=(
                "The suite of Azure AD Premium, Microsoft Intune and Azure Rights Management. "
                "Eligible (by default) with 150 or more EMS licences (EMS in ECS included), which make each "
                "member eligible; each member is onboarded once, then adoption guidance follows."
            ),
            min_licenses=FASTTRACK_MIN_LICENSES,
            bundles=MEMBERS,
            # The suite's own step (adoption guidance) comes after every member's.
            after=("core", *MEMBERS),
            source=f"{ELIGIBILITY_SOURCE}; [F-PH]",
        )
    ]
