"""The audit journal loop, and letting what is in flight land before a new run.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`: the
journal loop copies each chained audit record to the ``record_audit`` journal
outside Temporal (:mod:`onboard.core.journal`), in order, and never stops the
engagement when the journal is down (``onboard show`` says it lags).
"""

import contextlib
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import JournalBatch
    from onboard.core.engagement.options import (
        ACTIVITY_RETRY,
        JOURNAL_RETRY_AFTER,
        JOURNAL_TIMEOUT,
        cause,
    )
    from onboard.core.models import EngagementState
    from onboard.core.trust import chain

#: How long a run waits for its notices and journal before continuing as new.
SETTLE_BEFORE_NEW_RUN = timedelta(seconds=30)


class AuditJournaling:
    """The journal loop and the wait before continuing as new."""

    state: EngagementState
    _outbox: bool
    _signed: bool
    _light_heartbeat: timedelta | None

    async def _settle(self) -> None:
        """Before continuing as new: let the notices and journal records in flight land
        (a bounded wait: what is still pending is carried on and sent by the next run)."""
        if not self._outbox:
            return
        s = self.state
        # What is pending now, not what people add meanwhile (that is the next run's).
        notices = {n.id for n in s.outbox}
        last = max((r.seq for r in s.audit), default=0) if self._signed else 0
        with contextlib.suppress(TimeoutError):
            await workflow.wait_condition(
                lambda: s.journaled >= last and not any(n.id in notices for n in s.outbox),
                timeout=SETTLE_BEFORE_NEW_RUN,
                timeout_summary="notices and journal before the next run",
            )

    async def _journal_loop(self) -> None:
        """Copy each chained audit record to the journal outside Temporal, in order."""
        s = self.state
        while True:
            await workflow.wait_condition(lambda: chain.has_unjournaled(s))
            batch = chain.unjournaled(s)
            try:
                upto: int = await workflow.execute_activity_method(
                    EngagementActivities.journal,
                    JournalBatch(workflow.info().workflow_id, batch),
                    start_to_close_timeout=JOURNAL_TIMEOUT,
                    heartbeat_timeout=self._light_heartbeat,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                # The engagement goes on; `onboard show` says the journal lags.
                s.journal_problem = (
                    f"audit journal unreachable since {workflow.now().isoformat()}: {cause(err)}"
                )
                workflow.logger.warning("%s", s.journal_problem)
                await workflow.sleep(JOURNAL_RETRY_AFTER)
                continue
            s.journal_problem = ""
            s.journaled = max(s.journaled, upto)
