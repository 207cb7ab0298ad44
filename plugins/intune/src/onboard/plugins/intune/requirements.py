"""What the source environment must satisfy before Intune is enabled.

Supported devices and browsers [INT-DEV], the enrollment DNS records [INT-CNAME],
the on-premises Exchange connector's prerequisites [INT-EXC], conditional access
[INT-CA], Configuration Manager for hybrid MDM [F-INT], and the seed's expectation
that on-premises AD is prepared for the service [F-ENV].
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.facts import on_premises
from onboard.core.capabilities.helpers import manual
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, FactValue, Requirement, Severity

from .facts import CONFIGMGR, INTUNE, MAM_PLATFORMS, MDM_PLATFORMS, mdm_in_scope, mdm_platforms
from .service import SERVICE


def enrollment_dns_requirement() -> Requirement:
    """The enrollment CNAMEs in every customer zone; also verifies ``intune.verify-dns-records``."""
    return Requirement(
        "intune.enrollment-dns",
        SERVICE,
        "Every customer domain has the Intune enrollment and registration CNAMEs",
        Category.DNS,
        "dns.records",
        # Optional but recommended, TTL 1 h, up to 72 h to propagate; registration is
        # needed for conditional access and device registration [INT-CNAME].
        {
            "records": [
                {
                    "name": "enterpriseenrollment",
                    "type": "CNAME",
                    "target": "enterpriseenrollment-s.manage.microsoft.com",
                },
                {
                    "name": "enterpriseregistration",
                    "type": "CNAME",
                    "target": "enterpriseregistration.windows.net",
                },
            ]
        },
        Severity.WARNING,
        remediation="Add CNAME records EnterpriseEnrollment.<domain> -> "
        "EnterpriseEnrollment-s.manage.microsoft.com and EnterpriseRegistration.<domain> -> "
        "EnterpriseRegistration.windows.net for every UPN domain (TTL 1 hour)",
        source="[INT-CNAME]",
    )


def exchange_connector_applies(facts: Mapping[str, FactValue]) -> bool:
    """The Intune on-premises Exchange connector needs Intune as MDM authority [INT-EXC]."""
    return facts["mdm_authority"] == INTUNE and facts["exchange_onprem"] != "none"


def _supported_platforms(facts: Mapping[str, FactValue]) -> dict[str, str]:
    keys = set(mdm_platforms(facts)) if mdm_in_scope(facts) else set()
    if facts["mam_in_scope"]:
        keys |= set(MAM_PLATFORMS)
    return {MDM_PLATFORMS[k][0]: MDM_PLATFORMS[k][1] for k in MDM_PLATFORMS if k in keys}


@hookimpl
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[Requirement]:
    """Intune's requirements for ``facts``."""
    reqs = [
        Requirement(
            "intune.browsers",
            SERVICE,
            "Browsers can run the Intune consoles and the Company Portal",
            Category.BROWSERS,
            "environment.browsers",
            # Admin console: IE 10+, Firefox and Chrome with Silverlight, so Chrome before 42
            # (every 41.x); Company Portal: IE 10+ or Edge on PCs, Safari on OS X 10.9+
            # [INT-DEV].  "0" admits any version; Safari 7 is the one that ships with OS X
            # 10.9 (inferred).
            {
                "supported": {
                    "Internet Explorer": "10",
                    "Edge": "12",
                    "Safari": "7",
                    "Chrome": {"min": "0", "max": "41.9999"},
                    "Firefox": "0",
                }
            },
            Severity.WARNING,
            remediation="Give the administrators Internet Explorer 10 or later (or Firefox/Chrome "
            "with Silverlight) and the users a supported browser for the Company Portal",
            source="[INT-DEV] supported browsers",
        ),
    ]
    platforms = _supported_platforms(facts)
    if platforms:
        reqs.append(
            Requirement(
                "intune.device-platforms",
                SERVICE,
                "The devices to manage run supported platforms",
                Category.CLIENT_OS,
                "devices.platforms",
                {"supported": platforms, "forbid": ["Windows Server"]},
                Severity.WARNING,
                remediation="Update or leave out devices below the supported versions: "
                + ", ".join(f"{name} {version}" for name, version in platforms.items()),
                source="[INT-DEV] supported mobile devices and computers",
            )
        )
    if on_premises(facts):
        reqs.append(
            manual(
                "intune.ad-prepared",
                SERVICE,
                "On-premises AD and the environment are prepared for Intune",
                "Have the issues that would prevent integration with Azure AD and Intune been "
                "remediated in on-premises AD and the environment?",
                Category.ACTIVE_DIRECTORY,
                "[F-ENV] service onboarding expectation",
            )
        )
    if mdm_in_scope(facts) or facts["mam_in_scope"]:
        reqs.append(
            manual(
                "intune.test-devices",
                SERVICE,
                "Test devices are available for each platform",
                "Are up to two test devices available for each platform in scope (backed up, if they "
                "hold data, before they are enrolled)?",
                Category.CLIENT_OS,
                "[F-INT] your responsibilities: test devices",
            )
        )
    if mdm_in_scope(facts):
        reqs += [
            enrollment_dns_requirement(),
            manual(
                "intune.conditional-access-prerequisites",
                SERVICE,
                "Conditional access can be applied to the mail service",
                "For conditional access: do the test users have Exchange Online licences (e.g. E3) "
                "and devices that can register with Azure AD (Windows 8.1+, Windows Phone 8.1+, "
                "iOS 7.1+, Android 4.0+)? For on-premises Exchange, is it Exchange 2010 or later "
                "with the on-premises connector?",
                Category.SERVICE,
                "[INT-CA]",
                severity=Severity.WARNING,
            ),
            manual(
                "intune.email-profile-service",
                SERVICE,
                "The mail service for the email profiles is reachable",
                "Is the Exchange ActiveSync service (Exchange Online or on-premises) that the email "
                "profiles point at available to the test devices?",
                Category.SERVICE,
                "[F-ENV] profiles need the existing infrastructure",
                severity=Severity.WARNING,
            ),
        ]
        if "ios" in mdm_platforms(facts):
            reqs.append(
                manual(
                    "intune.apns-certificate",
                    SERVICE,
                    "An Apple Push Notification service certificate can be obtained",
                    "Does the customer have an Apple ID to request the Apple Push Notification service "
                    "(APNs) certificate that iOS enrolment needs?",
                    Category.CLIENT_OS,
                    "[F-ENV] the APNs certificate is the customer's",
                )
            )
    if facts["mdm_authority"] == CONFIGMGR:
        reqs.append(
            manual(
                "intune.configmgr-ready",
                SERVICE,
                "Configuration Manager 2012 R2 or later is ready to extend",
                "Is the existing System Center Configuration Manager at 2012 R2 or later and prepared "
                "by the customer to be extended with Intune (its setup or upgrade is not part of the "
                "benefit)?",
                Category.INFRASTRUCTURE,
                "[F-INT] hybrid MDM",
            )
        )
    if exchange_connector_applies(facts):
        reqs += [
            Requirement(
                "intune.exchange-version",
                SERVICE,
                "On-premises Exchange supports the Intune Exchange connector",
                Category.INFRASTRUCTURE,
                "environment.exchange_onprem",
                {"versions": ["2010", "2013", "2016"]},
                remediation="Update on-premises Exchange to Exchange 2010 SP1 or later",
                source="[INT-EXC] Exchange 2010 SP1 or later",
            ),
            manual(
                "intune.exchange-connector-server",
                SERVICE,
                "A server for the on-premises Exchange connector",
                "Is there a server for the Intune Exchange connector running Windows Server 2008 SP2 "
                "64-bit, 2008 R2, 2012 or 2012 R2 (not Server Core) with 1.6 GHz, 2 GB RAM, 10 GB "
                "free disk, .NET 4.5 and PowerShell 2.0, in a domain trusted by Exchange, able to "
                "reach *.manage.microsoft.com on ports 80 and 443?",
                Category.INFRASTRUCTURE,
                "[INT-EXC] server requirements",
            ),
            manual(
                "intune.exchange-connector-account",
                SERVICE,
                "A service account for the Exchange connector",
                "Is there an account that may run the Exchange cmdlets the connector uses "
                "(*-ActiveSyncOrganizationSettings, *-CasMailbox, *-ActiveSyncMailboxPolicy, "
                "*-ActiveSyncDeviceAccessRule, Get-ActiveSyncDevice*, Get-ExchangeServer, "
                "Get-Recipient, Clear/Remove-ActiveSyncDevice, Set-ADServerSettings, Get-Command)?",
                Category.IDENTITY,
                "[INT-EXC] account permissions",
            ),
        ]
    if facts["pc_in_scope"]:
        reqs.append(
            manual(
                "intune.pc-operating-systems",
                SERVICE,
                "The PCs to manage can run the Intune client",
                "Do the PCs to manage run Windows 7 or later, other than Windows 10 Home?",
                Category.CLIENT_OS,
                "[INT-DEV] PC client (the sources disagree on Vista)",
                severity=Severity.WARNING,
            )
        )
    return reqs
