"""Offline verification of an audit chain: an export (``onboard audit ID``) or a journal.

Both are JSON lines ``{"hash": ..., "record": {...}}`` (:func:`onboard.core.journal.journal_line`).
:func:`verify_chain` checks the links, the stated hashes and every signature, and
with an allowed-signers file whether each key was the principal's at the time the
engagement accepted the action; :func:`compare` sets a journal against the history's
chain and explains what one has and the other lacks (a reset, a deletion, a lag).
Nothing here talks to a server.
"""

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

import cattrs
from attrs import Factory, define, field, frozen
from onboard.core.converter import from_json_value
from onboard.core.errors import OnboardError
from onboard.core.models import AuditRecord, Party
from onboard.core.trust import sshsig
from onboard.core.trust.chain import GENESIS, record_hash, signing_key
from onboard.core.trust.signers import AllowedSigners


class Severity(StrEnum):
    """An error fails verification; a warning is reported and does not."""

    ERROR = "error"  # the chain cannot be trusted as it is
    WARNING = "warning"  # worth a look, but the chain holds


@frozen
class Problem:
    """One finding, in words a person can act on (it names the record or file:line)."""

    severity: Severity
    text: str

    def __str__(self) -> str:
        return f"{self.severity.value}: {self.text}"


@frozen
class Entry:
    """A record as read: its hash as the file states it (None: not stated) and where."""

    record: AuditRecord
    stated: str | None = None
    where: str = ""  # "file:line"
    hash: str = field(default=Factory(lambda self: record_hash(self.record), takes_self=True))


@frozen
class Archived:
    """An export's first line when the engagement archived its older records
    (:mod:`onboard.core.engagement.carried`): records 1..``seq`` are in the journal
    only, and ``head`` is the hash of record ``seq``, the first exported one's prev."""

    seq: int
    head: str

    def line(self) -> dict:
        return {"archived": self.seq, "head": self.head}


@define
class Chain:
    """What :func:`read_chain` read: the records in file order, and the unreadable lines."""

    path: str
    entries: list[Entry] = field(factory=list)
    problems: list[Problem] = field(factory=list)
    archived: Archived | None = None

    @property
    def records(self) -> list[AuditRecord]:
        return [e.record for e in self.entries]


@define
class Report:
    """The outcome of :func:`verify_chain`: never ok for an empty chain."""

    checked: int = 0  # records read
    signatures: int = 0  # signatures that matched their statement
    head: str = ""  # hash of the last record in file order
    last_seq: int = 0
    problems: list[Problem] = field(factory=list)

    @property
    def ok(self) -> bool:
        return self.checked > 0 and not any(p.severity is Severity.ERROR for p in self.problems)

    def error(self, text: str) -> None:
        self.problems.append(Problem(Severity.ERROR, text))

    def warn(self, text: str) -> None:
        self.problems.append(Problem(Severity.WARNING, text))


