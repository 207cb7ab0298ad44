"""One action on many engagements, over one connection: ``onboard approve A B C kickoff``.

The ids come from the command line, and ``-`` stands for those on stdin (the first
field of each line, so ``onboard --plain list ... | onboard approve - kickoff`` works
with or without ``cut -f1``; blank lines, ``#`` lines and the table's header line are
skipped).  Each engagement is sent its own signed Update, at most :data:`AT_ONCE` at
a time, and none while the workers are behind (:mod:`.pacing`); one that fails does
not stop the others.

Each outcome is reported in the order the ids were given, as soon as it and those
before it are known: the answer on stdout (``ID: gate 'kickoff' passed``), a
refusal or an error on stderr as the single-engagement command prints it, then a
summary on stderr.  ``--json`` prints one array of per-engagement outcomes instead
(:meth:`Outcome.as_json`).  The exit status is 0 when every engagement took the
action (or had already taken it), 1 when any failed for another reason than a
refusal (unknown engagement, no worker, no answer), else 2 when any refused it.
"""

import asyncio
import sys
from collections.abc import Awaitable, Callable, Iterable
from typing import Any, TextIO

import click
from attrs import frozen
from onboard.core import limits
from onboard.core.cli.output import console, print_json
from onboard.core.cli.pacing import Pacer
from onboard.core.client import AlreadyAppliedError, Engagements, RejectedError
from onboard.core.errors import OnboardError
from onboard.core.pollers import queued_tasks

#: How many engagements are sent their Update at the same time.  Each Update waits
#: for a worker's workflow task, so more in flight means more approvals per second
#: (benchmarks/README.md, "scale": 16 gave ~15/s, 64 ~44/s in one experiment); 32
#: stays well inside a worker's 100 concurrent workflow tasks.
AT_ONCE = 32
#: The first field of ``onboard --plain list``'s header line.
LIST_HEADER = "engagement"
#: Exit statuses, as for one engagement: 1 an error, 2 refused.
ERROR_EXIT, REFUSED_EXIT = 1, 2

APPLIED, ALREADY_APPLIED, REJECTED, FAILED = "applied", "already_applied", "rejected", "error"


@frozen
class Outcome:
    """What became of the action on one engagement."""

    engagement_id: str
    outcome: str  # APPLIED, ALREADY_APPLIED, REJECTED or FAILED
    request_id: str | None = None
    result: Any = None
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.outcome in (REJECTED, FAILED)

    def as_json(self, action: str) -> dict[str, Any]:
        """The single-engagement ``--json`` outcome, with ``outcome`` and ``error``."""
        return {
            "engagement_id": self.engagement_id,
            "action": action,
            "outcome": self.outcome,
            "request_id": self.request_id,
            "already_applied": self.outcome == ALREADY_APPLIED,
            "result": self.result,
            "error": self.error,
        }


def engagement_ids(given: Iterable[str], stdin: TextIO | None = None) -> list[str]:
    """The ids given, ``-`` replaced by those read from ``stdin``; each once, in order."""
    ids: list[str] = []
    for word in given:
        ids.extend(read_ids(stdin or sys.stdin) if word == "-" else [word])
    if not ids:
        raise click.UsageError("no engagement ids on stdin (one per line, for `-`)")
    return list(dict.fromkeys(ids))  # the same engagement twice would be refused the second time


