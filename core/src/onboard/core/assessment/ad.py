"""Forest and domain facts as ``Get-ADForest`` / ``Get-ADDomain | ConvertTo-Json`` write them.

Functional levels appear as enum names ("Windows2008R2Forest", PowerShell 7 with
``-EnumsAsStrings``) or as the enum's number (Windows PowerShell 5.1): both are
accepted, as are friendlier spellings ("Windows Server 2008 R2").  A file holds one
object or an array of objects (one per forest or domain).  Collections may be plain
arrays or ``{"value": [...], "Count": n}`` (how 5.1 serializes some AD collections).
"""

import re
from pathlib import Path
from typing import Any

from attrs import frozen
from onboard.core.assessment.problems import InputProblem
from onboard.core.assessment.textfiles import json_element_lines, line_of_json_key, parse_json, read_text

# ADForestMode / ADDomainMode values (Microsoft.ActiveDirectory.Management).
_LEVELS = {
    "windows2000": 0,
    "windows2003interim": 1,
    "windows2003": 2,
    "windows2008": 3,
    "windows2008r2": 4,
    "windows2012": 5,
    "windows2012r2": 6,
    "windows2016": 7,
    "windows2025": 10,
}
_LEVEL_TITLES = {
    0: "Windows 2000",
    1: "Windows Server 2003 interim",
    2: "Windows Server 2003",
    3: "Windows Server 2008",
    4: "Windows Server 2008 R2",
    5: "Windows Server 2012",
    6: "Windows Server 2012 R2",
    7: "Windows Server 2016",
    10: "Windows Server 2025",
}


def functional_level(value: object) -> int | None:
    """A ForestMode/DomainMode value (name or number) as its number; ``None`` if unknown."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value in _LEVEL_TITLES else None
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    if re.fullmatch(r"\d{1,9}", text, re.ASCII):
        return functional_level(int(text))
    key = re.sub(r"\s+", "", text.replace("windows server", "windows"))
    key = re.sub(r"(forest|domain)?(mode)?$", "", key)
    return _LEVELS.get(key)


def level_title(level: int) -> str:
    """``3`` -> ``"Windows Server 2008"``."""
    return _LEVEL_TITLES.get(level, f"level {level}")


def mode_name(level: int, kind: str) -> str | None:
    """``(4, "Forest")`` -> ``"Windows2008R2Forest"``: the enum name PowerShell 7 writes
    (``-EnumsAsStrings``); ``None`` for a level the enum does not name."""
    for name, number in _LEVELS.items():
        if number == level:
            return "Windows" + name.removeprefix("windows").upper().replace("INTERIM", "Interim") + kind
    return None


def known_levels() -> str:
    """The level names and numbers, for error messages."""
    return ", ".join(f"{name} ({number})" for name, number in _LEVELS.items())


@frozen
class Forest:
    """One forest from ``forest.json``."""

    name: str
    mode: int
    mode_text: str
    domains: tuple[str, ...]
    upn_suffixes: tuple[str, ...]
    line: int | None = None  # where the forest's ForestMode is


@frozen
class Domain:
    """One domain from ``domains.json``."""

    dns_root: str
    mode: int
    mode_text: str
    forest: str = ""
    netbios_name: str = ""
    line: int | None = None


def _field(obj: dict[str, Any], name: str) -> Any:
    """A property by name, case-insensitively (PowerShell property names are)."""
    for key, value in obj.items():
        if key.lower() == name.lower():
            return value
    return None


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, dict):  # {"value": [...], "Count": n}
        value = _field(value, "value")
    if isinstance(value, str):
        return (value,) if value else ()
    if isinstance(value, list):
        return tuple(str(v) for v in value if isinstance(v, str | int) and str(v))
    return ()


def _objects(path: Path, file: str) -> tuple[str, list[dict[str, Any]], list[int]]:
    text = read_text(path, file)
    data = parse_json(text, file)
    items = data if isinstance(data, list) else [data]
    starts = json_element_lines(text)
    for n, item in enumerate(items):
        if not isinstance(item, dict):
            line = starts[n] if n < len(starts) else None
            raise InputProblem(
                file, f"element {n + 1} is {type(item).__name__}, expected an object", line=line
            )
    if not items:
        raise InputProblem(file, "holds an empty list: export at least one object")
    return text, items, starts


def _mode(
    text: str, file: str, item: dict[str, Any], n: int, key: str, starts: list[int]
) -> tuple[int, str, int | None]:
    raw = _field(item, key)
    line = line_of_json_key(text, key, n) or (starts[n] if n < len(starts) else None)
    if raw is None:
        raise InputProblem(file, "is missing (the functional level)", line=line, field=key)
    level = functional_level(raw)
    if level is None:
        raise InputProblem(
            file, f"unknown functional level {raw!r} (known: {known_levels()})", line=line, field=key
        )
    return level, str(raw), line


def read_forests(path: Path, file: str = "forest.json") -> list[Forest]:
    """Every forest in ``forest.json``; :class:`InputProblem` naming line and field."""
    text, items, starts = _objects(path, file)
    forests = []
    for n, item in enumerate(items):
        name = _field(item, "Name") or _field(item, "RootDomain")
        if not isinstance(name, str) or not name:
            line = starts[n] if n < len(starts) else None
            raise InputProblem(file, "is missing (the forest's DNS name)", line=line, field="Name")
        level, raw, line = _mode(text, file, item, n, "ForestMode", starts)
        forests.append(
            Forest(
                name=name.lower(),
                mode=level,
                mode_text=raw,
                domains=tuple(d.lower() for d in _strings(_field(item, "Domains"))) or (name.lower(),),
                upn_suffixes=tuple(s.lower() for s in _strings(_field(item, "UPNSuffixes"))),
                line=line,
            )
        )
    return forests


def read_domains(path: Path, file: str = "domains.json") -> list[Domain]:
    """Every domain in ``domains.json``; :class:`InputProblem` naming line and field."""
    text, items, starts = _objects(path, file)
    domains = []
    for n, item in enumerate(items):
        root = _field(item, "DNSRoot")
        if not isinstance(root, str) or not root:
            line = starts[n] if n < len(starts) else None
            raise InputProblem(file, "is missing (the domain's DNS name)", line=line, field="DNSRoot")
        level, raw, line = _mode(text, file, item, n, "DomainMode", starts)
        forest = _field(item, "Forest")
        netbios = _field(item, "NetBIOSName")
        domains.append(
            Domain(
                dns_root=root.lower(),
                mode=level,
                mode_text=raw,
                forest=forest.lower() if isinstance(forest, str) else "",
                netbios_name=netbios if isinstance(netbios, str) else "",
                line=line,
            )
        )
    return domains
