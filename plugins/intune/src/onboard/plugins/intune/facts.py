"""The facts that choose Intune's branches: MDM authority, MDM, MAM and PC management.

The seed's Intune list [F-PH] branches on "your management needs": the MDM
authority (Intune alone or with MDM for Office 365; Configuration Manager when an
existing one is extended; none when only MAM is wanted), then MDM, MAM (also beside
a third-party MDM) and PC management, each "if in your scope".  MDM is in scope
exactly when there is an MDM authority.  On-premises Exchange is a core fact
(``exchange_onprem``), shared with Azure RMS.

A third-party MDM rules out an MDM authority: the seed sets Intune as authority "when
Microsoft Intune is your only MDM solution or is in conjunction with Mobile Device
Management for Office 365", Configuration Manager when extending an existing one, and
offers MAM "to complement your existing Microsoft or third-party MDM solution"
[F-PH]; domain-catalog §3 "MAM (also beside 3rd-party MDM)".  So
``third_party_mdm=true`` is refused unless ``mdm_authority=none`` is said explicitly
(the default, intune, would enrol the devices in Intune beside the other MDM).
"""

from collections.abc import Mapping, Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import FactDefinition, FactKind, FactValue

from .service import SERVICE

INTUNE, CONFIGMGR, NONE = "intune", "configmgr", "none"

#: MDM platforms and their minimum versions [INT-DEV] (2016 list: iOS 8.0+, Android
#: 4.0+, Windows Phone 8.1+, Windows 8.1 / RT 8.1 / Windows 10, OS X 10.9+).  The
#: keys are what the ``mdm_platforms`` fact lists; the names are the device inventory's.
MDM_PLATFORMS: dict[str, tuple[str, str]] = {
    "ios": ("iOS", "8.0"),
    "android": ("Android", "4.0"),
    "windows": ("Windows", "8.1"),
    "windows_phone": ("Windows Phone", "8.1"),
    "macos": ("macOS", "10.9"),
}

#: Platforms with app protection (MAM) policies in 2016: iOS and Android [INT-DEV](inferred).
MAM_PLATFORMS = ("ios", "android")


@hookimpl
def fact_definitions() -> list[FactDefinition]:
    """Intune's facts; their keys are a contract with running engagements."""
    return [
        FactDefinition(
            "mdm_authority",
            SERVICE,
            "MDM authority: intune (Intune alone or with MDM for Office 365), configmgr (extend an "
            "existing Configuration Manager), none (only MAM; MDM out of scope)",
            FactKind.CHOICE,
            (INTUNE, CONFIGMGR, NONE),
            INTUNE,
        ),
        FactDefinition(
            "mdm_platforms",
            SERVICE,
            "Comma-separated device platforms to enrol with MDM: " + ", ".join(MDM_PLATFORMS),
            FactKind.TEXT,
            default=",".join(MDM_PLATFORMS),
            examples=("ios,android", "windows"),
        ),
        FactDefinition(
            "mam_in_scope",
            SERVICE,
            "Mobile application management (app protection policies) is in scope",
            FactKind.BOOL,
            default=False,
        ),
        FactDefinition(
            "third_party_mdm",
            SERVICE,
            "Devices are managed by a third-party MDM that Intune MAM is to complement "
            "(needs mdm_authority=none and mam_in_scope=true)",
            FactKind.BOOL,
            default=False,
            companions={"mdm_authority": NONE, "mam_in_scope": True},
        ),
        FactDefinition(
            "pc_in_scope",
            SERVICE,
            "PC management with the Intune client software is in scope",
            FactKind.BOOL,
            default=False,
        ),
        FactDefinition(
            "volume_licensing",
            SERVICE,
            "Licences were bought through volume licensing and must be activated for the tenant",
            FactKind.BOOL,
            default=False,
        ),
    ]


def mdm_in_scope(facts: Mapping[str, FactValue]) -> bool:
    """MDM is in scope exactly when an MDM authority is set [F-PH] (note under the authority)."""
    return facts["mdm_authority"] != NONE


def mdm_platforms(facts: Mapping[str, FactValue]) -> list[str]:
    """The ``mdm_platforms`` fact as a list of keys (unknown keys are kept for validation)."""
    return [p.strip() for p in str(facts["mdm_platforms"]).split(",") if p.strip()]


@hookimpl
def validate_facts(services: Sequence[str], facts: Mapping[str, FactValue]) -> list[str]:
    """Intune fact combinations no plan can honour."""
    if SERVICE not in services:
        return []
    problems = []
    unknown = [p for p in mdm_platforms(facts) if p not in MDM_PLATFORMS]
    if unknown:
        problems.append(
            f"mdm_platforms lists {', '.join(repr(p) for p in unknown)}; the supported platforms are "
            + ", ".join(MDM_PLATFORMS)
        )
    if mdm_in_scope(facts) and not mdm_platforms(facts):
        problems.append(
            f"mdm_authority={facts['mdm_authority']} puts MDM in scope but mdm_platforms is empty: "
            "name the platforms to enrol, or set mdm_authority=none"
        )
    if facts["third_party_mdm"] and mdm_in_scope(facts):
        # Refused, not warned: the plan would enrol the devices in Intune (or Configuration
        # Manager) beside the MDM that manages them [F-PH] (the MDM authority list).
        problems.append(
            f"third_party_mdm=true: the third-party MDM manages the devices, so "
            f"mdm_authority={facts['mdm_authority']} would enrol them in a second MDM (Intune is the "
            "MDM authority only as the only MDM solution): set mdm_authority=none to complement the "
            "third-party MDM with MAM, or third_party_mdm=false if Intune replaces it"
        )
    if facts["third_party_mdm"] and not facts["mam_in_scope"]:
        problems.append(
            "third_party_mdm=true means Intune complements the third-party MDM with MAM policies, "
            "but mam_in_scope=false: set mam_in_scope=true"
        )
    if not mdm_in_scope(facts) and not facts["mam_in_scope"] and not facts["pc_in_scope"]:
        problems.append(
            "mdm_authority=none with mam_in_scope=false and pc_in_scope=false leaves nothing for "
            "Intune to manage: set an MDM authority or put MAM or PC management in scope"
        )
    return problems
