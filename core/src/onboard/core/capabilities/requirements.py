"""What the source environment must satisfy before core capabilities can be enabled.

The seed's expectation [F-RMS] "Expectations for your source environment": forests
at functional level Windows Server 2008 or above, in a single- or multiple-forest
configuration.  The prerequisites behind directory synchronization and AD FS come
from domain-catalog §1 ([AADC-PRE], [AADC-TOP]); directory hygiene from §5 (IdFix).
Checks are the assessment engine's (``onboard.core.assessment``); ``manual`` ones
are confirmed by a person.  The facts the plan branches on are checked against the
bundle too (``facts.*``): a contradiction is a failed requirement, a bundle without
the data one that could not run.
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, FactValue, Requirement, Severity

from .facts import CORE, FEDERATED, on_premises, single_forest
from .helpers import manual

#: The on-premises facts and the environment file's table that shows the same thing.
_ON_PREMISES_FACTS = (
    ("exchange_onprem", "exchange", "Exchange", "[F-RMS] Exchange 2013/2010 on-premises; [INT-EXC]"),
    ("sharepoint_onprem", "sharepoint", "SharePoint", "[F-RMS] SharePoint 2013/2010 on-premises"),
)


def declared_on_premises(
    fact: str, product: str, name: str, source: str, facts: Mapping[str, FactValue]
) -> Requirement:
    """The bundle shows the on-premises product ``fact`` declares (none, or that version).

    A declared version is a blocker: Enable steps (the RMS and Intune connectors, AD FS)
    are planned for it.  A declared ``none`` is a warning: the plan only leaves out
    what the bundle says exists, which the parties may accept.
    """
    declared = str(facts[fact])
    return Requirement(
        f"core.{fact.replace('_', '-')}-declared",
        CORE,
        f"The bundle shows the on-premises {name} the plan assumes ({fact}={declared})",
        Category.INFRASTRUCTURE,
        "facts.on_premises",
        {"fact": fact, "declared": declared, "product": product},
        Severity.WARNING if declared == "none" else Severity.BLOCKER,
        remediation=f"Make the bundle's [{product}] table and the engagement's {fact} fact agree: "
        f"correct the table (present = false, or the version in use) or, if it is right, the fact "
        "(the plan's branches follow the fact)",
        source=f"{source}: the branch follows {fact}",
    )


def proxy_requirement() -> Requirement:
    """Outbound access through the customer's proxy; also verifies ``core.validate-connectivity``."""
    return Requirement(
        "core.proxy",
        CORE,
        "The proxy lets the servers reach the online services (no authentication, or integrated "
        "Windows authentication)",
        Category.NETWORK,
        "environment.proxy",
        # Azure AD Connect reads its proxy from machine.config and authenticates with the
        # machine's credentials at most [AADC-PRE]; TLS inspection is tolerated here (the
        # stricter Azure RMS rule lives in its plugin).
        {"tls_inspection_allowed": True, "authentication": ["none", "iwa"]},
        Severity.WARNING,
        remediation="Allow the servers out through the proxy without authentication, or with "
        "integrated Windows authentication",
        source="[AADC-PRE] proxy via machine.config; [F-RMS] Assess phase: network",
    )


