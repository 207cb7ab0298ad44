"""The directory scan's result: counts, the first rows, and every row in a work file.

:mod:`~onboard.core.assessment.idfix` writes each row to the work file as it finds it
(:func:`to_spill`), then :func:`merge` puts the rows rebuilt with the Duplicate error in
their place and counts; the exports stream from that file.
"""

import csv
import json
import weakref
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from attrs import define, field, frozen
from onboard.core.assessment.idfix_rules import Action, ErrorKind

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
                yield from_spill(json.loads(line))[1]

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


def to_spill(offset: int, row: IdfixError) -> str:
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


def from_spill(item: list) -> tuple[int, IdfixError]:
    offset, dn, cn, object_class, attribute, value, errors, action, update, line = item
    return offset, IdfixError(dn, cn, object_class, attribute, value, tuple(errors), action, update, line)


def merge(
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
        out.write(to_spill(offset, row) + "\n")

    with spill_path.open(encoding="utf-8") as spill, final_path.open("w", encoding="utf-8") as out:
        for line in spill:
            offset, row = from_spill(json.loads(line))
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
