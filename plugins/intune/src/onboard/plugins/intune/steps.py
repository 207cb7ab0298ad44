"""The Intune Enable steps, after core, following the seed's list and its branches.

[F-PH] "Enable phase - Microsoft Intune", in order: license the users (with help to
activate volume licences), configure identities, add users, define IT admin roles,
create user and device groups, set the MDM authority; then, as far as each is in
scope, the MDM branch, the MAM branch and the PC branch; finally adoption guidance.
Enrolment is limited to two test devices per platform [F-INT].  Only the DNS check
is automated: it re-checks the assessment bundle's zones for the enrollment CNAMEs.
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.facts import on_premises
from onboard.core.capabilities.helpers import StepMaker, verify_against_bundle
from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, EngagementSpec, FactValue, Party, StepKind, StepResult

from .facts import CONFIGMGR, INTUNE, MAM_PLATFORMS, MDM_PLATFORMS, mdm_in_scope, mdm_platforms
from .requirements import enrollment_dns_requirement, exchange_connector_applies
from .service import SERVICE

_SRC = "[F-PH] Enable phase - Microsoft Intune"


def _id(slug: str) -> str:
    return f"{SERVICE}.{slug}"


_step = StepMaker(SERVICE, _SRC)


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    """Licensing, identities, users and groups; the MDM authority; MDM, MAM and PC branches."""
    steps: list[EnableStep] = []
    licensing_after: list[str] = ["configure-identities"]
    identities = "on-premises Active Directory (synchronized)" if on_premises(facts) else "cloud identities"
    steps.append(_step("configure-identities", f"Configure the identities Intune uses: {identities}"))
    if facts["volume_licensing"]:
        steps.append(
            _step(
                "activate-volume-licenses",
                "Activate the volume licences for the Microsoft cloud service tenant",
                owner=Party.CUSTOMER,
                branch="volume_licensing=true",
            )
        )
        licensing_after.append("activate-volume-licenses")
    steps += [
        _step("license-users", "License the end users for Intune", licensing_after),
        _step("add-users", "Add users to the Intune subscription", ["license-users"]),
        _step("admin-roles", "Define the IT admin roles", ["add-users"]),
        _step("user-device-groups", "Create user and device groups", ["add-users"]),
    ]
    groups = ["admin-roles", "user-device-groups"]
    after_branches: list[str] = []

    # The MDM authority branch.
    if facts["mdm_authority"] == INTUNE:
        steps.append(
            _step(
                "mdm-authority-intune",
                "Set Microsoft Intune as the MDM authority (Intune alone, or with MDM for Office 365)",
                groups,
                branch="mdm_authority=intune",
            )
        )
        authority = "mdm-authority-intune"
    elif facts["mdm_authority"] == CONFIGMGR:
        steps.append(
            _step(
                "mdm-authority-configmgr",
                "Set Configuration Manager as the MDM authority, "
                "extending the existing Configuration Manager with Intune",
                groups,
                branch="mdm_authority=configmgr",
            )
        )
        authority = "mdm-authority-configmgr"

    if mdm_in_scope(facts):
        mdm = f"mdm_authority={facts['mdm_authority']}"
        steps += [
            _step(
                "mdm-test-groups",
                "Configure test groups to validate the MDM management policies",
                [authority],
                branch=mdm,
            ),
            _step(
                "verify-dns-records",
                "Verify the enrollment DNS records (EnterpriseEnrollment and "
                "EnterpriseRegistration CNAMEs) in the customer's zones",
                ["core.dns"],
                owner=Party.PROVIDER,
                kind=StepKind.AUTOMATED,
                branch=mdm,
                source="[INT-CNAME]",
            ),
            _step(
                "app-deployment",
                "Deploy apps for each supported platform through web links or deep "
                "links (up to two apps per platform)",
                ["mdm-test-groups"],
                branch=mdm,
            ),
        ]
        access_after = ["mdm-test-groups", "verify-dns-records"]
        if exchange_connector_applies(facts):
            steps.append(
                _step(
                    "exchange-connector",
                    f"Set up the Intune on-premises Exchange connector (Exchange {facts['exchange_onprem']})",
                    [authority],
                    branch=f"{mdm}, exchange_onprem={facts['exchange_onprem']}",
                    source=f"{_SRC}; [INT-EXC]",
                )
            )
            access_after.append("exchange-connector")
        steps += [
            _step("conditional-access", "Configure conditional access policies", access_after, branch=mdm),
            _step("email-profiles", "Deploy email profiles", ["mdm-test-groups"], branch=mdm),
        ]
        enrolled = []
        into = " into Configuration Manager with Intune" if facts["mdm_authority"] == CONFIGMGR else ""
        for key in mdm_platforms(facts):
            name = MDM_PLATFORMS[key][0]
            slug = f"enroll-{key.replace('_', '-')}"
            steps.append(
                _step(
                    slug,
                    f"Enrol up to two {name} test devices{into}",
                    ["app-deployment", "conditional-access", "email-profiles"],
                    branch=f"{mdm}, mdm_platforms has {key}",
                    source=f"{_SRC}; [F-INT] two devices per platform",
                )
            )
            enrolled.append(slug)
        steps.append(
            _step(
                "inventory-reports",
                "Review the enrolled devices in the inventory reports",
                enrolled,
                branch=mdm,
                source="[F-INT]",
            )
        )
        after_branches.append("inventory-reports")

    if facts["mam_in_scope"]:
        beside = " beside the third-party MDM" if facts["third_party_mdm"] else ""
        policies = []
        for key in MAM_PLATFORMS:
            slug = f"mam-policy-{key}"
            steps.append(
                _step(
                    slug,
                    f"Configure MAM policies for {MDM_PLATFORMS[key][0]}{beside}",
                    groups,
                    branch="mam_in_scope=true",
                )
            )
            policies.append(slug)
        steps += [
            _step(
                "mam-conditional-access",
                "Configure conditional access policies for managed apps",
                policies,
                branch="mam_in_scope=true",
            ),
            _step(
                "mam-target-groups",
                "Target the appropriate user groups with the MAM policies",
                policies,
                branch="mam_in_scope=true",
            ),
            _step(
                "mam-usage-reports",
                "Use the managed-applications usage reports",
                ["mam-conditional-access", "mam-target-groups"],
                branch="mam_in_scope=true",
            ),
        ]
        after_branches.append("mam-usage-reports")

    if facts["pc_in_scope"]:
        steps += [
            _step(
                "pc-client",
                "Install the Intune client software on the PCs, when needed",
                groups,
                branch="pc_in_scope=true",
            ),
            _step(
                "pc-reports",
                "Use the software and hardware reports available in Intune",
                ["pc-client"],
                branch="pc_in_scope=true",
            ),
        ]
        after_branches.append("pc-reports")

    steps.append(
        _step(
            "adoption-guidance",
            "Connect the customer with guidance about driving adoption of Intune",
            after_branches or groups,
            owner=Party.PROVIDER,
        )
    )
    return steps


@hookimpl
def run_step(step: EnableStep, spec: EngagementSpec) -> StepResult | None:
    """Verify ``intune.verify-dns-records`` against the bundle's DNS zones."""
    if step.id == _id("verify-dns-records"):
        return verify_against_bundle(spec, enrollment_dns_requirement())
    return None
