"""The assessment checks: what a requirement's ``check`` names, and the registry.

Each check is ``function(context, requirement) -> Finding``: it reads what it needs
from the :class:`~onboard.core.assessment.context.CheckContext` and judges it
against ``requirement.params``.  A check does not catch
:class:`~onboard.core.assessment.problems.InputProblem`: the engine turns it into a
``not_run`` finding that names the file, line and field.  Bad ``params`` raise
:class:`ParamsError` (the plugin's mistake), also reported, never a crash.

Plugins add checks through the ``register_checks(register)`` hook:
``register(name, function, description)``.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import structlog
from attrs import frozen
from onboard.core.assessment.ad import functional_level, known_levels, level_title
from onboard.core.assessment.context import CheckContext
from onboard.core.assessment.devices import platform_name
from onboard.core.assessment.environment import OnPremises, lookup
from onboard.core.assessment.idfix import MODES
from onboard.core.assessment.idfix_rules import is_routable
from onboard.core.assessment.problems import InputProblem, InputState
from onboard.core.assessment.versions import at_least, compare_versions, format_version, parse_version
from onboard.core.models import Finding, Outcome, Requirement

log = structlog.get_logger(__name__)

CheckFunction = Callable[[CheckContext, Requirement], Finding]
#: Details kept on a finding; ``Finding.total`` has the full count.
MAX_DETAILS = 20


class ParamsError(ValueError):
    """A requirement's ``params`` do not fit its check."""


@frozen
class CheckInfo:
    """A registered check: what ``onboard checks`` lists."""

    name: str
    function: CheckFunction
    description: str
    inputs: tuple[str, ...] = ()
    params: str = ""
    provider: str = "onboard-core"


BUILTIN_CHECKS: dict[str, CheckInfo] = {}


def check(
    name: str, description: str, inputs: Iterable[str] = (), params: str = ""
) -> Callable[[CheckFunction], CheckFunction]:
    """Register a built-in check under ``name``."""

    def decorate(function: CheckFunction) -> CheckFunction:
        BUILTIN_CHECKS[name] = CheckInfo(name, function, description, tuple(inputs), params)
        return function

    return decorate


def finding(
    requirement: Requirement,
    outcome: Outcome,
    summary: str,
    details: Iterable[str] = (),
    location: str = "",
) -> Finding:
    """A finding for ``requirement``; details are capped at :data:`MAX_DETAILS`."""
    items = list(details)
    return Finding(
        requirement_id=requirement.id,
        service=requirement.service,
        outcome=outcome,
        summary=summary,
        details=tuple(items[:MAX_DETAILS]),
        total=len(items),
        location=location,
    )


def passed(
    requirement: Requirement, summary: str, details: Iterable[str] = (), location: str = ""
) -> Finding:
    """A ``pass`` finding."""
    return finding(requirement, Outcome.PASS, summary, details, location)


def failed(
    requirement: Requirement, summary: str, details: Iterable[str] = (), location: str = ""
) -> Finding:
    """A ``fail`` finding."""
    return finding(requirement, Outcome.FAIL, summary, details, location)


def _param(requirement: Requirement, name: str, kind: type | tuple[type, ...], default: Any = ...) -> Any:
    params = requirement.params or {}
    if name not in params:
        if default is ...:
            raise ParamsError(f"check {requirement.check!r} needs the parameter {name!r}")
        return default
    value = params[name]
    if not isinstance(value, kind) or (kind in (int, float) and isinstance(value, bool)):
        wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ParamsError(f"parameter {name!r} must be {wanted}, got {value!r}")
    return value


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


# ---------------------------------------------------------------------------
# Active Directory
# ---------------------------------------------------------------------------


def _minimum_level(requirement: Requirement) -> int:
    raw = _param(requirement, "minimum", (str, int))
    level = functional_level(raw)
    if level is None:
        raise ParamsError(f"parameter 'minimum' {raw!r} is not a functional level (known: {known_levels()})")
    return level


