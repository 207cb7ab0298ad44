"""``onboard scope``: add or remove services and correct facts on a running engagement.

The engagement plans again and re-assesses its last bundle (see
:mod:`onboard.core.engagement.rescope`); the answer is what changed.
"""

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
from onboard.core.cli.plan_cmd import command_line_fact, parse_license
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import PlanChange, ScopeChange
from onboard.core.plugins import default_plugin_manager


def _definitions() -> dict:
    """The facts this installation knows, to type ``--fact`` values (the workers decide)."""
    try:
        return default_plugin_manager().facts()
    except OnboardError:
        return {}


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.option(
    "--add", "added", multiple=True, metavar="SERVICE", help="A service (offer) to add; repeatable."
)
@click.option(
    "--remove", "removed", multiple=True, metavar="SERVICE", help="A service to remove; repeatable."
)
@click.option("--fact", "facts", multiple=True, metavar="KEY=VALUE", help="A corrected fact; repeatable.")
@click.option("--license", "licenses", multiple=True, metavar="OFFER=N", help="Licences of an added offer.")
@as_option
@click.option("--reason", required=True, help="Why the scope changes (required; audited; everyone is told).")
@key_option
@outcome_option
@with_engagements
async def scope(
    engagements: Engagements, engagement_id: str, added: tuple[str, ...], removed: tuple[str, ...],
    facts: tuple[str, ...], licenses: tuple[str, ...], person: str, reason: str, as_json: bool,
) -> None:  # fmt: skip
    """Change a running engagement's scope (provider people; before Enable).

    It plans again, re-assesses the last bundle for the new requirements, keeps what
    was done, and closes the items the new scope no longer needs.
    """
    if not reason.strip():
        raise OnboardError("--reason must say why the scope changes")
    definitions = _definitions()
    try:
        change = ScopeChange(
            person,
            reason,
            add=added,
            remove=removed,
            facts=dict(command_line_fact(f, definitions) for f in facts),
            licenses=dict(parse_license(item) for item in licenses),
        )
    except ValueError as exc:
        raise OnboardError(str(exc)) from None
    result = await engagements.change_scope(engagement_id, change)
    if as_json:
        print_outcome(engagements, engagement_id, "rescope", result)
    else:
        render_change(result)


def render_change(change: PlanChange) -> None:
    console.print(f"scope changed by {change.by}: {change.reason}")
    for line in change.lines():
        console.print(f"  {line}")


def register(group: click.Group) -> None:
    group.add_command(scope)
