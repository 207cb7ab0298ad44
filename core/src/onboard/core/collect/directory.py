"""The users, groups and contacts IdFix checks, read page by page and written as LDIF.

IdFix's multi-tenant query, ``(|(objectCategory=person)(objectCategory=group))``,
over each domain's naming context, with the attributes its rules read
(:data:`IDFIX_ATTRIBUTES`; what ``docs/assessment-bundle.md`` asks ``ldifde -l`` for).
One page is in memory at a time; each object is written as it arrives.

How the search can end short, and what is made of it (never a silent partial pass):

* the server's size, time or administrative limit, or ``--size-limit``: the LDIF gets
  the result as its last lines (``result: 4 Size limit exceeded``), which the reader
  reports, and the collection is incomplete;
* a **continuation reference** to a domain that is not collected in the same run
  (a child domain): recorded the same way (``result: 10 Referral``).  References to
  the DNS application partitions and the configuration are expected (Active
  Directory always returns them from a domain's root) and only counted;
* a multi-valued attribute sent in ranges (``proxyAddresses;range=0-1499``, as
  Windows does beyond ``MaxValRange``): the rest is fetched, range by range.
"""

from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from attrs import define, field
from onboard.core.assessment.ldif_lines import LdifRecord
from onboard.core.collect.ldap_client import CollectError, DirectoryConnection, Reference, SearchCutOff
from onboard.core.collect.ldif_writer import LdifWriter

IDFIX_FILTER = "(|(objectCategory=person)(objectCategory=group))"
IDFIX_ATTRIBUTES = (
    "cn",
    "displayName",
    "distinguishedName",
    "givenName",
    "groupType",
    "homeMDB",
    "isCriticalSystemObject",
    "mail",
    "mailNickname",
    "msExchHideFromAddressLists",
    "msExchRecipientTypeDetails",
    "objectCategory",
    "objectClass",
    "proxyAddresses",
    "sAMAccountName",
    "targetAddress",
    "userPrincipalName",
)
_RANGE_LIMIT = 1000  # range requests per attribute: a loop guard, far above any real count


@define
class SearchOutcome:
    """How one search (one server, one base) went."""

    server: str
    base: str
    objects: int = 0
    expected_references: int = 0  # DNS zones' and configuration partitions, as AD always sends
    uncollected: list[str] = field(factory=list)  # references to naming contexts not collected
    cut_off: str = ""  # the one-line reason the search ended short, or ""
    cut_off_code: int = 0

    @property
    def complete(self) -> bool:
        """Whether every object under the base was read."""
        return not self.cut_off and not self.uncollected


def reference_target(uri: str) -> str:
    """``ldap://corp.test/DC=DomainDnsZones,DC=corp,DC=test`` -> its DN."""
    return unquote(urlsplit(uri).path.lstrip("/")).split("?", 1)[0]


def search_objects(
    conn: DirectoryConnection,
    base: str,
    writer: LdifWriter,
    outcome: SearchOutcome,
    *,
    expected: set[str],
    collected: set[str],
    size_limit: int = 0,
    attributes: tuple[str, ...] = IDFIX_ATTRIBUTES,
) -> Iterator[LdifRecord]:
    """Read, write and yield every object; the outcome says whether the search was whole.

    ``expected``: naming contexts (lower case) whose references are only counted;
    ``collected``: those another search of this collection reads.  The search's
    result is written after the last object either way.
    """
    code = 0
    try:
        for item in conn.search(base, IDFIX_FILTER, list(attributes), size_limit=size_limit):
            if isinstance(item, Reference):
                _reference(item, outcome, expected, collected)
                continue
            dn, raw = item
            if any(";range=" in name for name in raw):
                raw = complete_ranges(conn, dn, raw)
            record = writer.add(dn, raw)
            outcome.objects += 1
            yield record
            if size_limit and outcome.objects >= size_limit:
                # Samba ignores a client's size limit; the collector keeps it itself.
                raise SearchCutOff(
                    f"{conn.url}: search of {base} stopped after {outcome.objects} objects "
                    f"(--size-limit {size_limit}): the export is incomplete",
                    4,
                    "sizeLimitExceeded",
                    outcome.objects,
                )
    except SearchCutOff as cut:
        outcome.cut_off, outcome.cut_off_code, code = str(cut), cut.code, cut.code
    if not outcome.cut_off and outcome.uncollected:
        code = 10  # the objects over there are part of the scope and were not read
    writer.end(code)


def _reference(item: Reference, outcome: SearchOutcome, expected: set[str], collected: set[str]) -> None:
    for uri in item.uris:
        target = reference_target(uri).lower()
        if target in expected or target in collected:
            outcome.expected_references += 1
        else:
            outcome.uncollected.append(
                f"{outcome.server}: the search of {outcome.base} refers to {uri}: a naming context "
                "this collection does not read (collect that domain with another --server)"
            )


def complete_ranges(
    conn: DirectoryConnection, dn: str, raw: dict[str, list[bytes]]
) -> dict[str, list[bytes]]:
    """``raw`` with every ranged attribute (``member;range=0-1499``) fetched to its end.

    Windows sends a large multi-valued attribute in ranges of ``MaxValRange``
    values; each next range is asked for by name until one ends in ``*``.
    """
    whole: dict[str, list[bytes]] = {}
    for name, values in raw.items():
        base, sep, rest = name.partition(";range=")
        if not sep:
            whole.setdefault(name, []).extend(values)
            continue
        collected = list(values)
        low, _, high = rest.partition("-")
        for _ in range(_RANGE_LIMIT):
            if high == "*":
                break
            start = int(high) + 1
            answer = conn.read(dn, [f"{base};range={start}-*"])
            if answer is None:
                raise CollectError(f"{conn.url}: {dn} disappeared while its {base} values were read")
            ranged = [k for k in answer if k.lower().startswith(f"{base.lower()};range=")]
            if not ranged:
                raise CollectError(
                    f"{conn.url}: {dn}: the server sent {base} values {low}-{high} and no more "
                    "(the attribute is incomplete)"
                )
            collected.extend(answer[ranged[0]])
            low, _, high = ranged[0].partition(";range=")[2].partition("-")
        else:
            raise CollectError(f"{conn.url}: {dn}: {base} is sent in more than {_RANGE_LIMIT} ranges")
        whole.setdefault(base, []).extend(collected)
    return whole
