"""What the source environment must satisfy before Azure RMS is enabled.

The seed's expectation: on-premises AD and the environment prepared for Azure RMS,
issues that would prevent integration remediated [F-RMS].  Network rules from
[RMS-REQ]; the RMS connector's servers and placement from [RMS-CONN]; the
supported on-premises versions from [F-RMS] (2010/2013 in FastTrack's scope).

The seed's Assess phase looks at "your on-premises Active Directory, Internet
browsers, client devices' operating systems, DNS, network, infrastructure, and
identity system", and Microsoft guides "client needs (Internet browser, client
operating system, and services' needs)" [F-RMS].  An Azure RMS plan, alone or in a
suite, covers each:

* on-premises Active Directory: ``azure_rms.ad-prepared`` (and core's forest checks);
* Internet browsers: ``azure_rms.browsers``;
* client devices' operating systems: ``azure_rms.client-devices`` [RMS-DEV];
* DNS: core's ``core.dns-records``;
* network: ``azure_rms.proxy`` (and ``core.proxy``);
* infrastructure: ``azure_rms.no-ad-rms``, the connector's servers;
* identity system: ``azure_rms.super-user-account`` (and core's accounts).

[RMS-DEV] is MicrosoftDocs/Azure-RMSDocs ``Azure-RMSDocs/get-started/
requirements-client-devices.md`` (2016-08-25), "Client devices that support Azure RMS".
"""

from collections.abc import Mapping, Sequence

from onboard.core.capabilities.facts import on_premises
from onboard.core.capabilities.helpers import manual
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, FactValue, Requirement, Severity

from .facts import CONNECTOR_VERSIONS, connector_applies, connector_for_exchange, connector_for_sharepoint
from .service import SERVICE

#: Connector server operating systems [RMS-CONN].
CONNECTOR_OS = ["Windows Server 2012 R2", "Windows Server 2012", "Windows Server 2008 R2"]
#: Roles a connector server must not also have [RMS-CONN] (the environment file's names).
CONNECTOR_FORBIDDEN_ROLES = ["exchange", "sharepoint", "fci", "domain_controller"]

#: Client operating systems that support Azure RMS [RMS-DEV]: computers Windows 7, 8,
#: 8.1 and 10 and Mac OS X 10.8; mobile devices Windows Phone 8.1, Android 4.0.3, iOS
#: 7.0; Windows tablets Windows 10 Mobile (an inventory's "Windows Phone") and 8.1 RT.
CLIENT_PLATFORMS = {
    "Windows": "7",
    "macOS": "10.8",
    "Windows Phone": "8.1",
    "Android": "4.0.3",
    "iOS": "7.0",
    "Windows RT": "8.1",
}

#: Browsers.  Neither the seeds nor the RMS requirements give a list (domain-catalog §0:
#: "FastTrack docs give no browser/OS version list", use §3's [INT-DEV] lists), so these
#: are [INT-DEV]'s minimums for PCs and Macs: Internet Explorer 10, Edge, Safari on OS X
#: 10.9 (Safari 7); Chrome and Firefox at any version, as no RMS console needs the
#: Silverlight that limits them for the Intune console (inferred).
BROWSERS = {"Internet Explorer": "10", "Edge": "12", "Safari": "7", "Chrome": "0", "Firefox": "0"}


def _connector_servers(
    id: str, min_count: int, severity: Severity, title: str, remediation: str
) -> Requirement:
    return Requirement(
        id,
        SERVICE,
        title,
        Category.INFRASTRUCTURE,
        "environment.rms_connector_servers",
        # 64-bit members, >= 1 GB RAM, >= 64 GB disk, not running Exchange, SharePoint,
        # a file classification server or a domain controller [RMS-CONN].
        {
            "min_count": min_count,
            "os": CONNECTOR_OS,
            "min_memory_gb": 1,
            "min_disk_gb": 64,
            "forbidden_roles": CONNECTOR_FORBIDDEN_ROLES,
            "require_64bit": True,
        },
        severity,
        remediation=remediation,
        source="[RMS-CONN] prerequisites; [F-RMS] one server",
    )


