"""Version numbers as people and inventories write them: "10.9", "4.4.2", "AD FS 3.0".

Windows inventories report the kernel version ("6.3.9600" is Windows 8.1,
"10.0.22631" is Windows 11); :func:`windows_release` turns it into the release
number that support statements use, so "Windows 8.1 or later" compares correctly.
"""

import re

_NUMBER = re.compile(r"\d+(?:\.\d+)*")

Version = tuple[int, ...]


def parse_version(text: object) -> Version | None:
    """The first dotted number in ``text`` as a tuple; ``None`` if there is none."""
    if isinstance(text, bool) or text is None:
        return None
    if isinstance(text, int | float):
        text = str(text)
    match = _NUMBER.search(str(text))
    if not match:
        return None
    return tuple(int(part) for part in match.group(0).split("."))


def compare_versions(a: Version, b: Version) -> int:
    """-1, 0 or 1; missing parts count as zero ("10" == "10.0")."""
    width = max(len(a), len(b))
    left = a + (0,) * (width - len(a))
    right = b + (0,) * (width - len(b))
    return (left > right) - (left < right)


def at_least(version: Version, minimum: Version) -> bool:
    """``version >= minimum``."""
    return compare_versions(version, minimum) >= 0


def format_version(version: Version) -> str:
    """``(10, 9)`` -> ``"10.9"``."""
    return ".".join(str(part) for part in version)


# Kernel version -> release, from Microsoft's operating-system version table.
_WINDOWS_KERNELS = {(6, 0): (6,), (6, 1): (7,), (6, 2): (8,), (6, 3): (8, 1)}
_WINDOWS_11_FIRST_BUILD = 22000


def windows_release(version: Version) -> Version:
    """Kernel versions (6.1, 6.3.9600, 10.0.19045) as releases (7, 8.1, 10); others unchanged."""
    if len(version) >= 2 and version[:2] in _WINDOWS_KERNELS:
        return _WINDOWS_KERNELS[version[:2]]
    if len(version) >= 3 and version[:2] == (10, 0):
        return (11,) if version[2] >= _WINDOWS_11_FIRST_BUILD else (10,)
    if version[:2] == (10, 0):
        return (10,)
    return version
