"""Histories that show a defect outside onboard, kept so that we notice when it is gone.

``update-sequenced-after-activity.json`` comes from the chaos test
(workers/tests/test_chaos.py): a worker killed and restarted while an Update
(``decide remediation-plan``) arrived in the same workflow task as the result of the
``assess`` activity.  The worker that took the task applied the activity result
first, so the gate was open and the Update was accepted (its request is sequenced
after event 15); replaying the same history, the SDK (temporalio 1.35.0) runs the
Update handler before the activity result and the commands no longer match: the
engagement is stuck (``onboard list`` says so; docs/operations.md, "A stuck
engagement", has the way out).  When a temporalio upgrade makes this test fail, the
defect is fixed: drop this test and the chaos test's allowance for it.

``activity-order-after-eviction.json`` comes from the scale benchmark (300
engagements, a worker caching 100, load 12), before workers applied an activation's
jobs all at once (:mod:`onboard.workers.activation_batches`).  The worker that took
pat's kick-off approval had evicted the engagement and replayed it; core merged the
quiet task before the Update's (the journal activity's result, events 48-51) into the
Update's task, the SDK ran the Update first, and the loops scheduled ``notify``,
``assess``, ``journal`` (events 59-61).  A full replay keeps the tasks apart and
schedules ``journal`` first: "Activity type of scheduled event 'notify' does not match
activity type of activity command 'journal'", on every retry.  The history was
written without the new mode, so it never replays: it stays as the record of what
the change prevents (tests/engine/test_uncached_worker.py runs the case itself).
"""

import json
from pathlib import Path

from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, workflow_runner
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

DEFECTS = Path(__file__).parent / "known_defects"


async def replay_failure(name: str, workflow_id: str) -> str:
    """Why the known defect's history fails to replay ("" once it replays)."""
    path = DEFECTS / name
    # The workflow id matters: each action's signature covers it.
    history = WorkflowHistory.from_json(workflow_id, json.loads(path.read_text()))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    return "" if result.replay_failure is None else str(result.replay_failure)


async def test_an_update_sequenced_after_an_activity_result_still_fails_to_replay():
    failure = await replay_failure("update-sequenced-after-activity.json", "chaos-845444-15")
    assert failure, "fixed upstream: see this module's docstring"
    assert "Update machine does not handle this event" in failure


async def test_a_history_merged_by_a_replaying_worker_before_the_change_still_fails():
    failure = await replay_failure("activity-order-after-eviction.json", "scale-17558b-00092")
    assert failure, "it was written by the old mode: see this module's docstring"
    assert "'notify' does not match activity type of activity command 'journal'" in failure
