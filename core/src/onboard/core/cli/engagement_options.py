"""What every command acting on an engagement shares: ``--as``, ``--key``, ``--json``,
``--task-queue``, and :func:`with_engagements`, which signs, connects and maps a
refusal to exit status 2.

``--as PERSON`` (or ``$ONBOARD_USER``) says who acts, and every action is signed
with that person's key (``--key``, ``$ONBOARD_KEY``, ssh-agent or the default key;
see :mod:`onboard.core.trust.keys`).  With ``--json`` an action prints its outcome
(:func:`print_outcome`): the engagement, the action, its request id (for ``onboard
request``) and the engagement's answer as ``result``.

Its own module, apart from :mod:`.engagement_cmds`' commands, so that ``onboard
approve`` imports only what it uses (benchmarks/README.md, "cli_startup").
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import click
from onboard.core.cli.output import print_json
from onboard.core.client import AlreadyAppliedError, Engagements, RejectedError
from onboard.core.connection import ConnectionOptions, connect, connection_options
from onboard.core.settings import TASK_QUEUE
from onboard.core.trust import keys

REJECTED_EXIT = 2

as_option = click.option(
    "--as",
    "person",
    envvar="ONBOARD_USER",
    required=True,
    help="Your id on the engagement roster (or set ONBOARD_USER).",
)
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
outcome_option = click.option(
    "--json", "as_json", is_flag=True, help="Print the outcome as JSON (the engagement's answer)."
)
queue_option = click.option(
    "--task-queue", default=TASK_QUEUE, show_default=True, help="Engagement task queue."
)
key_option = click.option(
    "--key",
    metavar="PATH",
    help="Sign with this OpenSSH Ed25519 key (a .pub: its private half in ssh-agent)  "
    "[default: $ONBOARD_KEY, then ssh-agent, then the key `onboard keys new` makes]",
)


def with_engagements(body: Callable[..., Awaitable[Any]]) -> Callable:
    """Run ``body(engagements, **kwargs)`` with a connected client; map refusals to exit 2.

    A command with a ``--key`` option signs its action with the key found for it.
    """

    def command(connection: ConnectionOptions, task_queue: str = TASK_QUEUE, **kwargs: Any) -> None:
        signer = None
        if "key" in kwargs:
            key = keys.resolve(kwargs.pop("key"))  # before connecting: a missing key is quick to report
            signer = lambda _person: key  # noqa: E731 - one key, whoever --as names

        # Connects at the first call to the server: the body's own checks come first.
        engagements = Engagements(
            lambda: connect(connection), task_queue, signer=signer, timeout=connection.deadline
        )
        try:
            asyncio.run(body(engagements, **kwargs))
        except RejectedError as exc:
            click.echo(f"onboard: rejected: {exc}", err=True)
            raise click.exceptions.Exit(REJECTED_EXIT) from exc
        except AlreadyAppliedError as exc:  # a resend of what was done: the first outcome stands
            click.echo(f"onboard: {exc}", err=True)
            if kwargs.get("as_json"):
                print_outcome(
                    engagements, kwargs.get("engagement_id", ""), body.__name__, None, already_applied=True
                )

    command.__name__ = body.__name__
    command.__doc__ = body.__doc__
    return connection_options(command)


def print_outcome(
    engagements: Engagements, engagement_id: str, action: str, result: Any, **extra: Any
) -> None:
    """An action's ``--json``: what the engagement answered, and the request id to ask about it."""
    print_json(
        {
            "engagement_id": engagement_id,
            "action": action,
            "request_id": engagements.last_request_id,
            "already_applied": False,
            "result": result,
            **extra,
        }
    )
