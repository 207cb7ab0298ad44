"""Fuzzing assessment bundles: a copy of examples/bundles/contoso with one input broken.

Two views of each broken bundle:

* ``onboard assess BUNDLE --json``: no traceback and nothing on stderr (a broken
  input is a finding, not a crash), exit 0 or 3, and the report's input list
  names the broken file;
* every built-in check (``tests/assessment/catalogue.py``) run on it: a check that
  reads the broken input is ``not_run`` or ``fail``, never ``pass``.
"""

import json
import os
import shutil
from pathlib import Path

import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st
from onboard.core.assessment import BUILTIN_CHECKS, assess_bundle

from tests.assessment.catalogue import every_check
from tests.fuzz.conftest import fuzz_settings
from tests.fuzz.helpers import EXAMPLE_BUNDLE, onboard

pytestmark = pytest.mark.timeout(180)

#: The bundle's files, and how the checks' ``inputs`` name them.
FILES = {
    "forest.json": "forest.json",
    "domains.json": "domains.json",
    "directory.ldf": "directory.ldf",
    "devices.csv": "devices.csv",
    "environment.toml": "environment",
    "dns/contoso.com.zone": "dns/",
}
#: Every input file a test may break (the YAML one replaces environment.toml).
ROLES = {**FILES, "environment.yaml": "environment"}


@frozen
class Damage:
    """What is done to one file, and whether the result is broken for sure."""

    file: str
    how: str
    broken: bool = True  # False: it may still be a valid (smaller) file


def nested(depth: int, kind: str) -> bytes:
    return (b"[" * depth + b"]" * depth) if kind == "array" else (b'{"a":' * depth + b"1" + b"}" * depth)


def damage_file(path: Path, how: str, draw: st.DrawFn | None = None) -> None:
    """Break ``path`` in the way ``how`` names (``draw`` picks the cut and the bytes)."""
    original = path.read_bytes() if path.is_file() else b""
    if how == "empty":
        path.write_bytes(b"")
    elif how == "whitespace":
        path.write_bytes(b"  \r\n\n\t\n")
    elif how == "binary":
        path.write_bytes(b"\x00\x01\x89PNG\xff\xfe" * 20)
    elif how == "non-utf8":
        path.write_bytes(original.replace(b"o", b"\xff\xfe\xfa", 3))
    elif how == "utf-16-cut":
        path.write_bytes(original.decode("utf-8", "replace").encode("utf-16")[:-1])
    elif how == "deep-array":
        path.write_bytes(nested(100_000, "array"))
    elif how == "deep-object":
        path.write_bytes(nested(100_000, "object"))
    elif how == "huge-number":
        path.write_bytes(b'{"Name": "contoso.com", "ForestMode": 1' + b"0" * 5_000 + b"}")
    elif how == "huge-text":
        path.write_bytes(b"x" * 300_000 + b"\n")
    elif how == "wrong-json-type":
        path.write_bytes(
            (
                draw(st.sampled_from(['"text"', "5", "null", "[]", "[1, 2]", "true", "{}"])) if draw else "5"
            ).encode()
        )
    elif how == "garbage":
        path.write_bytes(draw(st.binary(min_size=1, max_size=300)) if draw else b"\x00garbage")
    elif how == "cut":
        at = (
            draw(st.integers(min_value=0, max_value=max(len(original) - 1, 0)))
            if draw
            else len(original) // 2
        )
        path.write_bytes(original[:at])
    elif how == "symlink-loop":
        path.unlink()
        os.symlink(path.name, path)
    elif how == "dangling-link":
        path.unlink()
        os.symlink("nowhere", path)
    elif how == "folder":
        path.unlink()
        path.mkdir()
        (path / "inside").write_text("x")
    elif how == "unreadable":
        path.chmod(0)
    else:
        raise ValueError(how)


HOWS = [
    "empty",
    "whitespace",
    "binary",
    "non-utf8",
    "utf-16-cut",
    "deep-array",
    "deep-object",
    "huge-number",
    "huge-text",
    "wrong-json-type",
    "garbage",
    "cut",
    "symlink-loop",
    "dangling-link",
    "folder",
]


def is_broken(file: str, how: str) -> bool:
    """Whether this damage leaves the file unusable for sure (else it may be a smaller valid file)."""
    if how in ("cut", "garbage", "non-utf8"):
        # A cut at a line end leaves fewer rows, records or keys; garbage may parse as CSV
        # or TOML text; replacing a few letters in CSV, TOML or LDIF text keeps it text.
        return file.endswith(".json") and how == "cut"
    if how == "wrong-json-type":
        return file.endswith(".json")
    if how in ("huge-number",):
        return file.endswith(".json")
    if how == "huge-text":
        return not file.endswith((".csv", ".ldf", ".zone"))  # one long row, record or name: reported or not
    return True


