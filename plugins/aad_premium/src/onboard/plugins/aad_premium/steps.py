"""The Azure AD Premium Enable steps, after core, in the order the seed lists them.

[F-PH] "Enable phase - Azure Active Directory Premium": add IT administrators and
users, configure management prerequisites, set up Azure AD Premium, (directory
synchronization and AD FS are core's steps), configure test users, validate the core
use cases; the features enabled: SSPR, MFA, one SaaS application from the Azure AD
Marketplace, self-service group management, administrative reports.  Password
writeback for SSPR comes from the service's own process document [F-AAD].
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.helpers import StepMaker
from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, FactValue, Party

from .service import SERVICE

_SRC = "[F-PH] Enable phase - Azure Active Directory Premium"


_step = StepMaker(SERVICE, _SRC)


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    """Administrators, licences, the five features, then validation with test users."""
    steps = [
        _step("add-admins-users", "Add IT administrators and users to the subscription"),
        _step(
            "management-prerequisites",
            "Configure the management prerequisites (administrator roles and the management portal)",
            ("add-admins-users",),
        ),
        _step(
            "assign-licenses",
            "Set up Azure AD Premium: assign the licences to the users",
            ("add-admins-users",),
        ),
    ]
    features_after = ("management-prerequisites", "assign-licenses")
    sspr_after = features_after
    if facts["writeback"] == "password":
        # SSPR writes on-premises passwords back through Azure AD Connect [F-AAD].
        steps.append(
            _step(
                "password-writeback",
                "Enable password writeback in Azure AD Connect for self-service password reset",
                features_after,
                branch="writeback=password",
                source="[F-AAD] Azure AD Connect password writeback",
            )
        )
        sspr_after = (*features_after, "password-writeback")
    steps += [
        _step("sspr", "Enable Self-Service Password Reset (SSPR)", sspr_after),
        _step("mfa", "Enable Azure Multi-Factor Authentication (MFA)", features_after),
        _step(
            "saas-application",
            "Set up one SaaS application from the Azure AD Marketplace with single sign-on",
            features_after,
        ),
        _step("self-service-groups", "Enable Self-Service Group Management (SSGM)", features_after),
        _step("admin-reports", "Use the administrative reports (usage and security)", features_after),
        _step("test-users", "Configure test users", ("assign-licenses",)),
        _step(
            "validate-use-cases",
            "Validate the core use cases with the test users",
            ("sspr", "mfa", "saas-application", "self-service-groups", "admin-reports", "test-users"),
            owner=Party.PROVIDER,
        ),
    ]
    return steps
