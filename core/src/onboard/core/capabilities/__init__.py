"""Core capabilities: tenant and identity integration that comes before every service.

A built-in plugin registered through the same ``onboard.services`` entry point as
every other (``core = "onboard.core.capabilities"``).  The seeds call this part of
the Enable phase "core capabilities": service provisioning, tenant and identity
integration, the foundation every eligible service builds on ([F-PH], [F-RMS]).

The modules read like the seed's lists:

``facts``             the identity model, forests, writeback, on-premises servers
``requirements``      source-environment expectations and their prerequisites
``scope``             what is out of scope, and why
``steps``             the Enable steps and the automated connectivity check
``responsibilities``  the provider's and the customer's lists, per phase
``remediation``       remediation items for open core findings
``helpers``           shared by the service plugins (verification, remediation)
"""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import ServiceInfo

from .facts import CORE, fact_definitions, validate_facts
from .remediation import remediation_items
from .requirements import assess_requirements
from .responsibilities import responsibilities
from .scope import scope_rules
from .steps import enable_steps, run_step

__all__ = [
    "CORE",
    "assess_requirements",
    "enable_steps",
    "fact_definitions",
    "register_services",
    "remediation_items",
    "responsibilities",
    "run_step",
    "scope_rules",
    "validate_facts",
]


@hookimpl
def register_services() -> list[ServiceInfo]:
    """The ``core`` pseudo-service: no licences of its own, first in every plan."""
    return [
        ServiceInfo(
            key=CORE,
            name="Core capabilities",
            description="Service provisioning, tenant and identity integration (before every service)",
            min_licenses=0,
            after=(),
            source="[F-PH] Enable phase - Core capabilities",
        )
    ]