@check(
    "ad.forest_functional_level",
    "Every forest's functional level is at least the minimum",
    ["forest.json"],
    "minimum: a ForestMode name or number, e.g. Windows2008Forest",
)
def forest_functional_level(context: CheckContext, requirement: Requirement) -> Finding:
    """Every forest's functional level is at least the minimum."""
    forests = [(f.name, f.mode, f.mode_text, f.line) for f in context.forests()]
    return _levels_at_least(requirement, forests, "forest", "forest.json", "ForestMode")


@check(
    "ad.domain_functional_level",
    "Every domain's functional level is at least the minimum",
    ["domains.json"],
    "minimum: a DomainMode name or number, e.g. Windows2008Domain",
)
def domain_functional_level(context: CheckContext, requirement: Requirement) -> Finding:
    """Every domain's functional level is at least the minimum."""
    domains = [(d.dns_root, d.mode, d.mode_text, d.line) for d in context.domains()]
    return _levels_at_least(requirement, domains, "domain", "domains.json", "DomainMode")


def _levels_at_least(
    requirement: Requirement,
    items: list[tuple[str, int, str, int | None]],
    kind: str,
    file: str,
    field: str,
) -> Finding:
    """The functional-level rule shared by forests and domains: (name, mode, text, line)."""
    minimum = _minimum_level(requirement)
    low = [item for item in items if item[1] < minimum]
    lines = [f"{name}: {level_title(mode)} ({text})" for name, mode, text, _ in items]
    if low:
        worst_line = low[0][3]
        return failed(
            requirement,
            f"{_plural(len(low), kind)} below {level_title(minimum)}: "
            + ", ".join(f"{name} is at {level_title(mode)}" for name, mode, _, _ in low),
            lines,
            f"{file}:{worst_line} {field}" if worst_line else file,
        )
    return passed(requirement, f"every {kind} is at {level_title(minimum)} or later", lines, file)


@check(
    "ad.forest_count",
    "Reports the forests found; fails above the maximum",
    ["forest.json"],
    "maximum: optional whole number",
)
def forest_count(context: CheckContext, requirement: Requirement) -> Finding:
    """Reports the forests found; fails above the maximum."""
    maximum = _param(requirement, "maximum", int, None)
    forests = context.forests()
    names = ", ".join(f.name for f in forests)
    summary = f"{_plural(len(forests), 'forest')}: {names}"
    details = [f"{f.name}: domains {', '.join(f.domains)}" for f in forests]
    if maximum is not None and len(forests) > maximum:
        return failed(requirement, f"{summary} (at most {maximum} supported)", details, "forest.json")
    return passed(requirement, summary, details, "forest.json")


@check(
    "ad.upn_suffixes_routable",
    "UPN suffixes are routable internet domains (IdFix's TLD list)",
    ["forest.json", "domains.json"],
    "none",
)
def upn_suffixes_routable(context: CheckContext, requirement: Requirement) -> Finding:
    """UPN suffixes are routable internet domains (IdFix's TLD list)."""
    forests = context.forests()
    try:
        roots = [d.dns_root for d in context.domains()]
    except InputProblem as problem:
        if problem.state is not InputState.MISSING:
            raise
        roots = [d for f in forests for d in f.domains]
    explicit = sorted({s for f in forests for s in f.upn_suffixes})
    bad_explicit = [s for s in explicit if not is_routable(s)]
    routable = [s for s in (*explicit, *roots) if is_routable(s)]
    details = [f"{s}: {'routable' if is_routable(s) else 'NOT routable'} (UPN suffix)" for s in explicit]
    details += [
        f"{r}: {'routable' if is_routable(r) else 'not routable'} (domain DNS name)"
        for r in sorted(set(roots))
    ]
    if bad_explicit:
        return failed(
            requirement,
            f"UPN suffix{'es' if len(bad_explicit) > 1 else ''} not routable: {', '.join(bad_explicit)}",
            details,
            "forest.json UPNSuffixes",
        )
    if not routable:
        return failed(
            requirement,
            f"no routable UPN suffix: the domains ({', '.join(sorted(set(roots)))}) are not internet "
            "domains and no routable suffix is added",
            details,
            "forest.json UPNSuffixes",
        )
    return passed(
        requirement, f"users can sign in with {', '.join(sorted(set(routable)))}", details, "forest.json"
    )


