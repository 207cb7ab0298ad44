"""A workflow that records a gate's wait time as the engagement workflow would (its own
module, so the workflow sandbox can re-import it without pytest)."""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core import metrics


@workflow.defn
class GateWaitWorkflow:
    """Records one gate decision's wait, then waits a moment so that a replay would follow."""

    @workflow.run
    async def run(self, gate: str, hours: float) -> None:
        metrics.record_gate_wait(workflow.metric_meter(), gate, timedelta(hours=hours))
        # A timer makes the next workflow task replay the recording above (not counted twice).
        await workflow.sleep(timedelta(milliseconds=10))
