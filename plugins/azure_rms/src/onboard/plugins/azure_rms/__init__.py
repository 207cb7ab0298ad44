"""Azure Rights Management: the onboard service plugin.

Registered as ``azure_rms`` in the ``onboard.services`` entry-point group.  The
modules read like the seed's lists ([F-RMS], the Azure RMS process document):

``service``           the service, its eligibility
``facts``             the RMS region; when the RMS connector applies
``requirements``      network, connector servers, on-premises versions, AD readiness
``steps``             the Enable steps: activation to the sharing application
``scope``             what is out of scope (connector versions, a second server)
``responsibilities``  the Azure RMS bullets of the provider's Enable list
``remediation``       remediation items for open findings
"""

from .facts import fact_definitions
from .remediation import remediation_items
from .requirements import assess_requirements
from .responsibilities import responsibilities
from .scope import scope_rules
from .service import SERVICE, register_services
from .steps import enable_steps

__all__ = [
    "SERVICE",
    "assess_requirements",
    "enable_steps",
    "fact_definitions",
    "register_services",
    "remediation_items",
    "responsibilities",
    "scope_rules",
]
