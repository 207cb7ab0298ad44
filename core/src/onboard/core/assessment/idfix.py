"""The directory scan: IdFix's multi-tenant rules over a streamed LDIF export.

One pass reads the export record by record (:mod:`~onboard.core.assessment.ldif`),
checks each object (:mod:`~onboard.core.assessment.idfix_rules`) and writes the
errors to a work file as it goes.  Memory stays flat however large the directory:

* Duplicates are the only state across objects.  For every value that IdFix checks
  for duplicates, the pass keeps an 8-byte hash of the lower-cased value and an
  8-byte reference (record offset, attribute, value index), in 256 partitions that
  are flushed to disk in small blocks.  Afterwards each partition is read back on
  its own, values sharing a hash are confirmed by reading those few records again,
  and only their rows are rebuilt with the Duplicate error.
* Error rows go to a work file, not to memory; the result keeps the counts and the
  first rows for the report, and exports the rest as IdFix-style CSV or JSON.
"""

import random
import shutil
import tempfile
import weakref
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterator
from itertools import compress, islice
from operator import eq
from pathlib import Path

from onboard.core.assessment.idfix_result import (
    CSV_COLUMNS,
    SAMPLE_ROWS,
    IdfixError,
    IdfixResult,
    from_spill,
    merge,
    to_spill,
)
from onboard.core.assessment.idfix_rules import (
    DUPLICATE,
    DUPLICATE_CHECKED,
    Action,
    AttributeRules,
    Entry,
    ErrorKind,
    Failure,
    duplicate_action,
    in_scope,
    multi_tenant_rules,
    skip_reason,
    utf16_length,
)
from onboard.core.assessment.ldif import LdifSource, text

__all__ = [
    "CSV_COLUMNS",
    "MODES",
    "SAMPLE_ROWS",
    "DuplicateStore",
    "IdfixError",
    "IdfixResult",
    "check_entry",
    "from_spill",
    "parse_only",
    "scan_directory",
]

MODES = ("multi-tenant",)

DuplicateCheck = Callable[[AttributeRules, int, str, str, Entry], Failure | None]


def check_entry(
    entry: Entry, rules: tuple[AttributeRules, ...], duplicate: DuplicateCheck
) -> list[IdfixError]:
    """Run every attribute's rules on one object; ``duplicate`` decides the Duplicate step."""
    attrs = entry.record.attrs
    rows: list[IdfixError] = []
    for rule_set in rules:
        values = attrs.get(rule_set.key)
        if not values:
            if rule_set.blank_fix:
                rows.append(_blank_row(entry, rule_set))
            continue
        check_duplicate = rule_set.duplicate and not (
            rule_set.duplicate_unless and rule_set.duplicate_unless in attrs
        )
        clean = rule_set.clean
        for index, raw in enumerate(values) if rule_set.multi else ((0, values[0]),):
            original = raw if isinstance(raw, str) else text(raw)
            if clean(original, entry):
                # Nothing but the duplicate check can fail, and it sees the value unchanged.
                if check_duplicate:
                    result = duplicate(rule_set, index, original, original, entry)
                    if result is not None:
                        rows.append(_row(entry, rule_set, index, original, [result]))
                continue
            row = _check_value(entry, rule_set, index, original, check_duplicate, duplicate)
            if row is not None:
                rows.append(row)
    return rows


def _check_value(
    entry: Entry,
    rule_set: AttributeRules,
    index: int,
    original: str,
    check_duplicate: bool,
    duplicate: DuplicateCheck,
) -> IdfixError | None:
    """The row for a value its clean predicate does not pass: the whole chain decides."""
    current = original
    failures: list[Failure] | None = None
    for rule in rule_set.chain(original, entry):
        if rule is DUPLICATE:
            if not check_duplicate:
                continue
            result = duplicate(rule_set, index, original, current, entry)
        else:
            result = rule(current, entry)
        if result is not None:
            if failures is None:
                failures = []
            failures.append(result)
            current = result[1]
    return _row(entry, rule_set, index, original, failures) if failures else None


