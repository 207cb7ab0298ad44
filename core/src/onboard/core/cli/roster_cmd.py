"""``onboard roster``: who is on a running engagement, and changes to it (signed, audited).

Each side changes its own people; a provider's change to the customer side waits
for a customer person's ``onboard roster ack`` (see
:mod:`onboard.core.engagement.roster`).
"""

import click
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
from onboard.core.models import Party, Person, RosterAck, RosterChange

engagement_argument = click.argument("engagement_id", shell_complete=completion.engagement_ids)
reason_option = click.option("--reason", required=True, help="Why (required; audited; everyone is told).")


@click.group()
def roster() -> None:
    """Who is on an engagement's roster, and changes to it."""


@roster.command(name="list")
@engagement_argument
@json_option
@with_engagements
async def list_roster(engagements: Engagements, engagement_id: str, as_json: bool) -> None:
    """The roster as it is now, and changes waiting for the customer's acknowledgement."""
    state = (await engagements.status(engagement_id)).state
    if as_json:
        print_json({"roster": state.spec.roster, "pending": state.roster_pending})
        return
    people = table(f"roster of {engagement_id}", "id", "name", "side", "e-mail")
    for p in state.spec.roster:
        people.add_row(p.id, p.name, p.party.value, p.email or "—")
    console.print(people)
    for change in state.roster_pending:
        console.print(
            f"[yellow]waiting for a customer's acknowledgement:[/] {change.change} {change.subject} "
            f"(by {change.person}: {change.reason}) — onboard roster ack {engagement_id} {change.subject} --as …"
        )


async def _send(engagements: Engagements, engagement_id: str, change: RosterChange, as_json: bool) -> None:
    if not change.reason.strip():
        raise OnboardError("--reason must say why the roster changes")
    outcome = await engagements.change_roster(engagement_id, change)
    if as_json:
        print_outcome(engagements, engagement_id, f"roster-{change.change}", outcome)
    elif outcome == "pending":
        console.print(
            f"recorded; it applies once a customer person acknowledges it (onboard roster ack {engagement_id} {change.subject})"
        )
    else:
        console.print(f"roster changed: {change.change} {change.subject}")


@roster.command()
@engagement_argument
@click.argument("person_id")
@click.option("--name", required=True, help="The joining person's name.")
@click.option(
    "--party", "side", type=click.Choice([p.value for p in Party]), required=True, help="Their side."
)
@click.option("--email", default="", help="Their e-mail (notices, and their key's principal).")
@as_option
@reason_option
@key_option
@outcome_option
@with_engagements
async def add(
    engagements: Engagements, engagement_id: str, person_id: str, name: str, side: str, email: str,
    person: str, reason: str, as_json: bool,
) -> None:  # fmt: skip
    """Add PERSON_ID to the roster."""
    joining = Person(person_id, name, Party(side), email)
    await _send(engagements, engagement_id, RosterChange(person, "add", person_id, reason, joining), as_json)


@roster.command()
@engagement_argument
@click.argument("leaving")
@click.argument("person_id")
@click.option("--name", required=True, help="The new person's name.")
@click.option("--email", default="", help="Their e-mail.")
@as_option
@reason_option
@key_option
@outcome_option
@with_engagements
async def replace(
    engagements: Engagements, engagement_id: str, leaving: str, person_id: str, name: str, email: str,
    person: str, reason: str, as_json: bool,
) -> None:  # fmt: skip
    """Replace LEAVING with PERSON_ID (on the same side)."""
    state = (await engagements.status(engagement_id)).state
    old = next((p for p in state.spec.roster if p.id == leaving), None)
    if old is None:
        raise OnboardError(f"{leaving!r} is not on the roster of engagement {engagement_id!r}")
    joining = Person(person_id, name, old.party, email)
    await _send(
        engagements, engagement_id, RosterChange(person, "replace", leaving, reason, joining), as_json
    )


@roster.command()
@engagement_argument
@click.argument("person_id")
@as_option
@reason_option
@key_option
@outcome_option
@with_engagements
async def remove(
    engagements: Engagements, engagement_id: str, person_id: str, person: str, reason: str, as_json: bool
) -> None:
    """Remove PERSON_ID from the roster (a side keeps at least one person)."""
    await _send(engagements, engagement_id, RosterChange(person, "remove", person_id, reason), as_json)


@roster.command()
@engagement_argument
@click.argument("person_id")
@as_option
@click.option("--note", default="", help="Kept in the audit trail.")
@key_option
@outcome_option
@with_engagements
async def ack(
    engagements: Engagements, engagement_id: str, person_id: str, person: str, note: str, as_json: bool
) -> None:
    """Acknowledge the provider's pending change of PERSON_ID (customer people)."""
    outcome = await engagements.acknowledge_roster(engagement_id, RosterAck(person, person_id, note))
    if as_json:
        print_outcome(engagements, engagement_id, "roster-ack", outcome)
    else:
        console.print(f"acknowledged; the roster change of {person_id} is applied")


def register(group: click.Group) -> None:
    group.add_command(roster)
