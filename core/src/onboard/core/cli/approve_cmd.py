"""``onboard approve`` and ``onboard complete``, on one engagement or on many at once.

One engagement (``onboard approve ID GATE``) prints and exits as every signed action
does (:mod:`.engagement_options`).  Several (``onboard approve ID1 ID2 ... GATE``), or
``-`` for ids on stdin (``onboard --plain list --awaiting casey | onboard approve -
kickoff --as casey``), go over one connection, each its own signed Update, and each
is reported on its own line: :mod:`.bulk` says how, and which exit status (imported
only then: one approval does not need it).
"""

from typing import Any

import click
from onboard.core.cli import completion, pacing
from onboard.core.cli.engagement_options import (
    as_option,
    key_option,
    print_outcome,
    queue_option,
    with_engagements,
)
from onboard.core.cli.output import console
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import Completion, GateDecision, GateState

many_option = click.argument(
    "more",
    nargs=-1,
    metavar="[ENGAGEMENT_ID]...",
    # After the first id, the word being typed may be the gate or item as well.
    shell_complete=completion.then_next_argument,
)
max_queued_option = click.option(
    "--max-queued",
    type=click.IntRange(min=0),
    default=pacing.MAX_QUEUED,
    show_default=True,
    metavar="N",
    help="With several engagements: hold back while N tasks or more wait for the workers in "
    "--task-queue, so that the work each action starts keeps up (0: never).",
)
bulk_json_option = click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the outcome as JSON (the engagement's answer; for several, an array of them).",
)


def is_bulk(engagement_id: str, more: tuple[str, ...]) -> bool:
    """Whether the command was given several engagements (or ``-``), not just one."""
    return bool(more) or engagement_id == "-"


def _gate_answer(gate: str) -> Any:
    def answer(state: GateState) -> str:
        if state.passed:
            return f"gate {gate!r} passed"
        waiting = [p.value for p in state.parties if p.value not in state.approved_by]
        return f"approval recorded; gate {gate!r} still needs the {' and '.join(waiting)} side"

    return answer


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@many_option
@click.argument("gate", shell_complete=completion.gate_ids)
@as_option
@click.option("--comment", default="", help="Why; kept in the audit trail.")
@key_option
@max_queued_option
@queue_option
@bulk_json_option
@with_engagements
async def approve(
    engagements: Engagements,
    engagement_id: str,
    more: tuple[str, ...],
    gate: str,
    person: str,
    comment: str,
    max_queued: int,
    as_json: bool,
) -> None:
    """Approve GATE (kickoff, remediation-plan, joint-verification).

    Several ENGAGEMENT_IDs, or - for ids read from stdin (one per line; `onboard --plain
    list --awaiting YOU | onboard approve - kickoff --as YOU`), approve GATE on each over
    one connection, each reported on its own line (--json: an array of outcomes). Exit
    status: 0 if each took it, 2 if any refused, 1 if any failed otherwise.
    """
    decision = GateDecision(gate, person, True, comment)
    if is_bulk(engagement_id, more):
        from onboard.core.cli import bulk

        ids = bulk.engagement_ids((engagement_id, *more))
        pacer = bulk.pacer(engagements, max_queued)
        report = bulk.reporter(as_json, _gate_answer(gate))
        outcomes = await bulk.each(engagements, ids, decision, engagements.decide, report, pacer=pacer)
        bulk.finish("approve", outcomes, as_json, pacer.held_for)
        return
    state = await engagements.decide(engagement_id, decision)
    if as_json:
        print_outcome(engagements, engagement_id, "approve", state)
    else:
        console.print(_gate_answer(gate)(state))


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@many_option
@click.argument("item", shell_complete=completion.completable_ids)
@as_option
@click.option("--evidence", required=True, help="What shows it is done (ticket, screenshot, log).")
@key_option
@max_queued_option
@queue_option
@bulk_json_option
@with_engagements
async def complete(
    engagements: Engagements,
    engagement_id: str,
    more: tuple[str, ...],
    item: str,
    person: str,
    evidence: str,
    max_queued: int,
    as_json: bool,
) -> None:
    """Attest that a remediation item or a manual enable step ITEM is done.

    Several ENGAGEMENT_IDs, or - for ids read from stdin (one per line), attest ITEM on
    each over one connection, each reported on its own line (--json: an array of
    outcomes). Exit status: 0 if each took it, 2 if any refused, 1 if any failed otherwise.
    """
    if not evidence.strip():
        raise OnboardError("--evidence must say what shows it is done (a ticket, a log, a screenshot)")
    completion_ = Completion(item, person, evidence)
    if is_bulk(engagement_id, more):
        from onboard.core.cli import bulk

        ids = bulk.engagement_ids((engagement_id, *more))
        pacer = bulk.pacer(engagements, max_queued)
        report = bulk.reporter(as_json, lambda _: f"{item} completed")
        outcomes = await bulk.each(engagements, ids, completion_, engagements.complete, report, pacer=pacer)
        bulk.finish("complete", outcomes, as_json, pacer.held_for)
        return
    done = await engagements.complete(engagement_id, completion_)
    if as_json:  # the engagement answers with the id of what it closed
        print_outcome(engagements, engagement_id, "complete", done)
    else:
        console.print(f"{item} completed")


def register(group: click.Group) -> None:
    group.add_command(approve)
    group.add_command(complete)
