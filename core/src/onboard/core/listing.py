"""``onboard list``: one row per engagement from visibility alone, with no call per row.

Each continue-as-new leaves a closed run behind (status ``ContinuedAsNew``), so a
query over every run lists an engagement once per phase.  Engagement ids are never
reused (``REJECT_DUPLICATE``), so the latest run of each engagement is exactly the
one that did not continue as new: that is the query for ``--all``, and
``ExecutionStatus = 'Running'`` the one for running engagements.  Rows are still
deduplicated by id, first seen kept (visibility lists the newest first): for a
moment after a continue-as-new both runs may show as running, and a reset, or a new
start under the same id after a termination (a raw client can choose to), leaves a
closed run beside the latest; the row names that run's status in ``replaced``.

The columns come from the memo each run keeps (``engagement.summary``: customer,
open and overdue items, escalations, when it began); visibility returns it with
every row.  A run from before the memo falls back to the search attributes, and the
memo's columns are then None (``—`` in the table).
"""

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import attrs
from attrs import frozen
from onboard.core import search_attributes as sa
from onboard.core.errors import OnboardError
from onboard.core.workflow_api import MEMO_KEY, MEMO_VERSION
from temporalio.api.workflow.v1 import WorkflowExecutionInfo
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest, ListWorkflowExecutionsResponse
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import SearchAttributeKey
from temporalio.converter import PayloadConverter
from temporalio.service import RPCError

#: Rows asked for per visibility page.  A server sends at most its
#: ``frontend.visibilityMaxPageSize`` (1,000 unless configured) whatever is asked;
#: ``DevServer`` raises that to this, because the dev server's SQLite costs some
#: 30 ms a page besides its time per row.  Not larger: the next page is asked for
#: while this one is decoded (:func:`_runs`), and with 10,000 rows in one page the
#: CLI has nothing to decode while the server builds it (benchmarks/README.md, "scale").
PAGE_SIZE = 2500
#: Set by the server on a run whose workflow task has failed several times in a row.
REPORTED_PROBLEMS = SearchAttributeKey.for_keyword_list("TemporalReportedProblems")
RUNNING = WorkflowExecutionStatus.RUNNING.value


@frozen
class EngagementSummary:
    """One row of ``onboard list``: the engagement's latest run.

    The fields after ``started`` come from the run's memo; None where the run has
    none (an engagement from before it, or a memo of another layout).
    """

    engagement_id: str
    status: str  # running, completed, failed, terminated, canceled, timed_out
    phase: str
    tenant: str
    services: tuple[str, ...]
    awaiting: tuple[str, ...]  # nobody once the run has ended
    started: datetime | None  # when the engagement began (its first run)
    customer: str | None = None
    open_items: int | None = None
    open_blockers: int | None = None
    overdue_items: int | None = None  # as of updated_at, and at least 1 once next_due is past
    next_due: datetime | None = None
    escalations: int | None = None
    blocked: str | None = None  # why an activity failed for good ("" when not blocked)
    undelivered: int | None = None
    updated_at: datetime | None = None  # when the engagement last published its memo
    run_id: str = ""
    reported_problems: tuple[str, ...] = ()  # Temporal's TemporalReportedProblems
    replaced: tuple[str, ...] = ()  # statuses of other runs under this id that ended (terminated, …)
    stuck: str = ""  # why its workflow task keeps failing (filled in by the CLI)


def list_query(
    *,
    awaiting: str | None = None,
    party: str | None = None,
    phase: str | None = None,
    tenant: str | None = None,
    running_only: bool = True,
) -> str:
    """The visibility query: the latest run of each matching engagement (values quoted safely).

    ``awaiting`` and ``party`` imply running: an engagement that has ended awaits nobody.
    """
    clauses = ["WorkflowType = 'EngagementWorkflow'"]
    if running_only or awaiting or party:
        clauses.append("ExecutionStatus = 'Running'")
    else:
        clauses.append("ExecutionStatus != 'ContinuedAsNew'")
    if awaiting:
        clauses.append(f"{sa.AWAITING.name} = {quote(awaiting)}")
    if party:
        clauses.append(f"{sa.AWAITING.name} = {quote('party:' + party)}")
    if phase:
        clauses.append(f"{sa.PHASE.name} = {quote(phase)}")
    if tenant:
        clauses.append(f"{sa.TENANT.name} = {quote(tenant)}")
    return " AND ".join(clauses)


