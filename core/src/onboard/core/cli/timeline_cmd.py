"""``onboard due``: move a remediation item's due date (provider people; signed, audited).

The remediation timeline is proposed by the policy when an assessment opens an
item (:mod:`onboard.core.engagement.timeline`); ``onboard show`` and the
notices print it.
"""

from datetime import UTC, datetime, time

import click
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import (
    as_option,
    key_option,
    outcome_option,
    print_outcome,
    with_engagements,
)
from onboard.core.cli.output import console
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import DueChange
from onboard.core.specfile import parse_duration


def parse_due(text: str, now: datetime | None = None) -> datetime:
    """``2026-12-16`` (the end of that day, UTC), an ISO time with its zone, or ``+10d``."""
    text = text.strip()
    now = now or datetime.now(UTC)
    try:
        if text.startswith("+"):
            return now + parse_duration(text[1:])
        if len(text) == 10:
            return datetime.combine(datetime.fromisoformat(text).date(), time(23, 59, 59), UTC)
        at = datetime.fromisoformat(text)
    except ValueError:
        raise OnboardError(
            f"due date {text[:40]!r}: give a day (2026-12-16), a time with its zone "
            "(2026-12-16T17:00:00+01:00) or a delay from now (+10d)"
        ) from None
    if at.tzinfo is None:
        raise OnboardError(f"due date {text!r} has no time zone: add one (e.g. Z or +01:00) or give a day")
    return at


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("item", shell_complete=completion.open_item_ids)
@click.argument("due", metavar="DATE")
@as_option
@click.option(
    "--reason", required=True, help="Why the date moves (required; audited; the customer hears it)."
)
@key_option
@outcome_option
@with_engagements
async def due(
    engagements: Engagements, engagement_id: str, item: str, due: str, person: str, reason: str, as_json: bool
) -> None:
    """Move remediation ITEM's due date to DATE (2026-12-16, an ISO time, or +10d).

    Provider people establish the remediation timeline; the customer people are told
    of each move (before the plan is agreed, approving it confirms the timeline).
    """
    if not reason.strip():
        raise OnboardError("--reason must say why the date moves")
    state = await engagements.move_due(engagement_id, DueChange(item, person, parse_due(due), reason))
    if as_json:
        print_outcome(engagements, engagement_id, "due", state)
        return
    when = state.due.date().isoformat() if state.due is not None else "?"
    console.print(f"{item} is now due {when} (the customer side is told)")


def register(group: click.Group) -> None:
    group.add_command(due)
