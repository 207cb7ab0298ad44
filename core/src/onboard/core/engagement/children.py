"""The per-service Enable child workflow of engagements started before signed actions.

Signed engagements run every service's steps in the engagement itself (an activity's
result cannot be forged from outside; a signal between workflows can).  This
workflow stays so that engagements from before the ``signed-actions`` patch, and
their recorded histories, keep running and replaying: it reports each step to its
engagement by the ``step_changed`` signal and waits for forwarded attestations.
"""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import (
        RunStepInput,
        ServiceEnablementInput,
        StepAttestation,
        StepChange,
    )
    from onboard.core.engagement.options import ACTIVITY_RETRY, HEARTBEAT_TIMEOUT, STEP_TIMEOUT, cause
    from onboard.core.models import EnableStep, StepKind, StepResult


@workflow.defn
class ServiceEnablementWorkflow:
    """Runs one service's automated Enable steps, each once the steps it needs are done.

    The engagement keeps the record of every step and opens the manual ones itself;
    it forwards to this workflow the attestations an automated step waits for (and
    those of automated steps a person had to confirm). The child ends when its
    automated work is done.
    """

    @workflow.init
    def __init__(self, inp: ServiceEnablementInput) -> None:
        self._done: set[str] = set()
        self._attested: dict[str, StepAttestation] = {}

    @workflow.signal
    def attest(self, attestation: StepAttestation) -> None:
        self._attested[attestation.step] = attestation

    @workflow.run
    async def run(self, inp: ServiceEnablementInput) -> list[str]:
        own = {step.id for step in inp.steps}
        parent = workflow.get_external_workflow_handle(inp.parent_id)
        reports: list[asyncio.Task] = []

        def report(step: EnableStep, status: str, by: str = "", evidence: str = "") -> None:
            # Sent, not awaited: delivery takes a server round trip and the work goes on.
            change = StepChange(step.id, status, by, evidence, workflow.now())
            reports.append(asyncio.create_task(parent.signal("step_changed", change)))

        def finished(step_id: str) -> bool:
            return step_id in self._done or step_id in self._attested

        async def run_step(step: EnableStep) -> None:
            inside = [d for d in step.depends_on if d in own]  # core finished before we started
            await workflow.wait_condition(lambda: all(finished(d) for d in inside))
            report(step, "running")
            try:
                result: StepResult = await workflow.execute_activity_method(
                    EngagementActivities.run_step,
                    RunStepInput(inp.spec, step, f"{inp.parent_id}/{step.id}"),
                    start_to_close_timeout=STEP_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                result = StepResult(False, f"automation failed: {cause(err)}")
            if result.ok:
                self._done.add(step.id)
                report(step, "done", "automation", f"{result.summary} {result.evidence}".strip())
                return
            report(step, "awaiting", evidence=f"automation could not confirm it: {result.summary}")
            await workflow.wait_condition(lambda: step.id in self._attested)  # a person confirmed it

        await asyncio.gather(*(run_step(step) for step in inp.steps if step.kind is StepKind.AUTOMATED))
        await asyncio.gather(*reports)  # every report delivered before the child ends
        return sorted(self._done | set(self._attested))
