"""Enterprise Mobility Suite: the onboard plugin for the offer that bundles three services.

Registered as ``ems`` in the ``onboard.services`` entry-point group.  It provides no
requirements of its own: an EMS engagement plans core capabilities and each member
(Azure AD Premium, Intune, Azure RMS) once, through their own plugins.

``service``           the offer: members, eligibility, ordering
``steps``             adoption guidance after the members
``responsibilities``  the suite's addition to the provider's Assess list
"""

from .responsibilities import responsibilities
from .service import MEMBERS, SERVICE, register_services
from .steps import enable_steps

__all__ = ["MEMBERS", "SERVICE", "enable_steps", "register_services", "responsibilities"]
