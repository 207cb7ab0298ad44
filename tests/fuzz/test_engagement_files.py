"""Fuzzing engagement files: ``onboard plan FILE`` (and ``start``, which checks the file first).

Each generated case is labelled by construction: ``valid`` cases must plan (exit 0),
``invalid`` ones must fail with one line that names the file and the field (and a
line of the file that holds it), and ``unknown`` ones (byte-level damage) must do
one or the other, cleanly.  The table-driven cases below are the bugs this suite
found, kept as regression tests.
"""

import copy
import tomllib
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st
from onboard.core.plugins import load_plugin_manager

from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.helpers import (
    EXAMPLE_ENGAGEMENT,
    NOWHERE,
    assert_names_line,
    error_line,
    onboard,
    shows,
    to_toml,
)

pytestmark = pytest.mark.timeout(120)

NOW = datetime.now(UTC).replace(microsecond=0)


def base() -> dict[str, Any]:
    """The example engagement, bought a month ago (so it stays valid as years pass)."""
    data = tomllib.loads(EXAMPLE_ENGAGEMENT.read_text(encoding="utf-8"))
    data["purchased_on"] = NOW - timedelta(days=30)
    return data


@frozen
class Case:
    """An engagement file to try: its mapping (or raw bytes) and what must happen."""

    label: str
    data: dict[str, Any] | None = None
    raw: bytes | None = None
    verdict: str = "invalid"  # "valid", "invalid" or "unknown"
    words: tuple[str, ...] = ()  # an invalid case's error names one of these
    table: str = ""  # the table the field is in (its header is a fine line to point at)

    def write(self, folder: Path) -> tuple[Path, str]:
        path = folder / "engagement.toml"
        if self.raw is not None:
            path.write_bytes(self.raw)
            return path, self.raw.decode("utf-8", errors="replace")
        text = to_toml(self.data or {})
        path.write_text(text, encoding="utf-8")
        return path, text


def set_path(data: dict[str, Any], path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return data


def del_path(data: dict[str, Any], path: tuple[str | int, ...]) -> dict[str, Any]:
    data = copy.deepcopy(data)
    target: Any = data
    for part in path[:-1]:
        target = target[part]
    del target[path[-1]]
    return data


def leaf(path: tuple[str | int, ...]) -> str:
    return next(str(p) for p in reversed(path) if isinstance(p, str))


# -- values ------------------------------------------------------------------

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30)),
    st.dates(),
    st.times(),
)
anything = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
not_text = anything.filter(lambda v: not isinstance(v, str))
huge = st.integers(min_value=10**20, max_value=10**60) | st.integers(min_value=-(10**60), max_value=-1)

#: Fields that must be text: anything else is refused, by name.
TEXT_FIELDS = [
    ("engagement_id",),
    ("tenant",),
    ("customer",),
    ("bundle",),
    ("roster", 0, "id"),
    ("roster", 1, "name"),
    ("roster", 1, "party"),
    ("roster", 0, "email"),
]
DURATIONS = ["contact_within", "checkpoint_every", "escalate_every", "signature_window"]
FACTS = ["identity", "forest_count", "exchange_onprem", "mdm_authority", "mam_in_scope"]
#: Every fact the installed plugins declare (`onboard plugins --facts`).
DECLARED_FACTS = set(load_plugin_manager().facts())

