"""``onboard report ID``: the engagement's report to hand on, from its status.

::

    onboard report contoso-ems                      # Markdown on stdout
    onboard report contoso-ems -o contoso-ems.html  # the format from the suffix
    onboard report contoso-ems --format csv > checklist.csv
    onboard report contoso-ems --format json

The plan (services, eligibility, scope, responsibilities, enable steps), the
remediation checklist (failures first, questions apart; owners, due dates, who
closed what and with which evidence), the assessment's findings by outcome and the
audit trail the engagement holds.  CSV is the checklist alone.  Built by
:mod:`onboard.core.reports` from one ``status`` query; nothing is changed.
"""

from datetime import UTC, datetime
from pathlib import Path

import click
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import with_engagements
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.reports import FORMATS, SUFFIXES, engagement_report, format_of, render


def _context() -> click.Context | None:
    """The command's context, so a usage error names ``onboard report --help``."""
    return click.get_current_context(silent=True)


def chosen_format(fmt: str | None, output: Path | None) -> str:
    """``--format``, else the output file's suffix, else Markdown; a clash is a usage error."""
    implied = format_of(output) if output is not None else None
    if fmt is not None:
        if output is not None and implied is not None and implied != fmt:
            raise click.UsageError(
                f"--format {fmt} does not fit {output.name}: it ends in {output.suffix}", _context()
            )
        return fmt
    if output is not None and implied is None:
        known = ", ".join(SUFFIXES)
        raise click.UsageError(
            f"cannot tell the format of {output.name}: end it in {known}, or give --format", _context()
        )
    return implied or "md"


@click.command()
@click.argument("engagement_id", shell_complete=completion.any_engagement_ids)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    help="md (default), html, json, or csv (the remediation checklist); -o FILE's suffix chooses otherwise.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to FILE (its suffix picks the format: .md, .html, .json, .csv) instead of stdout.",
)
@with_engagements
async def report(engagements: Engagements, engagement_id: str, fmt: str | None, output: Path | None) -> None:
    """The report of ENGAGEMENT_ID: plan, remediation checklist, assessment and audit trail."""
    chosen = chosen_format(fmt, output)  # before asking the server: a usage slip is quick to report
    status = await engagements.status(engagement_id)
    text = render(engagement_report(status, datetime.now(UTC)), chosen)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OnboardError(f"{output}: cannot write the report: {exc.strerror}") from exc
    click.echo(f"report of {engagement_id} written to {output}", err=True)


def register(group: click.Group) -> None:
    """Add ``report`` to the CLI."""
    group.add_command(report)
