"""DNS zone files (RFC 1035 master-file format) from the bundle's ``dns/`` folder.

The files come from the tools that run a zone: BIND's ``contoso.com.zone``,
``contoso.com.db`` or ``db.contoso.com`` (and its own dumps and secondary copies,
which start with ``$ORIGIN .`` and write absolute names); Windows DNS Server's
``dnscmd /ZoneExport contoso.com contoso.com.dns``, which has no ``$ORIGIN`` at all.

**The origin** is the zone's apex: the owner of its SOA record, read with the file
name's domain as the starting origin (as BIND starts from the zone name in
``named.conf``); without an SOA it is the file name's domain.  The first ``$ORIGIN``
is never taken for the apex: in a dump it is ``.``, and it may name a subdomain.

**One bad record costs that record, not the zone.**  The file is read one entry at
a time with dnspython's tokenizer and record parser; an entry that fails, for any
reason, becomes an :class:`InputProblem` naming the file and the line it starts on,
and reading goes on at the next entry.  A record BIND would refuse to load the zone
for (such as a CNAME beside other data) is reported the same way.  Records outside
the apex are ignored, as BIND ignores out-of-zone data.  A lookup
(:meth:`Zone.records`) at a name whose record was skipped raises that problem: the
answer would be a guess.

**``$INCLUDE`` is refused** (a problem naming file and line; the rest is still
read): a bundle is self-contained, and an include names a path on the server (BIND
resolves it against its working directory), which the bundle does not have.  Paste
the included records in its place.  ``$ORIGIN``, ``$TTL`` and ``$GENERATE`` work.
"""

from collections.abc import Callable
from pathlib import Path

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tokenizer
import dns.transaction
import dns.ttl
import dns.zone
import dns.zonefile
from attrs import field, frozen
from onboard.core.assessment.problems import InputProblem
from onboard.core.assessment.textfiles import read_text

ZONE_SUFFIXES = (".zone", ".db", ".dns")
#: BIND's other naming convention: ``db.contoso.com``.
ZONE_PREFIX = "db."
#: Problems kept per file; the rest are counted in one last problem.
MAX_PROBLEMS = 20


@frozen
class Zone:
    """A parsed zone: its origin (no trailing dot, lower case), the dnspython zone,
    and the problems of the records that were skipped.

    ``skipped`` maps the owner name (absolute, lower case, no trailing dot; ``""``
    when the owner itself could not be read) of each skipped record to its problem.
    """

    origin: str
    file: str
    zone: dns.zone.Zone
    problems: tuple[InputProblem, ...] = ()
    skipped: dict[str, InputProblem] = field(factory=dict)

    def records(self, name: str, rdtype: str) -> list[str]:
        """The values of ``name``'s records of type ``rdtype`` (absolute names, no trailing dot).

        Raises the :class:`InputProblem` of a skipped record that may have stood at
        ``name``: whether the wanted record is there cannot be told.
        """
        key = name.rstrip(".").lower()
        problem = self.skipped.get(key) or self.skipped.get("")
        if problem is not None:
            raise problem
        try:
            owner = dns.name.from_text(name if name.endswith(".") else f"{name}.")
            rdataset = self.zone.get_rdataset(owner, dns.rdatatype.from_text(rdtype.upper()))
        except (dns.exception.DNSException, ValueError, KeyError):
            return []
        if rdataset is None:
            return []
        return [rdata.to_text().rstrip(".").lower() for rdata in rdataset]

    def cnames_of(self, name: str) -> list[str]:
        """The CNAME targets of ``name``."""
        return self.records(name, "CNAME")


def is_zone_file(name: str) -> bool:
    """Whether a file name is one of the zone-file names the bundle format accepts."""
    lowered = name.lower()
    if lowered.endswith(ZONE_SUFFIXES):
        return True
    return lowered.startswith(ZONE_PREFIX) and len(lowered) > len(ZONE_PREFIX)


