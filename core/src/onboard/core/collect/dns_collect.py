"""The customer's DNS zones, read over the network (dnspython) and written as zone files.

For each customer domain:

1. its SOA is asked for: a domain the DNS server does not know (NXDOMAIN), one that
   is not a zone's apex, or a server that does not answer is a problem naming the
   server and the domain, and no zone file is written (``dns.zones_present`` then
   says the zone is missing, which is what the customer must fix);
2. a **zone transfer** (AXFR) is tried from the same server, when allowed: the
   whole zone, as ``dig axfr`` would give it;
3. where the transfer is refused (the usual case, and always with Samba's internal
   DNS), the records each service needs are **queried** one by one
   (:data:`WANTED`, and the names the plan's ``dns.records`` requirements look
   for).  The zone file's first lines say so: it is not the whole zone, and a
   check that looks for a name no one asked for would find nothing.

A zone file is an RFC 1035 master file with the SOA first, read back by the same
reader as a manual export.
"""

import time

import dns.exception
import dns.message
import dns.name
import dns.query
import dns.rdataclass
import dns.rdatatype
import dns.resolver
import dns.xfr
import dns.zone
from attrs import define, field

#: Records asked for in every zone when it cannot be transferred: (label, type).
#: "@" is the apex.  Exchange/Skype for Business Online and Intune's records, and
#: Azure RMS's discovery record (domain-catalog.md §3, §4).
WANTED: tuple[tuple[str, str], ...] = (
    ("@", "NS"),
    ("@", "MX"),
    ("@", "TXT"),
    ("autodiscover", "CNAME"),
    ("autodiscover", "A"),
    ("_autodiscover._tcp", "SRV"),
    ("enterpriseenrollment", "CNAME"),
    ("enterpriseregistration", "CNAME"),
    ("msoid", "CNAME"),
    ("lyncdiscover", "CNAME"),
    ("sip", "CNAME"),
    ("_sip._tls", "SRV"),
    ("_sipfederationtls._tcp", "SRV"),
    ("_rmsdisco._http._tcp", "SRV"),
)


@define
class ZoneOutcome:
    """One domain: how its zone was read, and the zone (``None`` when it could not be)."""

    domain: str
    server: str
    method: str = ""  # "axfr", "queries" or "" (not read)
    zone: dns.zone.Zone | None = None
    asked: list[str] = field(factory=list)  # "label TYPE" pairs asked for (method "queries")
    problem: str = ""  # why there is no zone, one line
    notes: list[str] = field(factory=list)  # e.g. why the transfer was not used


def _resolver(servers: tuple[str, ...], port: int, timeout: float) -> dns.resolver.Resolver:
    resolver = dns.resolver.Resolver(configure=not servers)
    if servers:
        resolver.nameservers = list(servers)
    resolver.port = port
    resolver.timeout = timeout
    resolver.lifetime = timeout * 2
    resolver.cache = None
    return resolver


def collect_zone(
    domain: str,
    *,
    servers: tuple[str, ...],
    port: int = 53,
    timeout: float = 3.0,
    axfr: bool = True,
    extra: tuple[tuple[str, str], ...] = (),
) -> ZoneOutcome:
    """The zone of ``domain`` by transfer or by queries; a problem instead, never an exception."""
    resolver = _resolver(servers, port, timeout)
    where = ", ".join(resolver.nameservers) if resolver.nameservers else "the system resolver"
    outcome = ZoneOutcome(domain=domain, server=where)
    origin = dns.name.from_text(domain)
    try:
        soa = resolver.resolve(origin, "SOA", raise_on_no_answer=False)
    except dns.resolver.NXDOMAIN:
        outcome.problem = f"DNS server {where}: {domain} does not exist (NXDOMAIN): no zone for it"
        return outcome
    except dns.resolver.LifetimeTimeout:
        outcome.problem = f"DNS server {where} did not answer for {domain} within {timeout * 2:g} s"
        return outcome
    except dns.resolver.NoNameservers as exc:
        outcome.problem = f"DNS server {where} refused or failed the query for {domain} ({_short(exc)})"
        return outcome
    except dns.exception.DNSException as exc:
        outcome.problem = f"DNS server {where}: the SOA of {domain} cannot be read ({_short(exc)})"
        return outcome
    if soa.rrset is None or soa.rrset.name != origin:
        outcome.problem = f"DNS server {where}: {domain} is not the apex of a zone (no SOA record there)"
        return outcome
    if axfr:
        address = resolver.nameservers[0] if resolver.nameservers else ""
        zone, why = _transfer(origin, str(address), port, timeout)
        if zone is not None:
            outcome.method, outcome.zone = "axfr", zone
            return outcome
        outcome.notes.append(f"zone transfer from {address}: {why}; the records were queried instead")
    outcome.method = "queries"
    outcome.zone = _queried(origin, soa.rrset, resolver, (*WANTED, *extra), outcome)
    return outcome


def _transfer(
    origin: dns.name.Name, address: str, port: int, timeout: float
) -> tuple[dns.zone.Zone | None, str]:
    if not address:
        return None, "no DNS server address given (--dns-server) to transfer from"
    started = time.monotonic()
    try:
        zone = dns.zone.Zone(origin, relativize=False)
        dns.query.inbound_xfr(address, zone, port=port, timeout=timeout, lifetime=timeout * 4)
    except dns.xfr.TransferError as exc:
        return None, f"refused ({dns.rcode.to_text(exc.rcode)})"
    except dns.exception.FormError:
        # Samba's internal DNS answers an AXFR with the SOA alone: no zone, a refusal in effect.
        return None, "refused (the answer held no zone)"
    except dns.exception.Timeout:
        return None, f"no answer within {time.monotonic() - started:.0f} s"
    except (OSError, EOFError, dns.exception.DNSException) as exc:
        return None, f"failed ({_short(exc)})"
    return zone, ""


def _queried(
    origin: dns.name.Name,
    soa: dns.rrset.RRset,
    resolver: dns.resolver.Resolver,
    wanted: tuple[tuple[str, str], ...],
    outcome: ZoneOutcome,
) -> dns.zone.Zone:
    zone = dns.zone.Zone(origin, relativize=False)
    with zone.writer() as txn:
        txn.add(soa)
        for label, kind in dict.fromkeys(wanted):
            name = origin if label == "@" else dns.name.from_text(label, origin)
            outcome.asked.append(f"{label} {kind}")
            try:
                answer = resolver.resolve(name, kind, raise_on_no_answer=False)
            except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
                continue
            except dns.exception.DNSException as exc:
                outcome.notes.append(f"{name.to_text(omit_final_dot=True)} {kind}: {_short(exc)}")
                continue
            for rrset in answer.response.answer:
                # Only the zone's own data: a CNAME's target in another zone is not written.
                if rrset.name.is_subdomain(origin) and rrset.rdtype != dns.rdatatype.SOA:
                    txn.add(rrset)
    return zone


def zone_text(outcome: ZoneOutcome, when: str) -> str:
    """The master file for an outcome that has a zone, with a header saying how it was read."""
    assert outcome.zone is not None
    header = [f"; {outcome.domain}: collected by onboard collect from {outcome.server} on {when}"]
    if outcome.method == "axfr":
        header.append("; by zone transfer (AXFR): the whole zone")
    else:
        header.append("; by queries, not a zone transfer: only these names were asked for, so the")
        header.append("; zone may hold more: " + ", ".join(outcome.asked))
    header.extend(f"; {note}" for note in outcome.notes)
    body = outcome.zone.to_text(sorted=True, relativize=False, want_origin=False)
    return "\n".join(header) + "\n" + body


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 200 else text[:197] + "..."
