"""``onboard show`` (one engagement, what you must do first) and ``onboard todo``
(what waits for you across engagements, the most urgent first)."""

import asyncio
from datetime import UTC, datetime

import click
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import json_option, with_engagements
from onboard.core.cli.output import console, print_json, table
from onboard.core.cli.status_view import render_status
from onboard.core.cli.subject_view import render_subject
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import EngagementStatus, Person
from onboard.core.waiting import Waiting, for_person, urgency, waiting

#: Engagements ``todo`` asks at once (each answers one status query).
TODO_PARALLEL = 8

who_option = click.option(
    "--as",
    "person",
    envvar="ONBOARD_USER",
    default=None,
    help="Your roster id: what you must do comes first (or set ONBOARD_USER).",
)


def roster_person(status: EngagementStatus, person_id: str | None) -> Person | None:
    """``person_id`` on the engagement's roster (None for nobody named).

    :raises OnboardError: for an id the roster lacks, naming who is on it.
    """
    if not person_id:
        return None
    found = next((p for p in status.state.spec.roster if p.id == person_id), None)
    if found is None:
        ids = ", ".join(p.id for p in status.state.spec.roster)
        raise OnboardError(
            f"{person_id[:60]!r} is not on the roster of engagement {status.engagement_id!r} ({ids})"
        )
    return found


@click.command()
@click.argument("engagement_id", shell_complete=completion.any_engagement_ids)
@click.argument("subject", required=False, shell_complete=completion.subject_ids)
@who_option
@click.option("--full", is_flag=True, help="Also closed items, every enable step and the audit trail.")
@json_option
@with_engagements
async def show(
    engagements: Engagements,
    engagement_id: str,
    subject: str | None,
    person: str | None,
    full: bool,
    as_json: bool,
) -> None:
    """Show an engagement: what you must do next, then its status.

    With SUBJECT (an item, step or gate id): that one, with its findings and evidence.
    """
    status = await engagements.status(engagement_id)
    if as_json and subject is None:
        print_json(status)
        return
    now = datetime.now(UTC)
    if as_json:
        found = _subject_data(status, subject or "")
        if found is None:
            render_subject(status, subject or "", now)  # raises, naming what the engagement has
        print_json(found)
        return
    who = roster_person(status, person)
    with console.paged():
        if subject is not None:
            render_subject(status, subject, now)
        else:
            render_status(status, who, full=full, now=now)


def _subject_data(status: EngagementStatus, subject: str) -> object:
    s = status.state
    return (
        next((i for i in s.items if i.item.id == subject), None)
        or s.steps.get(subject)
        or s.gates.get(subject)
    )


@click.command()
@click.option(
    "--as", "person", envvar="ONBOARD_USER", required=True, help="Your roster id (or set ONBOARD_USER)."
)
@click.option("--limit", default=200, show_default=True, help="Engagements to look at, at most.")
@json_option
@with_engagements
async def todo(engagements: Engagements, person: str, limit: int, as_json: bool) -> None:
    """What waits for you across engagements: overdue first, then by due date, then the rest.

    Looks at the running engagements that await you (the OnboardAwaiting search
    attribute) and asks each what it waits for; each line has the command to run.
    """
    rows = await engagements.list(awaiting=person, running_only=True, limit=limit)
    ids = list(dict.fromkeys(r.engagement_id for r in rows))
    statuses = await _statuses(engagements, ids)
    now = datetime.now(UTC)
    things: list[Waiting] = []
    for status in statuses:
        who = next((p for p in status.state.spec.roster if p.id == person), None)
        if who is not None:
            things += for_person(waiting(status, now), who)
    things.sort(key=lambda thing: (*urgency(thing), thing.engagement_id))
    if as_json:
        print_json(things)
        return
    if not things:
        console.print(f"nothing waits for {person} in the {len(ids)} engagement(s) that await them")
        return
    mine = table(f"what waits for {person}", "engagement", "what", "command", ids=("engagement",))
    for thing in things:
        what = f"[red]{thing.what}[/]" if thing.overdue else thing.what
        mine.add_row(thing.engagement_id, what, thing.command)
    with console.paged():
        console.print(mine)
        console.print(f"{len(things)} thing(s) in {len({t.engagement_id for t in things})} engagement(s)")


async def _statuses(engagements: Engagements, ids: list[str]) -> list[EngagementStatus]:
    """Each engagement's status; one that cannot answer now is left out (and said so)."""
    gate = asyncio.Semaphore(TODO_PARALLEL)

    async def one(eid: str) -> EngagementStatus | None:
        async with gate:
            try:
                return await engagements.status(eid)
            except OnboardError as exc:
                click.echo(f"onboard: warning: {eid} left out: {exc}", err=True)
                return None

    found = await asyncio.gather(*(one(eid) for eid in ids))
    return [s for s in found if s is not None]


def register(group: click.Group) -> None:
    group.add_command(show)
    group.add_command(todo)