def zone_files(folder: Path) -> list[Path]:
    """The zone files in ``folder`` (sorted by name)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and is_zone_file(p.name))


def origin_from_name(path: Path) -> str:
    """``contoso.com.zone`` / ``.dns`` / ``.db`` / ``db.contoso.com`` -> ``contoso.com``."""
    name = path.name
    lowered = name.lower()
    for suffix in ZONE_SUFFIXES:
        if lowered.endswith(suffix):
            name = name[: -len(suffix)]
            break
    else:
        if lowered.startswith(ZONE_PREFIX):
            name = name[len(ZONE_PREFIX) :]
    return name.rstrip(".").lower()


def read_zone(path: Path, file: str) -> Zone:
    """Read one zone file; bad records become :attr:`Zone.problems`.

    :class:`InputProblem` when the file cannot be read or holds no record at all.
    """
    text = read_text(path, file)
    named = _name(origin_from_name(path))
    try:
        # First pass: where is the SOA?  Nothing is filtered out, so a dump's
        # absolute names are all seen whatever the file is called.
        scan = _Pass(text, file, start=named or dns.name.root, apex=None)
        apex, notes = _apex(scan.soa_owners(), named, file)
        # Second pass: the apex is the starting origin, and what lies outside it is ignored.
        final = _Pass(text, file, start=apex, apex=apex)
    except InputProblem:
        raise
    except Exception as exc:  # a reader fault must name the file, not end the assessment
        raise InputProblem(file, f"not a valid zone file: {_describe(exc)}") from exc
    problems = [*notes, *final.problems]
    if final.dropped:
        problems.append(InputProblem(file, f"{final.dropped} more records skipped (not listed)"))
    if not any(True for _ in final.zone.iterate_rdatas()):
        if final.problems:
            first = final.problems[0]
            raise InputProblem(
                file,
                f"{first.message} (and no record could be read)",
                line=first.line,
            )
        # An empty file parses as a zone with nothing in it: it is not a zone that is present.
        raise InputProblem(file, "holds no records (an empty or cut-off zone file)", line=1)
    origin = apex.to_text(omit_final_dot=True).lower()
    return Zone(
        origin=origin if origin != "@" else "",
        file=file,
        zone=final.zone,
        problems=tuple(problems),
        skipped=final.skipped,
    )


def _name(text: str) -> dns.name.Name | None:
    """The file name's domain as an absolute name, or ``None`` if it is not one."""
    if not text:
        return None
    try:
        return dns.name.from_text(text, origin=dns.name.root)
    except (dns.exception.DNSException, ValueError):
        return None


def _apex(
    owners: list[dns.name.Name], named: dns.name.Name | None, file: str
) -> tuple[dns.name.Name, list[InputProblem]]:
    """The zone's apex from the SOA owners found, else the file name's domain."""
    if not owners:
        if named is None:
            raise InputProblem(
                file, "has no SOA record and its name is not a domain (name it <domain>.zone or db.<domain>)"
            )
        return named, [InputProblem(file, f"has no SOA record: read as the zone {named.to_text()}")]
    if len(owners) == 1:
        return owners[0], []
    chosen = named if named in owners else owners[0]
    others = ", ".join(o.to_text() for o in owners if o != chosen)
    return chosen, [
        InputProblem(file, f"holds SOA records for several names: read as {chosen.to_text()}, not {others}")
    ]


def _describe(exc: BaseException) -> str:
    """An exception as one line a person can act on."""
    if isinstance(exc, dns.exception.SyntaxError):
        return str(exc) or "syntax error"
    if isinstance(exc, dns.exception.DNSException):
        return str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class _Pass:
    """One reading of the text: the records, the problems, and what was skipped where.

    With an ``apex`` the records go into :attr:`zone` (dnspython ignores what lies
    outside it).  Without, nothing is kept but the SOA owners, wherever they are: a
    dnspython transaction takes an SOA only at its origin, so they are caught first.
    """

    def __init__(self, text: str, file: str, *, start: dns.name.Name, apex: dns.name.Name | None) -> None:
        self.file = file
        self.problems: list[InputProblem] = []
        self.skipped: dict[str, InputProblem] = {}
        self.dropped = 0
        self.owners: set[dns.name.Name] = set()
        self.zone = dns.zone.Zone(apex or dns.name.root, relativize=False)
        with self.zone.writer(True) as txn:
            target = txn if apex is not None else _SoaOwners(txn, self.owners)
            _Reader(_Tokenizer(text, file), target, start, self.skip).read_entries()

    def soa_owners(self) -> list[dns.name.Name]:
        """The owners of the SOA records read (apex first: fewest labels)."""
        return sorted(self.owners, key=lambda n: (len(n.labels), n.to_text()))

    def skip(self, line: int, owner: dns.name.Name | None, message: str) -> None:
        """Record a skipped entry starting at ``line``."""
        problem = InputProblem(self.file, f"not a valid zone file: {message}", line=line)
        key = "" if owner is None else owner.to_text(omit_final_dot=True).lower()
        self.skipped.setdefault(key, problem)
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(problem)
        else:
            self.dropped += 1


