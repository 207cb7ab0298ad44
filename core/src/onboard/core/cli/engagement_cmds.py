"""Commands on engagements: start and the approver's signed actions (``show`` is
:mod:`.show_cmd`'s, ``list`` :mod:`.list_cmd`'s, ``approve`` and ``complete``, which take
many engagements at once, :mod:`.approve_cmd`'s).

Every action is signed with the key of the person ``--as`` names, and the engagement
checks the signature against the workers' allowed-signers file, the roster, the party
and the phase; a refusal is printed with its reason and exit status 2.  The options
and the runner these commands share (``--as``, ``--key``, ``--json``,
:func:`~.engagement_options.with_engagements`) are :mod:`.engagement_options`'.
Errors stay one line on stderr with nothing on stdout, and the exit status is the
same with or without ``--json``.
"""

from __future__ import annotations  # SignerSnapshot: see TYPE_CHECKING below

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import click
from onboard.core import models  # the other actions' models load in their commands (models.X)
from onboard.core.cli import completion
from onboard.core.cli.engagement_options import (
    as_option,
    key_option,
    outcome_option,
    print_outcome,
    queue_option,
    with_engagements,
)
from onboard.core.cli.output import console
from onboard.core.client import Engagements
from onboard.core.connection import ConnectionOptions, connect, connection_options
from onboard.core.errors import OnboardError
from onboard.core.limits import TEXT_LIMIT
from onboard.core.models import LIVE_BUNDLE, GateDecision

if TYPE_CHECKING:  # a model of the plan: approve and the other actions do not load it
    from onboard.core.models import SignerSnapshot

# ---------------------------------------------------------------------------


@click.command()
@click.argument("engagement_file", type=click.Path(path_type=Path))
@queue_option
@outcome_option
@connection_options
def start(connection: ConnectionOptions, task_queue: str, engagement_file: Path, as_json: bool) -> None:
    """Start the engagement described by ENGAGEMENT_FILE (TOML)."""
    # Imported here: planning brings the plugins and pluggy, which no other command needs.
    from onboard.core.errors import PlanError
    from onboard.core.planning import build_plan
    from onboard.core.plugins import default_plugin_manager
    from onboard.core.specfile import load_spec, located

    # The file and the plan first (no server needed to find their mistakes): the same
    # planner the workflow runs reports unknown services, bad facts, too few licences.
    spec = load_spec(engagement_file)
    try:
        plan = build_plan(default_plugin_manager(), spec)
    except PlanError as exc:
        raise located(exc, str(engagement_file), engagement_file.read_text(encoding="utf-8-sig")) from exc

    async def main() -> tuple[Engagements, str, SignerSnapshot | None]:
        engagements = Engagements(await connect(connection), task_queue, timeout=connection.deadline)
        handle = await engagements.start(spec)
        return (
            engagements,
            handle.first_execution_run_id or "",
            await _planned_signers(engagements, spec.engagement_id),
        )

    engagements, run_id, signers = asyncio.run(main())
    if as_json:  # signers None: not planned yet (or no allowed-signers file)
        started = {"run_id": run_id, "customer": spec.customer, "tenant": spec.tenant}
        started |= {"services": plan.service_keys(), "task_queue": task_queue, "signers": signers}
        unkeyed = list(signers.unkeyed()) if signers is not None else None
        print_outcome(engagements, spec.engagement_id, "start", started, unkeyed=unkeyed)
        return
    console.print(
        f"started engagement [bold]{spec.engagement_id}[/] for {spec.customer} ({spec.tenant}): "
        f"{', '.join(plan.service_keys())}"
    )
    if signers is None:
        console.print(
            "[yellow]the workers have not planned it yet (or have no allowed-signers file): "
            f"`onboard show {spec.engagement_id}` names anyone who has no key[/]"
        )
    elif signers.unkeyed():
        console.print(
            f"[yellow]no key in the workers' allowed-signers file for: {', '.join(signers.unkeyed())}; "
            "they cannot act until operations add one (docs/security.md)[/]"
        )


