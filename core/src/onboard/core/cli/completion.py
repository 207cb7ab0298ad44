"""Shell completion of engagement ids, gate ids and item/step ids.

click completes commands and options by itself (``_ONBOARD_COMPLETE=bash_source
onboard``, see docs/completion.md); these functions complete the *values* an
approver would otherwise copy from ``onboard list`` and ``onboard show``.  Pass
them as ``shell_complete=`` to a ``click.argument`` or ``click.option``::

    @click.argument("engagement_id", shell_complete=completion.engagement_ids)
    @click.argument("gate", shell_complete=completion.gate_ids)
    @click.argument("item", shell_complete=completion.completable_ids)

Engagement ids come from one visibility listing, items and steps from the
engagement's ``status`` query, each bounded by :data:`TIMEOUT` (or the command's
own ``--timeout`` if shorter) and silent on any failure: a shell that cannot
reach Temporal completes nothing, and never prints an error into the prompt.
The connection is the command's own (``--address``, ``--namespace``, a profile
or ``TEMPORAL_*``, as typed so far on the command line).
"""

from __future__ import annotations  # EngagementStatus: see TYPE_CHECKING below

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem, split_arg_string
from onboard.core.models import StepKind

if TYPE_CHECKING:  # the state's models load only where a status is asked for
    from onboard.core.models import EngagementStatus

#: Seconds a completion may wait for Temporal before it gives up (silently).
TIMEOUT = float(os.environ.get("ONBOARD_COMPLETE_TIMEOUT", "2"))
#: At most this many engagement ids are offered.
LIMIT = 200
_CONNECTION_FIELDS = (
    "address",
    "namespace",
    "profile",
    "config_file",
    "api_key",
    "tls",
    "tls_cert",
    "tls_key",
    "tls_ca",
)


def engagement_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Running engagements whose id starts with ``incomplete`` (described by customer and phase)."""
    return _complete(ctx, lambda client, deadline: _engagements(client, deadline, incomplete, running=True))


def any_engagement_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Engagements, finished ones too (``show``, ``audit``, ``report``): running first."""
    return _complete(ctx, lambda client, deadline: _engagements(client, deadline, incomplete, running=False))


def gate_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The engagement gates, in phase order (no server needed)."""
    from onboard.core.gates import GATES  # here: their definitions are models of the plan

    return [CompletionItem(g.id, help=g.title) for g in GATES if g.id.startswith(incomplete)]


def then_next_argument(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """For ``ID [ID]... NEXT`` (``approve``, ``complete``): the word after the first id may
    be NEXT (a gate, an item) or one more engagement id, so both are offered, NEXT first."""
    arguments = [p for p in ctx.command.params if isinstance(p, click.Argument)]
    after = arguments[arguments.index(param) + 1 :]  # type: ignore[arg-type]
    offered = after[0].shell_complete(ctx, incomplete) if after else []
    return [*offered, *engagement_ids(ctx, param, incomplete)]


def open_item_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """The engagement's open remediation items (``waive``, ``due``)."""
    return _from_status(ctx, incomplete, lambda s: _items(s, closed=False))


def item_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Every remediation item of the engagement, closed ones too (``reject --reopen``)."""
    return _from_status(ctx, incomplete, lambda s: _items(s, closed=None))


def completable_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """What ``complete`` takes: open items, then manual enable steps awaiting attestation."""
    return _from_status(ctx, incomplete, lambda s: [*_items(s, closed=False), *_steps(s, awaiting_only=True)])


def subject_ids(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Every item and enable step of the engagement (``show ID SUBJECT``)."""
    return _from_status(ctx, incomplete, lambda s: [*_items(s, closed=None), *_steps(s, awaiting_only=False)])


# ---------------------------------------------------------------------------


def _items(status: EngagementStatus, closed: bool | None) -> list[CompletionItem]:
    return [
        CompletionItem(i.item.id, help=f"{i.item.title} ({'closed' if i.closed else i.item.owner.value})")
        for i in status.state.items
        if closed is None or i.closed is closed
    ]


