"""The ``onboard`` command line.

Each command group lives in its own module and is added by :data:`COMMAND_MODULES`;
a module exposes ``register(group: click.Group)``.  Every error is one line on
stderr and a non-zero exit; the process leaves with ``os._exit`` after flushing,
because temporalio's native runtime can crash at interpreter exit (sdk-python#300).
"""

import importlib
import logging
import os
import sys

import click
from onboard.core.cli.output import PLAIN_ENV, console
from onboard.core.cli.pager import PAGER_ENV
from onboard.core.errors import OnboardError
from onboard.core.logging import configure_cli_logging

#: Exit statuses: 1 an error, 2 the engagement refused the action, 3 blockers remain
#: (``assess``), 64 a usage error (sysexits' EX_USAGE), 130 interrupted.
USAGE_EXIT = 64

COMMAND_MODULES = (
    "onboard.core.cli.engagement_cmds",
    "onboard.core.cli.list_cmd",
    "onboard.core.cli.plan_cmd",
    "onboard.core.cli.plugins_cmd",
    "onboard.core.cli.assess_cmd",
    "onboard.core.cli.server_cmds",
    "onboard.core.cli.demo_cmd",
    "onboard.core.cli.audit_cmd",
    "onboard.core.cli.keys_cmd",
    "onboard.core.cli.request_cmd",
    "onboard.core.cli.digest_cmd",
    "onboard.core.cli.report_cmd",
    "onboard.core.cli.timeline_cmd",
    "onboard.core.cli.show_cmd",
    "onboard.core.cli.schedule_cmd",
    "onboard.core.cli.lifecycle_cmd",
    "onboard.core.cli.roster_cmd",
    "onboard.core.cli.scope_cmd",
    "onboard.core.cli.collect_cmd",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="onboard-core", prog_name="onboard")
@click.option("-v", "--verbose", is_flag=True, help="Show debug logs on stderr.")
@click.option(
    "--plain",
    is_flag=True,
    help=f"Tables as tab-separated rows (a header line first), no box characters, no colour "
    f"(or set {PLAIN_ENV}=1). For scripts; --json gives every field.",
)
@click.option(
    "--no-pager",
    is_flag=True,
    help=f"Never page long output (default on a terminal: ${PAGER_ENV}, else $PAGER, else less).",
)
def cli(verbose: bool, plain: bool, no_pager: bool) -> None:
    """Run FastTrack onboarding engagements as durable Temporal workflows."""
    configure_cli_logging(verbose)
    console.configure(plain=plain, pager=not no_pager)


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as _exc:  # a command group not written yet
        if _exc.name != _name:
            raise
        continue
    _module.register(cli)


def run(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (tests call this)."""
    try:
        # Without standalone mode click returns a command's exit code instead of exiting.
        code = cli.main(args=argv, prog_name="onboard", standalone_mode=False)
    except OnboardError as exc:
        click.echo(f"onboard: error: {exc}", err=True)
        return 1
    except click.exceptions.Abort:
        click.echo("onboard: aborted", err=True)
        return 130
    except click.UsageError as exc:  # not 2: that is a refused decision; one line, as every error
        command = exc.ctx.command_path if exc.ctx is not None else "onboard"
        click.echo(f"onboard: usage: {exc.format_message()} (see `{command} --help`)", err=True)
        return USAGE_EXIT
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug or an unforeseen input: one line, the traceback with -v
        logging.getLogger("onboard.cli").debug("unexpected error", exc_info=True)
        click.echo(f"onboard: error: {type(exc).__name__}: {exc} (run with -v for the traceback)", err=True)
        return 1
    return code if isinstance(code, int) else 0


def main() -> None:
    try:
        code = run(sys.argv[1:])
    except SystemExit as exc:  # click's shell completion (_ONBOARD_COMPLETE) exits by itself
        code = exc.code if isinstance(exc.code, int) else int(exc.code is not None)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
