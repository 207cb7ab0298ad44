"""The reports as HTML documents people hand on, from the packaged Jinja2 templates.

Each page is self-contained (its stylesheet inline, nothing fetched), titled by the
customer and engagement (or the bundle) rather than a file path, and prints well.
"""

from typing import Any

from onboard.core.reports.formatting import templates
from onboard.core.reports.text import OUTCOME_TITLES, SECTION_TITLES


def render_html(report: dict[str, Any]) -> str:
    """The engagement report (:func:`~onboard.core.reports.engagement.engagement_report`)."""
    return (
        templates()
        .get_template("engagement.html.j2")
        .render(
            r=report,
            c=report["checklist"],
            a=report["assessment"],
            sections=SECTION_TITLES,
            outcomes=OUTCOME_TITLES,
        )
    )
