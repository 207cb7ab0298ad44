"""The engagement gauges: how many engagements are in each phase, blocked, and their open blockers.

A worker sets them from visibility every ``interval`` (30 s by default), so they
say what the cluster holds, not what this worker happened to run:

- ``onboard_engagements{phase}``: one count query per phase on the search
  attribute ``OnboardPhase`` (visibility cannot ``GROUP BY`` a custom attribute);
- ``onboard_engagements_blocked`` and ``onboard_open_blockers``: from the memo
  each engagement keeps (``onboard.core.engagement.summary``), read over one
  listing of the running engagements, since neither is a search attribute.

Only running engagements of this worker's task queue count.  A failed query is
logged and the gauges keep their last values (a scrape then shows the last known
numbers, not a false zero).
"""

import asyncio
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import structlog
from attrs import frozen
from onboard.core import metrics
from onboard.core import search_attributes as sa
from onboard.core.models import Phase
from onboard.core.workflow_api import MEMO_KEY
from temporalio.client import Client
from temporalio.common import MetricMeter

log = structlog.get_logger(__name__)

DEFAULT_INTERVAL = timedelta(seconds=30)
#: Each visibility call's deadline: a slow server must not pile up overlapping passes.
QUERY_TIMEOUT = timedelta(seconds=10)


@frozen
class EngagementCounts:
    """One pass over visibility: what the gauges are set to."""

    by_phase: Mapping[str, int]
    blocked: int
    open_blockers: int
    #: Running engagements listed whose memo had no summary yet (not counted above).
    without_memo: int = 0


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def running_query(task_queue: str) -> str:
    """The visibility query for the running engagements of ``task_queue``."""
    return (
        f"WorkflowType = 'EngagementWorkflow' AND ExecutionStatus = 'Running' "
        f"AND TaskQueue = {_quote(task_queue)}"
    )


async def count_engagements(client: Client, task_queue: str) -> EngagementCounts:
    """Count the running engagements of ``task_queue`` by phase, blocked, and their open blockers.

    :raises temporalio.service.RPCError: visibility did not answer.
    """
    base = running_query(task_queue)
    phases = [p.value for p in Phase]
    counted = await asyncio.gather(
        *(
            client.count_workflows(f"{base} AND {sa.PHASE.name} = {_quote(p)}", rpc_timeout=QUERY_TIMEOUT)
            for p in phases
        )
    )
    blocked = blockers = without_memo = 0
    async for execution in client.list_workflows(base, page_size=1000, rpc_timeout=QUERY_TIMEOUT):
        memo: Any = await execution.memo_value(MEMO_KEY, default=None)
        if not isinstance(memo, dict):
            without_memo += 1
            continue
        blocked += 1 if memo.get("blocked") else 0
        open_blockers = memo.get("open_blockers")
        blockers += open_blockers if isinstance(open_blockers, int) else 0
    return EngagementCounts(
        {p: c.count for p, c in zip(phases, counted, strict=True)}, blocked, blockers, without_memo
    )


class EngagementGauges:
    """Keeps the engagement gauges of one task queue current on a metric meter."""

    def __init__(
        self, client: Client, task_queue: str, meter: MetricMeter, interval: timedelta = DEFAULT_INTERVAL
    ) -> None:
        self.client = client
        self.task_queue = task_queue
        self.interval = interval
        labels = {"task_queue": task_queue}
        self._phase = meter.create_gauge(metrics.ENGAGEMENTS, metrics.DESCRIPTIONS[metrics.ENGAGEMENTS])
        self._blocked = meter.create_gauge(metrics.BLOCKED, metrics.DESCRIPTIONS[metrics.BLOCKED])
        self._blockers = meter.create_gauge(
            metrics.OPEN_BLOCKERS, metrics.DESCRIPTIONS[metrics.OPEN_BLOCKERS]
        )
        self._labels = labels
        #: The last pass that succeeded (``None`` before the first).
        self.last: EngagementCounts | None = None

    async def update(self) -> EngagementCounts:
        """One pass: query visibility and set the gauges.

        :raises temporalio.service.RPCError: visibility did not answer (gauges unchanged).
        """
        counts = await count_engagements(self.client, self.task_queue)
        for phase, count in counts.by_phase.items():
            self._phase.set(count, {**self._labels, "phase": phase})
        self._blocked.set(counts.blocked, self._labels)
        self._blockers.set(counts.open_blockers, self._labels)
        self.last = counts
        return counts

    async def run(self) -> None:
        """Update every ``interval`` until cancelled; a failed pass is logged, never raised."""
        failing = False
        while True:
            try:
                await self.update()
                if failing:
                    log.info("engagement_gauges_recovered", task_queue=self.task_queue)
                failing = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the server away for a while: keep the last values, say so once
                if not failing:
                    log.warning("engagement_gauges_failed", task_queue=self.task_queue, error=str(exc))
                failing = True
            await asyncio.sleep(self.interval.total_seconds())
