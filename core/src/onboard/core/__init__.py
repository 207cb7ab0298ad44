"""onboard: FastTrack-style cloud-service onboarding as durable Temporal workflows.

Plugin authors need only :data:`hookimpl` and the models::

    from onboard.core import hookimpl
    from onboard.core.models import ServiceInfo, EnableStep, Requirement
"""

from onboard.core.hookspecs import hookimpl

__all__ = ["hookimpl"]
__version__ = "0.1.0"
