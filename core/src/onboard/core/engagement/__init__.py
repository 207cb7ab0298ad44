"""The engagement: workflows (orchestration), activities (plugins, files) and rules.

Workers register :data:`WORKFLOWS` and ``EngagementActivities(manager).all()`` and
run workflows with :func:`workflow_runner`; the replayer uses the same three.
Imports are lazy so that the workflow sandbox, which re-imports the workflow module,
does not drag the activity side along.
"""

from typing import Any

#: Modules the sandbox shares with the worker instead of re-importing per run: our
#: models and rules are deterministic and side-effect free at import.
PASSTHROUGH_MODULES = (
    "onboard", "attrs", "cattrs", "pluggy", "structlog", "click", "rich", "yaml", "dns",
    "sshsig", "rfc8785", "cryptography", "platformdirs",
)  # fmt: skip


def workflow_runner() -> Any:
    """The sandboxed runner with onboard's passthrough modules."""
    from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

    return SandboxedWorkflowRunner(
        restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
    )


def __getattr__(name: str) -> Any:
    if name == "WORKFLOWS":
        from onboard.core.digest.workflow import DailyDigestWorkflow
        from onboard.core.engagement.children import ServiceEnablementWorkflow
        from onboard.core.engagement.workflows import EngagementWorkflow

        return [EngagementWorkflow, ServiceEnablementWorkflow, DailyDigestWorkflow]
    if name == "EngagementActivities":
        from onboard.core.engagement.activities import EngagementActivities

        return EngagementActivities
    if name == "EngagementWorkflow":
        from onboard.core.engagement.workflows import EngagementWorkflow

        return EngagementWorkflow
    if name == "ServiceEnablementWorkflow":
        from onboard.core.engagement.children import ServiceEnablementWorkflow

        return ServiceEnablementWorkflow
    raise AttributeError(name)
