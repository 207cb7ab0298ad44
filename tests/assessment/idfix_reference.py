"""Today's directory scan, frozen: the reference the faster scan is tested against.

This is :mod:`onboard.core.assessment.idfix` as it was at commit d375a2f, copied unchanged
but for this docstring and for taking its rules from
:mod:`tests.assessment.idfix_rules_reference`.  It shares the LDIF reader
(:mod:`onboard.core.assessment.ldif`) with the scan under test.  Do not "fix" anything
here: a difference must show up as a failing differential test.
"""

import csv
import json
import random
import shutil
import tempfile
import weakref
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from attrs import define, field, frozen
from onboard.core.assessment.ldif import LdifSource, text

from tests.assessment.idfix_rules_reference import (
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
)

MODES = ("multi-tenant",)
#: IdFix's export columns (the grid's column names, upper-cased, as IdFix writes them).
CSV_COLUMNS = (
    "DISTINGUISHEDNAME",
    "COMMONNAME",
    "OBJECTCLASS",
    "ATTRIBUTE",
    "ERROR",
    "VALUE",
    "PROPOSEDACTION",
    "UPDATE",
    "ACTION",
)
SAMPLE_ROWS = 500


@frozen
class IdfixError:
    """One IdFix row: an attribute value of an object that will not synchronize as is."""

    dn: str
    cn: str
    object_class: str
    attribute: str
    value: str
    errors: tuple[str, ...]  # ErrorKind names, e.g. ("Character", "Duplicate")
    action: str  # Edit | Remove | Complete
    update: str  # the proposed value
    line: int = 0  # where the value is in the LDIF file

    def describe(self) -> str:
        """One line for a finding: where, what, and the proposed fix."""
        fix = f"{self.action} -> {self.update!r}" if self.action == Action.EDIT else self.action
        return (
            f"line {self.line}: {self.dn}: {self.attribute} {self.value!r}: {', '.join(self.errors)} ({fix})"
        )

    def to_json(self) -> dict[str, object]:
        """The row as IdFix-like JSON (the grid's column names in camelCase)."""
        return {
            "distinguishedName": self.dn,
            "commonName": self.cn,
            "objectClass": self.object_class,
            "attribute": self.attribute,
            "error": list(self.errors),
            "value": self.value,
            "proposedAction": self.action,
            "update": self.update,
            "line": self.line,
        }

    def to_csv_row(self) -> list[str]:
        """The row in :data:`CSV_COLUMNS` order (ERROR joins the kinds as IdFix does)."""
        return [
            self.dn,
            self.cn,
            self.object_class,
            self.attribute,
            ", ".join(self.errors),
            self.value,
            self.action,
            self.update,
            "",
        ]


DuplicateCheck = Callable[[AttributeRules, int, str, str, Entry], Failure | None]


def check_entry(
    entry: Entry, rules: tuple[AttributeRules, ...], duplicate: DuplicateCheck
) -> list[IdfixError]:
    """Run every attribute's rules on one object; ``duplicate`` decides the Duplicate step."""
    record = entry.record
    attrs = record.attrs
    rows: list[IdfixError] = []
    for rule_set in rules:
        values = attrs.get(rule_set.key)
        if not values:
            if rule_set.blank_fix:
                rows.append(_row(entry, rule_set, 0, "", [(ErrorKind.Blank, entry.cn, Action.EDIT)]))
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
            if failures:
                rows.append(_row(entry, rule_set, index, original, failures))
    return rows


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
            seen: set[int] = set()
            repeated: set[int] = set()
            for key in keys:
                if key in seen:
                    repeated.add(key)
                else:
                    seen.add(key)
            groups: dict[int, list[int]] = {}
            for key, ref in zip(keys, pairs[1::2], strict=True):
                if key in repeated:
                    groups.setdefault(key, []).append(ref)
            yield from groups.values()


# ---------------------------------------------------------------------------
# The result
# ---------------------------------------------------------------------------


@define
class IdfixResult:
    """What the directory scan found: counts, the first rows, and every row on disk."""

    file: str
    mode: str = "multi-tenant"
    records: int = 0  # content records in the export
    out_of_scope: int = 0  # not a person or group (computers, OUs, containers, ...)
    change_records: int = 0  # changetype modify/delete/modrdn: not objects
    found: int = 0  # persons and groups (IdFix's "entries found")
    skipped: int = 0  # not synchronized (IdFix's exclusions)
    processed: int = 0
    errors: int = 0  # rows
    duplicates: int = 0  # rows with a Duplicate error
    by_kind: dict[str, int] = field(factory=dict)
    by_attribute: dict[str, int] = field(factory=dict)
    skip_reasons: dict[str, int] = field(factory=dict)
    problems: list[str] = field(factory=list)  # malformed LDIF (the first 100)
    problem_count: int = 0
    sample: list[IdfixError] = field(factory=list)  # the first rows
    rows_path: Path | None = None
    _cleanup: object = None

    def rows(self) -> Iterator[IdfixError]:
        """Every row, in file order (read from the work file)."""
        if self.rows_path is None:
            yield from self.sample
            return
        with self.rows_path.open(encoding="utf-8") as handle:
            for line in handle:
                yield _from_spill(json.loads(line))[1]

    def write_csv(self, path: Path) -> None:
        """The rows as IdFix exports them (its column names; ACTION left for a person)."""
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(CSV_COLUMNS)
            for row in self.rows():
                writer.writerow(row.to_csv_row())

    def write_json(self, path: Path) -> None:
        """The counts and every row as one JSON document, written as it streams."""
        summary = self.summary()
        with path.open("w", encoding="utf-8") as handle:
            handle.write(json.dumps(summary, indent=2)[:-2])
            handle.write(',\n  "rows": [')
            for n, row in enumerate(self.rows()):
                handle.write(("," if n else "") + "\n    " + json.dumps(row.to_json(), ensure_ascii=False))
            handle.write("\n  ]\n}\n")

    def summary(self) -> dict[str, object]:
        """The counts (no rows), for reports."""
        return {
            "file": self.file,
            "mode": self.mode,
            "records": self.records,
            "out_of_scope": self.out_of_scope,
            "change_records": self.change_records,
            "found": self.found,
            "skipped": self.skipped,
            "processed": self.processed,
            "errors": self.errors,
            "duplicates": self.duplicates,
            "by_kind": dict(self.by_kind),
            "by_attribute": dict(self.by_attribute),
            "skip_reasons": dict(self.skip_reasons),
            "problems": list(self.problems),
            "problem_count": self.problem_count,
        }

    def close(self) -> None:
        """Remove the work files (also done when the result is garbage-collected)."""
        if isinstance(self._cleanup, weakref.finalize):
            self._cleanup()
        self.rows_path = None


