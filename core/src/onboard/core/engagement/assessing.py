"""Assessments and activities with a person as the fallback.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`: the
first assessment, the re-assessments and scope changes people queue (run by the
phase code between its waits, in the order asked), and :meth:`_activity`, which
blocks the engagement for a provider's ``resume`` when an activity fails for good.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import notices, rules, timeline
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import AssessInput, AssessOutcome, ReassessResult, assessed_part
    from onboard.core.engagement.options import ACTIVITY_RETRY, ASSESS_TIMEOUT, cause
    from onboard.core.models import (
        EngagementState,
        Notification,
        Plan,
        PlanChange,
        Reassessment,
        Resume,
        ScopeChange,
    )


class Assessments:
    """Running assessments and taking their results into the state."""

    state: EngagementState
    _signed: bool
    _timeline: bool
    _business_days: bool  # the business-days patch
    _slim: bool  # the slim-histories patch
    _work_heartbeat: timedelta | None
    _bundles: list[tuple[int, Reassessment | ScopeChange]]
    _reassessed: dict[int, ReassessResult | PlanChange | str]
    _resume: Resume | None
    _publish: Callable[[], None]
    _send: Callable[[Notification], Awaitable[None]]
    _rescope: Callable[[ScopeChange], Awaitable[PlanChange | str]]

    async def _run_assessment(self, bundle: str) -> ReassessResult:
        s = self.state
        assert s.plan is not None
        outcome: AssessOutcome = await self._activity(
            "assessing the bundle",
            EngagementActivities.assess,
            AssessInput(s.spec, self._assessed_part(s.plan), bundle),
            timeout=ASSESS_TIMEOUT,
            heartbeat=self._work_heartbeat,
            task_queue=s.spec.collector_queue or None,
        )
        return self._take_assessment(bundle, outcome)

    def _assessed_part(self, plan: Plan) -> Plan:
        return assessed_part(plan) if self._slim else plan

    def _take_assessment(self, bundle: str, outcome: AssessOutcome) -> ReassessResult:
        s = self.state
        s.bundle = bundle
        closed = rules.merge_assessment(
            s, outcome.findings, outcome.items, workflow.now(), reopen_failing=self._signed
        )
        if self._timeline:
            timeline.propose(s, workflow.now(), business_days=self._business_days)
        rules.refresh_gates(s)
        self._publish()
        return ReassessResult(
            s.assessment_round, tuple(closed), tuple(i.item.id for i in rules.open_items(s))
        )

    async def _run_pending_assessments(self) -> None:
        """Re-assessments, in the order asked; a failure is its caller's, not the engagement's."""
        s = self.state
        assert s.plan is not None
        while self._bundles:
            ticket, request = self._bundles[0]
            if isinstance(request, ScopeChange):
                self._reassessed[ticket] = await self._rescope(request)
                self._bundles.pop(0)
                continue
            try:
                outcome: AssessOutcome = await workflow.execute_activity_method(
                    EngagementActivities.assess,
                    AssessInput(s.spec, self._assessed_part(s.plan), request.bundle, reassessment=True),
                    task_queue=s.spec.collector_queue or None,  # the customer-side worker, if any
                    start_to_close_timeout=ASSESS_TIMEOUT,
                    heartbeat_timeout=self._work_heartbeat,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                self._reassessed[ticket] = cause(err)
            else:
                self._reassessed[ticket] = self._take_assessment(request.bundle, outcome)
            self._bundles.pop(0)

    # -- activities with a person as the fallback --------------------------------

    async def _activity(
        self,
        what: str,
        method,
        arg,
        *,
        timeout: timedelta,
        heartbeat: timedelta | None = None,
        task_queue: str | None = None,
    ):
        """Run an activity; if it fails for good, block and wait for a provider's resume."""
        s = self.state
        while True:
            try:
                return await workflow.execute_activity_method(
                    method,
                    arg,
                    task_queue=task_queue,
                    start_to_close_timeout=timeout,
                    heartbeat_timeout=heartbeat,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                s.blocked = f"{what} failed: {cause(err)}"
                rules.refresh_gates(s)
                self._publish()
                workflow.logger.warning("engagement blocked: %s", s.blocked)
                await self._send(notices.blocked(s, s.blocked))
                await workflow.wait_condition(lambda: self._resume is not None)
                self._resume = None
                s.blocked = ""
                rules.refresh_gates(s)
                self._publish()