@hookimpl
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[Requirement]:
    """Core requirements for ``facts``: always network and tenant, then AD, sync and AD FS."""
    reqs = [
        Requirement(
            "core.dns-records",
            CORE,
            "Customer domains are delegated and their zones exported",
            Category.DNS,
            "dns.zones_present",
            severity=Severity.WARNING,
            remediation="Export the DNS zone of every UPN/e-mail domain into the bundle's dns/ folder",
            source="[F-RMS] Assess phase: DNS, network, and infrastructure needs",
        ),
        proxy_requirement(),
        manual(
            "core.verified-domains",
            CORE,
            "The customer's domains are added and verified in the tenant",
            "Is every UPN and e-mail domain to be used added to the tenant and verified?",
            Category.DNS,
            "[AADC-PRE] verified custom domain",
            severity=Severity.WARNING,
        ),
        manual(
            "core.global-admin",
            CORE,
            "A Global Administrator work account is available",
            "Is there an Azure AD work account (not a Microsoft account) with the Global "
            "Administrator role for the configuration?",
            Category.IDENTITY,
            "[AADC-PRE] accounts",
        ),
    ]
    reqs += [declared_on_premises(*entry, facts) for entry in _ON_PREMISES_FACTS]
    if not on_premises(facts):
        return reqs
    reqs += [
        Requirement(
            "core.forest-functional-level",
            CORE,
            "Forest functional level is Windows Server 2008 or later",
            Category.ACTIVE_DIRECTORY,
            "ad.forest_functional_level",
            {"minimum": "Windows2008Forest"},
            remediation="Raise the forest functional level to Windows Server 2008 or later",
            source="[F-RMS] Expectations for your source environment; domain-catalog §1",
        ),
        Requirement(
            "core.forest-count",
            CORE,
            f"The forests found match the plan (forest_count={facts['forest_count']})",
            Category.ACTIVE_DIRECTORY,
            # Both ways: a second forest not exported is as wrong as one too many, since
            # the identity branch (one forest, or several without AD FS) follows the count.
            "facts.forest_count",
            {"fact": "forest_count", "declared": int(facts["forest_count"])},
            remediation="Export every forest to be synchronized into forest.json (an array), or "
            "correct the engagement's forest_count fact (the plan's identity branch depends on it)",
            source="[F-RMS] Expectations for your source environment: single or multiple forests",
        ),
        Requirement(
            "core.directory-readiness",
            CORE,
            "Directory objects pass the IdFix synchronization-readiness rules",
            Category.IDENTITY,
            "directory.idfix",
            remediation="Fix the objects IdFix reports (see the IdFix CSV in the report)",
            source="domain-catalog §5 (IdFix multi-tenant rules)",
        ),
        Requirement(
            "core.upn-suffixes-routable",
            CORE,
            "UPN suffixes are routable internet domains",
            Category.IDENTITY,
            "ad.upn_suffixes_routable",
            remediation="Add a routable UPN suffix and assign it to the users to synchronize",
            source="domain-catalog §5 (RFC 2822 top-level-domain rule)",
        ),
        manual(
            "core.enterprise-admin",
            CORE,
            "An Enterprise Admin account is available for Azure AD Connect",
            "Is an on-premises Enterprise Admin account available for the Azure AD Connect "
            "express installation?",
            Category.IDENTITY,
            "[AADC-PRE] accounts",
        ),
        manual(
            "core.aad-connect-server",
            CORE,
            "A server for Azure AD Connect meets its prerequisites",
            "Is there a domain-joined server for Azure AD Connect running Windows Server 2008 R2 SP1 "
            "or later (not Small Business Server or Essentials) with .NET 4.5.1+ and PowerShell "
            "3.0+, sized for the object count (under 50,000 objects: 4 GB RAM and 70 GB disk; "
            "50-100k: 16 GB/100 GB; 100-300k: 32 GB/300 GB; 300-600k: 32 GB/450 GB; above: "
            "32 GB/500 GB)?",
            Category.INFRASTRUCTURE,
            "[AADC-PRE] server, hardware",
        ),
        manual(
            "core.aad-connect-sql",
            CORE,
            "A SQL Server for more than 100,000 objects",
            "If more than 100,000 objects are synchronized, is there a SQL Server 2008 SP4 to 2014 "
            "instance with a case-insensitive (_CI_) collation for Azure AD Connect (the built-in "
            "LocalDB holds 10 GB, about 100,000 objects)?",
            Category.INFRASTRUCTURE,
            "[AADC-PRE] SQL",
            severity=Severity.WARNING,
        ),
        manual(
            "core.writable-dc",
            CORE,
            "A writable domain controller is reachable in every forest",
            "Can the Azure AD Connect server reach a writable domain controller (not a read-only "
            "DC) in every forest to synchronize?",
            Category.ACTIVE_DIRECTORY,
            "[AADC-PRE] writable DC; [AADC-TOP] all forests reachable",
        ),
    ]
    if not single_forest(facts):
        reqs.append(
            manual(
                "core.multi-forest-topology",
                CORE,
                "The forests fit one Azure AD Connect topology",
                "Are all forests reachable from the one active sync server, and is every user "
                "represented once (matched by mail across forests, or by ObjectSID and "
                "msExchMasterAccountSID for account and resource forests)?",
                Category.IDENTITY,
                "[AADC-TOP] topology",
            )
        )
    if facts["writeback"] == "password":
        reqs.append(
            manual(
                "core.password-writeback-dcs",
                CORE,
                "Domain controllers support password writeback",
                "Do the domain controllers run Windows Server 2008 or later with the latest service "
                "pack (and KB2386717 on Windows Server 2008 before R2)?",
                Category.ACTIVE_DIRECTORY,
                "[AADC-PRE] password writeback",
            )
        )
    if facts["identity"] == FEDERATED and single_forest(facts):
        reqs += [
            Requirement(
                "core.adfs-version",
                CORE,
                "AD FS, where it already runs, is version 2.0 or later",
                Category.IDENTITY,
                "environment.adfs",
                {"min_version": "2.0"},
                # A blocker, not a warning: federated identities are "federated with AD FS
                # 2.0 or later" [F-RMS]; domain-catalog §0 "federated (..., AD FS 2.0+)".
                Severity.BLOCKER,
                remediation="Upgrade AD FS to 2.0 or later (or retire it: the Enable phase deploys "
                "AD FS new, and adfs_version=none says so)",
                source="[F-RMS] federated identities: AD FS 2.0 or later",
            ),
            declared_on_premises("adfs_version", "adfs", "AD FS", "[F-RMS] federated identities", facts),
            manual(
                "core.adfs-servers",
                CORE,
                "Servers for AD FS and Web Application Proxy are ready",
                "Are there servers for AD FS and the Web Application Proxy running Windows Server "
                "2012 R2 or later with 2 cores, 2 GB RAM and WinRM enabled?",
                Category.INFRASTRUCTURE,
                "[AADC-PRE] AD FS",
            ),
            manual(
                "core.adfs-certificate",
                CORE,
                "A public SSL certificate for the federation service",
                "Is there a public SSL certificate whose subject or SAN is the federation service "
                "name (plus enterpriseregistration.<UPN suffix> for Workplace Join), with a key "
                "that is not CNG/KSP (a wildcard certificate is fine)?",
                Category.INFRASTRUCTURE,
                "[AADC-PRE] AD FS certificate; [F-RMS] your responsibilities: public SSL certificates",
            ),
            manual(
                "core.adfs-dns",
                CORE,
                "The federation service name resolves on the intranet",
                "Is there an intranet DNS A record (not a CNAME) for the federation service name?",
                Category.DNS,
                "[AADC-PRE] AD FS DNS",
                severity=Severity.WARNING,
            ),
        ]
    return reqs
