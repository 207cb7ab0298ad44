"""``onboard report`` against a real engagement on the real server, its HTML in chromium."""

import csv
import io
import json
from pathlib import Path

from onboard.core.client import Engagements
from onboard.core.models import Completion

from tests.reports.browser import dump_dom
from tests.reports.test_builders import Outline

from .helpers import KEYS, make_spec, reach_remediate, wait_for
from .test_cli import onboard

CONTOSO = Path(__file__).parents[2] / "examples" / "bundles" / "contoso"


async def test_report_in_every_format(capsys, monkeypatch, address, client, worker, tmp_path):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    # The bundle's Exchange and SharePoint 2013 (facts left at none would contradict them).
    facts = {"exchange_onprem": "2013", "sharepoint_onprem": "2013"}
    spec = make_spec(("ems",), bundle=str(CONTOSO), facts=facts)
    status = await reach_remediate(engagements, spec)
    eid = status.engagement_id
    confirm = next(i.item.id for i in status.state.items if i.item.title.startswith("Confirm:"))
    await engagements.complete(eid, Completion(confirm, "casey", "CHG-42: confirmed with IT"))
    await wait_for(engagements, eid, lambda s: any(i.closed for i in s.state.items))

    code, out, err = await onboard(capsys, monkeypatch, address, "report", eid)
    assert code == 0, err
    assert f"\n# Contoso: onboarding engagement {eid}\n" in f"\n{out}"  # the worker logs here too
    assert "### Failures to fix (2)" in out and "CHG-42: confirmed with IT" in out
    for heading in ("## Plan", "## Remediation checklist", "## Assessment summary", "## Audit trail"):
        assert f"\n{heading}\n" in out

    page = tmp_path / "report.html"
    code, _, err = await onboard(capsys, monkeypatch, address, "report", eid, "-o", str(page))
    assert code == 0 and f"report of {eid} written to {page}" in err
    outline = Outline()
    outline.feed(dump_dom(page, tmp_path / "chromium"))
    assert outline.title == f"Contoso — onboarding engagement {eid}"
    assert [t for tag, t in outline.headings if tag == "h2"] == [
        "Overview", "Plan", "Remediation checklist", "Assessment summary", "Audit trail",
    ]  # fmt: skip

    # Files: the in-process worker's log lines share stdout with the command's.
    checklist = tmp_path / "checklist.csv"
    code, _, _ = await onboard(capsys, monkeypatch, address, "report", eid, "-o", str(checklist))
    rows = list(csv.DictReader(io.StringIO(checklist.read_text(encoding="utf-8"))))
    assert code == 0 and [r["kind"] for r in rows[:2]] == ["failure", "failure"]
    assert {r["status"] for r in rows if r["id"] == confirm} == {"done"}
    assert next(r for r in rows if r["id"] == confirm)["closed_by"] == "Casey Customer"

    data = tmp_path / "report.data"
    code, _, _ = await onboard(
        capsys, monkeypatch, address, "report", eid, "--format", "json", "-o", str(data)
    )
    report = json.loads(data.read_text(encoding="utf-8"))
    assert code == 0 and report["engagement_id"] == eid and report["phase"] == "remediate"
    assert [r["action"] for r in report["audit"]["records"]] == ["contact", "approve", "approve", "complete"]
    assert report["assessment"]["counts"]["fail"] == 2


async def test_report_errors_are_one_line(capsys, monkeypatch, address, tmp_path):
    code, _, err = await onboard(capsys, monkeypatch, address, "report", "no-such-engagement")
    assert code == 1 and err.strip() == "onboard: error: unknown engagement 'no-such-engagement'"
    code, _, err = await onboard(capsys, monkeypatch, address, "report", "x", "-o", str(tmp_path / "r.txt"))
    assert code == 64 and len(err.strip().splitlines()) == 1 and "cannot tell the format of r.txt" in err
    code, _, err = await onboard(
        capsys, monkeypatch, address, "report", "x", "-o", str(tmp_path / "r.html"), "--format", "csv"
    )
    assert code == 64 and "--format csv does not fit r.html" in err and "onboard report --help" in err
