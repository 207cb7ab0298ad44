"""``onboard request ID REQUEST``: what became of an action the CLI got no answer to.

Every signed action carries a request id (its signature's nonce, also its Update
id).  When a command times out it prints that id; this command asks the
engagement whether an action with it was applied.  A signed action is applied
only within the engagement's signature window of its signing (10 minutes by
default), so one that is not applied by then never will be.  Exit status 0 when
it was applied, 1 when it was not.
"""

from datetime import UTC, datetime

import click
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import json_option, with_engagements
from onboard.core.cli.output import print_json
from onboard.core.client import Engagements
from onboard.core.engagement.authority import describe_record
from onboard.core.trust.actions import format_time


@click.command("request")
@click.argument("engagement_id", shell_complete=completion.any_engagement_ids)
@click.argument("request_id")
@json_option
@with_engagements
async def request(engagements: Engagements, engagement_id: str, request_id: str, as_json: bool) -> None:
    """Whether the action with REQUEST_ID (printed by a command that timed out) was applied."""
    record = await engagements.request(engagement_id, request_id)
    if as_json:
        print_json({"request": request_id, "applied": record is not None, "record": record})
    elif record is not None:
        signed = format_time(record.signature.signed_at) if record.signature else "unsigned"
        click.echo(f"applied: {describe_record(record)}; signed {signed}")
    if record is not None:
        return
    if not as_json:
        state = (await engagements.status(engagement_id)).state
        window = state.spec.policy.signature_window
        archived = (
            f" (records 1–{state.archived}, archived to the journal, were not searched)"
            if state.archived
            else ""
        )
        click.echo(
            f"not applied: engagement {engagement_id!r} has no record of request {request_id}{archived}. "
            f"An action is applied only within {window.total_seconds() / 60:g} minutes of its signing, "
            f"never later: if it was signed before {format_time(datetime.now(UTC) - window)}, send it again",
            err=True,
        )
    raise click.exceptions.Exit(1)


def register(group: click.Group) -> None:
    group.add_command(request)