def still_json(path: Path) -> bool:
    """Whether a cut JSON file still parses (the cut took only the final newline)."""
    try:
        json.loads(path.read_bytes())
    except ValueError:
        return False
    return True


def copy_bundle(folder: Path) -> Path:
    bundle = folder / "bundle"
    shutil.copytree(EXAMPLE_BUNDLE, bundle, symlinks=True, ignore=shutil.ignore_patterns("report"))
    return bundle


def assess_cli(bundle: Path, out: Path) -> dict:
    result = onboard("assess", str(bundle), "--json", "--out", str(out))
    assert "Traceback" not in result.err + result.out, result.err[-2000:]
    assert result.code in (0, 3), f"exit {result.code}: {result.err[:500]}"
    assert result.err == "", f"a broken input is a finding, not a message on stderr: {result.err[:1000]!r}"
    return json.loads(result.out)


def assert_reported(report: dict, file: str) -> None:
    """The report's input list (or a finding) names the broken file, and says it is not ok."""
    role = ROLES[file]
    name = "dns" if role == "dns/" else role.split(".")[0]
    status = next(i for i in report["inputs"] if i["name"] == name)
    shown = file.split("/")[-1]
    # It is there, so not "missing" (a link loop was "not in the bundle").
    assert status["state"] in ("invalid", "unreadable"), f"{file} is reported as {status}"
    where = json.dumps(status) + json.dumps([f for f in report["findings"] if shown in json.dumps(f)])
    assert shown in where or status["file"] in file, f"nothing names {file}: {status}"


def assert_no_pass_on(bundle: Path, file: str) -> None:
    """No check that reads the broken ``file`` passes."""
    role = ROLES[file]
    with assess_bundle(bundle, every_check()) as result:
        for finding, requirement in zip(result.findings, every_check(), strict=True):
            reads = BUILTIN_CHECKS[requirement.check].inputs
            if role in reads:
                assert finding.outcome.value != "pass", (
                    f"{requirement.check} passed although {file} is broken: {finding.summary}"
                )
                assert "failed:" not in finding.summary or "check " not in finding.summary, (
                    f"{requirement.check} crashed on the broken {file}: {finding.summary}"
                )


@st.composite
def damages(draw: st.DrawFn) -> tuple[str, str, st.DrawFn]:
    file = draw(st.sampled_from(sorted(FILES)))
    how = draw(st.sampled_from(HOWS))
    return file, how, draw


@fuzz_settings()
@given(case=damages())
def test_a_broken_input_is_reported_by_name_and_no_check_passes_on_it(
    tmp_path_factory: pytest.TempPathFactory, case: tuple[str, str, st.DrawFn]
) -> None:
    file, how, draw = case
    folder = tmp_path_factory.mktemp("bundle")
    bundle = copy_bundle(folder)
    damage_file(bundle / file, how, draw)
    report = assess_cli(bundle, folder / "report")
    broken = is_broken(file, how) and not (how == "cut" and still_json(bundle / file))
    if broken:
        assert_reported(report, file)
        assert_no_pass_on(bundle, file)


# ---------------------------------------------------------------------------
# Table-driven: every damage to every file (each row failed before its fix, or guards one)
# ---------------------------------------------------------------------------

TABLE = [(f, h) for f in sorted(FILES) for h in HOWS if is_broken(f, h)]


@pytest.mark.parametrize(("file", "how"), TABLE, ids=[f"{f}-{h}" for f, h in TABLE])
def test_each_damage_is_a_named_finding(tmp_path: Path, file: str, how: str) -> None:
    bundle = copy_bundle(tmp_path)
    damage_file(bundle / file, how)
    report = assess_cli(bundle, tmp_path / "report")
    assert_reported(report, file)
    assert_no_pass_on(bundle, file)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
@pytest.mark.parametrize("file", sorted(FILES))
def test_an_unreadable_file_is_reported(tmp_path: Path, file: str) -> None:
    bundle = copy_bundle(tmp_path)
    damage_file(bundle / file, "unreadable")
    try:
        report = assess_cli(bundle, tmp_path / "report")
        assert_reported(report, file)
        assert_no_pass_on(bundle, file)
    finally:
        (bundle / file).chmod(0o644)


