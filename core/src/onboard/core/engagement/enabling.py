"""Enable: core capabilities first, then each service's steps, as the plan orders them.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.  The
engagement keeps the record of every step.  Automated steps are the engagement's
own activities; manual steps are opened by the engagement and closed by signed
Updates (:mod:`.actions`).  Engagements from before the ``signed-actions`` patch
ran each service in a child workflow (:mod:`.children`), which they still do until
their next run.
"""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import attrs
from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import rules
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.children import ServiceEnablementWorkflow
    from onboard.core.engagement.messages import RunStepInput, ServiceEnablementInput
    from onboard.core.engagement.options import ACTIVITY_RETRY, STEP_TIMEOUT, cause
    from onboard.core.models import EnableStep, EngagementSpec, EngagementState, Phase, StepKind, StepResult

CORE = "core"


class EnableSteps:
    """The Enable phase of the engagement workflow."""

    state: EngagementState
    _signed: bool
    _outbox: bool
    _work_heartbeat: timedelta
    _children: dict[str, workflow.ChildWorkflowHandle]
    _started: set[str]
    _forwards: list[asyncio.Task]
    _services_done: set[str]
    # The workflow's and the reminders' (.reminders.PeopleReminders):
    _publish: Callable[[], None]
    _enter: Callable[[Phase], Awaitable[None]]
    _announce_ready_steps: Callable[[], Awaitable[None]]

    async def _enable(self) -> None:
        s = self.state
        assert s.plan is not None
        if not s.steps:
            s.steps = rules.step_states(s.plan)
        plan = s.plan
        keys = set(plan.service_keys())

        # Automated steps verify against the bundle assessed last, not the first one.
        spec = attrs.evolve(s.spec, bundle=s.bundle)

        async def enable(service: str, after: tuple[str, ...]) -> None:
            await workflow.wait_condition(lambda: all(a in self._services_done for a in after))
            steps = plan.steps_for(service)
            handle = None
            if steps and (service == CORE or self._signed):
                # Core capabilities come first and alone: they run here, so nothing
                # waits on a round trip to another workflow before the services start.
                # Signed engagements run every service's steps here: an activity's
                # result cannot be forged from outside, a signal between workflows can.
                self._started.add(service)
                rules.refresh_steps(s, self._started)
                self._publish()
                await asyncio.gather(
                    *(self._run_automated(spec, step) for step in steps if step.kind is StepKind.AUTOMATED)
                )
            elif steps:
                handle = await workflow.start_child_workflow(
                    ServiceEnablementWorkflow.run,
                    ServiceEnablementInput(workflow.info().workflow_id, spec, service, steps),
                    id=f"{workflow.info().workflow_id}.enable.{service}",
                )
                self._children[service] = handle
                self._started.add(service)
                rules.refresh_steps(s, self._started)
                self._publish()
            # Services that come after start once every step is done here; a child's
            # own completion (a server round trip later) is awaited last.
            await workflow.wait_condition(lambda: all(s.steps[st.id].status == "done" for st in steps))
            self._services_done.add(service)
            s.history.append(f"{workflow.now().isoformat()} enabled {service}")
            if handle is not None:
                await handle

        announcing = asyncio.create_task(self._announce_ready_steps()) if self._outbox else None
        await asyncio.gather(
            *(
                enable(info.key, tuple(a for a in info.after if a in keys and a != info.key))
                for info in plan.services
            )
        )
        if announcing is not None:
            announcing.cancel()
        for failure in await asyncio.gather(*self._forwards, return_exceptions=True):
            if isinstance(failure, BaseException):  # the child had ended; the step is recorded here
                workflow.logger.warning("attestation not delivered to its service workflow: %s", failure)
        await self._enter(Phase.COMPLETED)

    async def _run_automated(self, spec: EngagementSpec, step: EnableStep) -> None:
        """A core automated step, in this workflow: wait for its dependencies, run it."""
        s = self.state
        await workflow.wait_condition(lambda: all(s.steps[d].status == "done" for d in step.depends_on))
        state = s.steps[step.id]
        state.status = "running"
        self._publish()
        try:
            result: StepResult = await workflow.execute_activity_method(
                EngagementActivities.run_step,
                RunStepInput(spec, step, f"{workflow.info().workflow_id}/{step.id}"),
                task_queue=spec.collector_queue or None,  # steps read the customer's environment
                start_to_close_timeout=STEP_TIMEOUT,
                heartbeat_timeout=self._work_heartbeat,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as err:
            result = StepResult(False, f"automation failed: {cause(err)}")
        state.at = workflow.now()
        if result.ok:
            state.status, state.by = "done", "automation"
            state.evidence = f"{result.summary} {result.evidence}".strip()
        else:  # a person confirms it instead (onboard complete)
            state.status, state.evidence = "awaiting", f"automation could not confirm it: {result.summary}"
        rules.refresh_steps(s, self._started)
        self._publish()
