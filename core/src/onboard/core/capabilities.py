"""Core capabilities: tenant and identity integration that comes before every service.

A built-in plugin registered through the same ``onboard.services`` entry point as
every other.  Sources: the seeds (``[F-RMS]`` "Microsoft responsibilities — Enable
phase", ``[F-PH]`` "Enable phase - Core capabilities") and domain-catalog.md §1.
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import (
    Category,
    EnableStep,
    FactDefinition,
    FactKind,
    FactValue,
    Party,
    Requirement,
    ScopeExclusion,
    ServiceInfo,
    Severity,
    StepKind,
)

CORE = "core"

CLOUD, SYNCHRONIZED, FEDERATED = "cloud", "synchronized", "federated"


@hookimpl
def register_services() -> list[ServiceInfo]:
    return [
        ServiceInfo(
            key=CORE,
            name="Core capabilities",
            description="Service provisioning, tenant and identity integration (before every service)",
            min_licenses=0,
            after=(),
            source="[F-PH] Enable phase - Core capabilities",
        )
    ]


@hookimpl
def fact_definitions() -> list[FactDefinition]:
    return [
        FactDefinition(
            "identity", CORE,
            "How users sign in: cloud identities, identities synchronized from on-premises AD, "
            "or federated identities (AD FS)",
            FactKind.CHOICE, (CLOUD, SYNCHRONIZED, FEDERATED), SYNCHRONIZED,
        ),
        FactDefinition(
            "forest_count", CORE, "Number of on-premises Active Directory forests to synchronize",
            FactKind.INT, default=1,
        ),
        FactDefinition(
            "writeback", CORE,
            "Writeback wanted from Azure AD to on-premises AD",
            FactKind.CHOICE, ("none", "password", "group", "device", "exchange_hybrid"), "none",
        ),
        FactDefinition(
            "custom_sync_rules", CORE,
            "The customer wants custom synchronization rule extensions",
            FactKind.BOOL, default=False,
        ),
    ]


def _on_premises(facts: Mapping[str, FactValue]) -> bool:
    return facts["identity"] != CLOUD


def _single_forest(facts: Mapping[str, FactValue]) -> bool:
    return int(facts["forest_count"]) <= 1


@hookimpl
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[ScopeExclusion]:
    rules = []
    if _on_premises(facts) and not _single_forest(facts):
        rules.append(ScopeExclusion(
            "core.scope.adfs-multi-forest", CORE, "AD FS deployment",
            f"{facts['forest_count']} forests: for all multiple-forest configurations, "
            "AD FS deployment is out of scope for the FastTrack Center Benefit",
            "[F-RMS] Expectations for your source environment",
        ))
        if facts["writeback"] not in ("none", "password"):
            rules.append(ScopeExclusion(
                "core.scope.writeback-multi-forest", CORE, f"{facts['writeback']} writeback",
                "with several forests only password hash sync and password writeback are "
                "supported; other writeback scenarios are not",
                "[F-RMS] Enable phase, multiple forest environment",
            ))
    if facts["custom_sync_rules"]:
        rules.append(ScopeExclusion(
            "core.scope.custom-sync-rules", CORE, "Custom synchronization rule extensions",
            "development and implementation of custom rules extensions are out of scope",
            "[F-RMS] Enable phase, multiple forest environment (note)",
        ))
    return rules


@hookimpl
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[EnableStep]:
    src = "[F-RMS] Microsoft responsibilities, Enable phase"
    steps = [
        EnableStep("core.activate-tenant", CORE, "Activate the tenant for the eligible services",
                   StepKind.MANUAL, Party.CUSTOMER, source=src),
        EnableStep("core.firewall-ports", CORE, "Configure firewall ports",
                   StepKind.MANUAL, Party.CUSTOMER, ("core.activate-tenant",), source=src),
        EnableStep("core.dns", CORE, "Configure DNS for the eligible services",
                   StepKind.MANUAL, Party.CUSTOMER, ("core.activate-tenant",), source=src),
        EnableStep("core.validate-connectivity", CORE, "Validate connectivity to the services",
                   StepKind.AUTOMATED, Party.PROVIDER, ("core.firewall-ports", "core.dns"), source=src),
    ]
    if not _on_premises(facts):
        return steps
    if _single_forest(facts):
        steps += [
            EnableStep("core.dirsync-single-forest", CORE,
                       "Install Azure AD Connect directory synchronization for the forest",
                       StepKind.MANUAL, Party.CUSTOMER, ("core.validate-connectivity",),
                       "forest_count=1", src),
            EnableStep("core.password-sync", CORE,
                       "Configure password synchronization with Azure AD Connect",
                       StepKind.MANUAL, Party.CUSTOMER, ("core.dirsync-single-forest",),
                       "forest_count=1", src),
        ]
        last = "core.password-sync"
        if facts["identity"] == FEDERATED:
            steps += [
                EnableStep("core.adfs", CORE,
                           "Install and configure AD FS (single-site, fault-tolerant) for "
                           "local domain authentication with Azure AD",
                           StepKind.MANUAL, Party.CUSTOMER, (last,), "identity=federated", src),
                EnableStep("core.test-sso", CORE, "Test single sign-on",
                           StepKind.MANUAL, Party.PROVIDER, ("core.adfs",), "identity=federated", src),
            ]
    else:
        steps += [
            EnableStep("core.dirsync-multi-forest", CORE,
                       "Install Azure AD Connect synchronization set up for multiple forests",
                       StepKind.MANUAL, Party.CUSTOMER, ("core.validate-connectivity",),
                       "forest_count>1", src),
            EnableStep("core.multi-forest-sync", CORE,
                       "Configure synchronization between the on-premises forests and Azure AD "
                       "(password hash sync; password writeback only)",
                       StepKind.MANUAL, Party.CUSTOMER, ("core.dirsync-multi-forest",),
                       "forest_count>1", src),
        ]
    return steps


@hookimpl
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[Requirement]:
    reqs = [
        Requirement(
            "core.dns-records", CORE, "Customer domains are delegated and their zones exported",
            Category.DNS, "dns.zones_present", severity=Severity.WARNING,
            remediation="Export the DNS zone of every UPN/e-mail domain into the bundle's dns/ folder",
            source="[F-RMS] Assess phase: DNS, network, and infrastructure needs",
        ),
    ]
    if _on_premises(facts):
        reqs += [
            Requirement(
                "core.forest-functional-level", CORE,
                "Forest functional level is Windows Server 2008 or later",
                Category.ACTIVE_DIRECTORY, "ad.forest_functional_level",
                {"minimum": "Windows2008Forest"},
                remediation="Raise the forest functional level to Windows Server 2008 or later",
                source="[F-RMS] Expectations for your source environment; domain-catalog §1",
            ),
            Requirement(
                "core.directory-readiness", CORE,
                "Directory objects pass the IdFix synchronization-readiness rules",
                Category.IDENTITY, "directory.idfix",
                remediation="Fix the objects IdFix reports (see the IdFix CSV in the report)",
                source="domain-catalog §5 (IdFix multi-tenant rules)",
            ),
            Requirement(
                "core.upn-suffixes-routable", CORE,
                "UPN suffixes are routable internet domains",
                Category.IDENTITY, "ad.upn_suffixes_routable",
                remediation="Add a routable UPN suffix and assign it to the users to synchronize",
                source="domain-catalog §5 (RFC 2822 top-level-domain rule)",
            ),
        ]
    return reqs
