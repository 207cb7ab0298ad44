"""A workflow whose first use of a state model is inside the sandbox (see test_models_lazy)."""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core import models


@workflow.defn
class LazyModelsProbe:
    @workflow.run
    async def run(self) -> list[str]:
        # Nothing has asked for the state's models before: the state module loads here.
        progress = models.EngagementProgress
        return [progress.__module__, str(id(progress)), str(id(models.Phase))]
