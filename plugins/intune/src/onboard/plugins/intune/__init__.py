"""Microsoft Intune: the onboard service plugin.

Registered as ``intune`` in the ``onboard.services`` entry-point group.  The
modules read like the seed's Intune list ([F-PH] "Enable phase - Microsoft Intune"):

``service``           the service, its eligibility
``facts``             the branches: MDM authority, MDM platforms, MAM, PC, volume licensing
``requirements``      devices, browsers, DNS, Exchange connector, Configuration Manager
``steps``             the Enable steps per branch, and the automated DNS verification
``scope``             what is out of scope for the chosen branches
``responsibilities``  the service's additions to the provider and customer lists
``remediation``       remediation items for open findings
"""

from .facts import fact_definitions, validate_facts
from .remediation import remediation_items
from .requirements import assess_requirements
from .responsibilities import responsibilities
from .scope import scope_rules
from .service import SERVICE, register_services
from .steps import enable_steps, run_step

__all__ = [
    "SERVICE",
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
