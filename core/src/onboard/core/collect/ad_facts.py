"""Forest and domain facts read from a domain controller, as Get-ADForest/Get-ADDomain give them.

* the **rootDSE**: the naming contexts, ``forestFunctionality`` and
  ``domainFunctionality`` (the functional levels' numbers);
* the **partitions container** (``CN=Partitions,CN=Configuration,...``): the forest's
  alternative UPN suffixes (``uPNSuffixes``) and one ``crossRef`` per domain
  (``nETBIOSName``, ``dnsRoot``, ``nCName`` and the domain's ``msDS-Behavior-Version``);
* the **schema**: which of the attributes IdFix reads it defines (a directory without
  Exchange's schema has no ``mailNickname``, ``targetAddress``, ``msExch*``).

:func:`forest_json` and :func:`domain_json` write what ``Get-ADForest |
ConvertTo-Json -EnumsAsStrings`` (PowerShell 7) writes for the fields the assessment
reads, so the bundle is read by the same code as a manual export.
"""

from attrs import frozen
from onboard.core.assessment.ad import Domain, Forest, functional_level, mode_name
from onboard.core.collect.ldap_client import CollectError, DirectoryConnection, Reference

_ROOT_DSE = [
    "defaultNamingContext",
    "configurationNamingContext",
    "schemaNamingContext",
    "rootDomainNamingContext",
    "namingContexts",
    "forestFunctionality",
    "domainFunctionality",
    "dnsHostName",
    "supportedControl",
]
_CROSSREF = ["nETBIOSName", "dnsRoot", "nCName", "msDS-Behavior-Version", "systemFlags"]
#: systemFlags bit of a crossRef that stands for an Active Directory domain (FLAG_CR_NTDS_DOMAIN).
_NTDS_DOMAIN = 0x2


@frozen
class DcFacts:
    """What one domain controller's rootDSE and configuration say."""

    server: str
    dns_host: str
    default_nc: str
    config_nc: str
    schema_nc: str
    root_nc: str
    forest_level: int
    domain_level: int
    paged: bool


@frozen
class ForestFacts:
    """The forest as the partitions container describes it."""

    forest: Forest
    domains: tuple[Domain, ...]
    domain_ncs: dict[str, str]  # DNS name -> naming context (as the crossRef writes it)
    app_ncs: tuple[str, ...]  # application partitions (DNS zones) and the like


def _first(raw: dict, name: str) -> str:
    for key, values in raw.items():
        if key.lower() == name.lower() and values:
            value = values[0]
            return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    return ""


def _all(raw: dict, name: str) -> list[str]:
    for key, values in raw.items():
        if key.lower() == name.lower():
            return [v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v) for v in values]
    return []