def read_chain(path: Path) -> Chain:
    """The records of a JSON-lines file; a line that is not one is a problem, not an exception."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise OnboardError(f"cannot read {path}: {exc.strerror}") from exc
    chain = Chain(str(path))
    for number, raw in enumerate(data.splitlines(), 1):
        where = f"{path}:{number}"
        if not raw.strip():
            continue
        try:
            line = json.loads(raw)
        except ValueError as exc:  # UnicodeDecodeError is one too
            chain.problems.append(Problem(Severity.ERROR, f"{where}: not JSON ({exc})"))
            continue
        if isinstance(line, dict) and "archived" in line and "record" not in line:
            if chain.entries or chain.archived is not None:
                chain.problems.append(Problem(Severity.ERROR, f"{where}: an archive line must come first"))
            elif isinstance(line["archived"], int) and isinstance(line.get("head"), str):
                chain.archived = Archived(line["archived"], line["head"])
            else:
                chain.problems.append(Problem(Severity.ERROR, f"{where}: a malformed archive line"))
            continue
        value, stated = (
            (line.get("record"), line.get("hash"))
            if isinstance(line, dict) and "record" in line
            else (line, None)
        )
        if stated is not None and not isinstance(stated, str):
            chain.problems.append(Problem(Severity.ERROR, f"{where}: the stated hash is not a string"))
            stated = None
        try:
            record = from_json_value(value, AuditRecord)
        except (cattrs.BaseValidationError, ValueError, TypeError, AttributeError) as exc:
            why = (
                "; ".join(cattrs.transform_error(exc))
                if isinstance(exc, cattrs.BaseValidationError)
                else str(exc)
            )
            chain.problems.append(Problem(Severity.ERROR, f"{where}: not an audit record ({why})"))
            continue
        chain.entries.append(Entry(record, stated, where))
    return chain


def name(entry: Entry) -> str:
    """How a problem names a record: ``record 3 (approve kickoff by pat, export.jsonl:3)``."""
    r = entry.record
    where = f", {entry.where}" if entry.where else ""
    return f"record {r.seq} ({r.action} {r.subject} by {r.person}{where})"


def _entries(chain: Chain | Iterable[AuditRecord | Entry]) -> tuple[list[Entry], list[Problem]]:
    if isinstance(chain, Chain):
        return list(chain.entries), list(chain.problems)
    return [e if isinstance(e, Entry) else Entry(e) for e in chain], []


def _archived(chain: Chain | Iterable[AuditRecord | Entry]) -> Archived | None:
    return chain.archived if isinstance(chain, Chain) else None


def _span(first: int, last: int) -> str:
    return f"record {first}" if first == last else f"records {first}–{last}"


def _are(first: int, last: int) -> str:
    return "is" if first == last else "are"


def verify_chain(chain: Chain | Sequence[AuditRecord], signers: AllowedSigners | None) -> Report:
    """Check links, stated hashes and signatures of a chain (a :class:`Chain` or records in order).

    A journal may fork where the engagement was reset (the reset run re-uses seq
    numbers); a fork is a warning that names the records the reset superseded.
    """
    entries, problems = _entries(chain)
    report = Report(checked=len(entries), problems=problems)
    if not entries:
        report.error("nothing to verify: the chain has no records")
        return report
    later = {e.hash: e for e in entries}
    seen: dict[str, Entry] = {}  # by recomputed hash, and by stated hash where it differs
    by_seq: dict[int, Entry] = {}
    explained: set[str] = set()
    engagement = next((e.record.engagement for e in entries if e.record.seq > 0), "")
    tip: Entry | None = None
    archived = _archived(chain)
    if archived is not None:
        # The chain goes on from a record the journal holds: stand in for it.
        stand_in = AuditRecord(datetime.min.replace(tzinfo=UTC), "", Party.PROVIDER, "", "", seq=archived.seq)
        tip = Entry(stand_in, hash=archived.head, where="archived")
        seen[archived.head] = by_seq[archived.seq] = tip
        report.warn(
            f"{_span(1, archived.seq)} {_are(1, archived.seq)} archived: the engagement moved "
            "them to the journal; verify the journal for them (this chain links on from "
            f"record {archived.seq}'s hash)"
        )
    for e in entries:
        r, h = e.record, e.hash
        if r.seq <= 0:
            report.warn(f"{name(e)}: from before signing, not chained")
            if r.signature is not None:
                _check_signature(report, e, signers)
            continue
        if e.stated is not None and e.stated != h:
            report.error(f"{name(e)}: edited: its content does not match the hash stated beside it")
            seen[e.stated] = e
        if h in seen:
            report.warn(f"{name(e)}: appears twice (also {seen[h].where or 'earlier'})")
            continue
        if r.engagement != engagement:
            report.error(f"{name(e)}: belongs to engagement {r.engagement!r}, not {engagement!r}: inserted")
        parent = seen.get(r.prev)
        if r.prev == GENESIS or parent is not None:
            parent_seq = 0 if parent is None else parent.record.seq
            follows_tip = parent is tip  # both None for the first record
            if r.seq != parent_seq + 1:
                report.error(
                    f"{name(e)}: follows record {parent_seq} but claims seq {r.seq}: inserted or renumbered"
                )
            elif not follows_tip and r.seq in by_seq:
                old = max(by_seq)
                report.warn(
                    f"{name(e)}: the engagement was reset to after record {parent_seq}: "
                    f"{_span(r.seq, old)} of the earlier run {_are(r.seq, old)} superseded "
                    f"(a journal keeps both runs; an export never has two records {r.seq})"
                )
            elif tip is not None and r.seq <= tip.record.seq and h not in explained:
                report.error(f"{name(e)}: comes after record {tip.record.seq}: reordered or inserted")
        elif r.prev in later:
            before = later[r.prev]
            explained.add(before.hash)
            report.error(f"{name(e)}: reordered: it comes before {name(before)}, which it follows")
        elif r.seq > (tip.record.seq if tip else 0) + 1:
            missing = _span((tip.record.seq if tip else 0) + 1, r.seq - 1)
            report.error(f"{name(e)}: dropped: {missing} missing before it")
        else:
            report.error(
                f"{name(e)}: broken link: its prev matches no record before it "
                f"(the record before it was edited, replaced or dropped, or this one was inserted)"
            )
        seen[h], by_seq[r.seq], tip = e, e, e
        _check_signature(report, e, signers)
    if tip is not None:
        report.head, report.last_seq = tip.hash, tip.record.seq
    return report


def _check_signature(report: Report, e: Entry, signers: AllowedSigners | None) -> None:
    r, sig = e.record, e.record.signature
    if sig is None:
        report.warn(f"{name(e)}: unsigned (only an engagement whose policy allows it accepts that)")
        return
    try:
        fp = signing_key(r)
    except sshsig.SignatureError as exc:
        report.error(f"{name(e)}: bad signature: {exc}")
        return
    report.signatures += 1
    if fp != r.key:
        report.error(f"{name(e)}: signed with key {fp}, but the record names key {r.key or '(none)'}")
    if signers is None:
        return
    if not r.principal:
        report.error(f"{name(e)}: the record names no principal to check key {fp} against")
        return
    allowed = signers.key(r.principal, fp)
    if allowed is None:
        elsewhere = any(k.fingerprint == fp for k in signers.keys)
        report.error(
            f"{name(e)}: key {fp} is "
            + (f"in {signers.path} but not for principal {r.principal!r}" if elsewhere else
               f"not in {signers.path} for principal {r.principal!r} (removed since, or never allowed)")
        )  # fmt: skip
        return
    why = allowed.invalid_at(r.at)
    if why:
        report.error(f"{name(e)}: key not valid when the action was accepted ({r.at.isoformat()}): {why}")


def _ranges(seqs: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s in sorted(set(seqs)):
        if out and s == out[-1][1] + 1:
            out[-1] = (out[-1][0], s)
        else:
            out.append((s, s))
    return out


def compare(journal: Chain | Sequence[AuditRecord], history: Chain | Sequence[AuditRecord]) -> list[Problem]:
    """What the journal and the history's chain disagree on (records with seq 0 are left out).

    The history is always at least as far as the journal (the engagement journals
    what it has chained), so journal records the history lacks mean the history was
    reset or deleted; history records past the last one both share are "not journaled
    yet" unless the journal went on differently from the same record (a reset).
    """
    jentries = [e for e in _entries(journal)[0] if e.record.seq > 0]
    hentries = [e for e in _entries(history)[0] if e.record.seq > 0]
    problems: list[Problem] = []

    def error(text: str) -> None:
        problems.append(Problem(Severity.ERROR, text))

    archived = _archived(history)
    if archived is not None:
        # The history vouches for the journal's records it archived: the chain that
        # ends at the hash it names, followed back through the journal.
        by_hash = {e.hash: e for e in jentries}
        held = by_hash.get(archived.head)
        if held is None or held.record.seq != archived.seq:
            error(
                f"the history archived {_span(1, archived.seq)} into the journal, but the journal "
                f"has no record {archived.seq} with the hash the history names"
            )
        vouched: list[Entry] = []
        while held is not None:
            vouched.append(held)
            held = by_hash.get(held.record.prev)
        hentries = [*reversed(vouched), *hentries]
    jhashes = {e.hash for e in jentries}
    hhashes = {e.hash for e in hentries}
    hist = {e.record.seq: e for e in hentries}
    jseqs: dict[int, list[Entry]] = {}
    for e in jentries:
        jseqs.setdefault(e.record.seq, []).append(e)

    shared = max((s for s, e in hist.items() if e.hash in jhashes), default=0)
    after = hist[shared].hash if shared else GENESIS
    diverged = any(e.record.prev == after for e in jseqs.get(shared + 1, []))
    unjournaled = [s for s, e in hist.items() if e.hash not in jhashes]
    for first, last in _ranges(s for s in unjournaled if s <= shared):
        error(
            f"the history's {_span(first, last)} {_are(first, last)} missing from the journal, "
            "though later ones are there (a journal line lost, or the history edited)"
        )
    for first, last in _ranges(s for s in unjournaled if s > shared):
        if diverged:
            error(
                f"the history's {_span(first, last)} {'differs' if first == last else 'differ'} "
                "from the journal's (a reset or an edit)"
            )
        else:
            problems.append(
                Problem(
                    Severity.WARNING,
                    f"the history's {_span(first, last)} {_are(first, last)} not journaled yet",
                )
            )
    for first, last in _ranges(e.record.seq for e in jentries if e.hash not in hhashes):
        if first in hist and hist[first].hash in jhashes:
            why = (
                f"the journal forks at record {first} (two records {first}): the engagement was reset "
                f"to after record {first - 1}, and the history follows the new run"
            )
        else:
            why = "the history was reset or deleted"
        error(f"{_span(first, last)} {_are(first, last)} in the journal but not in the history: {why}")
    if len(hentries) != len(hist):
        error("the history has two records with one seq: it was tampered with")
    return problems
