"""The Azure RMS Enable steps, after core, as the seed's Enable list gives them.

[F-RMS] "Microsoft responsibilities — Enable phase", the Azure RMS bullets: activate
the service, add information-security administrators, assign a super user, license
two pilot users, two test distribution groups, one custom template; Exchange Online
and SharePoint Online integration (one test mail-flow rule, one protected test
library); one RMS connector server when on-premises Exchange or SharePoint
2010/2013 is in use (one rule, one library); the RMS sharing application for
Windows and non-Windows devices.  The commands come from [RMS-ACT], [RMS-SU] and
[RMS-O365].  None is automated: nothing in the assessment bundle can show them done.
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.helpers import StepMaker
from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, FactValue, Party

from .facts import connector_applies, connector_for_exchange, connector_for_sharepoint
from .service import SERVICE

_SRC = "[F-RMS] Microsoft responsibilities, Enable phase"


_step = StepMaker(SERVICE, _SRC)


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    """Activation, administrators and test set-up, online IRM, the connector, the sharing app."""
    key_sharing = f"https://sp-rms.{facts['rms_region']}.aadrm.com/TenantManagement/ServicePartner.svc"
    steps = [
        _step(
            "activate", "Activate Azure RMS (Connect-AadrmService, Enable-Aadrm)", source=f"{_SRC}; [RMS-ACT]"
        ),
        _step("security-admins", "Add information-security administrators to manage templates", ["activate"]),
        _step(
            "super-user",
            "Assign a super user (Enable-AadrmSuperUserFeature, Add-AadrmSuperUser)",
            ["activate"],
            source=f"{_SRC}; [RMS-SU]",
        ),
        _step("pilot-users", "License two pilot users for Azure RMS", ["activate"]),
        _step("test-groups", "Configure two test distribution groups to validate policies", ["pilot-users"]),
        _step(
            "custom-template",
            "Configure one custom Azure RMS template for the directory",
            ["security-admins", "test-groups"],
            source=f"{_SRC}; [RMS-TPL]",
        ),
        _step(
            "exchange-online-irm",
            "Configure and validate Exchange Online IRM: Set-IRMConfiguration "
            f"-RMSOnlineKeySharingLocation {key_sharing}; Import-RMSTrustedPublishingDomain -RMSOnline "
            "-Name 'RMS Online'; Set-IRMConfiguration -InternalLicensingEnabled $true; "
            "Test-IRMConfiguration reports OVERALL RESULT: PASS",
            ["custom-template"],
            branch=f"rms_region={facts['rms_region']}",
            source=f"{_SRC}; [RMS-O365]",
        ),
        _step(
            "exchange-online-rule",
            "Set up one test mail-flow rule that encrypts sensitive messages "
            "sent to recipients outside the organization",
            ["exchange-online-irm"],
        ),
        _step(
            "sharepoint-online-irm",
            "Turn on IRM for SharePoint Online in the SharePoint admin center",
            ["custom-template"],
        ),
        _step(
            "sharepoint-online-library",
            "Configure and validate the protection of one test library in SharePoint Online",
            ["sharepoint-online-irm"],
        ),
    ]
    validated = ["exchange-online-rule", "sharepoint-online-library"]
    if connector_applies(facts):
        connector = "exchange_onprem in 2010|2013 or sharepoint_onprem in 2010|2013"
        steps += [
            _step(
                "connector-install",
                "Install the RMS connector on one on-premises server and enter its administrator credentials",
                ["activate"],
                branch=connector,
                source=f"{_SRC}; [RMS-CONN]",
            ),
            _step(
                "connector-authorize",
                "Authorize the on-premises Exchange and SharePoint servers to use the RMS connector",
                ["connector-install"],
                branch=connector,
                source=f"{_SRC}; [RMS-CONN]",
            ),
        ]
        if connector_for_exchange(facts):
            version = facts["exchange_onprem"]
            branch = f"exchange_onprem={version}"
            steps += [
                _step(
                    "connector-exchange",
                    f"Configure and validate Exchange {version} on-premises "
                    "integration with Azure RMS through the connector",
                    ["connector-authorize", "custom-template"],
                    branch=branch,
                ),
                _step(
                    "connector-exchange-rule",
                    f"Set up one test mail-flow rule on Exchange {version} that "
                    "encrypts sensitive messages sent outside the organization using the connector",
                    ["connector-exchange"],
                    branch=branch,
                ),
            ]
            validated.append("connector-exchange-rule")
        if connector_for_sharepoint(facts):
            version = facts["sharepoint_onprem"]
            steps.append(
                _step(
                    "connector-sharepoint",
                    f"Configure and validate SharePoint {version} "
                    "on-premises protection of one test library through the connector",
                    ["connector-authorize", "custom-template"],
                    branch=f"sharepoint_onprem={version}",
                )
            )
            validated.append("connector-sharepoint")
    steps += [
        _step(
            "sharing-app-windows",
            "Set up the RMS sharing application for Windows devices",
            ["pilot-users", "custom-template"],
        ),
        _step(
            "sharing-app-other",
            "Set up the RMS sharing application for non-Windows devices",
            ["pilot-users", "custom-template"],
        ),
        _step(
            "validate-use-cases",
            "Validate the core use cases with the pilot users",
            [*validated, "super-user", "sharing-app-windows", "sharing-app-other"],
            owner=Party.PROVIDER,
        ),
    ]
    return steps