def _blank_row(entry: Entry, rule_set: AttributeRules) -> IdfixError:
    return _row(entry, rule_set, 0, "", [(ErrorKind.Blank, entry.cn, Action.EDIT)])


def _row(
    entry: Entry, rule_set: AttributeRules, index: int, value: str, failures: list[Failure]
) -> IdfixError:
    kinds: list[str] = []
    for flags, _, _ in failures:
        for name in ErrorKind.names_of(flags):
            if name not in kinds:
                kinds.append(name)
    _, update, action = failures[-1]
    record = entry.record
    return IdfixError(
        dn=record.dn,
        cn=entry.cn,
        object_class=entry.object_type,
        attribute=rule_set.name,
        value=value,
        errors=tuple(kinds),
        action=str(action),
        update=update,
        line=record.line_of(rule_set.key, index) if rule_set.key in record.attrs else record.line,
    )


# ---------------------------------------------------------------------------
# Duplicates across the directory
# ---------------------------------------------------------------------------

_CODES = {name: code for code, name in enumerate(DUPLICATE_CHECKED)}
_rng = random.Random(0x1DF1)
# Mixed into each attribute's hashes so equal values of different attributes differ.
_SALTS = tuple(_rng.getrandbits(62) for _ in DUPLICATE_CHECKED)


def _ref(offset: int, code: int, index: int) -> int:
    """Record offset, attribute code and value index in one 63-bit integer."""
    return (offset << 24) | (code << 16) | min(index, 0xFFFF)


def _unref(ref: int) -> tuple[int, int, int]:
    return ref >> 24, (ref >> 16) & 0xFF, ref & 0xFFFF


class DuplicateStore:
    """Hashes of checked values, partitioned and spilled to ``folder`` in blocks."""

    PARTITIONS = 256
    FLUSH_AT = 2048  # array items (1024 hash/reference pairs, 16 KB) per partition in memory: 4 MB in all

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        #: Per partition: hash, reference, hash, reference, ... (the scan appends directly).
        self.buffers = [array("q") for _ in range(self.PARTITIONS)]

    def add(self, code: int, lowered: str, ref: int) -> None:
        """Remember that the value ``lowered`` of attribute ``code`` is held at ``ref``."""
        key = hash(lowered) ^ _SALTS[code]
        buffer = self.buffers[key & 0xFF]
        buffer.append(key)
        buffer.append(ref)
        if len(buffer) >= self.FLUSH_AT:
            self.flush(key & 0xFF)

    def flush(self, partition: int) -> None:
        """Append a partition's buffer to its file and empty it."""
        buffer = self.buffers[partition]
        with (self.folder / f"dup-{partition:03d}.bin").open("ab") as handle:
            buffer.tofile(handle)
        del buffer[:]

    def candidate_groups(self) -> Iterator[list[int]]:
        """References whose values share a hash (at least two), one partition at a time."""
        for partition in range(self.PARTITIONS):
            pairs = array("q")
            path = self.folder / f"dup-{partition:03d}.bin"
            if path.exists():
                pairs.frombytes(path.read_bytes())
            pairs.extend(self.buffers[partition])
            keys = pairs[0::2]
            if len(set(keys)) == len(keys):
                continue
            # Hashes seen twice, and their references in file order, without a Python
            # loop over every key: sorted neighbours, then a filter (both in C).
            ordered = sorted(keys)
            repeated = set(compress(ordered, map(eq, ordered, islice(ordered, 1, None))))
            groups: dict[int, list[int]] = {}
            for key, ref in compress(zip(keys, pairs[1::2], strict=True), map(repeated.__contains__, keys)):
                groups.setdefault(key, []).append(ref)
            yield from groups.values()


# ---------------------------------------------------------------------------
# The scan
# ---------------------------------------------------------------------------


