"""A tiny workflow and activities for the worker tests (a module of its own, so the
workflow sandbox can re-import it without dragging pytest along)."""

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

#: What the draining activity saw, for the test to read.
DRAIN_EVENTS: list[str] = []


@activity.defn
async def greet(name: str) -> str:
    """Logs through temporalio's activity logger, as plugin activities would."""
    activity.logger.info("greeting %s", name)
    return f"hello {name}"


@activity.defn
async def drain_on_shutdown() -> str:
    """Runs until the worker shuts down, then finishes within the grace period."""
    DRAIN_EVENTS.append("started")
    await activity.wait_for_worker_shutdown()
    DRAIN_EVENTS.append("saw shutdown")
    await asyncio.sleep(0.2)  # the last bit of work the grace period allows
    DRAIN_EVENTS.append("finished")
    return "drained"


@workflow.defn
class GreetingWorkflow:
    @workflow.run
    async def run(self, name: str) -> str:
        workflow.logger.info("greeting requested for %s", name)
        return await workflow.execute_activity(greet, name, start_to_close_timeout=timedelta(seconds=10))


@workflow.defn
class DrainWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            drain_on_shutdown, start_to_close_timeout=timedelta(seconds=60)
        )


@activity.defn
async def ignore_shutdown() -> str:
    """Never finishes, not even when cancelled: only a forced exit ends its worker."""
    activity.logger.info("stubborn activity started")
    while True:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            continue


@workflow.defn
class StubbornWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(ignore_shutdown, start_to_close_timeout=timedelta(hours=1))
