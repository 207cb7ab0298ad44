"""The LDIF reader against today's parser, frozen in :mod:`tests.assessment.ldif_reference`.

Both read the same files and must agree on everything a caller can see: every record
(DN, attributes and their order, value types, URLs, change type, line, base line, byte
offset, raw bytes), every problem (message, line, field, in order, and the total), an
error raised while reading, the progress calls, and each record read again from its
offset (:meth:`LdifSource.record_at`).  The files: every test bundle's and example
bundle's export, the readers' corpus of real files (as written, with CRLF, and as
``ldifde -u`` UTF-16), the edge cases of :mod:`tests.assessment.ldif_corpus`, an
export from the directory-scan benchmark's generator, what the collector writes, the
fuzz suite's damages, and Hypothesis' documents -- each also read in tiny blocks, so
that records, separators and folds fall across block boundaries.
"""

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onboard.core.assessment import ldif
from onboard.core.assessment.ldif import LdifSource
from onboard.core.assessment.ldif_lines import LdifRecord, ProblemLog, parse_record
from onboard.core.assessment.problems import InputProblem
from onboard.core.collect.ldif_writer import LdifWriter

from tests.assessment import ldif_reference
from tests.assessment.ldif_corpus import anything, documents, edge_cases
from tests.assessment.ldif_reference import ReferenceLdifSource
from tests.fuzz.test_bundles import HOWS, damage_file

ROOT = Path(__file__).parents[2]
HERE = Path(__file__).parent
BUNDLE_LDIF = sorted(
    [*HERE.glob("bundles/*/directory.ldf"), *(ROOT / "examples").glob("bundles/*/directory.ldf")]
)
CORPUS_LDIF = sorted((HERE / "corpus" / "ldif").iterdir())
#: Block sizes: the real one, and small ones that cut records, separators and folds.
BLOCKS = [ldif._BLOCK, 4096, 61]

Snapshot = tuple[object, ...]


def snapshot(record: LdifRecord | None) -> Snapshot | None:
    """All of a record a caller can see, with value types (``"a" != b"a"``)."""
    if record is None:
        return None
    attrs = [(k, [(type(v).__name__, v) for v in vs]) for k, vs in record.attrs.items()]
    return (
        record.dn,
        attrs,
        list(record.urls.items()),
        record.changetype,
        record.line,
        record.base,
        record.offset,
        record.raw,
    )


def problem(exc: InputProblem) -> Snapshot:
    return (type(exc).__name__, exc.describe(), exc.file, exc.line, exc.field, exc.state)


def observe(cls: type[LdifSource], path: Path, file: str, every_line: bool = False) -> Snapshot:
    """What reading ``path`` with ``cls`` shows; ``every_line``: ``record_at`` at each line start too."""
    try:
        source = cls(path, file)
    except InputProblem as exc:
        return ("constructor", problem(exc))
    with source:
        records: list[Snapshot | None] = []
        progress: list[int] = []
        error = None
        try:
            for record in source.records(progress.append):
                records.append(snapshot(record))
        except InputProblem as exc:
            error = problem(exc)
        problems = [problem(p) for p in source.problems.items]
        offsets = {r[6] for r in records if r}
        if every_line:
            data = source.path.read_bytes()
            offsets |= {n + 1 for n, byte in enumerate(data) if byte == 10 and n + 1 < len(data)}
            offsets |= {source._skip} if source._skip < len(data) else set()
        lines = source.lines_at(sorted(offsets))
        again = [(o, snapshot(source.record_at(o, lines[o]))) for o in sorted(offsets)]
        return records, error, problems, source.problems.total, progress, again


@contextlib.contextmanager
def reading_in(block: int, limit: int | None = None) -> Iterator[None]:
    """Both readers take ``block``-byte reads (and refuse records over ``limit``)."""
    saved = [(m, m._BLOCK, m.MAX_RECORD_BYTES) for m in (ldif, ldif_reference)]
    try:
        for module, _, default in saved:
            module._BLOCK = block
            module.MAX_RECORD_BYTES = limit or default
        yield
    finally:
        for module, old_block, old_limit in saved:
            module._BLOCK, module.MAX_RECORD_BYTES = old_block, old_limit


def assert_same(
    path: Path, block: int = ldif._BLOCK, limit: int | None = None, every_line: bool = False
) -> None:
    with reading_in(block, limit):
        ours = observe(LdifSource, path, path.name, every_line)
        theirs = observe(ReferenceLdifSource, path, path.name, every_line)
    assert ours == theirs


def variants(path: Path, tmp_path: Path) -> Iterator[Path]:
    """The file as written, with LF and with CRLF lines, and as UTF-16 (``ldifde -u``)."""
    yield path
    data = path.read_bytes()
    lf = data.replace(b"\r\n", b"\n")
    for name, content in [("lf", lf), ("crlf", lf.replace(b"\n", b"\r\n"))]:
        target = tmp_path / f"{name}-{path.name}"
        target.write_bytes(content)
        yield target
    with contextlib.suppress(UnicodeDecodeError):
        target = tmp_path / f"utf16-{path.name}"
        target.write_bytes(lf.replace(b"\n", b"\r\n").decode("utf-8").encode("utf-16"))
        yield target


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("path", BUNDLE_LDIF, ids=lambda p: f"{p.parent.parent.name}/{p.parent.name}")
def test_bundle_exports(path: Path, block: int, tmp_path: Path) -> None:
    for variant in variants(path, tmp_path):
        assert_same(variant, block)


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("path", CORPUS_LDIF, ids=lambda p: p.name)
def test_readers_corpus(path: Path, block: int, tmp_path: Path) -> None:
    for variant in variants(path, tmp_path):
        assert_same(variant, block)