def quote(value: str) -> str:
    """A string literal for a visibility query."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


async def list_engagements(
    client: Client, query: str, *, limit: int | None, timeout: Any = None
) -> list[EngagementSummary]:
    """Every engagement ``query`` matches, one row each, page after page (at most ``limit``)."""
    rows: dict[str, EngagementSummary] = {}
    page_size = PAGE_SIZE if limit is None else max(1, min(PAGE_SIZE, limit))
    now = datetime.now(UTC)
    values: dict[bytes, Any] = {}  # search attribute values seen, by their JSON (see _attribute)
    try:
        # Closed at once on a break, so that the page asked for ahead does not linger.
        async with contextlib.aclosing(_runs(client, query, page_size, timeout)) as runs:
            async for info in runs:
                engagement_id = info.execution.workflow_id
                if engagement_id in rows:  # an older run seen after the latest one
                    if info.status != RUNNING:  # (running: a continue-as-new in flight)
                        kept = rows[engagement_id]
                        rows[engagement_id] = attrs.evolve(kept, replaced=(*kept.replaced, _status(info)))
                    continue
                rows[engagement_id] = summarize(info, await _memo(client, info), now, values)
                if limit is not None and len(rows) >= limit:
                    break
    except RPCError as exc:
        raise OnboardError(f"cannot list engagements: {exc.message}") from exc
    return list(rows.values())


async def _runs(
    client: Client, query: str, page_size: int, timeout: Any
) -> AsyncIterator[WorkflowExecutionInfo]:
    """The runs ``query`` matches, as visibility sends them.

    Not ``client.list_workflows``: it decodes every search attribute of every run twice
    (typed and untyped), some 1.2 s of CPU for 10,000 engagements, where a row needs
    four of them (:func:`summarize`).  The next page is asked for before this one's
    rows are handed out: the server (whose time is per row, not per page) builds it
    while the caller decodes these, instead of each waiting for the other.
    """

    def ask(token: bytes) -> "asyncio.Task[ListWorkflowExecutionsResponse]":
        request = ListWorkflowExecutionsRequest(
            namespace=client.namespace, query=query, page_size=page_size, next_page_token=token
        )
        return asyncio.ensure_future(
            client.workflow_service.list_workflow_executions(request, retry=True, timeout=timeout)
        )

    pending = ask(b"")
    try:
        while True:
            page = await pending
            token = page.next_page_token
            if token:
                pending = ask(token)
            for info in page.executions:
                yield info
            if not token:
                return
    finally:  # the caller stopped early (a --limit reached, an error): drop the page in flight
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, RPCError):
                await pending


async def count_engagements(client: Client, query: str, *, timeout: Any = None) -> int | None:
    """How many engagements ``query`` matches (None if the server cannot count)."""
    try:
        return (await client.count_workflows(query, rpc_timeout=timeout)).count
    except RPCError:
        return None


async def _memo(client: Client, info: WorkflowExecutionInfo) -> dict[str, Any] | None:
    payload = info.memo.fields.get(MEMO_KEY)
    if payload is None:
        return None
    try:
        if payload.metadata.get("encoding") == b"json/plain":  # a memo under the codec's size:
            value = json.loads(payload.data)  # the converter would do just this, less directly
        else:
            (value,) = await client.data_converter.decode([payload])
    except Exception:  # a memo someone else wrote, in a form we cannot read
        return None
    if not isinstance(value, dict) or value.get("version") != MEMO_VERSION:
        return None
    return value


def _attribute(info: WorkflowExecutionInfo, key: SearchAttributeKey, seen: dict[bytes, Any]) -> Any:
    """One search attribute's value (None when the run has none, or one we cannot read).

    ``seen`` holds the values decoded so far by their JSON: thousands of engagements
    share a handful of phases, tenants and service lists, so most rows decode none.
    """
    payload = info.search_attributes.indexed_fields.get(key.name)
    if payload is None:
        return None
    try:
        if payload.metadata.get("encoding") == b"json/plain":  # how the SDKs write them: the quick way
            data = payload.data
            if data not in seen:
                value = json.loads(data)
                # Frozen, so that rows sharing a value cannot change one another's.
                seen[data] = tuple(value) if isinstance(value, list) else value
            return seen[data]
        return PayloadConverter.default.from_payloads([payload])[0]
    except Exception:
        return None


def summarize(
    info: WorkflowExecutionInfo,
    memo: dict[str, Any] | None,
    now: datetime,
    seen: dict[bytes, Any] | None = None,
) -> EngagementSummary:
    """The row for one run: its memo where it has one, else its search attributes.

    ``seen``: search attribute values already decoded (:func:`_attribute`), shared
    by the rows of one listing.
    """
    seen = {} if seen is None else seen
    running = info.status == RUNNING
    run_id = info.execution.run_id
    first_run = info.first_run_id == run_id  # its start is the engagement's
    base = {
        "engagement_id": info.execution.workflow_id,
        "status": _status(info),
        "phase": _attribute(info, sa.PHASE, seen) or "",
        "tenant": _attribute(info, sa.TENANT, seen) or "",
        "services": tuple(_attribute(info, sa.SERVICES, seen) or ()),
        "awaiting": tuple(_attribute(info, sa.AWAITING, seen) or ()) if running else (),
        "started": info.start_time.ToDatetime(tzinfo=UTC) if first_run else None,
        "run_id": run_id,
        "reported_problems": tuple(_attribute(info, REPORTED_PROBLEMS, seen) or ()),
    }
    if memo is None:
        return EngagementSummary(**base)
    next_due = _when(memo.get("next_due"))
    overdue = _count(memo.get("overdue_items"))
    if overdue is not None and next_due is not None and next_due < now:
        overdue = max(overdue, 1)  # it fell due since the engagement last published
    return EngagementSummary(
        **{
            **base,
            "phase": str(memo.get("phase") or base["phase"]),
            "tenant": str(memo.get("tenant") or base["tenant"]),
            "awaiting": tuple(str(p) for p in memo.get("awaiting") or ()) if running else (),
            "started": _when(memo.get("started_at")) or base["started"],
        },
        customer=str(memo["customer"]) if memo.get("customer") is not None else None,
        open_items=_count(memo.get("open_items")),
        open_blockers=_count(memo.get("open_blockers")),
        overdue_items=overdue,
        next_due=next_due,
        escalations=_count(memo.get("escalations")),
        blocked=str(memo.get("blocked") or ""),
        undelivered=_count(memo.get("undelivered")),
        updated_at=_when(memo.get("updated_at")),
    )


def _status(info: WorkflowExecutionInfo) -> str:
    return WorkflowExecutionStatus(info.status).name.lower() if info.status else "unknown"


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    return at if at.tzinfo else at.replace(tzinfo=UTC)
