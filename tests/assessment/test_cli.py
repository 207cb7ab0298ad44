"""``onboard assess`` and ``onboard checks``: no Temporal server involved."""

import json
from pathlib import Path

import pytest
from onboard.core.assessment import BUILTIN_CHECKS
from onboard.core.cli import run
from onboard.core.cli.assess_cmd import BLOCKED_EXIT, exit_status
from onboard.core.models import Party, RemediationItem, Severity

ROOT = Path(__file__).parents[2]
CONTOSO = ROOT / "examples" / "bundles" / "contoso"


def test_assess_writes_every_report_and_exits_3_on_blockers(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    code = run(["assess", str(CONTOSO), "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == BLOCKED_EXIT, err
    assert {p.name for p in tmp_path.iterdir()} == {
        "assessment.md",
        "assessment.html",
        "assessment.json",
        "idfix.csv",
        "idfix.json",
    }
    assert "intune.enrollment-dns" in out and "fix.core.directory-readiness" in out
    markdown = (tmp_path / "assessment.md").read_text(encoding="utf-8")
    assert "enterpriseregistration.contoso.com has no CNAME record" in markdown
    assert "Debra Berger@contoso.com" in (tmp_path / "idfix.csv").read_text(encoding="utf-8")


def test_assess_json_on_stdout(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    code = run(
        [
            "assess",
            str(CONTOSO),
            "--out",
            str(tmp_path),
            "--json",
            "--format",
            "md",
            "--services",
            "intune",
            "--fact",
            "mdm_authority=intune",
        ]
    )
    out, _ = capsys.readouterr()
    report = json.loads(out)
    assert code == BLOCKED_EXIT
    assert {p.name for p in tmp_path.iterdir()} == {"assessment.md", "idfix.csv", "idfix.json"}
    assert report["services"][:2] == ["core", "intune"]
    failing = {f["requirement_id"] for f in report["findings"] if f["outcome"] == "fail"}
    assert failing == {"core.directory-readiness", "intune.enrollment-dns"}
    assert report["idfix"]["errors"] == 3 and report["idfix"]["exports"]["idfix.csv"] == "idfix.csv"


def test_errors_exit_1(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert run(["assess", str(tmp_path / "nowhere")]) == 1
    assert "not a folder" in capsys.readouterr().err
    assert run(["assess", str(CONTOSO), "--services", "nosuch", "--out", str(tmp_path)]) == 1
    assert "unknown service 'nosuch'" in capsys.readouterr().err


def test_exit_status_counts_only_blockers() -> None:
    def item(severity: Severity) -> RemediationItem:
        return RemediationItem("fix.x", "x", "core", "fix it", Party.CUSTOMER, severity)

    assert exit_status([]) == 0
    assert exit_status([item(Severity.WARNING), item(Severity.INFO)]) == 0
    assert exit_status([item(Severity.WARNING), item(Severity.BLOCKER)]) == BLOCKED_EXIT


def test_checks_lists_the_catalogue(capsys: pytest.CaptureFixture) -> None:
    assert run(["checks", "--json"]) == 0
    listed = {c["name"] for c in json.loads(capsys.readouterr().out)}
    assert set(BUILTIN_CHECKS) <= listed