def _level(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1


def read_dc(conn: DirectoryConnection) -> DcFacts:
    """The rootDSE; :class:`CollectError` when the server is not an Active Directory DC."""
    raw = conn.read("", _ROOT_DSE)
    if raw is None:
        raise CollectError(f"{conn.url}: the rootDSE cannot be read")
    forest = _first(raw, "forestFunctionality")
    if not forest or not _first(raw, "defaultNamingContext"):
        raise CollectError(
            f"{conn.url}: not an Active Directory domain controller (its rootDSE has no "
            "forestFunctionality or defaultNamingContext)"
        )
    return DcFacts(
        server=conn.url,
        dns_host=_first(raw, "dnsHostName"),
        default_nc=_first(raw, "defaultNamingContext"),
        config_nc=_first(raw, "configurationNamingContext"),
        schema_nc=_first(raw, "schemaNamingContext"),
        root_nc=_first(raw, "rootDomainNamingContext"),
        forest_level=_level(forest),
        domain_level=_level(_first(raw, "domainFunctionality")),
        paged="1.2.840.113556.1.4.319" in _all(raw, "supportedControl"),
    )


def read_forest(conn: DirectoryConnection, dc: DcFacts) -> ForestFacts:
    """UPN suffixes and domains from the partitions container."""
    partitions = f"CN=Partitions,{dc.config_nc}"
    container = conn.read(partitions, ["uPNSuffixes", "msDS-Behavior-Version"])
    if container is None:
        raise CollectError(f"{conn.url}: {partitions} does not exist (the partitions container)")
    suffixes = tuple(s.lower() for s in _all(container, "uPNSuffixes"))
    domains: list[Domain] = []
    domain_ncs: dict[str, str] = {}
    apps: list[str] = []
    root = ""
    for item in conn.search(partitions, "(objectClass=crossRef)", _CROSSREF, paged=False, scope="LEVEL"):
        if isinstance(item, Reference):
            continue
        _, raw = item
        nc, dns_root = _first(raw, "nCName"), _first(raw, "dnsRoot").lower()
        flags = _level(_first(raw, "systemFlags") or "0")
        if not (flags & _NTDS_DOMAIN and _first(raw, "nETBIOSName")):
            if nc and not nc.lower().startswith(("cn=configuration,", "cn=schema,")):
                apps.append(nc)
            continue
        level_text = _first(raw, "msDS-Behavior-Version")
        # A domain's crossRef carries its functional level; the DC's own domain is in the rootDSE.
        level = dc.domain_level if nc.lower() == dc.default_nc.lower() else _level(level_text)
        netbios = _first(raw, "nETBIOSName")
        domains.append(Domain(dns_root, level, mode_name(level, "Domain") or str(level), "", netbios))
        domain_ncs[dns_root] = nc
        if nc.lower() == dc.root_nc.lower():
            root = dns_root
    if not domains:
        raise CollectError(f"{conn.url}: {partitions} holds no domain crossRef")
    root = root or domains[0].dns_root
    domains = [Domain(d.dns_root, d.mode, d.mode_text, root, d.netbios_name) for d in domains]
    forest = Forest(
        name=root,
        mode=dc.forest_level,
        mode_text=mode_name(dc.forest_level, "Forest") or str(dc.forest_level),
        domains=tuple(d.dns_root for d in domains),
        upn_suffixes=suffixes,
    )
    return ForestFacts(forest, tuple(domains), domain_ncs, tuple(apps))


def missing_attributes(conn: DirectoryConnection, dc: DcFacts, names: list[str]) -> list[str]:
    """The attributes of ``names`` the schema does not define (by lDAPDisplayName)."""
    clauses = "".join(f"(lDAPDisplayName={n})" for n in names)
    found: set[str] = set()
    for item in conn.search(dc.schema_nc, f"(|{clauses})", ["lDAPDisplayName"], scope="LEVEL"):
        if not isinstance(item, Reference):
            found.update(v.lower() for v in _all(item[1], "lDAPDisplayName"))
    return [n for n in names if n.lower() not in found]


def forest_json(facts: ForestFacts) -> dict[str, object]:
    """forest.json as ``Get-ADForest | ConvertTo-Json -EnumsAsStrings`` writes these fields."""
    forest = facts.forest
    return {
        "Name": forest.name,
        "RootDomain": forest.name,
        "ForestMode": forest.mode_text if functional_level(forest.mode_text) is not None else forest.mode,
        "Domains": list(forest.domains),
        "UPNSuffixes": list(forest.upn_suffixes),
        "ApplicationPartitions": list(facts.app_ncs),
    }


def domain_json(facts: ForestFacts) -> list[dict[str, object]]:
    """domains.json: one ``Get-ADDomain`` object per domain of the forest."""
    return [
        {
            "DNSRoot": d.dns_root,
            "DomainMode": d.mode_text if functional_level(d.mode_text) is not None else d.mode,
            "NetBIOSName": d.netbios_name,
            "Forest": d.forest,
            "DistinguishedName": facts.domain_ncs.get(d.dns_root, ""),
            "Name": d.netbios_name,
        }
        for d in facts.domains
    ]