def _to_spill(offset: int, row: IdfixError) -> str:
    return json.dumps(
        [
            offset,
            row.dn,
            row.cn,
            row.object_class,
            row.attribute,
            row.value,
            row.errors,
            row.action,
            row.update,
            row.line,
        ],
        ensure_ascii=False,
    )


def _from_spill(item: list) -> tuple[int, IdfixError]:
    offset, dn, cn, object_class, attribute, value, errors, action, update, line = item
    return offset, IdfixError(dn, cn, object_class, attribute, value, tuple(errors), action, update, line)


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
    offset = 0

    def remember(rule_set: AttributeRules, index: int, original: str, current: str, entry: Entry) -> None:
        # DuplicateStore.add, inlined: this runs for every checked value of every object.
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
            if record.changetype != "add":
                result.change_records += 1
                continue
            result.records += 1
            if not in_scope(record):
                result.out_of_scope += 1
                continue
            result.found += 1
            entry = Entry(record)
            reason = skip_reason(entry)
            if reason:
                skip_reasons[reason] += 1
                continue
            result.processed += 1
            offset = record.offset
            rows = check_entry(entry, rules, remember)
            for row in rows:
                spill.write(_to_spill(offset, row) + "\n")
    result.skipped = sum(skip_reasons.values())
    result.skip_reasons = dict(skip_reasons.most_common())
    result.problem_count = source.problems.total
    result.problems = [p.describe() for p in source.problems.items]
    rebuilt = _duplicate_rows(source, rules, store)
    _merge(spill_path, rebuilt, workdir / "final.jsonl", result)
    spill_path.unlink()
    for leftover in workdir.glob("dup-*.bin"):
        leftover.unlink()


def _duplicate_rows(
    source: LdifSource, rules: tuple[AttributeRules, ...], store: DuplicateStore
) -> dict[int, list[IdfixError]]:
    """The rows, rebuilt with the Duplicate error, of every object holding a duplicate."""
    candidates: list[list[int]] = list(store.candidate_groups())
    if not candidates:
        return {}
    offsets = sorted({_unref(ref)[0] for group in candidates for ref in group})
    lines = source.lines_at(offsets)
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


def _merge(
    spill_path: Path, rebuilt: dict[int, list[IdfixError]], final_path: Path, result: IdfixResult
) -> None:
    """The final rows in file order: spilled rows, with rebuilt objects' rows in their place."""
    by_kind: Counter[str] = Counter()
    by_attribute: Counter[str] = Counter()
    pending = sorted(rebuilt)
    position = 0

    def emit(out, offset: int, row: IdfixError) -> None:
        result.errors += 1
        if "Duplicate" in row.errors:
            result.duplicates += 1
        by_kind.update(row.errors)
        by_attribute[row.attribute] += 1
        if len(result.sample) < SAMPLE_ROWS:
            result.sample.append(row)
        out.write(_to_spill(offset, row) + "\n")

    with spill_path.open(encoding="utf-8") as spill, final_path.open("w", encoding="utf-8") as out:
        for line in spill:
            offset, row = _from_spill(json.loads(line))
            while position < len(pending) and pending[position] < offset:
                for extra in rebuilt[pending[position]]:
                    emit(out, pending[position], extra)
                position += 1
            if offset in rebuilt:
                continue  # replaced by the rebuilt rows
            emit(out, offset, row)
        while position < len(pending):
            for extra in rebuilt[pending[position]]:
                emit(out, pending[position], extra)
            position += 1
    order = {kind.name: n for n, kind in enumerate(ErrorKind)}
    result.by_kind = dict(sorted(by_kind.items(), key=lambda kv: order.get(kv[0], 99)))
    result.by_attribute = dict(by_attribute.most_common())
    result.rows_path = final_path


def parse_only(source: LdifSource, progress: Callable[[int, int], None] | None = None) -> int:
    """Read every record and do nothing else (the benchmark's baseline); returns the count."""
    size = source.size
    on_block = (lambda read: progress(read, size)) if progress is not None else None
    count = 0
    for _record in source.records(on_block):
        count += 1
    return count
