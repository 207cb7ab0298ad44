"""The HTML reports in a real browser: chromium parses them, lays them out and prints them."""

from pathlib import Path

import pytest
from onboard.core.reports import engagement_report, render

from tests.reports.browser import dump_dom, pdf_pages, pdf_title, print_pdf
from tests.reports.sample import NOW, contoso_status
from tests.reports.test_builders import Outline

SECTIONS = ["Overview", "Plan", "Remediation checklist", "Assessment summary", "Audit trail"]


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "contoso-ems.html"
    path.write_text(render(engagement_report(contoso_status(), NOW), "html"), encoding="utf-8")
    return path


def test_chromium_renders_every_section(page: Path, tmp_path: Path) -> None:
    outline = Outline()
    outline.feed(dump_dom(page, tmp_path))
    assert outline.title == "Contoso Ltd — onboarding engagement contoso-ems"
    assert [text for tag, text in outline.headings if tag == "h1"] == [
        "Contoso Ltd: onboarding engagement contoso-ems"
    ]
    assert [text for tag, text in outline.headings if tag == "h2"] == SECTIONS
    h3 = [text for tag, text in outline.headings if tag == "h3"]
    assert {"Services", "Eligibility", "Out of scope", "Responsibilities", "Enable steps"} <= set(h3)
    assert h3.index("Failures to fix (2)") < h3.index("Questions: inputs to provide (21)")
    assert ("2026-11-30T12:00:00+00:00", "Mon 30 Nov 2026") in outline.times


def test_chromium_prints_it(page: Path, tmp_path: Path) -> None:
    pdf = print_pdf(page, tmp_path)
    assert pdf.startswith(b"%PDF-") and len(pdf) > 50_000
    assert pdf_pages(pdf) >= 5  # the plan and the checklist take pages; a blank print takes one
    assert pdf_title(pdf) == "Contoso Ltd — onboarding engagement contoso-ems"