class _SoaOwners:
    """A transaction stand-in for the first pass: notes SOA owners, keeps nothing."""

    def __init__(self, txn: dns.transaction.Transaction, owners: set[dns.name.Name]) -> None:
        self._txn = txn
        self.manager = txn.manager
        self._owners = owners

    def check_put_rdataset(self, check: Callable[..., None]) -> None:
        """No checks: nothing is kept."""

    def add(self, name: dns.name.Name, ttl: int, rdata: dns.rdata.Rdata) -> None:
        """Note the owner of an SOA record."""
        if rdata.rdtype == dns.rdatatype.SOA:
            self._owners.add(name)

    def add_unicode(self, value: str) -> None:
        """``$UNICODE``: not needed to find the SOA."""


class _Reader(dns.zonefile.Reader):
    """dnspython's zone-file reader, one entry at a time.

    :meth:`read_entries` is dnspython's ``read()`` loop with each entry in its own
    ``try``: a failing entry is reported through ``skip`` and the tokenizer moves on
    to the end of the entry (parentheses included), so the next one is read.
    """

    def __init__(
        self,
        tok: dns.tokenizer.Tokenizer,
        txn: dns.transaction.Transaction,
        start: dns.name.Name,
        skip: Callable[[int, dns.name.Name | None, str], None],
    ) -> None:
        super().__init__(tok, dns.rdataclass.IN, txn, allow_include=False)
        self.current_origin = start
        self.last_name = start
        self._skip = skip

    def _line(self) -> int:
        # A newline already read and put back belongs to the line before it.
        tok = self.tok
        return tok.line_number - (1 if tok.ungotten_char == "\n" else 0)

    def read_entries(self) -> None:
        """Every entry of the file: directives and records."""
        while True:
            start = self._line()
            owner: dns.name.Name | None = self.last_name
            try:
                token = self.tok.get(True, True)
                if token.is_eof():
                    return
                if token.is_eol():
                    continue
                if token.is_comment():
                    self.tok.get_eol()
                    continue
                if token.is_identifier() and token.value.startswith("$"):
                    owner = None  # a bad $INCLUDE or $ORIGIN may cost records at any name
                    self._directive(token.value.upper(), start)
                    continue
                if token.is_identifier():
                    owner = None
                    owner = self.tok.as_name(token, self.current_origin)
                self.tok.unget(token)
                self._rr_line()
            except Exception as exc:  # every parser fault costs the entry, never the zone
                self._skip(start, owner, _describe(exc))
                if not self._recover():
                    return

    def _directive(self, name: str, line: int) -> None:
        if name == "$TTL":
            token = self.tok.get()
            if not token.is_identifier():
                raise dns.exception.SyntaxError("bad $TTL")
            self.default_ttl = dns.ttl.from_text(token.value)
            self.default_ttl_known = True
            self.default_ttl_from_soa = False
            self.tok.get_eol()
        elif name == "$ORIGIN":
            origin = self.tok.get_name(self.current_origin)
            if not origin.is_absolute():
                raise dns.exception.SyntaxError("$ORIGIN is not an absolute name")
            self.current_origin = origin
            self.tok.get_eol()
        elif name == "$GENERATE":
            self._generate_line()
        elif name == "$INCLUDE":
            raise dns.exception.SyntaxError(
                "$INCLUDE is not supported: a bundle is self-contained, so paste the included "
                "file's records in its place (its records are missing)"
            )
        else:
            raise dns.exception.SyntaxError(f"unknown directive {name!r}")

    def _recover(self) -> bool:
        """Skip to the end of the failed entry; ``False`` at the end of the file."""
        tok = self.tok
        if tok.quoting and tok.ungotten_char != '"':  # "newline in quoted string": it ended the entry
            tok.quoting = False
            tok.delimiters = dns.tokenizer._DELIMITERS  # the tokenizer keeps no public reset
            return not tok.eof
        last = tok.last
        if tok.ungotten_token is None and tok.multiline == 0 and last is not None and last.is_eol_or_eof():
            return not last.is_eof()  # the failing parser read the entry's end already
        while True:
            try:
                token = tok.get()
            except dns.exception.DNSException:
                if tok.eof:  # an unclosed parenthesis runs to the end of the file
                    return False
                continue  # a stray ')' and the like: consumed, go on
            if token.is_eof():
                return False
            if token.is_eol():
                return True


class _Tokenizer(dns.tokenizer.Tokenizer):
    """dnspython's tokenizer, remembering the last token it gave (for recovery)."""

    last: dns.tokenizer.Token | None = None

    def get(self, want_leading: bool = False, want_comment: bool = False) -> dns.tokenizer.Token:
        """The next token (see :meth:`dns.tokenizer.Tokenizer.get`)."""
        self.last = None
        token = super().get(want_leading, want_comment)
        self.last = token
        return token