def scan_directory(
    source: LdifSource,
    *,
    mode: str = "multi-tenant",
    alternate_login_id: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> IdfixResult:
    """Check every object of an LDIF export with IdFix's rules.

    ``progress(bytes_read, bytes_total)`` follows the pass through the file.  Raises
    :class:`ValueError` for an unsupported ``mode`` (a plugin's mistake, not the
    customer's) and :class:`~onboard.core.assessment.problems.InputProblem` when the
    file cannot be read at all.
    """
    if mode not in MODES:
        raise ValueError(f"IdFix mode {mode!r} is not supported (supported: {', '.join(MODES)})")
    rules = multi_tenant_rules(alternate_login_id)
    workdir = Path(tempfile.mkdtemp(prefix="onboard-idfix-"))
    result = IdfixResult(file=source.file, mode=mode)
    result._cleanup = weakref.finalize(result, shutil.rmtree, workdir, True)
    try:
        _scan(source, rules, workdir, result, progress)
    except BaseException:
        result.close()
        raise
    return result


def _scan(
    source: LdifSource,
    rules: tuple[AttributeRules, ...],
    workdir: Path,
    result: IdfixResult,
    progress: Callable[[int, int], None] | None,
) -> None:
    store = DuplicateStore(workdir)
    buffers, flush, flush_at, salts = store.buffers, store.flush, DuplicateStore.FLUSH_AT, _SALTS
    codes = _CODES
    plan = tuple(
        (
            r.key,
            codes.get(r.key, 0),
            salts[codes.get(r.key, 0)],
            *getattr(r.clean, "bounds", (0, -1)),
            r.clean,
            r.multi,
            r.blank_fix,
            r.duplicate,
            r.duplicate_unless,
            r,
        )
        for r in rules
    )
    offset = processed = changes = records = out_of_scope = seen = 0
    # (offset, line) of every 64th record, so that the lines of the objects read again
    # are counted from the nearest one, not from the start of the file (16 bytes per
    # 64 records: 250 KB for a million).
    marks = array("q")

    def remember(rule_set: AttributeRules, index: int, original: str, current: str, entry: Entry) -> None:
        # DuplicateStore.add, inlined (the chain of a value that is not clean calls it).
        code = codes[rule_set.key]
        key = hash(current.lower()) ^ salts[code]
        partition = key & 0xFF
        buffer = buffers[partition]
        buffer.append(key)
        buffer.append((offset << 24) | (code << 16) | (index if index < 0xFFFF else 0xFFFF))
        if len(buffer) >= flush_at:
            flush(partition)
        return None

    size = source.size
    on_block = (lambda read: progress(read, size)) if progress is not None else None
    skip_reasons: Counter[str] = Counter()
    spill_path = workdir / "rows.jsonl"
    with spill_path.open("w", encoding="utf-8") as spill:
        for record in source.records(on_block):
            seen += 1
            if not seen & 63:
                marks.append(record.offset)
                marks.append(record.base)
            if record.changetype != "add":
                changes += 1
                continue
            records += 1
            if not in_scope(record):
                out_of_scope += 1
                continue
            entry = Entry(record)
            reason = skip_reason(entry)
            if reason:
                skip_reasons[reason] += 1
                continue
            processed += 1
            offset = record.offset
            attrs = record.attrs
            # check_entry with DuplicateStore.add inlined for clean values: this is the
            # scan's hot path, run for every attribute of every object.
            for name, code, salt, least, limit, clean, multi, blank_fix, duplicated, unless, rule_set in plan:
                values = attrs.get(name)
                if not values:
                    if blank_fix:
                        spill.write(to_spill(offset, _blank_row(entry, rule_set)) + "\n")
                    continue
                check_duplicate = duplicated and not (unless and unless in attrs)
                for index, raw in enumerate(values) if multi else ((0, values[0]),):
                    original = raw if isinstance(raw, str) else text(raw)
                    if (
                        # a length-only predicate (_fitting), inlined
                        least <= len(original) <= limit
                        and (original.isascii() or utf16_length(original) <= limit)
                        if limit >= 0
                        else clean(original, entry)
                    ):
                        if check_duplicate:
                            key = hash(original.lower()) ^ salt
                            buffer = buffers[key & 0xFF]
                            buffer.append(key)
                            buffer.append(
                                (offset << 24) | (code << 16) | (index if index < 0xFFFF else 0xFFFF)
                            )
                            if len(buffer) >= flush_at:
                                flush(key & 0xFF)
                        continue
                    row = _check_value(entry, rule_set, index, original, check_duplicate, remember)
                    if row is not None:
                        spill.write(to_spill(offset, row) + "\n")
    # Counted in locals (the loop runs per object); "found" are those in scope.
    result.change_records, result.records, result.out_of_scope = changes, records, out_of_scope
    result.found, result.processed = records - out_of_scope, processed
    result.skipped = sum(skip_reasons.values())
    result.skip_reasons = dict(skip_reasons.most_common())
    result.problem_count = source.problems.total
    result.problems = [p.describe() for p in source.problems.items]
    rebuilt = _duplicate_rows(source, rules, store, marks)
    merge(spill_path, rebuilt, workdir / "final.jsonl", result)
    spill_path.unlink()
    for leftover in workdir.glob("dup-*.bin"):
        leftover.unlink()


def _duplicate_rows(
    source: LdifSource, rules: tuple[AttributeRules, ...], store: DuplicateStore, marks: array | None = None
) -> dict[int, list[IdfixError]]:
    """The rows, rebuilt with the Duplicate error, of every object holding a duplicate."""
    candidates: list[list[int]] = list(store.candidate_groups())
    if not candidates:
        return {}
    offsets = sorted({_unref(ref)[0] for group in candidates for ref in group})
    lines = source.lines_at(offsets) if marks is None else lines_from_marks(source, offsets, marks)
    # Confirm: read those records again and compare the actual values (hashes can collide).
    values: dict[int, str] = {}
    for offset in offsets:
        record = source.record_at(offset, lines[offset])
        if record is None:
            continue

        def collect(
            rule_set: AttributeRules, index: int, original: str, current: str, entry: Entry, _o: int = offset
        ) -> None:
            code = _CODES[rule_set.key]
            values[_ref(_o, code, index)] = current.lower()
            return None

        check_entry(Entry(record), rules, collect)
    duplicated: set[int] = set()
    for group in candidates:
        by_value: dict[tuple[int, str], list[int]] = {}
        for ref in group:
            value = values.get(ref)
            if value is not None:
                by_value.setdefault((_unref(ref)[1], value), []).append(ref)
        for refs in by_value.values():
            if len(refs) > 1:
                duplicated.update(refs)
    rebuilt: dict[int, list[IdfixError]] = {}
    for offset in sorted({_unref(ref)[0] for ref in duplicated}):
        record = source.record_at(offset, lines[offset])
        if record is None:
            continue

        def oracle(
            rule_set: AttributeRules, index: int, original: str, current: str, entry: Entry, _o: int = offset
        ) -> Failure | None:
            if _ref(_o, _CODES[rule_set.key], index) not in duplicated:
                return None
            return ErrorKind.Duplicate, current, duplicate_action(rule_set.key, original, current, entry)

        rebuilt[offset] = check_entry(Entry(record), rules, oracle)
    return rebuilt


def lines_from_marks(source: LdifSource, offsets: list[int], marks: array) -> dict[int, int]:
    """:meth:`LdifSource.lines_at`, counting from the nearest (offset, line) of ``marks``."""
    starts = marks[0::2]
    lines: dict[int, int] = {}
    with source.path.open("rb") as handle:
        for offset in offsets:
            at = bisect_right(starts, offset) - 1
            position, line = (marks[2 * at], marks[2 * at + 1]) if at >= 0 else (0, 1)
            if offset > position:
                handle.seek(position)
                line += handle.read(offset - position).count(b"\n")
            lines[offset] = line
    return lines


def parse_only(source: LdifSource, progress: Callable[[int, int], None] | None = None) -> int:
    """Read every record and do nothing else (the benchmark's baseline); returns the count."""
    size = source.size
    on_block = (lambda read: progress(read, size)) if progress is not None else None
    count = 0
    for _record in source.records(on_block):
        count += 1
    return count
