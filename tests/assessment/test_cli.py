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
            "--fact",
            "exchange_onprem=2013",  # as the bundle says (none would contradict it)
            "--fact",
            "sharepoint_onprem=2013",
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


def _files(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_assess_with_the_engagement_file_plans_as_the_engagement(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    engagement = ROOT / "examples" / "contoso.toml"
    assert run(["plan", str(engagement), "--json"]) == 0
    planned = [r["id"] for r in json.loads(capsys.readouterr().out)["requirements"]]
    # BUNDLE comes from the file too (its `bundle`, relative to the file).
    code = run(["assess", "--engagement", str(engagement), "--out", str(tmp_path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == BLOCKED_EXIT and len(planned) == 41
    assert sorted(f["requirement_id"] for f in report["findings"]) == sorted(planned)
    assert report["bundle"] == str(CONTOSO) and report["customer"] == "Contoso Ltd"
    assert report["title"] == "Contoso Ltd: assessment for engagement contoso-ems"
    # A fact on the command line still wins over the file's.
    assert run(["assess", "--engagement", str(engagement), "--fact", "mdm_authority=none", "--json"]) == 3
    assert len(json.loads(capsys.readouterr().out)["findings"]) < 41


def test_reports_lead_with_failures_and_keep_questions_apart(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    engagement = ROOT / "examples" / "contoso.toml"
    run(["assess", "--engagement", str(engagement), "--out", str(tmp_path)])
    capsys.readouterr()
    page = (tmp_path / "assessment.html").read_text(encoding="utf-8")
    assert "<title>Contoso Ltd: assessment for engagement contoso-ems</title>" in page
    order = [
        page.index(h)
        for h in (
            "Failures to fix (2)",
            "Questions to answer (21)",
            "Failed (2)",
            "Not run (21)",
            "Passed (18)",
        )
    ]
    assert order == sorted(order)
    markdown = (tmp_path / "assessment.md").read_text(encoding="utf-8")
    assert markdown.startswith("# Contoso Ltd: assessment for engagement contoso-ems\n")
    assert markdown.index("### Failures to fix (2)") < markdown.index("### Questions to answer (21)")
    report = json.loads((tmp_path / "assessment.json").read_text(encoding="utf-8"))
    assert [f["outcome"] for f in report["findings"][:2]] == ["fail", "fail"]
    assert {i["requirement_id"] for i in report["failures"]} == {
        "core.directory-readiness",
        "intune.enrollment-dns",
    }
    assert all(i["title"].startswith(("Confirm:", "Provide the input for:")) for i in report["questions"])


def test_reports_go_outside_the_bundle_and_json_writes_none(
    tmp_path: Path, capsys: pytest.CaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    bundle = tmp_path / "shares" / "contoso"
    shutil.copytree(CONTOSO, bundle)
    before = _files(bundle)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)

    assert run(["assess", str(bundle), "--json"]) == BLOCKED_EXIT
    # 2, and the default exchange_onprem and sharepoint_onprem (none) against its 2013s
    assert json.loads(capsys.readouterr().out)["counts"]["fail"] == 4
    assert list(work.iterdir()) == [] and _files(bundle) == before, "--json wrote files"

    assert run(["assess", str(bundle)]) == BLOCKED_EXIT
    capsys.readouterr()
    assert {p.name for p in (work / "contoso-assessment").iterdir()} >= {"assessment.html", "idfix.csv"}
    assert _files(bundle) == before, "the bundle was written to"

    monkeypatch.chdir(bundle)  # from inside the bundle: beside it, not in it
    assert run(["assess", "."]) == BLOCKED_EXIT
    capsys.readouterr()
    assert (tmp_path / "shares" / "contoso-assessment" / "assessment.md").is_file()
    assert _files(bundle) == before


def test_an_engagement_file_without_a_bundle_needs_one(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    text = (ROOT / "examples" / "contoso.toml").read_text(encoding="utf-8")
    engagement = tmp_path / "no-bundle.toml"
    engagement.write_text("\n".join(line for line in text.splitlines() if not line.startswith("bundle")))
    assert run(["assess", "--engagement", str(engagement)]) == 64
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "no-bundle.toml names no bundle" in err
    assert run(["assess", "--engagement", str(tmp_path / "missing.toml")]) == 1
    assert "cannot read engagement file" in capsys.readouterr().err


def test_the_assessment_page_renders_in_chromium(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from tests.reports.browser import dump_dom
    from tests.reports.test_builders import Outline

    run(
        [
            "assess",
            "--engagement",
            str(ROOT / "examples" / "contoso.toml"),
            "--out",
            str(tmp_path),
            "--format",
            "html",
        ]
    )
    capsys.readouterr()
    outline = Outline()
    outline.feed(dump_dom(tmp_path / "assessment.html", tmp_path / "chromium"))
    assert outline.title == "Contoso Ltd: assessment for engagement contoso-ems"
    assert [t for tag, t in outline.headings if tag == "h2"] == [
        "Remediation plan", "Findings", "Inputs", "Directory readiness (IdFix, multi-tenant rules)",
    ]  # fmt: skip
    h3 = [t for tag, t in outline.headings if tag == "h3"]
    assert h3[:3] == ["Failures to fix (2)", "Questions to answer (21)", "Failed (2)"]
