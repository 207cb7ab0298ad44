"""A command whose arguments are shaped like approve's, reject's and complete's, using the
completers; run as a script it completes as ``onboard`` does (``_ONBOARD_COMPLETE``)."""

import os
import sys

import click
from onboard.core.cli import completion
from onboard.core.connection import connection_options


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("gate", shell_complete=completion.gate_ids)
@click.option("--reopen", multiple=True, shell_complete=completion.item_ids)
@click.argument("item", shell_complete=completion.completable_ids)
@connection_options
def probe(**_: object) -> None:
    """Complete ENGAGEMENT_ID, GATE and ITEM."""


if __name__ == "__main__":
    try:
        probe.main(prog_name="onboard", complete_var="_ONBOARD_COMPLETE")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    sys.stdout.flush()
    os._exit(code)  # as onboard's main: temporalio's runtime can crash at interpreter exit