@hookimpl
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[Requirement]:
    """Azure RMS's requirements for ``facts``."""
    reqs = [
        Requirement(
            "azure_rms.browsers",
            SERVICE,
            "Browsers in use are ones the administrators and users can work in",
            Category.BROWSERS,
            "environment.browsers",
            {"supported": BROWSERS},
            Severity.WARNING,
            remediation="Move the users of older browsers to Internet Explorer 10 or later, Edge, "
            "Chrome, Firefox or a current Safari",
            source="[F-RMS] Assess phase: Internet browsers; domain-catalog §0, §3 [INT-DEV] (no RMS list)",
        ),
        Requirement(
            "azure_rms.client-devices",
            SERVICE,
            "Client devices run operating systems that support Azure RMS",
            Category.CLIENT_OS,
            "devices.platforms",
            {"supported": CLIENT_PLATFORMS},
            Severity.WARNING,
            remediation="Update the devices listed, or leave them out of protected content: "
            + ", ".join(f"{name} {version}" for name, version in CLIENT_PLATFORMS.items())
            + " or later",
            source="[F-RMS] Assess phase: client devices' operating systems; [RMS-DEV]",
        ),
        Requirement(
            "azure_rms.proxy",
            SERVICE,
            "The proxy does not inspect TLS to the RMS service",
            Category.NETWORK,
            "environment.proxy",
            # The RMS clients pin certificates, so TLS interception breaks them; an
            # authenticating proxy must use integrated Windows authentication [RMS-REQ].
            {"tls_inspection_allowed": False, "authentication": ["none", "iwa"]},
            remediation="Exempt the Office 365 portal-and-shared and authentication-and-identity "
            "URLs from TLS inspection; authenticate only with integrated Windows authentication",
            source="[RMS-REQ] network",
        ),
        manual(
            "azure_rms.no-ad-rms",
            SERVICE,
            "AD RMS does not run beside Azure RMS",
            "Is the organization free of an AD RMS deployment (side by side with Azure RMS it is "
            "unsupported, except during a migration)?",
            Category.INFRASTRUCTURE,
            "[RMS-REQ]",
            severity=Severity.WARNING,
        ),
        manual(
            "azure_rms.tenant-key",
            SERVICE,
            "The tenant key suits Exchange Online IRM",
            "Is the Azure RMS tenant key managed by Microsoft (a customer-managed BYOK key blocked "
            "the Exchange Online IRM configuration)?",
            Category.SERVICE,
            "[RMS-O365] BYOK",
            severity=Severity.WARNING,
        ),
        manual(
            "azure_rms.super-user-account",
            SERVICE,
            "The super user account has an e-mail address",
            "Does the account to be made super user have a proxy (e-mail) address?",
            Category.IDENTITY,
            "[RMS-SU]",
            severity=Severity.WARNING,
        ),
    ]
    if on_premises(facts):
        reqs.append(
            manual(
                "azure_rms.ad-prepared",
                SERVICE,
                "On-premises AD and the environment are prepared for Azure RMS",
                "Have the issues that would prevent integration with Azure AD and the Azure RMS features "
                "been remediated in on-premises AD and the environment?",
                Category.ACTIVE_DIRECTORY,
                "[F-RMS] Expectations for your source environment: service onboarding",
            )
        )
    if connector_applies(facts):
        reqs += [
            _connector_servers(
                "azure_rms.connector-server",
                1,
                Severity.BLOCKER,
                "A server meets the RMS connector's prerequisites",
                "Provide a 64-bit member server (Windows Server 2008 R2 or later, 1 GB RAM, 64 GB disk) "
                "for the RMS connector",
            ),
            _connector_servers(
                "azure_rms.connector-high-availability",
                2,
                Severity.WARNING,
                "Two connector servers for high availability",
                "Add a second connector server; FastTrack configures one, the connector's "
                "documentation asks for two",
            ),
            Requirement(
                "azure_rms.connector-proxy",
                SERVICE,
                "The connector servers reach the internet without proxy authentication",
                Category.NETWORK,
                "environment.proxy",
                {"tls_inspection_allowed": False, "authentication": ["none"]},
                remediation="Let the connector servers through the proxy without authentication",
                source="[RMS-CONN] internet access",
            ),
            manual(
                "azure_rms.connector-placement",
                SERVICE,
                "The connector servers are placed as required",
                "Are the connector servers in a forest trusted by the Exchange and SharePoint "
                "forests, and free of Exchange, SharePoint, file classification and domain "
                "controller roles?",
                Category.INFRASTRUCTURE,
                "[RMS-CONN]",
            ),
        ]
    if connector_for_exchange(facts):
        reqs.append(
            Requirement(
                "azure_rms.exchange-version",
                SERVICE,
                "On-premises Exchange is 2010 or 2013",
                Category.INFRASTRUCTURE,
                "environment.exchange_onprem",
                {"versions": list(CONNECTOR_VERSIONS)},
                remediation="FastTrack connects Exchange 2010 and 2013 through the RMS connector",
                source="[F-RMS] Exchange 2013/2010 on-premises",
            )
        )
    if connector_for_sharepoint(facts):
        reqs.append(
            Requirement(
                "azure_rms.sharepoint-version",
                SERVICE,
                "On-premises SharePoint is 2010 or 2013",
                Category.INFRASTRUCTURE,
                "environment.sharepoint_onprem",
                {"versions": list(CONNECTOR_VERSIONS)},
                remediation="FastTrack connects SharePoint 2010 and 2013 through the RMS connector",
                source="[F-RMS] SharePoint 2013/2010 on-premises",
            )
        )
    return reqs
