"""onboard: FastTrack-style cloud-service onboarding as durable Temporal workflows.

Plugin authors need only :data:`hookimpl` and the models::

    from onboard.core import hookimpl
    from onboard.core.models import ServiceInfo, EnableStep, Requirement
"""

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from onboard.core.hookspecs import hookimpl

__all__ = ["hookimpl"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """``hookimpl`` on first use (PEP 562): the CLI and the client import ``onboard.core``
    too, and should not pay for pluggy and the hook specifications they never call."""
    if name == "hookimpl":
        from onboard.core.hookspecs import hookimpl

        return hookimpl
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