@pytest.mark.parametrize(
    ("name", "setup", "file"),
    [
        (
            "dns-is-a-file",
            lambda b: (shutil.rmtree(b / "dns"), (b / "dns").write_text("x")),
            "dns/contoso.com.zone",
        ),
        (
            "dns-link-loop",
            lambda b: (shutil.rmtree(b / "dns"), os.symlink("dns", b / "dns")),
            "dns/contoso.com.zone",
        ),
        (
            "header-only",
            lambda b: (b / "devices.csv").write_text("platform,os_version,count\n"),
            "devices.csv",
        ),
        (
            "zero-devices",
            lambda b: (b / "devices.csv").write_text("platform,os_version,count\niOS,9.3,0\n"),
            "devices.csv",
        ),
        (
            "ragged-csv",
            lambda b: (b / "devices.csv").write_text("platform,os_version,count\niOS,9.3,1,5\n"),
            "devices.csv",
        ),
        (
            "csv-cell-too-long",
            lambda b: (b / "devices.csv").write_text(
                'platform,os_version,count\n"' + "a" * 200_000 + '",9,1\n'
            ),
            "devices.csv",
        ),
        (
            "version-too-long",
            lambda b: (b / "devices.csv").write_text(
                "platform,os_version,count\niOS," + "9" * 5_000 + ",1\n"
            ),
            "devices.csv",
        ),
        (
            "mode-too-long",
            lambda b: (b / "forest.json").write_text(
                '{"Name": "contoso.com", "ForestMode": "' + "9" * 5_000 + '"}'
            ),
            "forest.json",
        ),
        (
            "browser-version-too-long",
            lambda b: (b / "environment.toml").write_text(
                (EXAMPLE_BUNDLE / "environment.toml")
                .read_text()
                .replace('version = "11"', 'version = "' + "9" * 5_000 + '"', 1)
            ),
            "environment.toml",
        ),
        (
            "memory-inf",
            lambda b: (b / "environment.toml").write_text(
                '[[rms_connector_servers]]\nname = "a"\nos = "Windows Server 2012 R2"\nmemory_gb = inf\ndisk_gb = 100\n'
            ),
            "environment.toml",
        ),
        (
            "memory-huge",
            lambda b: (b / "environment.toml").write_text(
                '[[rms_connector_servers]]\nname = "a"\nos = "Windows Server 2012 R2"\nmemory_gb = 1'
                + "0" * 400
                + "\ndisk_gb = 100\n"
            ),
            "environment.toml",
        ),
        (
            "environment-yaml-deep",
            lambda b: (
                (b / "environment.toml").unlink(),
                (b / "environment.yaml").write_text("a: " + "[" * 100_000 + "]" * 100_000),
            ),
            "environment.yaml",
        ),
        (
            "environment-yaml-empty",
            lambda b: ((b / "environment.toml").unlink(), (b / "environment.yaml").write_text("")),
            "environment.yaml",
        ),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_mistakes_found_in_bundles(tmp_path: Path, name: str, setup, file: str) -> None:
    bundle = copy_bundle(tmp_path)
    setup(bundle)
    report = assess_cli(bundle, tmp_path / "report")
    if name not in (
        "memory-inf",
        "memory-huge",
        "browser-version-too-long",
        "mode-too-long",
        "version-too-long",
    ):
        assert_reported(report, file)
    else:  # the value's field is named
        status = json.dumps(report["inputs"])
        assert "memory_gb" in status or "version" in status or "ForestMode" in status, status
    assert_no_pass_on(bundle, file)


def test_the_example_bundle_passes_what_it_should(tmp_path: Path) -> None:
    """The oracle is not vacuous: on the intact bundle checks do pass."""
    bundle = copy_bundle(tmp_path)
    report = assess_cli(bundle, tmp_path / "report")
    assert all(i["state"] in ("ok", "not_used") for i in report["inputs"]), report["inputs"]
    with assess_bundle(bundle, every_check()) as result:
        assert sum(f.outcome.value == "pass" for f in result.findings) >= 8


@pytest.mark.parametrize("text", [b"include", b"include\n"])
def test_an_ldif_include_line_alone_is_a_named_problem(tmp_path: Path, text: bytes) -> None:
    bundle = copy_bundle(tmp_path)
    (bundle / "directory.ldf").write_bytes(text)
    assess_cli(bundle, tmp_path / "report")
    assert_no_pass_on(bundle, "directory.ldf")
