"""``onboard cancel``, ``onboard close`` and ``onboard pause``: signed, audited changes of an engagement's
course (``onboard resume`` ends a pause: :mod:`.engagement_cmds`)."""

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
from onboard.core.models import Cancellation, Closure, Pause


def _reason(reason: str) -> str:
    if not reason.strip():
        raise OnboardError("--reason must say why (it is audited and everyone on the roster reads it)")
    return reason


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@as_option
@click.option(
    "--reason", required=True, help="Why the engagement ends (required; audited; everyone is told)."
)
@key_option
@outcome_option
@with_engagements
async def cancel(
    engagements: Engagements, engagement_id: str, person: str, reason: str, as_json: bool
) -> None:
    """Cancel an engagement: its timers stop, its record stays, everyone is told why."""
    await engagements.cancel(engagement_id, Cancellation(person, _reason(reason)))
    if as_json:
        print_outcome(engagements, engagement_id, "cancel", None)
    else:
        console.print(
            f"engagement {engagement_id} cancelled; its record stays (onboard show, onboard report)"
        )


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@as_option
@click.option("--reason", required=True, help="Why the open steps are not needed (required; audited).")
@key_option
@outcome_option
@with_engagements
async def close(
    engagements: Engagements, engagement_id: str, person: str, reason: str, as_json: bool
) -> None:
    """Close an engagement in Enable whose remaining steps are not needed: it completes
    once a provider and a customer person have both closed it."""
    await engagements.close(engagement_id, Closure(person, _reason(reason)))
    progress = await engagements.progress(engagement_id)
    if as_json:
        print_outcome(engagements, engagement_id, "close", progress.phase.value)
    elif progress.phase.value == "completed":
        console.print(f"engagement {engagement_id} closed by both sides: completed")
    else:
        console.print("recorded; it closes once the other side closes it too")


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@as_option
@click.option("--reason", required=True, help="Why it pauses (required; audited; everyone is told).")
@key_option
@outcome_option
@with_engagements
async def pause(
    engagements: Engagements, engagement_id: str, person: str, reason: str, as_json: bool
) -> None:
    """Pause an engagement: no reminder or escalation fires and no action is taken until
    `onboard resume`; due dates and the next checkpoint then move by the pause."""
    await engagements.pause(engagement_id, Pause(person, _reason(reason)))
    if as_json:
        print_outcome(engagements, engagement_id, "pause", None)
    else:
        console.print(f"engagement {engagement_id} paused (onboard resume {engagement_id} --as … to go on)")


def register(group: click.Group) -> None:
    group.add_command(cancel)
    group.add_command(close)
    group.add_command(pause)