# ---------------------------------------------------------------------------
# The directory
# ---------------------------------------------------------------------------


@check(
    "directory.idfix",
    "Directory objects pass IdFix's synchronization-readiness rules",
    ["directory.ldf"],
    "mode: multi-tenant (default); alternate_login_id: bool (skip UPN rules)",
)
def directory_idfix(context: CheckContext, requirement: Requirement) -> Finding:
    """Directory objects pass IdFix's synchronization-readiness rules."""
    mode = _param(requirement, "mode", str, "multi-tenant")
    if mode not in MODES:
        raise ParamsError(f"IdFix mode {mode!r} is not supported (supported: {', '.join(MODES)})")
    alternate = _param(requirement, "alternate_login_id", bool, False)
    result = context.directory(mode, alternate)
    problems = result.problems
    counts = (
        f"{result.processed:,} of {_plural(result.records, 'object')} checked "
        f"({result.skipped:,} skipped as IdFix does, {result.out_of_scope:,} neither person nor group)"
    )
    details = [*(f"malformed LDIF: {p}" for p in problems), *(row.describe() for row in result.sample)]
    total = result.problem_count + result.errors
    if result.errors or result.problem_count:
        kinds = ", ".join(f"{kind} {count:,}" for kind, count in result.by_kind.items())
        summary = f"{_plural(result.errors, 'IdFix error')} ({kinds}); {counts}"
        if result.problem_count:
            summary += f"; {_plural(result.problem_count, 'malformed record')}"
        item = failed(requirement, summary, details, result.file)
        return Finding(
            item.requirement_id, item.service, item.outcome, item.summary, item.details, total, item.location
        )
    if not result.processed:  # a check that ran on nothing is no pass
        return finding(
            requirement,
            Outcome.NOT_RUN,
            f"no person or group object to check in {result.file or 'directory.ldf'} (an empty or cut-off "
            f"export?); {counts}",
            details,
            result.file,
        )
    return passed(requirement, f"no IdFix error; {counts}", (), result.file)


# ---------------------------------------------------------------------------
# DNS
# ---------------------------------------------------------------------------


@check(
    "dns.zones_present",
    "A zone file for every customer domain (UPN suffixes, domains, e-mail domains)",
    ["dns/", "forest.json", "domains.json", "environment"],
    "none",
)
def zones_present(context: CheckContext, requirement: Requirement) -> Finding:
    """A zone file for every customer domain (UPN suffixes, domains, e-mail domains)."""
    domains, sources, broken = context.domain_sources()
    zones, problems = context.zones()
    if not domains:  # nothing to look for is no pass
        return finding(
            requirement,
            Outcome.NOT_RUN,
            "no customer domain is known: forest.json (UPN suffixes), domains.json or the environment "
            "file must name them",
            [p.describe() for p in problems],
            "dns/",
        )
    origins = {z.origin for z in zones}
    unreadable = [p.describe() for p in problems]
    absent = [d for d in domains if d not in origins]
    details = [
        f"{d}: {'zone ' + next(z.file for z in zones if z.origin == d) if d in origins else 'NO zone file'}"
        for d in domains
    ] + unreadable
    if absent or unreadable:
        summary = f"no zone file for {', '.join(absent)}" if absent else "some zone files cannot be read"
        if absent and unreadable:
            summary += f"; {_plural(len(unreadable), 'zone file')} cannot be read"
        return failed(requirement, summary, details, "dns/")
    if broken:  # the domains a broken file names are not known: no pass
        return finding(
            requirement,
            Outcome.NOT_RUN,
            f"a zone for each of {', '.join(domains)}, but {broken[0].describe()}: the domains it names "
            "are not known",
            [*details, *(p.describe() for p in broken)],
            broken[0].location,
        )
    return passed(
        requirement,
        f"a zone for each of {', '.join(domains)} (domains from {', '.join(sources)})",
        details,
        "dns/",
    )


