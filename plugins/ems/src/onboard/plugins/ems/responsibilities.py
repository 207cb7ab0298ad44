"""The suite's addition to the shared responsibility lists (core has the rest).

[F-PH] Assess phase: "Microsoft will also connect you with guidance about how to
drive successful adoption of the eligible services", and the remediation plan
brings the environment up to the minimum for "EMS or its individual cloud services".
"""

from collections.abc import Sequence

from onboard.core.capabilities.helpers import responsibility_list
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Party, Responsibility

from .service import SERVICE

PROVIDER = {
    "assess": [
        (
            "adoption-guidance",
            "Connect the customer with guidance about how to drive successful "
            "adoption of the eligible services.",
        ),
        (
            "suite-remediation-plan",
            "Provide a remediation plan that brings the source environment up "
            "to the minimum requirements for EMS or its individual cloud services.",
        ),
    ],
}


@hookimpl
def responsibilities(services: Sequence[str]) -> list[Responsibility]:
    """The EMS-specific provider responsibilities."""
    return responsibility_list(SERVICE, Party.PROVIDER, PROVIDER)
