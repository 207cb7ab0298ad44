"""The suite's own Enable step: adoption guidance once every member is enabled.

[F-PH]: "Microsoft will also connect you with guidance about how to drive
successful adoption of the eligible services."
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, FactValue, Party, StepKind

from .service import SERVICE


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    """One provider step after the members (``ServiceInfo.after`` orders it)."""
    return [
        EnableStep(
            "ems.adoption-guidance",
            SERVICE,
            "Connect the customer with guidance about driving adoption of the suite's services",
            StepKind.MANUAL,
            Party.PROVIDER,
            source="[F-PH] Assess and Enable phases: adoption guidance",
        )
    ]