def read_ids(stream: TextIO) -> list[str]:
    """The first field of each line of ``stream``, less blank and ``#`` lines and a header."""
    if stream.isatty():
        click.echo("onboard: reading engagement ids, one per line (Ctrl+D ends)", err=True)
    try:
        lines = stream.read().splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise OnboardError(f"cannot read engagement ids from stdin: {exc}") from exc
    fields = [line.split()[0] for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return fields[1:] if fields[:1] == [LIST_HEADER] else fields


async def each(
    engagements: Engagements,
    ids: list[str],
    arg: Any,
    send: Callable[[str, Any], Awaitable[Any]],
    done: Callable[[Outcome], None],
    at_once: int = AT_ONCE,
    pacer: Pacer | None = None,
) -> list[Outcome]:
    """``send(id, arg signed for id)`` to every engagement, ``at_once`` at a time, each
    once ``pacer`` lets it go; ``done`` is called with each outcome in the order of ``ids``."""
    problem = limits.action_problem(arg)
    if problem:  # the same for every engagement: said once, nothing sent
        raise OnboardError(problem)
    await engagements.connect()  # one connection, before anything is sent
    gate = asyncio.Semaphore(at_once)

    async def one(engagement_id: str) -> Outcome:
        async with gate:
            if pacer is not None:
                await pacer.wait()
            return await _send_one(engagements, engagement_id, arg, send)

    tasks = [asyncio.create_task(one(engagement_id)) for engagement_id in ids]
    outcomes = []
    try:
        for task in tasks:
            outcomes.append(await task)
            done(outcomes[-1])
    finally:  # interrupted: what has not been sent is not sent
        for task in tasks:
            task.cancel()
    return outcomes


async def _send_one(
    engagements: Engagements, engagement_id: str, arg: Any, send: Callable[[str, Any], Awaitable[Any]]
) -> Outcome:
    request_id = None
    try:
        # Signed here, just before it goes: its nonce is the request id to report.
        signed = engagements.sign(engagement_id, arg)
        request_id = signed.signature.nonce if signed.signature is not None else None
        return Outcome(engagement_id, APPLIED, request_id, await send(engagement_id, signed))
    except AlreadyAppliedError as exc:
        return Outcome(engagement_id, ALREADY_APPLIED, request_id, error=str(exc))
    except RejectedError as exc:
        return Outcome(engagement_id, REJECTED, request_id, error=str(exc))
    except OnboardError as exc:
        return Outcome(engagement_id, FAILED, request_id, error=str(exc))
    except Exception as exc:  # a bug on one engagement must not stop the others
        return Outcome(engagement_id, FAILED, request_id, error=f"{type(exc).__name__}: {exc}")


def pacer(engagements: Engagements, limit: int) -> Pacer:
    """Holds Updates back while ``limit`` tasks or more wait in the engagements' task
    queue (``--task-queue``), for no longer than an action's deadline without progress."""

    async def look() -> int:
        return await queued_tasks(engagements.client, engagements.task_queue, engagements.timeout)

    def say(message: str) -> None:
        click.echo(f"onboard: {message}", err=True)

    return Pacer(look, limit, engagements.timeout.total_seconds(), say)


def reporter(as_json: bool, answer: Callable[[Any], str]) -> Callable[[Outcome], None]:
    """Print each outcome as it comes: ``ID: answer`` on stdout, problems on stderr
    (with ``--json`` only the problems: the array comes at the end)."""

    def report(outcome: Outcome) -> None:
        if outcome.outcome == APPLIED:
            if not as_json:
                console.print(f"{outcome.engagement_id}: {answer(outcome.result)}", markup=False)
        elif outcome.outcome == REJECTED:
            click.echo(f"onboard: rejected: {outcome.error}", err=True)
        elif outcome.outcome == FAILED:
            click.echo(f"onboard: error: {outcome.error}", err=True)
        else:
            click.echo(f"onboard: {outcome.error}", err=True)

    return report


def finish(action: str, outcomes: list[Outcome], as_json: bool, held_for: float = 0.0) -> None:
    """The summary (stderr), the ``--json`` array, and the exit status; ``held_for``:
    the seconds the pacer held Updates back."""
    if as_json:
        print_json([o.as_json(action) for o in outcomes])
    counts = {kind: sum(o.outcome == kind for o in outcomes) for kind in (APPLIED, ALREADY_APPLIED)}
    rejected = sum(o.outcome == REJECTED for o in outcomes)
    failed = sum(o.outcome == FAILED for o in outcomes)
    parts = [f"{counts[APPLIED]} applied"]
    parts += [f"{counts[ALREADY_APPLIED]} already applied"] if counts[ALREADY_APPLIED] else []
    parts += [f"{rejected} rejected"] if rejected else []
    parts += [f"{failed} failed"] if failed else []
    held = f" (held back {held_for:.0f} s for the workers)" if held_for >= 1 else ""
    click.echo(f"onboard: {action} on {len(outcomes)} engagements: {', '.join(parts)}{held}", err=True)
    if failed:
        raise click.exceptions.Exit(ERROR_EXIT)
    if rejected:
        raise click.exceptions.Exit(REFUSED_EXIT)
