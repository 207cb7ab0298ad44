"""The engagement's outbox: every notice is queued in the state and sent in order.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.  Phase
code and Update handlers (which cannot wait for an activity) queue a notice with
:meth:`NoticeOutbox._send`; the notice loop delivers one at a time through the
``notify`` activity.  A notice gets its idempotency key when it is queued, and the
outbox is carried through continue-as-new, so a notice queued just before a run
ends is still sent, once (the sinks drop a repeated id).  A notice every channel
gave up on is recorded in ``undelivered`` and the engagement goes on; recipients
no channel reaches (the channels say so: :class:`~onboard.core.models.Reach`) are
kept in ``unreached``.

Runs from before the ``people-notices`` patch send their notices directly, as
they did, and know only the events they knew.
"""

from datetime import timedelta

import attrs
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.options import NOTIFY_RETRY, NOTIFY_TIMEOUT, cause
    from onboard.core.models import EngagementState, Notification, Reach, Undelivered

#: The patch that brought the outbox and the events that reach people.
PEOPLE_NOTICES = "people-notices"
#: Notices the state holds unsent before the oldest is given up on.
OUTBOX_LIMIT = 50
#: Undelivered notices ``onboard show`` lists (the newest).
UNDELIVERED_KEPT = 20
#: Recipients without a channel that ``onboard show`` names (the roster is smaller anyway).
UNREACHED_KEPT = 50
#: How long a finishing engagement waits for its last notices.
NOTICES_DRAIN = timedelta(minutes=10)


class NoticeOutbox:
    """Queueing and delivering notices."""

    state: EngagementState
    _outbox: bool  # the people-notices patch
    _light_heartbeat: timedelta | None

    def _stamp(self, notice: Notification) -> Notification:
        s = self.state
        s.notices += 1  # before the activity: its retries and replays carry the same id
        return attrs.evolve(notice, at=workflow.now(), id=f"{s.spec.engagement_id}/{s.notices}/{notice.kind}")

    def _queue(self, notice: Notification) -> None:
        """Queue a notice (runs with the people-notices patch only)."""
        s = self.state
        s.outbox.append(self._stamp(notice))
        while len(s.outbox) > OUTBOX_LIMIT:  # a channel down for long: keep the newest
            self._undelivered(s.outbox.pop(0), f"more than {OUTBOX_LIMIT} notices waited to be sent")

    async def _send(self, notice: Notification) -> None:
        """Queue the notice, or (runs from before the outbox) deliver it now."""
        if self._outbox:
            self._queue(notice)
            return
        stamped = self._stamp(notice)
        try:
            await self._deliver(stamped)
        except ActivityError as err:
            # A lost notification must not stop the engagement; show keeps it.
            workflow.logger.warning("notification %s not delivered: %s", notice.kind, err)
            self._undelivered(stamped, cause(err))

    async def _notice_loop(self) -> None:
        s = self.state
        while True:
            await workflow.wait_condition(lambda: bool(s.outbox))
            notice = s.outbox[0]
            try:
                await self._deliver(notice)
            except ActivityError as err:
                workflow.logger.warning("notification %s not delivered: %s", notice.id, err)
                self._undelivered(notice, cause(err))
            if s.outbox and s.outbox[0].id == notice.id:
                s.outbox.pop(0)

    async def _drain_outbox(self) -> None:
        """Before the engagement ends: give the last notices their chance."""
        if not self._outbox:
            return
        s = self.state
        try:
            await workflow.wait_condition(
                lambda: not s.outbox, timeout=NOTICES_DRAIN, timeout_summary="last notices"
            )
        except TimeoutError:
            for notice in s.outbox:
                self._undelivered(notice, "not sent before the engagement ended")

    async def _deliver(self, notice: Notification) -> None:
        reach = await workflow.execute_activity_method(
            EngagementActivities.notify,
            notice,
            start_to_close_timeout=NOTIFY_TIMEOUT,
            heartbeat_timeout=self._light_heartbeat,
            retry_policy=NOTIFY_RETRY,
        )
        if reach is not None:  # runs before channels said anything got None
            self._note_reach(reach)

    def _note_reach(self, reach: Reach) -> None:
        """Keep who the notices reach nobody for (``onboard show`` says so)."""
        s = self.state
        missed = [key for key in s.unreached if key not in reach.reached]
        missed += [key for key in reach.unreachable if key not in missed]
        s.unreached = missed[:UNREACHED_KEPT]

    def _undelivered(self, notice: Notification, reason: str) -> None:
        s = self.state
        subject = notice.subject or notice.message
        s.undelivered.append(Undelivered(notice.id, notice.kind, subject[:200], notice.at, reason[:500]))
        del s.undelivered[:-UNDELIVERED_KEPT]
