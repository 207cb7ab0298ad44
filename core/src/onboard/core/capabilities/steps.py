"""The core Enable steps, in the order the seed lists them, and the one automated step.

Source: [F-RMS] "Microsoft responsibilities — Enable phase", the bullets before the
service-specific ones: activate the tenant, firewall ports, DNS, connectivity, then
directory synchronization for one forest (with password sync, and AD FS plus an SSO
test when federated) or for several forests.  Every service starts after these.
The step ids are a contract: the engine's tests and running engagements use them.
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import (
    EnableStep,
    EngagementSpec,
    FactValue,
    Party,
    StepKind,
    StepResult,
)

from .facts import CORE, FEDERATED, on_premises, single_forest
from .helpers import verify_against_bundle
from .requirements import proxy_requirement

_SRC = "[F-RMS] Microsoft responsibilities, Enable phase"


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    """Tenant, network and identity integration; the identity branch follows the facts."""
    steps = [
        EnableStep(
            "core.activate-tenant",
            CORE,
            "Activate the tenant for the eligible services",
            StepKind.MANUAL,
            Party.CUSTOMER,
            source=_SRC,
        ),
        EnableStep(
            "core.firewall-ports",
            CORE,
            "Configure firewall ports",
            StepKind.MANUAL,
            Party.CUSTOMER,
            ("core.activate-tenant",),
            source=_SRC,
        ),
        EnableStep(
            "core.dns",
            CORE,
            "Configure DNS for the eligible services",
            StepKind.MANUAL,
            Party.CUSTOMER,
            ("core.activate-tenant",),
            source=_SRC,
        ),
        # Automated: verified against the proxy/TLS facts of the assessment bundle.
        EnableStep(
            "core.validate-connectivity",
            CORE,
            "Validate connectivity to the services",
            StepKind.AUTOMATED,
            Party.PROVIDER,
            ("core.firewall-ports", "core.dns"),
            source=_SRC,
        ),
    ]
    if not on_premises(facts):
        return steps
    if single_forest(facts):
        steps += [
            EnableStep(
                "core.dirsync-single-forest",
                CORE,
                "Install Azure AD Connect directory synchronization for the forest",
                StepKind.MANUAL,
                Party.CUSTOMER,
                ("core.validate-connectivity",),
                "forest_count=1",
                _SRC,
            ),
            EnableStep(
                "core.password-sync",
                CORE,
                "Configure password synchronization with Azure AD Connect",
                StepKind.MANUAL,
                Party.CUSTOMER,
                ("core.dirsync-single-forest",),
                "forest_count=1",
                _SRC,
            ),
        ]
        if facts["identity"] == FEDERATED:
            steps += [
                EnableStep(
                    "core.adfs",
                    CORE,
                    "Install and configure AD FS (single-site, fault-tolerant) for "
                    "local domain authentication with Azure AD",
                    StepKind.MANUAL,
                    Party.CUSTOMER,
                    ("core.password-sync",),
                    "identity=federated",
                    _SRC,
                ),
                EnableStep(
                    "core.test-sso",
                    CORE,
                    "Test single sign-on",
                    StepKind.MANUAL,
                    Party.PROVIDER,
                    ("core.adfs",),
                    "identity=federated",
                    _SRC,
                ),
            ]
    else:
        steps += [
            EnableStep(
                "core.dirsync-multi-forest",
                CORE,
                "Install Azure AD Connect synchronization set up for multiple forests",
                StepKind.MANUAL,
                Party.CUSTOMER,
                ("core.validate-connectivity",),
                "forest_count>1",
                _SRC,
            ),
            EnableStep(
                "core.multi-forest-sync",
                CORE,
                "Configure synchronization between the on-premises forests and Azure AD "
                "(password hash sync; password writeback only)",
                StepKind.MANUAL,
                Party.CUSTOMER,
                ("core.dirsync-multi-forest",),
                "forest_count>1",
                _SRC,
            ),
        ]
    return steps


@hookimpl
def run_step(step: EnableStep, spec: EngagementSpec) -> StepResult | None:
    """Verify ``core.validate-connectivity`` against the bundle's proxy and TLS facts."""
    if step.id == "core.validate-connectivity":
        return verify_against_bundle(spec, proxy_requirement())
    return None
