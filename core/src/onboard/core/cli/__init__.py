"""The ``onboard`` command line.

Each command group lives in its own module, which exposes ``register(group:
click.Group)``.  :data:`COMMANDS` names every command, its module and its one-line
help, so the group (:class:`~onboard.core.cli.lazy.LazyGroup`) imports a module only
when one of its commands runs: ``onboard --help`` imports none, ``onboard approve``
only its own.  Every error is one line on stderr and a non-zero exit; the process
leaves with ``os._exit`` after flushing, because temporalio's native runtime can crash
at interpreter exit (sdk-python#300).

This module imports only click and the standard library at the top: everything else
would be paid by every command, ``--help`` and each shell completion.
"""

import logging
import os
import sys

import click
from onboard.core.cli.lazy import LazyGroup
from onboard.core.cli.pager import PAGER_ENV
from onboard.core.errors import OnboardError

#: Exit statuses: 1 an error, 2 the engagement refused the action, 3 blockers remain
#: (``assess``), 64 a usage error (sysexits' EX_USAGE), 130 interrupted.
USAGE_EXIT = 64
#: Set to 1 (true, yes, on) for ``--plain`` without the option (read by :mod:`.output`).
PLAIN_ENV = "ONBOARD_PLAIN"

#: module -> {command: its one-line help}.  A new command goes here with the first
#: sentence of its docstring (tests/core/test_cli_lazy.py says when one is missing).
COMMAND_MODULES: dict[str, dict[str, str]] = {
    "engagement_cmds": {
        "start": "Start the engagement described by ENGAGEMENT_FILE (TOML).",
        "reject": "Reject GATE: the engagement goes back with the reason recorded.",
        "contact": "Record that the provider has contacted the customer (Initiate).",
        "reassess": "Assess a new BUNDLE (a folder the workers can read); passing checks close items.",
        "resume": "Resume a paused engagement, or retry a blocked one after fixing the cause.",
        "waive": "Waive remediation ITEM: it closes as waived once both parties have waived it.",
    },
    "approve_cmd": {
        "approve": "Approve GATE (kickoff, remediation-plan, joint-verification).",
        "complete": "Attest that a remediation item or a manual enable step ITEM is done.",
    },
    "list_cmd": {"list": "List engagements, one row each, e.g. those waiting for you: --awaiting YOUR_ID."},
    "plan_cmd": {
        "plan": "Show the plan for ENGAGEMENT_FILE (or for --services): steps, owners, scope, gates."
    },
    "plugins_cmd": {
        "plugins": "List the installed plugins: services, hooks, status and errors (or, with --facts, "
        "their facts).",
    },
    "assess_cmd": {
        "assess": "Assess the bundle folder BUNDLE: findings, remediation plan and reports.",
        "checks": "List the assessment checks requirements can name (built-in and from plugins).",
    },
    "server_cmds": {
        "worker": "Run a worker for engagement workflows and activities until SIGTERM or Ctrl+C.",
        "dev": "Run a local Temporal dev server and a worker together, until Ctrl+C.",
    },
    "demo_cmd": {"demo": "Run a sample engagement through every phase on the embedded Temporal server."},
    "audit_cmd": {
        "audit": "Export an engagement's signed audit chain (onboard audit ID), or verify one offline.",
    },
    "keys_cmd": {
        "keys": "Signing keys: make one, show which one the CLI uses, check an allowed-signers file.",
    },
    "request_cmd": {
        "request": "Whether the action with REQUEST_ID (printed by a command that timed out) was applied.",
    },
    "digest_cmd": {"digest": "The daily digest: per person, everything that waits for them."},
    "report_cmd": {
        "report": "The report of ENGAGEMENT_ID: plan, remediation checklist, assessment and audit trail.",
    },
    "timeline_cmd": {"due": "Move remediation ITEM's due date to DATE (2026-12-16, an ISO time, or +10d)."},
    "show_cmd": {
        "show": "Show an engagement: what you must do next, then its status.",
        "todo": "What waits for you across engagements: overdue first, then by due date, then the rest.",
    },
    "schedule_cmd": {
        "schedule": "The meetings of ENGAGEMENT_ID: kick-off, checkpoint calls and joint verification.",
        "move-meeting": "Move MEETING (kickoff, checkpoint-N, joint-verification) to WHEN.",
    },
    "lifecycle_cmd": {
        "cancel": "Cancel an engagement: its timers stop, its record stays, everyone is told why.",
        "close": "Close an engagement in Enable whose remaining steps are not needed: it completes once a "
        "provider and a customer person have both closed it.",
        "pause": "Pause an engagement: no reminder or escalation fires and no action is taken until "
        "`onboard resume`; due dates and the next checkpoint then move by the pause.",
    },
    "roster_cmd": {"roster": "Who is on an engagement's roster, and changes to it."},
    "scope_cmd": {"scope": "Change a running engagement's scope (provider people; before Enable)."},
    "collect_cmd": {"collect": "Read Active Directory (LDAP) and DNS into the assessment bundle folder OUT."},
    "codec_cmd": {
        "codec-server": "Decode onboard's compressed payloads for the Web UI and the temporal CLI, until Ctrl+C."
    },
}
#: command -> (its module, its one-line help).
COMMANDS: dict[str, tuple[str, str]] = {
    name: (f"{__name__}.{module}", text)
    for module, names in COMMAND_MODULES.items()
    for name, text in names.items()
}


@click.group(cls=LazyGroup, lazy_commands=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
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
    # Here, not at the top: this runs only when a command does (not for --help).
    from onboard.core.cli.output import console
    from onboard.core.logging import configure_cli_logging

    configure_cli_logging(verbose)
    console.configure(plain=plain, pager=not no_pager)


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