CASES = list(edge_cases())


@pytest.mark.parametrize(("name", "data"), CASES, ids=[name for name, _ in CASES])
def test_edge_cases(name: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "directory.ldf"
    path.write_bytes(data)
    for block in (ldif._BLOCK, 64, 7, 2, 1):
        assert_same(path, block, every_line=True)
    assert_same(path, 16, limit=40)  # a "record" too large: the same error, at the same line


@pytest.mark.parametrize("newline", [b"\r\n", b"\n"])
def test_generated_directory(newline: bytes, tmp_path: Path) -> None:
    """The directory-scan benchmark's ``ldifde``-style export: 1,000 objects, all its IdFix errors."""
    sys.path.insert(0, str(ROOT / "benchmarks" / "directory_scan"))
    try:
        from generate import write_directory
    finally:
        sys.path.remove(str(ROOT / "benchmarks" / "directory_scan"))
    path = tmp_path / "directory.ldf"
    write_directory(path, 1_000)
    if newline == b"\n":
        path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n"))
    for block in (ldif._BLOCK, 65_537):
        assert_same(path, block)


FILE_DAMAGES = [how for how in HOWS if how not in ("unreadable",)]


@pytest.mark.parametrize("how", FILE_DAMAGES)
def test_fuzz_damages(how: str, tmp_path: Path) -> None:
    """The fuzz suite's damages to the example bundle's export (its default cut and bytes)."""
    path = tmp_path / "directory.ldf"
    path.write_bytes((ROOT / "examples" / "bundles" / "contoso" / "directory.ldf").read_bytes())
    damage_file(path, how)
    for block in (ldif._BLOCK, 333):
        assert_same(path, block)


hypothesis_settings = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@hypothesis_settings
@given(how=st.sampled_from(["cut", "garbage", "non-utf8", "utf-16-cut"]), data=st.data())
def test_fuzz_damages_drawn(tmp_path: Path, how: str, data: st.DataObject) -> None:
    """The same damages with Hypothesis drawing the cut and the garbage, as the fuzz suite does."""
    path = tmp_path / "directory.ldf"
    path.write_bytes((ROOT / "examples" / "bundles" / "contoso" / "directory.ldf").read_bytes())
    damage_file(path, how, data.draw)
    assert_same(path, data.draw(st.sampled_from([ldif._BLOCK, 97])))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=anything,
    block=st.sampled_from([ldif._BLOCK, 1, 3, 16, 50]),
    limit=st.sampled_from([None, None, None, 30]),
)
def test_generated_documents(tmp_path: Path, content: bytes, block: int, limit: int | None) -> None:
    path = tmp_path / "directory.ldf"
    path.write_bytes(content)
    assert_same(path, block, limit, every_line=True)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    objects=st.lists(
        st.tuples(
            st.text(min_size=1, max_size=60).map(lambda cn: f"CN={cn},DC=corp,DC=test"),
            st.dictionaries(
                st.sampled_from(
                    ["cn", "description", "proxyAddresses", "objectGUID", "userCertificate;binary"]
                ),
                st.lists(st.binary(max_size=200), min_size=1, max_size=3),
                max_size=4,
            ),
        ),
        max_size=8,
    ),
    result=st.sampled_from([0, 4, 10]),
)
def test_the_collectors_exports(tmp_path: Path, objects: list, result: int) -> None:
    """What ``onboard collect`` writes (:class:`LdifWriter`): any bytes in any value, and its trailer."""
    path = tmp_path / "directory.ldf"
    with path.open("wb") as out:
        writer = LdifWriter(out, ["collected by a test"])
        for dn, attributes in objects:
            writer.add(dn, attributes)
        writer.end(result)
    for block in (ldif._BLOCK, 50):
        assert_same(path, block)


#: One name cache for every example, as one file shares it across its records.
SHARED_KEYS: dict[str, str] = {}


@settings(max_examples=400, deadline=None)
@given(raw=st.one_of(documents(), st.binary(max_size=200)), line=st.integers(1, 50))
def test_one_record_decodes_the_same(raw: bytes, line: int) -> None:
    """``parse_record`` alone, on bytes the streaming would never hand it (blank lines inside)."""
    theirs = ProblemLog("x.ldf")
    reference = snapshot(ldif_reference.parse_record(raw, line, 7, {}, theirs))
    clean_crlf = raw.count(b"\r") == raw.count(b"\n") == raw.count(b"\r\n")
    for crlf in (False, True) if clean_crlf else (False,):
        ours = ProblemLog("x.ldf")
        assert snapshot(parse_record(raw, line, 7, SHARED_KEYS, ours, crlf)) == reference
        assert [problem(p) for p in ours.items] == [problem(p) for p in theirs.items]