def _record_specs(requirement: Requirement) -> list[tuple[str, str, str]]:
    records = _param(requirement, "records", list)
    specs = []
    for n, item in enumerate(records):
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str) or not item["name"]:
            raise ParamsError(
                f"records[{n}] must be a table with a 'name' (a label such as 'enterpriseenrollment')"
            )
        kind = item.get("type", "CNAME")
        target = item.get("target", "")
        if not isinstance(kind, str) or not isinstance(target, str):
            raise ParamsError(f"records[{n}]: 'type' and 'target' must be text")
        specs.append((item["name"].strip(".").lower(), kind.upper(), target.strip().rstrip(".").lower()))
    return specs


@check(
    "dns.records",
    "Every customer zone has the records a service needs (e.g. Intune's CNAMEs)",
    ["dns/"],
    "records: list of {name, type (default CNAME), target}",
)
def dns_records(context: CheckContext, requirement: Requirement) -> Finding:
    """Every customer zone has the records a service needs (e.g. Intune's CNAMEs)."""
    specs = _record_specs(requirement)
    zones, problems = context.zones()
    customer = [z for z in zones if is_routable(z.origin)]
    if not customer:
        raise InputProblem("dns/", "holds no zone of a routable domain", state=InputState.MISSING)
    wrong: list[str] = []
    good: list[str] = []
    first_bad = ""
    for zone in customer:
        for label, kind, target in specs:
            owner = f"{label}.{zone.origin}"
            values = zone.records(owner, kind)
            expected = f" {target}" if target else ""
            if not values:
                wrong.append(f"{zone.file}: {owner} has no {kind} record (expected{expected or ' one'})")
            elif target and target not in values:
                wrong.append(f"{zone.file}: {owner} {kind} points to {', '.join(values)}, expected {target}")
            else:
                good.append(f"{zone.file}: {owner} {kind} {', '.join(values)}")
                continue
            first_bad = first_bad or zone.file
    unreadable = [p.describe() for p in problems]
    if wrong or unreadable:
        head = wrong[0].split(": ", 1)[1] if wrong else "some zone files cannot be read"
        more = f" (and {len(wrong) - 1} more)" if len(wrong) > 1 else ""
        return failed(requirement, head + more, [*wrong, *unreadable, *good], first_bad or "dns/")
    return passed(
        requirement,
        f"{_plural(len(good), 'record')} in place in {_plural(len(customer), 'zone')}",
        good,
        "dns/",
    )


# ---------------------------------------------------------------------------
# Devices
# ---------------------------------------------------------------------------


def _versions_param(
    requirement: Requirement, name: str
) -> dict[str, tuple[tuple[int, ...], tuple[int, ...] | None]]:
    """{key: (minimum, maximum or None)} from {key: "8.0"} or {key: {min: "8.0", max: "41"}}."""
    raw = _param(requirement, name, dict)
    result = {}
    for key, value in raw.items():
        low, high = (value.get("min", "0"), value.get("max")) if isinstance(value, Mapping) else (value, None)
        minimum = parse_version(low)
        maximum = parse_version(high) if high is not None else None
        if minimum is None or (high is not None and maximum is None):
            raise ParamsError(
                f"{name}[{key!r}] must be a version like '8.1' (or {{min, max}}), got {value!r}"
            )
        result[str(key)] = (minimum, maximum)
    return result


