"""Reports to hand on: an engagement's plan, checklist, assessment and audit trail.

Pure functions from the engagement's status to text, so that they can be tested
without a server and always agree with each other::

    report = engagement_report(status, now=datetime.now(UTC))
    text = render(report, "html")          # or "md", "json", "csv" (the checklist)

The HTML comes from Jinja2 templates shipped inside this package (``templates/``).
"""

from pathlib import Path
from typing import Any

from onboard.core.reports.engagement import engagement_report, item_kind, item_status
from onboard.core.reports.html import render_html
from onboard.core.reports.text import CSV_COLUMNS, render_csv, render_json, render_markdown

RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json, "csv": render_csv}
FORMATS = tuple(RENDERERS)
#: File suffixes and the format each means (``-o report.html``).
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json", ".csv": "csv"}


def render(report: dict[str, Any], fmt: str) -> str:
    """``report`` in ``fmt`` (one of :data:`FORMATS`)."""
    return RENDERERS[fmt](report)


def format_of(path: Path) -> str | None:
    """The format a file name asks for by its suffix, or None."""
    return SUFFIXES.get(path.suffix.lower())


__all__ = [
    "CSV_COLUMNS",
    "FORMATS",
    "SUFFIXES",
    "engagement_report",
    "format_of",
    "item_kind",
    "item_status",
    "render",
]
