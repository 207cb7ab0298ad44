"""The digest's one activity: list the waiting engagements, ask each, notify each person.

It needs a Temporal client (to list and query), so the worker builds
:class:`DigestActivities` with its own client, beside the engagement activities.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

import structlog
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.digest import build
from onboard.core.digest.messages import DigestRequest, DigestResult, DigestSent
from onboard.core.engagement.activities import PluginActivities, call_each_once, while_heartbeating
from onboard.core.errors import OnboardError
from onboard.core.listing import list_query
from onboard.core.models import EngagementStatus, Notification
from onboard.core.plugins import ServicePluginManager
from temporalio import activity
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError

log = structlog.get_logger(__name__)

#: How long one engagement may take to answer its status query before it is skipped.
QUERY_TIMEOUT = timedelta(seconds=10)
#: Engagements asked at once: enough to be quick, few enough not to crowd the workers.
PARALLEL_QUERIES = 8
#: Visibility page size; every page is read (there is no cap on engagements).
PAGE_SIZE = 200


def waiting_query(task_queue: str) -> str:
    """Running engagements on ``task_queue`` that wait for anyone.

    Every waiting engagement has a ``party:…`` value in ``OnboardAwaiting`` (see
    :func:`onboard.core.engagement.rules.awaiting`), so this finds them all.
    """
    parties = ", ".join(f"'party:{p}'" for p in ("provider", "customer"))
    queue = "'" + task_queue.replace("\\", "\\\\").replace("'", "\\'") + "'"
    return f"{list_query()} AND {sa.AWAITING.name} IN ({parties}) AND TaskQueue = {queue}"


class DigestActivities(PluginActivities):
    """The digest activity, bound to the worker's client and plugin manager."""

    def __init__(self, client: Client, manager: ServicePluginManager | None = None) -> None:
        super().__init__(manager)
        self._client = client

    def all(self) -> list[Callable]:
        return [self.send_digests]

    @activity.defn
    async def send_digests(self, request: DigestRequest) -> DigestResult:
        """Build today's digests from every waiting engagement and deliver each.

        A retry (the worker died, a sink raised) builds them again from the
        engagements as they are then and hands them to the sinks again; the ids
        are the same all day, and the sinks that already delivered one are not
        called again for it (heartbeat details), so nobody gets a digest twice.
        """
        try:
            zone = ZoneInfo(request.time_zone)
        except (KeyError, ValueError) as exc:
            raise ApplicationError(
                f"unknown time zone {request.time_zone!r}", type="OnboardError", non_retryable=True
            ) from exc
        day = request.at.astimezone(zone).strftime("%Y-%m-%d")
        task_queue = request.task_queue or activity.info().task_queue
        # What an earlier attempt delivered: "<notice id> <sink>" pairs, kept in every
        # heartbeat of this attempt too, so that a third attempt still knows them.
        details = activity.info().heartbeat_details
        done: list[str] = list(details[0]) if details else []
        statuses, skipped = await while_heartbeating(self._statuses(task_queue), done)
        built = build.digests(statuses, request.at, day, request.run_id or activity.info().workflow_id)
        await self._deliver_all([d.notice for d in built], done)
        sent = [
            DigestSent(
                d.notice.id, d.notice.recipients[0].id, d.notice.recipients[0].email, d.things, d.engagements
            )
            for d in built
        ]
        log.info("digests", day=day, engagements=len(statuses), digests=len(sent), skipped=len(skipped))
        return DigestResult(day, len(statuses), sent, skipped)

    async def _statuses(self, task_queue: str) -> tuple[list[EngagementStatus], list[str]]:
        """The status of every waiting engagement; those that cannot answer are skipped."""
        query = waiting_query(task_queue)
        try:
            ids = [
                wf.id
                async for wf in self._client.list_workflows(
                    query, page_size=PAGE_SIZE, rpc_timeout=QUERY_TIMEOUT
                )
            ]
        except RPCError as exc:
            raise ApplicationError(f"cannot list engagements: {exc.message}", type="OnboardError") from exc
        engagements = Engagements(self._client, task_queue, timeout=QUERY_TIMEOUT)
        gate = asyncio.Semaphore(PARALLEL_QUERIES)

        async def one(engagement_id: str) -> EngagementStatus | str:
            async with gate:
                try:
                    return await engagements.status(engagement_id)
                except OnboardError as exc:  # stuck, finished meanwhile, no worker: next time
                    log.warning("digest_skipped", engagement=engagement_id, reason=str(exc))
                    return f"{engagement_id}: {exc}"

        answers = await asyncio.gather(*(one(i) for i in dict.fromkeys(ids)))
        return [a for a in answers if not isinstance(a, str)], [a for a in answers if isinstance(a, str)]

    async def _deliver_all(self, notices: list[Notification], done: list[str]) -> None:
        """Every notice through every ``notify`` hook, as the engagement's notify activity
        does: the (notice, sink) pairs served are kept in the heartbeat details, so a
        retry calls only the sinks that failed or were not reached."""
        errors = []
        for notice in notices:
            failed = await call_each_once(self.manager, "notify", done, f"{notice.id} ", notification=notice)
            errors += [f"{notice.id}: {error}" for error in failed]
        if errors:
            raise ApplicationError("; ".join(errors), type="PluginHookError")