@check(
    "devices.platforms",
    "Devices run supported platforms at supported versions",
    ["devices.csv"],
    "supported: {platform: minimum_version}; forbid: list of platforms",
)
def device_platforms(context: CheckContext, requirement: Requirement) -> Finding:
    """Devices run supported platforms at supported versions."""
    supported = {platform_name(k): v for k, v in _versions_param(requirement, "supported").items()}
    forbid = {platform_name(p) for p in _param(requirement, "forbid", list, [])}
    groups = context.devices()
    total = sum(g.count for g in groups)
    if not total:  # an inventory of nothing is no pass
        if not groups:
            raise InputProblem("devices.csv", "holds no device rows (only a header: an empty export?)")
        raise InputProblem("devices.csv", "counts no devices (every count is 0)", line=groups[0].line)
    problems: list[tuple[int, str, int]] = []  # (count, text, line)
    for g in groups:
        shown = f"{g.platform} {g.os_version}".strip()
        if g.platform in forbid:
            problems.append((g.count, f"line {g.line}: {shown}: {g.platform} is not supported", g.line))
        elif g.platform not in supported:
            problems.append((g.count, f"line {g.line}: {shown}: not a supported platform", g.line))
        elif g.version is None:
            problems.append((g.count, f"line {g.line}: {g.platform}: no OS version given", g.line))
        else:
            minimum, maximum = supported[g.platform]
            if not at_least(g.version, minimum):
                problems.append(
                    (g.count, f"line {g.line}: {shown}: below {g.platform} {format_version(minimum)}", g.line)
                )
            elif maximum is not None and compare_versions(g.version, maximum) > 0:
                problems.append(
                    (g.count, f"line {g.line}: {shown}: above {g.platform} {format_version(maximum)}", g.line)
                )
    by_platform: dict[str, int] = {}
    for g in groups:
        by_platform[g.platform] = by_platform.get(g.platform, 0) + g.count
    mix = ", ".join(f"{p} {n:,}" for p, n in sorted(by_platform.items(), key=lambda kv: -kv[1]))
    if problems:
        bad = sum(count for count, _, _ in problems)
        return failed(
            requirement,
            f"{bad:,} of {_plural(total, 'device')} are not supported ({mix})",
            [f"{text} ({_plural(count, 'device')})" for count, text, _ in problems],
            f"devices.csv:{problems[0][2]}",
        )
    return passed(
        requirement, f"all {_plural(total, 'device')} are on supported platforms ({mix})", (), "devices.csv"
    )


# ---------------------------------------------------------------------------
# The environment description
# ---------------------------------------------------------------------------

_BROWSER_ALIASES = {
    "ie": "internetexplorer",
    "msie": "internetexplorer",
    "edge": "microsoftedge",
    "msedge": "microsoftedge",
    "googlechrome": "chrome",
    "mozillafirefox": "firefox",
    "applesafari": "safari",
}


