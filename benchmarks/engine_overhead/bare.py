"""The bare workflow of the engine-overhead benchmark: the same Temporal work, no engine."""

import asyncio
from datetime import timedelta

from attrs import frozen
from temporalio import activity, workflow
from temporalio.common import SearchAttributeKey

AWAITING = SearchAttributeKey.for_keyword_list("OnboardAwaiting")


@frozen
class Workload:
    activities: int
    updates: int
    timers: int
    children: int
    child_activities: int
    runs: int
    #: Search-attribute upserts (the engine publishes phase and who is awaited).
    upserts: int = 0


@activity.defn
async def noop(n: int) -> int:
    return n


@workflow.defn
class BareChild:
    @workflow.run
    async def run(self, activities: int) -> int:
        for n in range(activities):
            await workflow.execute_activity(noop, n, start_to_close_timeout=timedelta(seconds=30))
        return activities


@frozen
class BareInput:
    load: Workload
    next_update: int = 0
    upserted: int = 0


@workflow.defn
class BareWorkflow:
    """Same counts, no engine: activities between updates, a timer per wait, the same
    number of continue-as-new runs (the engagement continues as new at phase
    boundaries, and the server takes about a second to start each new run), children."""

    @workflow.init
    def __init__(self, inp: BareInput) -> None:
        self.load = inp.load
        self.received = inp.next_update
        self.ready = inp.next_update
        self.upserted = inp.upserted

    @workflow.update
    def step(self, n: int) -> int:
        self.received += 1
        self._upsert()
        return n

    def _upsert(self) -> None:
        # As many upserts as the engagement made, one per update at most (the rest at the end).
        if self.upserted < self.load.upserts:
            self.upserted += 1
            workflow.upsert_search_attributes([AWAITING.value_set([f"person-{self.upserted}"])])

    @workflow.query
    def ready_for(self) -> int:
        return self.ready

    @workflow.run
    async def run(self, inp: BareInput) -> int:
        load = inp.load
        per_gap = load.activities // max(load.updates, 1)
        per_run = -(-load.updates // max(load.runs, 1))  # updates per run, rounded up
        for n in range(inp.next_update, load.updates):
            if n > inp.next_update and n % per_run == 0:
                workflow.continue_as_new(BareInput(load, n, self.upserted))
            for i in range(per_gap + (load.activities % max(load.updates, 1) if n == 0 else 0)):
                await workflow.execute_activity(noop, i, start_to_close_timeout=timedelta(seconds=30))
            self.ready = n + 1
            if n < load.timers:
                await workflow.wait_condition(lambda n=n: self.received > n, timeout=timedelta(hours=1))
            else:
                await workflow.wait_condition(lambda n=n: self.received > n)
        while self.upserted < load.upserts:
            self._upsert()
        per_child = load.child_activities // max(load.children, 1)
        await asyncio.gather(
            *(
                workflow.execute_child_workflow(
                    BareChild.run, per_child, id=f"{workflow.info().workflow_id}.c{c}"
                )
                for c in range(load.children)
            )
        )
        return self.received
