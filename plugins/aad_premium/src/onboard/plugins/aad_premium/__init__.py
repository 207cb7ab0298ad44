"""Azure Active Directory Premium: the onboard service plugin.

Registered as ``aad_premium`` in the ``onboard.services`` entry-point group.  The
modules read like the seed's lists ([F-PH] "Enable phase - Azure Active Directory
Premium"):

``service``           the service, its eligibility
``requirements``      what the source environment must satisfy
``steps``             the Enable steps (after core's directory synchronization)
``scope``             what is out of scope
``responsibilities``  the service's additions to the provider and customer lists
``remediation``       remediation items for open findings

The service's own process document [F-AAD] also lists Application Proxy,
administrator notifications and sign-in branding; the seed's feature list does not,
so they are not steps here (add them with new ids if the programme adopts them).
"""

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
    "register_services",
    "remediation_items",
    "responsibilities",
    "scope_rules",
]