def _browser_key(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return _BROWSER_ALIASES.get(key, key)


@check(
    "environment.browsers",
    "Browsers in use are supported at supported versions",
    ["environment"],
    "supported: {browser: minimum_version or {min, max}}",
)
def browsers(context: CheckContext, requirement: Requirement) -> Finding:
    """Browsers in use are supported at supported versions."""
    supported = {_browser_key(k): (k, v) for k, v in _versions_param(requirement, "supported").items()}
    env = context.environment()
    file = context.environment_file()
    if not env.browsers:
        raise InputProblem(
            file, "lists no browsers (add [[browsers]] entries)", field="browsers", state=InputState.MISSING
        )
    bad, names, good = [], [], []
    for n, browser in enumerate(env.browsers):
        shown = f"{browser.name} {browser.version}"
        entry = supported.get(_browser_key(browser.name))
        version = parse_version(browser.version)
        if entry is None:
            bad.append(
                f"browsers[{n}] {shown}: not supported (supported: {', '.join(k for k, _ in supported.values())})"
            )
        elif version is None:
            bad.append(f"browsers[{n}] {browser.name}: no version given")
        else:
            name, (minimum, maximum) = entry
            if not at_least(version, minimum):
                bad.append(f"browsers[{n}] {shown}: below {name} {format_version(minimum)}")
            elif maximum is not None and compare_versions(version, maximum) > 0:
                bad.append(f"browsers[{n}] {shown}: above {name} {format_version(maximum)}")
            else:
                good.append(shown)
                continue
        names.append(shown)
    if bad:
        return failed(
            requirement,
            f"{_plural(len(bad), 'browser')} not supported: {', '.join(names)}",
            [*bad, *(f"{g}: supported" for g in good)],
            f"{file} browsers",
        )
    return passed(requirement, f"supported browsers: {', '.join(good)}", (), f"{file} browsers")


def _on_premises(requirement: Requirement, product: str, table: OnPremises | None, file: str) -> Finding:
    versions = [str(v) for v in _param(requirement, "versions", list)]
    if table is None or not table.present:
        return passed(requirement, f"no on-premises {product} (not present)", (), f"{file} {product.lower()}")
    found = parse_version(table.version)
    allowed = {parse_version(v)[:1] for v in versions if parse_version(v)}
    if found is None:
        return failed(
            requirement,
            f"on-premises {product} is present but its version is not stated",
            (),
            f"{file} {product.lower()}.version",
        )
    if found[:1] not in allowed:
        return failed(
            requirement,
            f"{product} {table.version} is not in scope (supported: {', '.join(versions)})",
            (),
            f"{file} {product.lower()}.version",
        )
    return passed(requirement, f"{product} {table.version} is supported", (), f"{file} {product.lower()}")


@check(
    "environment.exchange_onprem",
    "On-premises Exchange (if any) is a supported version",
    ["environment"],
    "versions: list, e.g. ['2010', '2013']",
)
def exchange_onprem(context: CheckContext, requirement: Requirement) -> Finding:
    """On-premises Exchange (if any) is a supported version."""
    return _on_premises(requirement, "Exchange", context.environment().exchange, context.environment_file())


@check(
    "environment.sharepoint_onprem",
    "On-premises SharePoint (if any) is a supported version",
    ["environment"],
    "versions: list, e.g. ['2010', '2013']",
)
def sharepoint_onprem(context: CheckContext, requirement: Requirement) -> Finding:
    """On-premises SharePoint (if any) is a supported version."""
    return _on_premises(
        requirement, "SharePoint", context.environment().sharepoint, context.environment_file()
    )


_EDITION = re.compile(
    r"\b(standard|datacenter|enterprise|essentials|foundation|web|edition|x64|64-?bit)\b", re.I
)


def _os_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", _EDITION.sub("", text.lower()))


@check(
    "environment.rms_connector_servers",
    "Enough servers of the right kind for the RMS connector",
    ["environment"],
    "min_count, os: list, min_memory_gb, min_disk_gb; forbidden_roles: list; require_64bit: bool",
)
def rms_connector_servers(context: CheckContext, requirement: Requirement) -> Finding:
    """Enough servers of the right kind for the RMS connector."""
    min_count = _param(requirement, "min_count", int, 1)
    systems = [str(s) for s in _param(requirement, "os", list, [])]
    min_memory = _param(requirement, "min_memory_gb", (int, float), 0)
    min_disk = _param(requirement, "min_disk_gb", (int, float), 0)
    forbidden = {r.lower() for r in _param(requirement, "forbidden_roles", list, [])}
    require_64bit = _param(requirement, "require_64bit", bool, False)
    env = context.environment()
    file = context.environment_file()
    servers = env.rms_connector_servers or ()
    if not servers and min_count > 0:
        return failed(
            requirement,
            f"no RMS connector servers are listed (at least {min_count} needed)",
            (),
            f"{file} rms_connector_servers",
        )
    allowed = {_os_key(s) for s in systems}
    bad = []
    for n, server in enumerate(servers):
        why = []
        if allowed and _os_key(server.os) not in allowed:
            why.append(f"{server.os} is not one of {', '.join(systems)}")
        if server.memory_gb < min_memory:
            why.append(f"{server.memory_gb:g} GB memory < {min_memory:g} GB")
        if server.disk_gb < min_disk:
            why.append(f"{server.disk_gb:g} GB disk < {min_disk:g} GB")
        if require_64bit and server.arch.lower() not in ("x64", "amd64", "64-bit", "x86_64"):
            why.append(f"{server.arch} is not 64-bit")
        roles = sorted(r for r in server.roles if r.lower() in forbidden)
        if roles:
            why.append(f"also runs {', '.join(roles)}")
        if why:
            bad.append(f"rms_connector_servers[{n}] {server.name}: {'; '.join(why)}")
    good = len(servers) - len(bad)
    if bad or good < min_count:
        summary = f"{good} of {_plural(len(servers), 'server')} fit (at least {min_count} needed)"
        return failed(requirement, summary, bad, f"{file} rms_connector_servers")
    return passed(
        requirement,
        f"{_plural(good, 'server')} fit for the RMS connector",
        (),
        f"{file} rms_connector_servers",
    )


@check(
    "environment.proxy",
    "The proxy neither inspects TLS nor uses an unsupported authentication",
    ["environment"],
    "tls_inspection_allowed: bool; authentication: list of allowed methods",
)
def proxy(context: CheckContext, requirement: Requirement) -> Finding:
    """The proxy neither inspects TLS nor uses an unsupported authentication."""
    inspection_allowed = _param(requirement, "tls_inspection_allowed", bool, False)
    methods = [str(m).lower() for m in _param(requirement, "authentication", list, [])]
    env = context.environment()
    file = context.environment_file()
    table = env.proxy
    if table is None:
        raise InputProblem(
            file,
            "has no [proxy] table (write present = false if clients reach the internet directly)",
            field="proxy",
            state=InputState.MISSING,
        )
    if not table.present:
        return passed(requirement, "no proxy: clients reach the internet directly", (), f"{file} proxy")
    wrong = []
    if table.tls_inspection and not inspection_allowed:
        wrong.append("the proxy inspects TLS traffic (the service pins its certificates: exempt its URLs)")
    if methods and table.authentication.lower() not in methods:
        wrong.append(
            f"proxy authentication {table.authentication!r} is not supported (supported: {', '.join(methods)})"
        )
    if wrong:
        return failed(requirement, "; ".join(wrong), wrong, f"{file} proxy")
    return passed(
        requirement,
        f"proxy {table.address or ''} fits (authentication {table.authentication}, "
        f"no TLS inspection)".replace("  ", " "),
        (),
        f"{file} proxy",
    )


@check(
    "environment.adfs",
    "AD FS (if any) is at least the minimum version",
    ["environment"],
    "min_version, e.g. '2.0'",
)
def adfs(context: CheckContext, requirement: Requirement) -> Finding:
    """AD FS (if any) is at least the minimum version."""
    raw = _param(requirement, "min_version", (str, int, float))
    minimum = parse_version(raw)
    if minimum is None:
        raise ParamsError(f"parameter 'min_version' {raw!r} is not a version")
    env = context.environment()
    file = context.environment_file()
    table = env.adfs
    if table is None or not table.present:
        return passed(requirement, "no AD FS (not present)", (), f"{file} adfs")
    version = parse_version(table.version)
    if version is None:
        return failed(
            requirement, "AD FS is present but its version is not stated", (), f"{file} adfs.version"
        )
    if not at_least(version, minimum):
        return failed(
            requirement,
            f"AD FS {table.version} is older than {format_version(minimum)}",
            (),
            f"{file} adfs.version",
        )
    return passed(requirement, f"AD FS {table.version}", (), f"{file} adfs")


_OPS = ("==", "!=", ">=", "<=", "in", "present")


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op == "in":
        if not isinstance(expected, list):
            raise ParamsError("op 'in' needs a list as value")
        return any(_compare(actual, "==", e) for e in expected)
    if op in ("==", "!="):
        if isinstance(actual, str) and isinstance(expected, str):
            same = actual.strip().lower() == expected.strip().lower()
        else:
            same = actual == expected
        return same if op == "==" else not same
    # >= and <=: numbers as numbers, anything else as versions
    if isinstance(actual, int | float) and isinstance(expected, int | float) and not isinstance(actual, bool):
        return actual >= expected if op == ">=" else actual <= expected
    try:
        left, right = parse_version(actual), parse_version(expected)
    except ValueError:  # more digits than Python turns into a number: not a version
        return False
    if left is None or right is None:
        return False
    order = compare_versions(left, right)
    return order >= 0 if op == ">=" else order <= 0


@check(
    "environment.value",
    "Any field of the environment description compared with a value",
    ["environment"],
    "path (dotted), op (==, !=, >=, <=, in, present), value",
)
def environment_value(context: CheckContext, requirement: Requirement) -> Finding:
    """Any field of the environment description compared with a value."""
    path = _param(requirement, "path", str)
    op = _param(requirement, "op", str, "==")
    if op not in _OPS:
        raise ParamsError(f"op {op!r} is not one of {', '.join(_OPS)}")
    expected = requirement.params.get("value")
    if op != "present" and "value" not in requirement.params:
        raise ParamsError(f"op {op!r} needs a 'value'")
    env = context.environment()
    file = context.environment_file()
    found, actual = lookup(env.raw, path)
    if op == "present":
        if found:
            return passed(requirement, f"{path} is stated: {actual!r}", (), f"{file} {path}")
        return failed(requirement, f"{path} is not stated", (), f"{file} {path}")
    if not found:
        return failed(requirement, f"{path} is not stated (expected {op} {expected!r})", (), f"{file} {path}")
    if _compare(actual, op, expected):
        return passed(requirement, f"{path} = {actual!r} ({op} {expected!r})", (), f"{file} {path}")
    return failed(requirement, f"{path} = {actual!r}, expected {op} {expected!r}", (), f"{file} {path}")


@check("manual", "Confirmed by a person (always not_run until then)", (), "question: text")
def manual(context: CheckContext, requirement: Requirement) -> Finding:
    """Confirmed by a person (always not_run until then)."""
    question = _param(requirement, "question", str, requirement.title)
    return finding(requirement, Outcome.NOT_RUN, f"to be confirmed by a person: {question}")


# ---------------------------------------------------------------------------
# The registry, with plugins' checks
# ---------------------------------------------------------------------------


def registry(manager: Any = None) -> dict[str, CheckInfo]:
    """Built-in checks plus those plugins register; a clash keeps the first and logs it."""
    checks = dict(BUILTIN_CHECKS)
    if manager is None:
        return checks
    for plugin, names in _plugin_checks(manager, checks).items():
        log.debug("plugin_checks", plugin=plugin, checks=names)
    return checks


def _plugin_checks(manager: Any, checks: dict[str, CheckInfo]) -> dict[str, list[str]]:
    added: dict[str, list[str]] = {}
    for name in manager.implementers("register_checks"):

        def register(
            check_name: str, function: CheckFunction, description: str = "", _plugin: str = name
        ) -> None:
            if not isinstance(check_name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_.:-]*", check_name):
                raise ValueError(f"check name {check_name!r} must be a lower-case id")
            if not callable(function):
                raise ValueError(f"check {check_name!r}: {function!r} is not callable")
            if check_name in checks:
                raise ValueError(f"check {check_name!r} is already provided by {checks[check_name].provider}")
            checks[check_name] = CheckInfo(check_name, function, description or check_name, provider=_plugin)
            added.setdefault(_plugin, []).append(check_name)

        error = manager.call_one(name, "register_checks", register=register)
        if error is not None:
            log.warning("plugin_checks_failed", plugin=name, error=error.problem)
    return added