async def _planned_signers(
    engagements: Engagements, engagement_id: str, wait: float = 5.0
) -> SignerSnapshot | None:
    """Who has a key, from the plan the workers recorded (a few seconds at most)."""
    deadline = asyncio.get_running_loop().time() + wait
    while asyncio.get_running_loop().time() < deadline:
        try:
            if (await engagements.progress(engagement_id)).planned:
                plan = (await engagements.status(engagement_id)).state.plan
                return plan.signers if plan else None
        except OnboardError:
            pass  # no worker has taken the first task yet
        await asyncio.sleep(0.2)
    return None


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("gate", shell_complete=completion.gate_ids)
@as_option
@click.option("--reason", required=True, help="Why the gate is rejected (required).")
@click.option(
    "--reopen",
    "reopen",
    multiple=True,
    metavar="ITEM",
    shell_complete=completion.item_ids,
    help="A closed remediation item to reopen (joint verification only; repeat for several).",
)
@key_option
@outcome_option
@with_engagements
async def reject(
    engagements: Engagements,
    engagement_id: str,
    gate: str,
    person: str,
    reason: str,
    reopen: tuple[str, ...],
    as_json: bool,
) -> None:
    """Reject GATE: the engagement goes back with the reason recorded."""
    if len(reason) > TEXT_LIMIT:  # the decision calls it a comment; here it is --reason
        raise OnboardError(f"--reason is {len(reason):,} characters; the limit is {TEXT_LIMIT:,}")
    state = await engagements.decide(engagement_id, GateDecision(gate, person, False, reason, reopen=reopen))
    if as_json:
        print_outcome(engagements, engagement_id, "reject", state)
        return
    console.print(
        f"gate {gate!r} rejected; the reason is recorded"
        + (f"; reopened {', '.join(reopen)}" if reopen else "")
    )


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@as_option
@click.option("--note", default="", help="How and when the customer was reached.")
@key_option
@outcome_option
@with_engagements
async def contact(
    engagements: Engagements, engagement_id: str, person: str, note: str, as_json: bool
) -> None:
    """Record that the provider has contacted the customer (Initiate)."""
    await engagements.record_contact(engagement_id, models.Contact(person, note))
    if as_json:  # the engagement answers with nothing: the record is the outcome
        print_outcome(engagements, engagement_id, "contact", None)
    else:
        console.print("contact recorded; the kick-off gate opens once the plan is ready")


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("bundle")
@as_option
@key_option
@outcome_option
@with_engagements
async def reassess(
    engagements: Engagements, engagement_id: str, bundle: str, person: str, as_json: bool
) -> None:
    """Assess a new BUNDLE (a folder the workers can read); passing checks close items.

    A relative BUNDLE is resolved here, against this shell's folder, and the workers
    are sent that absolute path.  BUNDLE ``live:`` has the engagement's customer-side
    worker collect the live directory and DNS again (no shared folder needed).
    """
    if not bundle.strip():
        raise OnboardError("name the assessment bundle's folder (an empty path names nothing)")
    path = Path(bundle).expanduser()
    if bundle == LIVE_BUNDLE:
        path = Path(bundle)  # sent as it is: the customer-side worker collects it
    elif not path.is_absolute():
        path = Path.cwd() / path
        if not as_json:  # with --json, "bundle" says it
            console.print(f"bundle {bundle!r} is {path} (the workers must see that folder)")
    result = await engagements.reassess(engagement_id, models.Reassessment(person, str(path)))
    if as_json:
        print_outcome(engagements, engagement_id, "reassess", result, bundle=str(path))
        return
    console.print(
        f"assessment round {result.round}: closed {len(result.closed)} item(s)"
        + (f" ({', '.join(result.closed)})" if result.closed else "")
        + f"; {len(result.still_open)} still open"
    )


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@as_option
@click.option("--note", default="", help="What was fixed.")
@key_option
@outcome_option
@with_engagements
async def resume(engagements: Engagements, engagement_id: str, person: str, note: str, as_json: bool) -> None:
    """Resume a paused engagement, or retry a blocked one after fixing the cause."""
    if (await engagements.progress(engagement_id)).paused:
        await engagements.unpause(engagement_id, models.Unpause(person, note))
        if as_json:
            print_outcome(engagements, engagement_id, "unpause", None)
        else:
            console.print("engagement resumed: its due dates and next checkpoint moved by the pause")
        return
    await engagements.resume(engagement_id, models.Resume(person, note))
    again = await _blocked_again(engagements, engagement_id)
    if again:
        raise OnboardError(f"engagement {engagement_id!r} was resumed but is blocked again: {again}")
    if as_json:
        print_outcome(engagements, engagement_id, "resume", None)
    else:
        console.print("engagement resumed")


async def _blocked_again(engagements: Engagements, engagement_id: str, wait: float = 5.0) -> str:
    """The new reason if the retried work fails again at once ("" if not within ``wait``).

    The resume Update has completed, so the workflow task that took it has cleared the
    block and started the work again: a block seen from now on is a new one (a retry
    that fails at once can be blocked again before the first look).
    """
    deadline = asyncio.get_running_loop().time() + wait
    while asyncio.get_running_loop().time() < deadline:
        blocked = (await engagements.progress(engagement_id)).blocked
        if blocked:
            return blocked
        await asyncio.sleep(0.2)
    return ""


@click.command()
@click.argument("engagement_id", shell_complete=completion.engagement_ids)
@click.argument("item", shell_complete=completion.open_item_ids)
@as_option
@click.option("--reason", required=True, help="Why the item may stay unfixed (required; audited).")
@key_option
@outcome_option
@with_engagements
async def waive(
    engagements: Engagements, engagement_id: str, item: str, person: str, reason: str, as_json: bool
) -> None:
    """Waive remediation ITEM: it closes as waived once both parties have waived it."""
    if not reason.strip():
        raise OnboardError("--reason must say why the item may stay unfixed")
    state = await engagements.waive(engagement_id, models.Waiver(item, person, reason))
    if as_json:
        print_outcome(engagements, engagement_id, "waive", state)
    elif state.waived:
        console.print(f"{item} waived by both parties; it is closed as waived, not done")
    else:
        other = next(p for p in ("provider", "customer") if p not in state.waivers)
        console.print(f"waiver recorded; {item} closes once the {other} side waives it too")


def register(group: click.Group) -> None:
    for command in (
        start,
        reject,
        contact,
        reassess,
        resume,
        waive,
    ):
        group.add_command(command)