def _steps(status: EngagementStatus, awaiting_only: bool) -> list[CompletionItem]:
    return [
        CompletionItem(s.step.id, help=f"{s.step.title} ({s.status})")
        for s in status.state.steps.values()
        if not awaiting_only or (s.step.kind is StepKind.MANUAL and s.status == "awaiting")
    ]


def _from_status(
    ctx: click.Context, incomplete: str, pick: Callable[[EngagementStatus], Iterable[CompletionItem]]
) -> list[CompletionItem]:
    engagement_id = ctx.params.get("engagement_id") or _typed_engagement_id(ctx)
    if not engagement_id:
        return []

    async def ask(client: Any, deadline: timedelta) -> list[CompletionItem]:
        from onboard.core.workflow_api import query_answer  # names: no workflow code to import

        status = await client.get_workflow_handle(engagement_id).query(
            "status", result_type=query_answer("status"), rpc_timeout=deadline
        )
        return [c for c in pick(status) if c.value.startswith(incomplete)]

    return _complete(ctx, ask)


def _typed_engagement_id(ctx: click.Context) -> str | None:
    """The first argument typed after the command, read from the shell's ``COMP_WORDS``.

    click leaves the arguments unparsed when the word being completed is an
    option's value (``onboard reject ID GATE --reopen <TAB>``), so the id is read
    from the command line the shell passed, skipping options and their values.
    """
    typed = split_arg_string(os.environ.get("COMP_WORDS", ""))
    # After the command's own name (global options such as -v may come before it).
    words = typed[typed.index(ctx.info_name) + 1 :] if ctx.info_name in typed else []
    with_value = {
        name
        for p in ctx.command.params
        if isinstance(p, click.Option) and not p.is_flag and not p.count
        for name in p.opts
    }
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
        elif word.startswith("-"):
            skip_next = word in with_value  # "--address=X" carries its value
        else:
            return word
    return None


async def _engagements(
    client: Any, deadline: timedelta, incomplete: str, running: bool
) -> list[CompletionItem]:
    from onboard.core.workflow_api import MEMO_KEY

    query = "WorkflowType = 'EngagementWorkflow'"
    if incomplete:
        query += f" AND WorkflowId STARTS_WITH {_quote(incomplete)}"
    found: dict[str, CompletionItem] = {}
    later: dict[str, CompletionItem] = {}
    async for wf in client.list_workflows(query, limit=LIMIT * 4, rpc_timeout=deadline):
        if wf.id in found or wf.id in later:
            continue  # an older run of the same engagement (continue-as-new)
        is_running = wf.status is not None and wf.status.name == "RUNNING"
        if running and not is_running:
            continue
        memo = await wf.memo_value(MEMO_KEY, default=None)
        customer = memo.get("customer") if isinstance(memo, dict) else None
        phase = memo.get("phase") if isinstance(memo, dict) else None
        described = ", ".join(str(x) for x in (customer, phase) if x)
        item = CompletionItem(wf.id, help=described if is_running else f"{described} (closed)".lstrip(", "))
        (found if is_running else later)[wf.id] = item
        if len(found) + len(later) >= LIMIT:
            break
    return [*found.values(), *later.values()]


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _deadline(ctx: click.Context) -> timedelta:
    given = ctx.params.get("timeout")
    return timedelta(seconds=min(TIMEOUT, given) if isinstance(given, int | float) else TIMEOUT)


def _complete(
    ctx: click.Context, ask: Callable[[Any, timedelta], Awaitable[list[CompletionItem]]]
) -> list[CompletionItem]:
    """Connect as the command would and run ``ask(client)``, within the deadline; [] on any failure."""
    from onboard.core.connection import ConnectionOptions, connect

    deadline = _deadline(ctx)
    options = ConnectionOptions(
        **{name: ctx.params.get(name) for name in _CONNECTION_FIELDS}, timeout=deadline.total_seconds()
    )

    async def run() -> list[CompletionItem]:
        return await ask(await connect(options), deadline)

    async def bounded() -> list[CompletionItem]:
        return await asyncio.wait_for(run(), deadline.total_seconds())

    try:
        return asyncio.run(bounded())
    except (Exception, asyncio.CancelledError):  # never loudly: no server, no worker, no such id
        return []
