"""``onboard list``: one row per engagement, from one visibility query (and one count).

::

    onboard list                        # running engagements, newest first, at most 50
    onboard list --awaiting casey       # those waiting for casey
    onboard list --all --limit 0        # every engagement, finished ones too, all pages
    onboard --plain list | cut -f1      # ids, for a script (or --json for every field)

Each row is the engagement's latest run (:mod:`onboard.core.listing`), with the open
and overdue items, escalations and age from the memo the engagement keeps.  When more
engagements match than ``--limit`` shows, stderr says "showing N of M".

A *stuck* engagement (its workflow task keeps failing) is marked ``STUCK``: every
running row is asked when the list holds at most :data:`DESCRIBED_AT_MOST` of them;
in a longer list only the rows Temporal itself flags (``TemporalReportedProblems``,
after a few failed attempts) are, so listing thousands stays one query.
"""

from datetime import UTC, datetime, timedelta

import attrs
import click
from onboard.core.cli.engagement_options import json_option, with_engagements
from onboard.core.cli.output import console, print_json, table
from onboard.core.client import Engagements
from onboard.core.diagnosis import WAY_OUT
from onboard.core.listing import EngagementSummary
from onboard.core.models import Phase

#: Rows shown unless ``--limit`` says otherwise.
DEFAULT_LIMIT = 50
#: Running rows each asked whether they are stuck, at most (beyond: Temporal's flag only).
DESCRIBED_AT_MOST = 100
#: What a column shows when the engagement has no memo to say.
UNKNOWN = "—"


def age(started: datetime | None, now: datetime) -> str:
    """How long ago, in the largest whole unit that says something: 40m, 5h, 12d."""
    if started is None:
        return UNKNOWN
    elapsed = max(now - started, timedelta(0))
    if elapsed < timedelta(hours=1):
        return f"{int(elapsed.total_seconds() // 60)}m"
    if elapsed < timedelta(days=2):
        return f"{int(elapsed.total_seconds() // 3600)}h"
    return f"{elapsed.days}d"


def _number(value: int | None, alarm: bool = False) -> str:
    if value is None:
        return UNKNOWN
    return f"[bold red]{value}[/]" if alarm and value else str(value)


def _awaiting(awaiting: tuple[str, ...]) -> str:
    """The people awaited; the ``party:…`` tags (there for queries) only when no one is named."""
    people = [a for a in awaiting if not a.startswith("party:")]
    return ", ".join(people or [a.removeprefix("party:") for a in awaiting]) or UNKNOWN


def _status(row: EngagementSummary) -> str:
    if row.stuck:
        return "[bold red]STUCK[/]"
    if row.blocked:
        return "[red]blocked[/]"
    if row.replaced:  # a reset, or a new start under this id: worth a look (docs/security.md)
        return f"{row.status} [yellow](was {', '.join(row.replaced)})[/]"
    return row.status


def rows_table(rows: list[EngagementSummary], now: datetime) -> object:
    """The engagements, one row each; ``—`` where a run has no memo to say."""
    t = table(None, "engagement", "status", "phase", "customer", "awaiting", "open", "overdue", "esc.", "age")
    for row in rows:
        t.add_row(
            row.engagement_id,
            _status(row),
            row.phase or UNKNOWN,
            row.customer or UNKNOWN,
            _awaiting(row.awaiting),
            _number(row.open_items),
            _number(row.overdue_items, alarm=True),
            _number(row.escalations, alarm=True),
            age(row.started, now),
        )
    return t


async def _with_stuck(engagements: Engagements, rows: list[EngagementSummary]) -> list[EngagementSummary]:
    running = [r for r in rows if r.status == "running"]
    asked = running if len(running) <= DESCRIBED_AT_MOST else [r for r in running if r.reported_problems]
    stuck = await engagements.stuck([r.engagement_id for r in asked]) if asked else {}
    return [attrs.evolve(r, stuck=stuck[r.engagement_id]) if r.engagement_id in stuck else r for r in rows]


@click.command(name="list")
@click.option("--awaiting", metavar="PERSON", help="Only engagements waiting for this person.")
@click.option("--role", type=click.Choice(["provider", "customer"]), help="Only those waiting for this side.")
@click.option("--phase", type=click.Choice([p.value for p in Phase]), help="Only engagements in this phase.")
@click.option("--tenant", help="Only this tenant's engagements.")
@click.option("--all", "include_closed", is_flag=True, help="Include finished engagements.")
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=DEFAULT_LIMIT,
    show_default=True,
    help="Show at most this many (0: every one, page after page).",
)
@json_option
@with_engagements
async def list_engagements(
    engagements: Engagements,
    awaiting: str | None,
    role: str | None,
    phase: str | None,
    tenant: str | None,
    include_closed: bool,
    limit: int,
    as_json: bool,
) -> None:
    """List engagements, one row each, e.g. those waiting for you: --awaiting YOUR_ID."""
    filters = {
        "awaiting": awaiting,
        "party": role,
        "phase": phase,
        "tenant": tenant,
        "running_only": not include_closed,
    }
    rows = await engagements.list(limit=limit or None, **filters)
    total = await engagements.count(**filters) if limit and len(rows) >= limit else len(rows)
    rows = await _with_stuck(engagements, rows)
    if total is None or total > len(rows):  # None: the server cannot count, so there may be more
        of = f"{total:,}" if total is not None else "more"
        click.echo(
            f"onboard: showing {len(rows):,} of {of} engagements (--limit 0 shows every one)", err=True
        )
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print("no engagements match")
        return
    with console.paged():
        console.print(rows_table(rows, datetime.now(UTC)))
        for row in (r for r in rows if r.stuck):
            why = f"{row.engagement_id} is stuck: {row.stuck} (the way out: {WAY_OUT})"
            if console.plain:  # on stderr, so that stdout stays rows
                click.echo(f"onboard: {why}", err=True)
            else:
                console.print(why, style="red", markup=False)


def register(group: click.Group) -> None:
    group.add_command(list_engagements)
