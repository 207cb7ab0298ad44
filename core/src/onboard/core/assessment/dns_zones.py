"""DNS zone files (RFC 1035 master-file format) from the bundle's ``dns/`` folder.

BIND writes ``contoso.com.zone`` or ``db.contoso.com``; Windows DNS Server's
``dnscmd /ZoneExport`` writes ``contoso.com.dns`` without an ``$ORIGIN`` line.  The
zone's origin is its ``$ORIGIN`` when the file has one, else the file name.  Zones
are parsed with dnspython; its syntax errors already name the line.
"""

import re
from pathlib import Path

import dns.exception
import dns.name
import dns.rdatatype
import dns.zone
from attrs import frozen
from onboard.core.assessment.problems import InputProblem, InputState

ZONE_SUFFIXES = (".zone", ".db", ".dns")
_ORIGIN = re.compile(r"^\s*\$ORIGIN\s+(\S+)", re.IGNORECASE | re.MULTILINE)


@frozen
class Zone:
    """A parsed zone: its origin (no trailing dot, lower case) and the dnspython zone."""

    origin: str
    file: str
    zone: dns.zone.Zone

    def records(self, name: str, rdtype: str) -> list[str]:
        """The values of ``name``'s records of type ``rdtype`` (absolute names, no trailing dot)."""
        try:
            owner = dns.name.from_text(name if name.endswith(".") else f"{name}.")
            rdataset = self.zone.get_rdataset(owner, dns.rdatatype.from_text(rdtype.upper()))
        except (dns.exception.DNSException, ValueError):
            return []
        if rdataset is None:
            return []
        return [rdata.to_text().rstrip(".").lower() for rdata in rdataset]

    def cnames_of(self, name: str) -> list[str]:
        """The CNAME targets of ``name``."""
        return self.records(name, "CNAME")


def zone_files(folder: Path) -> list[Path]:
    """The zone files in ``folder`` (sorted by name)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(ZONE_SUFFIXES))


def origin_from_name(path: Path) -> str:
    """``contoso.com.zone`` / ``contoso.com.dns`` / ``contoso.com.db`` -> ``contoso.com``."""
    name = path.name
    for suffix in ZONE_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
            break
    return name.rstrip(".").lower()


def read_zone(path: Path, file: str) -> Zone:
    """Parse one zone file; :class:`InputProblem` names the line dnspython stopped at."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputProblem(file, f"cannot be read: {exc.strerror}", state=InputState.UNREADABLE) from exc
    text = data.decode("utf-8-sig", errors="replace")
    if "\x00" in text:
        text = data.decode("utf-16", errors="replace")
    match = _ORIGIN.search(text)
    origin = match.group(1) if match else origin_from_name(path)
    if not origin.endswith("."):
        origin += "."
    try:
        zone = dns.zone.from_text(text, origin=origin, relativize=False, check_origin=False, filename=file)
    except dns.exception.SyntaxError as exc:
        message = str(exc)
        line = None
        found = re.match(rf"^{re.escape(file)}:(\d+):\s*(.*)$", message, re.DOTALL)
        if found:
            line, message = int(found.group(1)), found.group(2)
        raise InputProblem(file, f"not a valid zone file: {message}", line=line) from exc
    except dns.exception.DNSException as exc:
        raise InputProblem(file, f"not a valid zone file: {exc}") from exc
    if not any(True for _ in zone.iterate_rdatas()):
        # An empty file parses as a zone with nothing in it: it is not a zone that is present.
        raise InputProblem(file, "holds no records (an empty or cut-off zone file)", line=1)
    return Zone(origin=origin.rstrip(".").lower(), file=file, zone=zone)
