"""The facts core capabilities read: identity model, forests, writeback, on-premises servers.

Each fact picks a branch of the core plan (or of a service's: the on-premises
Exchange and SharePoint versions are declared here, once, because Intune and Azure
RMS both read them).  Sources: [F-RMS] "Expectations for your source environment"
and "Microsoft responsibilities — Enable phase"; domain-catalog §0 "Identities".
The assessment checks the forest count and the on-premises versions against the
bundle (``onboard.core.assessment.declared``): a plan on a wrong fact is a finding.
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactDefinition, FactKind, FactValue

CORE = "core"

# The identity options the seed lists under "Here's what you can expect" [F-RMS].
CLOUD, SYNCHRONIZED, FEDERATED = "cloud", "synchronized", "federated"
IDENTITIES = (CLOUD, SYNCHRONIZED, FEDERATED)

# Writeback from Azure AD to on-premises AD; with several forests only password
# writeback is supported [F-RMS] Enable phase, multiple forest environment.
WRITEBACK = ("none", "password", "group", "device", "exchange_hybrid")

#: On-premises Exchange / SharePoint versions.  FastTrack covers 2010 and 2013 for the
#: RMS connector [F-RMS]; the connector itself also supports 2016 [RMS-SRV].
ON_PREMISES_VERSIONS = ("none", "2010", "2013", "2016")

#: AD FS releases (1.0 came with Windows Server 2003 R2, 1.1 with 2008, 2.0 as a
#: download for 2008/2008 R2, 2.1 with 2012, 3.0 with 2012 R2, 4.0 with 2016: inferred
#: from the Windows Server releases).  Federated identities need 2.0 or later: "Federated
#: with Active Directory Federation Services (AD FS) 2.0 or later" [F-RMS];
#: domain-catalog §0 "federated (single forest, AD FS 2.0+)" [F-INT][F-AAD].
ADFS_VERSIONS = ("none", "1.0", "1.1", "2.0", "2.1", "3.0", "4.0")
ADFS_TOO_OLD = ("1.0", "1.1")


@hookimpl
def fact_definitions() -> list[FactDefinition]:
    """The core facts; the keys are a contract with running engagements (never renamed)."""
    return [
        FactDefinition(
            "identity",
            CORE,
            "How users sign in: cloud identities, identities synchronized from on-premises AD, "
            "or federated identities (AD FS)",
            FactKind.CHOICE,
            IDENTITIES,
            SYNCHRONIZED,
        ),
        FactDefinition(
            "forest_count",
            CORE,
            "Number of on-premises Active Directory forests to synchronize",
            FactKind.INT,
            default=1,
            examples=(1, 3),
        ),
        FactDefinition(
            "writeback",
            CORE,
            "Writeback wanted from Azure AD to on-premises AD",
            FactKind.CHOICE,
            WRITEBACK,
            "none",
        ),
        FactDefinition(
            "custom_sync_rules",
            CORE,
            "The customer wants custom synchronization rule extensions",
            FactKind.BOOL,
            default=False,
        ),
        FactDefinition(
            "exchange_onprem",
            CORE,
            "Version of on-premises Exchange Server in use (none: mail is in Exchange Online only)",
            FactKind.CHOICE,
            ON_PREMISES_VERSIONS,
            "none",
        ),
        FactDefinition(
            "sharepoint_onprem",
            CORE,
            "Version of on-premises SharePoint Server in use (none: SharePoint Online only)",
            FactKind.CHOICE,
            ON_PREMISES_VERSIONS,
            "none",
        ),
        FactDefinition(
            "adfs_version",
            CORE,
            "Version of the AD FS already running on premises (none: no AD FS yet; for federated "
            "identities the Enable phase deploys one)",
            FactKind.CHOICE,
            ADFS_VERSIONS,
            "none",
        ),
    ]


def on_premises(facts: Mapping[str, FactValue]) -> bool:
    """Identities come from on-premises AD (synchronized or federated)."""
    return facts["identity"] != CLOUD


def single_forest(facts: Mapping[str, FactValue]) -> bool:
    """One forest to synchronize (the branch where AD FS is in scope)."""
    return int(facts["forest_count"]) <= 1


@hookimpl
def validate_facts(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[str]:
    """Combinations of core facts that no plan can honour."""
    problems = []
    if on_premises(facts) and int(facts["forest_count"]) < 1:
        problems.append(
            f"identity={facts['identity']} synchronizes from on-premises AD, so forest_count "
            f"must be at least 1 (got {facts['forest_count']})"
        )
    if not on_premises(facts) and facts["writeback"] != "none":
        problems.append(
            f"writeback={facts['writeback']} writes to on-premises AD, which identity=cloud does "
            "not use: set identity=synchronized or writeback=none"
        )
    if not on_premises(facts) and facts["custom_sync_rules"]:
        problems.append(
            "custom_sync_rules=true describes directory synchronization, which identity=cloud does "
            "not use: set identity=synchronized or custom_sync_rules=false"
        )
    if facts["identity"] == FEDERATED and facts["adfs_version"] in ADFS_TOO_OLD:
        # Refused rather than warned: no plan can federate with it [F-RMS].
        problems.append(
            f'identity=federated needs AD FS 2.0 or later ([F-RMS] "Federated with Active Directory '
            f'Federation Services (AD FS) 2.0 or later"), but adfs_version={facts["adfs_version"]}: '
            "upgrade AD FS and declare its version, or declare adfs_version=none if the AD FS the "
            "Enable phase deploys (core.adfs) replaces it"
        )
    return problems