bad_duration = st.one_of(
    not_text.filter(lambda v: isinstance(v, bool) or not isinstance(v, int | float)),
    st.floats(max_value=0) | st.just(float("nan")) | st.just(float("inf")),
    st.integers(max_value=0),
    st.integers(min_value=10 * 366 * 86400),
    st.sampled_from(
        ["99999999999999w", "-1d", "0s", "0.0d", "", " ", "soon", "1.5", "d", "1 d 2h", "٣d", "1e3d", "nan"]
    ),
    st.text(max_size=12).filter(lambda s: not any(c.isdigit() for c in s)),
)
good_duration = st.one_of(
    st.integers(min_value=1, max_value=365 * 86400),
    st.sampled_from(["30d", "1.5d", "12h", "90s", "2w", " 7d ", "1m"]),
    st.builds(lambda n, u: f"{n}{u}", st.integers(1, 300), st.sampled_from("wdhms")),
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    data = base()
    kind = draw(
        st.sampled_from(
            [
                "text-field",
                "bad-id",
                "services",
                "purchased",
                "licences",
                "fact",
                "duration",
                "missing",
                "unknown",
                "roster",
                "deep",
                "valid",
                "bytes",
            ]
        )
    )
    if kind == "text-field":
        path = draw(st.sampled_from(TEXT_FIELDS))
        value = draw(not_text | huge)
        return Case(kind, set_path(data, path, value), words=(leaf(path),))
    if kind == "bad-id":
        path = draw(st.sampled_from([("engagement_id",), ("roster", 0, "id")]))
        value = draw(
            st.sampled_from(["", " ", "Has Caps", "with space", "ünï", "a/b", "x" * 201, "a\nb", "é"])
        )
        return Case(kind, set_path(data, path, value), words=(leaf(path),))
    if kind == "services":
        value = draw(
            st.one_of(
                not_text.filter(lambda v: not isinstance(v, list)),
                st.lists(not_text, min_size=1, max_size=3),
                st.lists(
                    st.text(max_size=10).filter(
                        lambda s: s not in ("ems", "intune", "aad_premium", "azure_rms", "core")
                    ),
                    min_size=1,
                    max_size=3,
                ),
                st.just([]),
                st.just(["ems"] * 21),
            )
        )
        return Case(kind, set_path(data, ("services",), value), words=("service",))
    if kind == "purchased":
        value = draw(
            st.one_of(
                not_text.filter(lambda v: not isinstance(v, datetime)),
                st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(2000, 1, 1)),
                st.datetimes(min_value=datetime(2100, 1, 1), max_value=datetime(9999, 12, 30)),
                st.datetimes(
                    min_value=datetime(1, 1, 2),
                    max_value=datetime(1990, 1, 1),
                    timezones=st.sampled_from(
                        [UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-12))]
                    ),
                ),
                st.sampled_from(
                    ["yesterday", "", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31"]
                ),
            )
        )
        return Case(kind, set_path(data, ("purchased_on",), value), words=("purchased_on",))
    if kind == "licences":
        value = draw(
            st.one_of(
                st.booleans(),
                st.floats(),
                st.integers(max_value=-1),
                st.integers(min_value=0, max_value=149),
                st.text(max_size=5),
                st.lists(st.integers(), max_size=2),
                st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
            )
        )
        return Case(
            kind,
            set_path(data, ("licenses", "ems"), value),
            words=("ems", "licenses", "licences"),
            table="licenses",
        )
    if kind == "fact":
        if draw(st.booleans()):
            key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k not in DECLARED_FACTS))
            return Case(kind, set_path(data, ("facts", key), "x"), words=(key,), table="facts")
        key = draw(st.sampled_from(FACTS))
        value = draw(anything.filter(lambda v: not isinstance(v, str | int)) | st.just("no-such-choice"))
        if key in ("exchange_onprem",) and isinstance(value, str):
            value = 1.5
        return Case(kind, set_path(data, ("facts", key), value), words=(key,), table="facts")
    if kind == "duration":
        key = draw(st.sampled_from(DURATIONS))
        value = draw(bad_duration)
        return Case(kind, set_path(data, ("policy", key), value), words=(key,), table="policy")
    if kind == "missing":
        key = draw(
            st.sampled_from(["engagement_id", "tenant", "customer", "services", "purchased_on", "roster"])
        )
        if key == "roster" and draw(st.booleans()):
            return Case(
                kind,
                set_path(data, ("roster",), draw(st.sampled_from([[], [{}], [1], "pat", {"id": "pat"}]))),
                words=("roster",),
            )
        if draw(st.booleans()):
            person, field = draw(st.sampled_from([0, 1])), draw(st.sampled_from(["id", "name", "party"]))
            return Case(kind, del_path(data, ("roster", person, field)), words=(field, "roster"))
        return Case(kind, del_path(data, (key,)), words=(key,))
    if kind == "unknown":
        key = draw(st.text(min_size=1, max_size=12).filter(lambda k: k.strip() and k not in data))
        where = draw(st.sampled_from([(), ("policy",), ("roster", 1)]))
        target = set_path(data, (*where, key), draw(scalars))
        return Case(kind, target, words=(key,), table=str(where[0]) if where else "")
    if kind == "roster":
        what = draw(st.sampled_from(["same-id", "same-email", "one-side", "too-many"]))
        roster = data["roster"]
        if what == "same-id":
            roster[1]["id"] = roster[0]["id"]
        elif what == "same-email":
            roster[1]["email"] = draw(
                st.sampled_from([roster[0]["email"].upper(), f" {roster[0]['email']} "])
            )
        elif what == "one-side":
            roster[1]["party"] = roster[0]["party"]
        else:
            data["roster"] = [
                {"id": f"p{n}", "name": "P", "party": ("provider", "customer")[n % 2]} for n in range(101)
            ]
        return Case(kind, data, words=("roster", "id", "email", "e-mail"))
    if kind == "deep":
        depth = draw(st.integers(min_value=1, max_value=3_000))
        path = draw(
            st.sampled_from(
                [("tenant",), ("services",), ("bundle",), ("facts", "identity"), ("policy", "contact_within")]
            )
        )
        opener, closer = draw(st.sampled_from([("[", "]"), ("{a = ", "}")]))
        text = to_toml(set_path(data, path, "DEEP")).replace('"DEEP"', opener * depth + "1" + closer * depth)
        return Case(kind, raw=text.encode(), words=(leaf(path), "[", "{"))
    if kind == "valid":
        change = draw(
            st.sampled_from(["customer", "licences", "duration", "purchased", "email", "bundle", "fact"])
        )
        if change == "customer":
            data["customer"] = draw(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
        elif change == "licences":
            data["licenses"]["ems"] = draw(st.integers(min_value=150, max_value=10**9))
        elif change == "duration":
            key = draw(st.sampled_from(DURATIONS[:3]))
            data["policy"][key] = draw(good_duration)
        elif change == "purchased":
            when = draw(st.datetimes(min_value=datetime(2017, 1, 1), max_value=datetime(2026, 1, 1)))
            aware = draw(st.booleans())
            data["purchased_on"] = when.replace(tzinfo=UTC) if aware else when
        elif change == "email":
            data["roster"][1]["email"] = draw(
                st.sampled_from(["", "c@contoso.example", "ünï@contoso.example"])
            )
        elif change == "bundle":
            data["bundle"] = draw(st.text(max_size=100).filter(lambda s: "\x00" not in s))
        else:
            data["facts"]["forest_count"] = draw(st.integers(min_value=1, max_value=10))
        return Case(f"valid-{change}", data, verdict="valid")
    # byte-level damage to the example's text
    text = to_toml(data).encode()
    how = draw(st.sampled_from(["cut", "insert", "binary", "utf16", "bom"]))
    if how == "cut":
        raw = text[: draw(st.integers(min_value=0, max_value=len(text) - 1))]
    elif how == "insert":
        at = draw(st.integers(min_value=0, max_value=len(text)))
        raw = text[:at] + draw(st.binary(min_size=1, max_size=8)) + text[at:]
    elif how == "binary":
        raw = draw(st.binary(max_size=200))
    elif how == "utf16":
        raw = text.decode().encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"])))
    else:
        return Case("bom", raw=b"\xef\xbb\xbf" + text, verdict="valid")
    return Case(f"bytes-{how}", raw=raw, verdict="unknown")


def judge(case: Case, folder: Path) -> None:
    path, text = case.write(folder)
    result = onboard("plan", str(path), "--json")
    if case.verdict == "valid":
        assert result.code == 0, f"{case.label}: a valid file was refused: {result.err[:500]}"
        return
    if case.verdict == "unknown" and result.code == 0:
        return
    line = error_line(result)
    assert_names_line(line, path, text, case.words, case.table)
    if case.verdict == "invalid" and case.words and case.label != "deep":
        assert any(shows(line, w) for w in case.words), (
            f"{case.label}: the error names none of {case.words}: {line}"
        )


@fuzz_settings()
@given(case=cases())
def test_every_engagement_file_plans_or_fails_in_one_line_naming_file_and_field(
    tmp_path_factory: pytest.TempPathFactory, case: Case
) -> None:
    judge(case, tmp_path_factory.mktemp("engagement"))


# ---------------------------------------------------------------------------
# Table-driven: the mistakes this suite found (each failed before its fix)
# ---------------------------------------------------------------------------


def _sub(field: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    return set_path(base(), field, value)


FOUND = [
    # A value of the wrong type was quietly turned into text ("True", "['a']", "12").
    ("customer-bool", _sub(("customer",), True), ":3: field 'customer': must be text"),
    ("customer-list", _sub(("customer",), ["a"]), ":3: field 'customer': must be text"),
    ("engagement-id-int", _sub(("engagement_id",), 12), ":1: field 'engagement_id': must be text"),
    ("roster-id-int", _sub(("roster", 1, "id"), 5), "field 'roster[1].id': must be text"),
    ("email-int", _sub(("roster", 1, "email"), 5), "field 'roster[1].email': must be text"),
    ("services-int", _sub(("services",), [1]), ":4: field 'services[0]': must be text"),
    # The catch-all: TypeError / ValueError nobody foresaw.
    ("bundle-int", _sub(("bundle",), 5), ":6: field 'bundle' must be a folder's path as text"),
    ("bundle-nul", _sub(("bundle",), "a\x00b"), ":6: field 'bundle' must be a folder's path as text"),
    ("policy-text", _sub(("policy",), "x"), ":7: field 'policy' must be a table"),
    ("policy-list", _sub(("policy",), [1, 2]), ":7: field 'policy' must be a table"),
    ("policy-true", _sub(("policy",), True), ":7: field 'policy' must be a table"),
    ("roster-table", _sub(("roster",), {"id": "pat"}), "field 'roster' must be a list of [[roster]] tables"),
    # Planning's refusals did not name the file (nor the line).
    ("unknown-service", _sub(("services",), ["nope"]), ":4: unknown service 'nope'"),
    ("no-service", _sub(("services",), []), ":4: no service in scope"),
    (
        "too-few-licences",
        _sub(("licenses", "ems"), 10),
        ":9: tenant 'contoso.onmicrosoft.com' is not eligible",
    ),
    ("unknown-fact", _sub(("facts", "colour"), "blue"), ":18: fact 'colour' is not declared"),
    ("bad-fact", _sub(("facts", "identity"), "x"), ":12: fact 'identity' must be one of"),
    ("fact-type", _sub(("facts", "forest_count"), "one"), ":13: fact 'forest_count' must be a whole number"),
    (
        "year-1",
        _sub(("purchased_on",), datetime(1, 1, 1)),
        ":5: purchased_on 0001-01-01T00:00:00+00:00 is more",
    ),
    ("year-9999", _sub(("purchased_on",), datetime(9999, 12, 31, tzinfo=UTC)), ":5: purchased_on 9999-12-31"),
    ("signature-window", _sub(("policy", "signature_window"), "2d"), ":23: policy.signature_window = 2 days"),
    (
        "same-email",
        _sub(("roster", 1, "email"), "PAT@fasttrack.example"),
        ":39: roster: 'pat' and 'casey' share",  # the [region] table comes before the roster
    ),
    ("same-id", _sub(("roster", 1, "id"), "pat"), ":36: field 'roster[1].id': person 'pat' is listed twice"),
    # A field inside a table was pointed at the first line with that key anywhere.
    ("key-in-wrong-table", _sub(("policy", "tenant"), "x"), ":23: field 'policy.tenant': unknown field"),
    # Durations: NaN was "longer than 10 years"; Arabic-Indic digits were read as days.
    (
        "duration-nan",
        _sub(("policy", "contact_within"), float("nan")),
        ":20: field 'policy.contact_within': nan is not a",
    ),
    (
        "duration-digits",
        _sub(("policy", "contact_within"), "٣d"),
        ":20: field 'policy.contact_within': '٣d' is not a",
    ),
    # A duration far below zero overflowed timedelta (found with HYPOTHESIS_PROFILE=fuzz-long).
    (
        "duration-very-negative",
        _sub(("policy", "contact_within"), -8.64e13),
        ":20: field 'policy.contact_within': -86400000000000.0 must be",
    ),
    # A huge value was printed whole.
    (
        "long-duration",
        _sub(("policy", "contact_within"), "1" * 400 + "w"),
        "(str of 401 characters) is longer",
    ),
    (
        "long-bundle",
        _sub(("bundle",), "b" * 5_000),
        ":6: field 'bundle' is 5,000 characters; the limit is 1,024",
    ),
]


@pytest.mark.parametrize(("label", "data", "message"), FOUND, ids=[f[0] for f in FOUND])
def test_mistakes_found_by_fuzzing_name_file_line_and_field(
    tmp_path: Path, label: str, data: dict[str, Any], message: str
) -> None:
    path, _ = Case(label, data).write(tmp_path)
    line = error_line(onboard("plan", str(path)))
    assert f"onboard: error: {path}{message}" in line or (f"{path}" in line and message in line), line


RAW = [
    # Not UTF-8, binary, UTF-16 and deep nesting reached the catch-all
    # (UnicodeDecodeError, RecursionError).
    ("latin-1", "customer = 'Café'\n".encode("latin-1"), ":1: not UTF-8 text (byte 0xe9)"),
    ("binary", b"\x89PNG\r\n\x1a\n\x00\x00", ":1: not UTF-8 text (byte 0x89)"),
    ("utf-16", "tenant = 't'\n".encode("utf-16"), ":1: not UTF-8 text (byte 0xff)"),
    (
        "deep-array",
        b'engagement_id = "x"\nservices = ' + b"[" * 5_000 + b"]" * 5_000,
        ":2: arrays or tables are nested too deeply",
    ),
    (
        "deep-table",
        b"tenant = " + b"{a = " * 2_000 + b"1" + b"}" * 2_000,
        ":1: arrays or tables are nested too deeply",
    ),
]


@pytest.mark.parametrize(("label", "raw", "message"), RAW, ids=[r[0] for r in RAW])
def test_unreadable_engagement_files_are_one_line(
    tmp_path: Path, label: str, raw: bytes, message: str
) -> None:
    path, _ = Case(label, raw=raw).write(tmp_path)
    assert f"{path}{message}" in error_line(onboard("plan", str(path)))


def test_a_folder_or_a_missing_file_is_one_line(tmp_path: Path) -> None:
    assert f"{tmp_path}: is a folder" in error_line(onboard("plan", str(tmp_path)))
    assert "cannot read engagement file" in error_line(onboard("plan", str(tmp_path / "none.toml")))


def test_a_utf8_bom_is_read(tmp_path: Path) -> None:
    path, _ = Case("bom", raw=b"\xef\xbb\xbf" + to_toml(base()).encode()).write(tmp_path)
    assert onboard("plan", str(path)).code == 0


def test_a_command_line_override_is_not_blamed_on_the_file(tmp_path: Path) -> None:
    path, _ = Case("ok", base()).write(tmp_path)
    line = error_line(onboard("plan", str(path), "--fact", "identity=nope"))
    assert f"{path}" not in line and "fact 'identity' must be one of" in line


# ---------------------------------------------------------------------------
# onboard start: the same checks before it contacts a server
# ---------------------------------------------------------------------------

START = [f for f in FOUND if f[0] in ("customer-bool", "bundle-nul", "policy-text", "year-1", "same-email")]
START_PLANNED = [f for f in FOUND if f[0] in ("unknown-service", "too-few-licences", "unknown-fact")]


@pytest.mark.parametrize(("label", "data", "message"), START, ids=[f[0] for f in START])
def test_start_refuses_a_bad_file_before_contacting_the_server(
    tmp_path: Path, label: str, data: dict[str, Any], message: str
) -> None:
    path, _ = Case(label, data).write(tmp_path)
    line = error_line(onboard("start", str(path), "--address", NOWHERE))
    assert f"{path}{message}" in line and "cannot reach" not in line, line


@pytest.mark.parametrize(("label", "data", "message"), START_PLANNED, ids=[f[0] for f in START_PLANNED])
def test_start_names_the_file_for_planning_mistakes_too(
    tmp_path: Path, label: str, data: dict[str, Any], message: str
) -> None:
    path, _ = Case(label, data).write(tmp_path)
    line = error_line(onboard("start", str(path), "--address", NOWHERE))
    assert f"{path}{message}" in line, line
