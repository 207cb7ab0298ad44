"""The directory scan against today's, frozen in :mod:`tests.assessment.idfix_reference`.

Both scan the same exports and must agree on everything a caller can see: the counts
(:meth:`~onboard.core.assessment.idfix.IdfixResult.summary`), every row in order
(object, attribute, value, error kinds, proposed action and update, line), the first
rows kept in memory, and the CSV and JSON exports byte for byte.  The exports: every
LDIF of the test and example bundles and of the readers' corpus, exports from the
directory-scan benchmark's generator (errors, shared addresses, skipped objects), and
Hypothesis' objects made of the values the rules find hardest, with and without
alternate login IDs and with tiny duplicate-store blocks.
"""

from array import array
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onboard.core.assessment import idfix
from onboard.core.assessment.idfix_rules import Entry, multi_tenant_rules
from onboard.core.assessment.ldif import LdifRecord, LdifSource

from tests.assessment import idfix_reference, idfix_rules_reference

ROOT = Path(__file__).resolve().parents[2]
EXPORTS = sorted(
    {
        *(ROOT / "tests" / "assessment").rglob("*.ldf"),
        *(ROOT / "tests" / "assessment").rglob("*.ldif"),
        *(ROOT / "examples").rglob("*.ldf"),
        *(ROOT / "examples").rglob("*.ldif"),
    }
)


def _as_seen(result, tmp_path: Path, name: str) -> dict[str, object]:
    folder = tmp_path / name
    folder.mkdir()
    csv_path, json_path = folder / "rows.csv", folder / "rows.json"
    result.write_csv(csv_path)
    result.write_json(json_path)
    seen = {
        "summary": result.summary(),
        "rows": [_fields(row) for row in result.rows()],
        "sample": [_fields(row) for row in result.sample],
        "csv": csv_path.read_bytes(),
        "json": json_path.read_bytes(),
    }
    result.close()
    return seen


def _fields(row) -> tuple:
    """A row's fields in order (both modules' ``IdfixError`` are attrs classes of the same fields)."""
    return attrs.astuple(row, recurse=False)


def _both(path: Path, tmp_path: Path, alternate_login_id: bool = False) -> tuple[dict, dict]:
    with LdifSource(path) as source:
        now = _as_seen(idfix.scan_directory(source, alternate_login_id=alternate_login_id), tmp_path, "now")
    with LdifSource(path) as source:
        before = _as_seen(
            idfix_reference.scan_directory(source, alternate_login_id=alternate_login_id), tmp_path, "before"
        )
    return now, before


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: str(p.relative_to(ROOT)))
@pytest.mark.parametrize("alternate_login_id", [False, True])
def test_bundles_scan_as_before(path: Path, alternate_login_id: bool, tmp_path: Path) -> None:
    now, before = _both(path, tmp_path, alternate_login_id)
    assert now == before


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks" / "directory_scan"))
    try:
        from generate import write_directory
    finally:
        sys.path.pop(0)
    path = tmp_path_factory.mktemp("generated") / "directory.ldf"
    write_directory(path, 6000, seed=7)
    return path


def test_generated_export_scans_as_before(generated: Path, tmp_path: Path) -> None:
    now, before = _both(generated, tmp_path)
    assert now["summary"]["errors"] > 50 and now["summary"]["duplicates"] > 0
    assert now == before


def test_generated_export_with_tiny_blocks(
    generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idfix.DuplicateStore, "FLUSH_AT", 4)
    monkeypatch.setattr(idfix_reference.DuplicateStore, "FLUSH_AT", 4)
    now, before = _both(generated, tmp_path, alternate_login_id=True)
    assert now == before


# -- single objects (hypothesis) ---------------------------------------------------

values = st.one_of(
    st.text(st.sampled_from(list("abcXYZ019.-_@:;, <>()[]\"'%&*+/=?{}|~!#$^`äÖ\\\tKſı\n")), max_size=40),
    st.builds(
        lambda p, local, d, t: f"{p}{local}@{d}.{t}",
        st.sampled_from(
            ["", "SMTP:", "smtp:", "X500:", "x400:", "X.500:", "sip:", ".", "smtp:a:", "ſmtp:", "SmTp:"]
        ),
        st.text(st.sampled_from(list("abcX09.-_'%&+äÖ ")), min_size=1, max_size=15),
        st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
        st.sampled_from(["com", "local", "cloud", "c0m", "x", "gmbh", "COM", "com\n", "Kom", "ſe"]),
    ),
    st.text(max_size=300),
    st.sampled_from(["", " ", ".", "a" * 21, "a" * 64, "a" * 65, "ä" * 130, "😀" * 60, "CAS_x", "Admin"]),
)
ATTRIBUTES = [
    "displayname",
    "givenname",
    "mail",
    "mailnickname",
    "proxyaddresses",
    "samaccountname",
    "targetaddress",
    "userprincipalname",
    "homemdb",
]


@st.composite
def objects(draw) -> dict[str, list[str | bytes]]:
    attrs: dict[str, list[str | bytes]] = {
        "cn": [draw(values)],
        "objectclass": ["top", draw(st.sampled_from(["user", "group", "contact", "User"]))],
    }
    for name in draw(st.lists(st.sampled_from(ATTRIBUTES), unique=True)):
        found = draw(st.lists(values, min_size=0 if name != "proxyaddresses" else 1, max_size=3))
        attrs[name] = [v.encode() if draw(st.booleans()) else v for v in found]
    return attrs


def _record(attrs: dict[str, list[str | bytes]]) -> LdifRecord:
    return LdifRecord("CN=T,DC=x", attrs, 1, 0, "add", b"", 1)


def _calls() -> tuple[list, object]:
    calls: list[tuple] = []

    def duplicate(rule_set, index, original, current, entry):
        calls.append((rule_set.key, index, original, current))
        return None if len(calls) % 2 else (4, current, "Edit")

    return calls, duplicate


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(attrs=objects(), alternate_login_id=st.booleans())
def test_check_entry_as_before(attrs: dict[str, list[str | bytes]], alternate_login_id: bool) -> None:
    """Rows, and every duplicate check asked for (which values, in which order), as before."""
    now_calls, now_duplicate = _calls()
    rows = idfix.check_entry(Entry(_record(attrs)), multi_tenant_rules(alternate_login_id), now_duplicate)
    before_calls, before_duplicate = _calls()
    expected = idfix_reference.check_entry(
        idfix_rules_reference.Entry(_record(attrs)),
        idfix_rules_reference.multi_tenant_rules(alternate_login_id),
        before_duplicate,
    )
    assert now_calls == before_calls
    assert [_fields(r) for r in rows] == [_fields(r) for r in expected]


@pytest.mark.parametrize("path", EXPORTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_lines_from_marks_as_lines_at(path: Path) -> None:
    """The duplicates' lines, counted from the scan's marks, are what lines_at counts from the start."""
    with LdifSource(path) as source:
        records = list(source.records())
        offsets = sorted({r.offset for r in records} | {0, source.size})
        expected = source.lines_at(offsets)
        for every in (1, 2, 64):
            marks = array("q")
            for record in records[every - 1 :: every]:
                marks.extend((record.offset, record.base))
            assert idfix.lines_from_marks(source, offsets, marks) == expected, every


def test_generated_lines_from_marks(generated: Path) -> None:
    with LdifSource(generated) as source:
        records = list(source.records())
        offsets = sorted({r.offset for r in records[::7]})
        marks = array("q")
        for record in records[63::64]:
            marks.extend((record.offset, record.base))
        assert idfix.lines_from_marks(source, offsets, marks) == source.lines_at(offsets)
