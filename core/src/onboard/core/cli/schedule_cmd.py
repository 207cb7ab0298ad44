"""``onboard schedule ID``: the engagement's meetings, and an .ics file of them.

::

    onboard schedule contoso-ems                  # kick-off, checkpoint calls, joint verification
    onboard schedule contoso-ems --ics contoso-ems.ics   # import it into a calendar
    onboard schedule contoso-ems --json

Each meeting with its status (proposed, moved, held, called, waiting, cancelled), its time
in the engagement's zone and in UTC, who takes part and why it is where it is.
Built by :mod:`onboard.core.meetings` from one ``status`` query; nothing is changed.
"""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import click
from onboard.core import region
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import (
    as_option,
    json_option,
    key_option,
    outcome_option,
    print_outcome,
    with_engagements,
)
from onboard.core.cli.output import console, print_json, table
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.meetings import Meeting, meetings, schedule_ics
from onboard.core.models import EngagementState, MeetingMove
from onboard.core.trust import keys


def when_local(meeting: Meeting, zone: ZoneInfo) -> str:
    """``Thu 2026-12-03 13:00-13:30 CET``, or "—" while it waits."""
    if meeting.start is None or meeting.end is None:
        return "—"
    start, end = meeting.start.astimezone(zone), meeting.end.astimezone(zone)
    return f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {start.tzname()}"


def when_utc(meeting: Meeting) -> str:
    if meeting.start is None:
        return "—"
    return f"{meeting.start:%Y-%m-%d %H:%M}Z"


def who(state: EngagementState, meeting: Meeting) -> str:
    """Everyone on the roster; the organizer marked, people without an e-mail (no invite) too."""
    invited = {p.id for p in meeting.attendees}
    names = []
    for person in state.spec.roster:
        name = person.name or person.id
        if meeting.organizer is not None and person.id == meeting.organizer.id:
            name += " (organizer)"
        elif person.id not in invited:
            name += " (no e-mail: no invite)"
        names.append(name)
    return ", ".join(names)


def heading(state: EngagementState) -> str:
    spec = state.spec
    hours = region.business_hours(spec.business_hours).describe()
    language = region.language_name(spec.language)
    return (
        f"meetings of {spec.engagement_id} ({spec.customer}): business hours {hours} {spec.timezone}, "
        f"held in {language} ({spec.language})"
    )


def render_schedule(state: EngagementState, found: list[Meeting]) -> None:
    zone = ZoneInfo(state.spec.timezone)
    rows = table(heading(state), "meeting", "status", f"when ({state.spec.timezone})", "UTC", "who", "why")
    for meeting in found:
        rows.add_row(
            meeting.id,
            meeting.status,
            when_local(meeting, zone),
            when_utc(meeting),
            who(state, meeting),
            meeting.basis,
        )
    console.print(rows)


def write_ics(state: EngagementState, found: list[Meeting], path: Path) -> None:
    text = schedule_ics(state)
    placed = sum(1 for m in found if m.placed)
    if str(path) == "-":
        console.write(text)
        return
    try:
        path.write_text(text, encoding="utf-8", newline="")  # iCalendar lines end in CRLF already
    except OSError as exc:
        raise OnboardError(f"{path}: cannot write the calendar: {exc.strerror}") from exc
    click.echo(f"{placed} meeting(s) of {state.spec.engagement_id} written to {path}", err=True)


@click.command()
@click.argument("engagement_id", shell_complete=completion.any_engagement_ids)
@click.option(
    "--ics",
    "ics",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    help="Also write the meetings that have a time as an iCalendar file (- for stdout, no table).",
)
@click.option(
    "--move",
    "meeting",
    metavar="MEETING",
    help="Move this meeting (kickoff, checkpoint-N, joint-verification).",
)
@click.option(
    "--to", "start", metavar="WHEN", help="Where --move puts it: an ISO time, local without a zone."
)
@click.option(
    "--as", "person", envvar="ONBOARD_USER", default=None, help="Who moves it (or set ONBOARD_USER)."
)
@click.option("--reason", default="", help="Why it moves (with --move; audited).")
@click.option(
    "--key", "signing_key", metavar="PATH", help="Sign the move with this key (as `move-meeting --key`)."
)
@json_option
@with_engagements
async def schedule(
    engagements: Engagements,
    engagement_id: str,
    ics: Path | None,
    meeting: str | None,
    start: str | None,
    person: str | None,
    reason: str,
    signing_key: str | None,
    as_json: bool,
) -> None:
    """The meetings of ENGAGEMENT_ID: kick-off, checkpoint calls and joint verification.

    Times are in the engagement's business hours and time zone (its file's timezone,
    business_hours and language); --ics FILE writes them for a calendar program;
    --move MEETING --to WHEN --as PERSON --reason ... moves one (as onboard move-meeting).
    """
    if meeting is not None:
        if not start or not person:
            raise OnboardError("--move needs --to WHEN and --as PERSON (and --reason)")
        key = keys.resolve(signing_key)  # only a move signs: showing the schedule needs no key
        engagements.signer = lambda _person: key
        await _move(engagements, engagement_id, meeting, start, person, reason, as_json)
        return
    status = await engagements.status(engagement_id)
    state = status.state
    found = meetings(state)
    if ics is not None:
        write_ics(state, found, ics)
        if str(ics) == "-":
            return
    if as_json:
        print_json(found)
        return
    render_schedule(state, found)
    if ics is None and any(m.placed for m in found):
        console.print(f"onboard schedule {engagement_id} --ics {engagement_id}.ics   # for a calendar")
        console.print(
            f"onboard move-meeting {engagement_id} MEETING 2026-12-10T14:00 --as … --reason …   # move one"
        )


@click.command(name="move-meeting")
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("meeting")
@click.argument("start", metavar="WHEN")
@as_option
@click.option(
    "--reason", required=True, help="Why it moves (required; audited; everyone gets the new invite)."
)
@key_option
@outcome_option
@with_engagements
async def move_meeting(
    engagements: Engagements,
    engagement_id: str,
    meeting: str,
    start: str,
    person: str,
    reason: str,
    as_json: bool,
) -> None:
    """Move MEETING (kickoff, checkpoint-N, joint-verification) to WHEN.

    WHEN is an ISO time; without a zone it is the engagement's local time
    (``2026-12-10T14:00``).  It must lie within the engagement's business hours.
    """
    await _move(engagements, engagement_id, meeting, start, person, reason, as_json)


async def _move(
    engagements: Engagements,
    engagement_id: str,
    meeting: str,
    start: str,
    person: str,
    reason: str,
    as_json: bool,
) -> None:
    if not reason.strip():
        raise OnboardError("--reason must say why the meeting moves")
    state = (await engagements.status(engagement_id)).state
    try:
        at = datetime.fromisoformat(start.strip())
    except ValueError:
        raise OnboardError(
            f"WHEN {start[:40]!r}: give an ISO time such as 2026-12-10T14:00 (local) or ...+01:00"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=ZoneInfo(state.spec.timezone))
    moved = await engagements.move_meeting(engagement_id, MeetingMove(meeting, person, at, reason))
    if as_json:
        print_outcome(engagements, engagement_id, "move-meeting", moved)
    else:
        local = moved.start.astimezone(ZoneInfo(state.spec.timezone))
        console.print(
            f"{meeting} moved to {local:%Y-%m-%d %H:%M} {state.spec.timezone}; everyone gets the new invite"
        )


def register(group: click.Group) -> None:
    """Add ``schedule`` to the CLI."""
    group.add_command(schedule)
    group.add_command(move_meeting)
