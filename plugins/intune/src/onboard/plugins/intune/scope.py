"""What Intune onboarding does not cover, and why, for the chosen branches."""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactValue, ScopeExclusion

from .facts import CONFIGMGR, mdm_in_scope
from .service import SERVICE


@hookimpl
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[ScopeExclusion]:
    """Exclusions that follow from the MDM authority and the test limits."""
    rules = []
    if not mdm_in_scope(facts):
        rules.append(
            ScopeExclusion(
                "intune.scope.mdm",
                SERVICE,
                "Mobile device management (MDM authority, device enrolment)",
                "mdm_authority=none: only mobile application management on users' own, shared or "
                "kiosk devices is in scope, and that needs no MDM authority",
                "[F-PH] Microsoft Intune, note under the MDM authority",
            )
        )
    else:
        rules += [
            ScopeExclusion(
                "intune.scope.devices-beyond-test",
                SERVICE,
                "Enrolling more than two devices per platform",
                "the benefit enrols up to two test devices per platform; enrolling the rest is the "
                "customer's rollout",
                "[F-INT] two test devices per platform",
            ),
            ScopeExclusion(
                "intune.scope.apps-beyond-test",
                SERVICE,
                "Deploying more than two apps per platform",
                "the benefit deploys up to two apps per platform for testing",
                "[F-INT] up to two apps per platform",
            ),
        ]
    if facts["mdm_authority"] == CONFIGMGR:
        rules.append(
            ScopeExclusion(
                "intune.scope.configmgr-setup",
                SERVICE,
                "Configuration Manager setup or upgrade",
                "hybrid MDM extends the customer's existing Configuration Manager (2012 R2 or later), "
                "which the customer prepares",
                "[F-INT] hybrid MDM",
            )
        )
        if facts["exchange_onprem"] != "none":
            rules.append(
                ScopeExclusion(
                    "intune.scope.exchange-connector-configmgr",
                    SERVICE,
                    "The Intune on-premises Exchange connector",
                    "the Intune connector needs Intune as MDM authority; with Configuration Manager as "
                    "authority, on-premises Exchange is connected through Configuration Manager's own "
                    "Exchange Server connector, part of the customer's Configuration Manager",
                    "[INT-EXC] MDM authority must be Intune",
                )
            )
    if facts["third_party_mdm"]:
        rules.append(
            ScopeExclusion(
                "intune.scope.third-party-mdm-devices",
                SERVICE,
                "Devices managed by the third-party MDM",
                "they stay enrolled in the third-party MDM; Intune complements it with MAM policies only",
                "[F-PH] Microsoft Intune: complement a third-party MDM with MAM",
            )
        )
    return rules
