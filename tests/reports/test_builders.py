"""The engagement report's pure builders on a status made of real parts (tests/reports/sample.py)."""

import csv
import io
import json
from html.parser import HTMLParser

import pytest
from onboard.core.reports import CSV_COLUMNS, engagement_report, render
from onboard.core.reports.formatting import day, iso_day, stamp

from tests.reports.sample import NOW, contoso_status


@pytest.fixture(scope="module")
def report() -> dict:
    return engagement_report(contoso_status(customer="Contoso <Ltd> & Partners"), NOW)


class Outline(HTMLParser):
    """The title, the headings and the <time> elements of a page, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.title = ""
        self.headings: list[tuple[str, str]] = []
        self.times: list[tuple[str, str]] = []
        self.external: list[str] = []
        self._in: str | None = None
        self._attrs: dict = {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        attributes = dict(attrs)
        for name in ("src", "href"):
            if attributes.get(name) and not attributes[name].startswith("#"):
                self.external.append(attributes[name])
        if tag in ("title", "h1", "h2", "h3", "time"):
            self._in, self._attrs = tag, attributes
            if tag != "time":
                self.headings.append((tag, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "title":
            self.title += data
        elif self._in == "time":
            self.times.append((self._attrs.get("datetime", ""), data))
        elif self._in in ("h1", "h2", "h3"):
            tag, text = self.headings[-1]
            self.headings[-1] = (tag, text + data)


def test_the_checklist_puts_failures_first_and_questions_apart(report: dict) -> None:
    checklist = report["checklist"]
    failures, questions = checklist["failures"], checklist["questions"]
    assert {i["requirement_id"] for i in failures} == {"core.directory-readiness", "intune.enrollment-dns"}
    assert len(questions) == 21 and all(i["kind"] == "question" for i in questions)
    assert checklist["counts"] == {
        "total": 23, "open": 21, "done": 1, "waived": 1, "overdue": 1,
        "open_blockers": 12, "failures": 2, "questions": 21,
    }  # fmt: skip
    # Open before closed, the overdue first.
    assert [i["status"] for i in failures] == ["open", "done"]
    assert questions[0]["overdue"] and questions[0]["status"] == "open"
    assert questions[-1]["status"] == "waived"
    done = failures[1]
    assert done["closed_by"] == "Casey Customer" and done["evidence"].startswith("CHG-1234")
    waived = questions[-1]
    assert waived["closed_by"] == "waiver: Pat Provider, Casey Customer"
    moved = next(i for i in questions if i["due_moved_by"])
    assert moved["due_moved_by"] == "Pat Provider"


def test_the_plan_and_the_assessment_are_the_engagements(report: dict) -> None:
    plan = report["plan"]
    assert [s["key"] for s in plan["services"]] == ["core", "aad_premium", "intune", "azure_rms", "ems"]
    assert plan["requirements"] == 41 and all(e["eligible"] for e in plan["eligibility"])
    assert plan["exclusions"] and plan["responsibilities"] and plan["enable_steps"]
    assert report["assessment"]["counts"] == {"fail": 2, "not_run": 21, "pass": 18}
    assert report["audit"]["records"][1]["comment"] == "kick-off held <b>on site</b>"


def test_archived_records_are_said_to_be_in_the_journal() -> None:
    status = contoso_status()
    state = status.state
    state.evidence, state.audit = state.audit[1:2], state.audit[2:]
    state.archived = 2
    audit = engagement_report(status, NOW)["audit"]
    assert [r["seq"] for r in audit["records"]] == [2, 3]
    assert audit["records"][0]["evidence"] and not audit["records"][1]["evidence"]
    assert "Records 1–2 are archived in the audit journal" in audit["note"]
    assert "1 record of them kept as evidence" in audit["note"]


def test_markdown_has_every_section_and_dates_as_dates(report: dict) -> None:
    text = render(report, "md")
    for heading in (
        "## Overview",
        "## Plan",
        "## Remediation checklist",
        "## Assessment summary",
        "## Audit trail",
    ):
        assert f"\n{heading}\n" in text
    assert text.index("### Failures to fix (2)") < text.index("### Questions: inputs to provide (21)")
    assert "Mon 30 Nov 2026 **OVERDUE**" in text
    assert "+00:00" not in text and "T12:00" not in text  # no raw ISO stamps
    assert "Contoso <Ltd> & Partners: onboarding engagement contoso-ems" in text


def test_html_is_a_document_to_hand_on(report: dict) -> None:
    page = render(report, "html")
    outline = Outline()
    outline.feed(page)
    assert outline.title == "Contoso <Ltd> & Partners — onboarding engagement contoso-ems"
    assert "Contoso &lt;Ltd&gt; &amp; Partners" in page and "<b>on site</b>" not in page  # escaped
    h2 = [text for tag, text in outline.headings if tag == "h2"]
    assert h2 == ["Overview", "Plan", "Remediation checklist", "Assessment summary", "Audit trail"]
    h3 = [text for tag, text in outline.headings if tag == "h3"]
    assert h3.index("Failures to fix (2)") < h3.index("Questions: inputs to provide (21)")
    assert ("2026-11-30T12:00:00+00:00", "Mon 30 Nov 2026") in outline.times
    assert page.count('class="overdue') == 1 and "Overdue</span>" in page
    assert outline.external == [] and "@media print" in page and "@page" in page


def test_csv_is_the_checklist(report: dict) -> None:
    rows = list(csv.DictReader(io.StringIO(render(report, "csv"))))
    assert tuple(rows[0]) == CSV_COLUMNS and len(rows) == 23
    assert [r["kind"] for r in rows[:2]] == ["failure", "failure"] and rows[2]["kind"] == "question"
    assert rows[2]["due"] == "2026-11-30" and rows[2]["overdue"] == "yes"
    assert rows[1]["status"] == "done" and rows[1]["closed_on"] == "2026-11-28"


def test_json_is_the_report_itself(report: dict) -> None:
    assert json.loads(render(report, "json")) == report


def test_a_report_before_planning_says_so() -> None:
    status = contoso_status()
    state = status.state
    state.plan, state.items, state.findings, state.audit, state.assessment_round = None, [], [], [], 0
    report = engagement_report(status, NOW)
    text = render(report, "md")
    assert "Not planned yet." in text and "Nothing to remediate." in text and "Not assessed yet." in text
    assert "<h2>Plan</h2>" in render(report, "html")


def test_dates_for_people() -> None:
    assert day("2026-11-30T23:30:00+00:00") == "Mon 30 Nov 2026"
    assert day("2026-12-01T01:30:00+02:00") == "Mon 30 Nov 2026"  # in UTC, as the report says
    assert iso_day("2026-11-30T23:30:00Z") == "2026-11-30" and stamp(None) == ""


def test_plan_warnings_and_scope_changes_are_in_every_format() -> None:
    from datetime import UTC, datetime

    import attrs
    from onboard.core.models import PlanChange

    status = contoso_status()
    state = status.state
    state.plan = attrs.evolve(
        state.plan, warnings=("only the engagement's lower threshold makes intune eligible",)
    )
    state.plan_changes.append(
        PlanChange(
            datetime(2026, 12, 1, tzinfo=UTC),
            "pat",
            "Intune bought",
            services_added=("intune",),
            items_added=("fix.intune.x",),
        )
    )
    report = engagement_report(status, NOW)
    markdown, html = render(report, "md"), render(report, "html")
    assert "**Warning:** only the engagement's lower threshold" in markdown
    assert (
        "### Scope changes" in markdown and "+intune" in markdown and "1 opened, 0 out of scope" in markdown
    )
    assert "Warning: only the engagement&#39;s lower threshold" in html and "<h3>Scope changes</h3>" in html
