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
"""

import json
from pathlib import Path

from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, workflow_runner
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

DEFECTS = Path(__file__).parent / "known_defects"


async def test_an_update_sequenced_after_an_activity_result_still_fails_to_replay():
    path = DEFECTS / "update-sequenced-after-activity.json"
    history = WorkflowHistory.from_json("chaos-845444-15", json.loads(path.read_text()))
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None, "fixed upstream: see this module's docstring"
    assert "Update machine does not handle this event" in str(result.replay_failure)
