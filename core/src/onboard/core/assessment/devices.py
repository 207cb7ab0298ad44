"""The device inventory: ``devices.csv`` with a platform, an OS version and a count.

Either one row per model of device with a count, or one row per device (no count
column): both are what inventory tools export.  Column names are matched loosely
("Platform", "OS", "Operating system"; "OS version", "Version"; "Count", "Devices"),
the delimiter may be a comma, semicolon or tab, and Excel's UTF-8/UTF-16 files are fine.
"""

import csv
import io
import re
from pathlib import Path
from typing import Any

from attrs import frozen
from onboard.core.assessment.problems import InputProblem
from onboard.core.assessment.textfiles import read_text
from onboard.core.assessment.versions import Version, parse_version, windows_release

_COLUMNS = {
    "platform": ("platform", "os", "operatingsystem", "ostype", "devicetype", "osplatform"),
    "os_version": ("osversion", "version", "operatingsystemversion", "platformversion"),
    "count": ("count", "devices", "devicecount", "number", "quantity", "total"),
}
# Inventory spellings -> the platform names support statements use.
_PLATFORMS = {
    "ios": "iOS",
    "iphone": "iOS",
    "ipad": "iOS",
    "ipados": "iOS",
    "android": "Android",
    "androidforwork": "Android",
    "androidenterprise": "Android",
    "windows": "Windows",
    "windowsphone": "Windows Phone",
    "windowsmobile": "Windows Phone",
    "windowsrt": "Windows RT",
    "windowsserver": "Windows Server",
    "macos": "macOS",
    "osx": "macOS",
    "macosx": "macOS",
    "mac": "macOS",
}


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def platform_name(text: str) -> str:
    """A platform as support statements name it ("OS X" -> "macOS"; unknown: as given)."""
    key = _key(text)
    if key in _PLATFORMS:
        return _PLATFORMS[key]
    if key.startswith("windows") and ("mobile" in key or "phone" in key):
        return "Windows Phone"  # "Windows 10 Mobile", "Windows Phone 8.1"
    for prefix, name in (
        ("windowsserver", "Windows Server"),
        ("windowsphone", "Windows Phone"),
        ("windows", "Windows"),
        ("android", "Android"),
        ("macos", "macOS"),
        ("osx", "macOS"),
        ("ios", "iOS"),
    ):
        if key.startswith(prefix):
            return name
    return text.strip()


@frozen
class DeviceGroup:
    """Devices of one platform and OS version, and the CSV line they came from."""

    platform: str
    os_version: str
    version: Version | None  # comparable release (Windows kernel versions translated)
    count: int
    line: int


def read_devices(path: Path, file: str = "devices.csv") -> list[DeviceGroup]:
    """Every row of the inventory; :class:`InputProblem` names the line and column."""
    text = read_text(path, file)
    sample = text[:4096]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        return _groups(reader, file)
    except csv.Error as exc:  # e.g. a cell longer than the csv module's limit
        raise InputProblem(file, f"not a readable CSV file: {exc}", line=reader.line_num or None) from None


def _shown(cell: str) -> str:
    return repr(cell) if len(cell) <= 40 else f"{cell[:30]!r}... ({len(cell):,} characters)"


def _groups(reader: Any, file: str) -> list[DeviceGroup]:
    header = next(reader, None)
    if not header:
        raise InputProblem(file, "is empty: expected a header row (platform, os_version, count)")
    names = [_key(h) for h in header]
    columns: dict[str, int] = {}
    for role, aliases in _COLUMNS.items():
        for n, name in enumerate(names):
            if name in aliases:
                columns[role] = n
                break
    for role in ("platform", "os_version"):
        if role not in columns:
            raise InputProblem(
                file, f"has no {role} column (header: {', '.join(header)})", line=1, field=role
            )
    groups = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        while len(row) > len(header) and not row[-1].strip():
            row = row[:-1]  # spreadsheets add empty cells at the end of a row
        if len(row) != len(header):  # a ragged row is a broken export, not a short device
            raise InputProblem(file, f"has {len(row)} field(s) where the header has {len(header)}", line=line)
        platform_cell = row[columns["platform"]].strip() if columns["platform"] < len(row) else ""
        if not platform_cell:
            raise InputProblem(file, "is empty", line=line, field=header[columns["platform"]])
        version_cell = row[columns["os_version"]].strip() if columns["os_version"] < len(row) else ""
        count = 1
        if "count" in columns:
            raw = row[columns["count"]].strip() if columns["count"] < len(row) else ""
            try:
                count = int(raw.replace(",", "").replace(" ", "")) if raw else 1
            except ValueError:
                raise InputProblem(
                    file, f"{_shown(raw)} is not a whole number", line=line, field=header[columns["count"]]
                ) from None
            if count < 0:
                raise InputProblem(file, f"{count} is negative", line=line, field=header[columns["count"]])
        platform = platform_name(platform_cell)
        try:
            version = parse_version(version_cell)
        except ValueError:  # more digits than Python turns into a number
            raise InputProblem(
                file,
                f"{_shown(version_cell)} is not a version number",
                line=line,
                field=header[columns["os_version"]],
            ) from None
        if version is not None and platform in ("Windows", "Windows Server", "Windows RT"):
            version = windows_release(version)
        groups.append(DeviceGroup(platform, version_cell, version, count, line))
    return groups
