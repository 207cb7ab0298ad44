"""Limits at the door: an action too long for the engagement to keep is refused, by name."""

import pytest
from onboard.core.client import Engagements
from onboard.core.engagement import EngagementWorkflow
from onboard.core.errors import OnboardError
from onboard.core.limits import TEXT_LIMIT
from onboard.core.models import GateDecision
from temporalio.client import WorkflowUpdateFailedError

from .helpers import KEYS
from .test_forgery import in_initiate_with_kickoff_open
from .test_gates import quiet_history_length


async def test_a_long_reason_is_refused_by_the_cli_and_by_the_engagement(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await in_initiate_with_kickoff_open(engagements)
    before = await quiet_history_length(engagements, eid)
    long = "x" * (TEXT_LIMIT + 1)
    with pytest.raises(OnboardError, match=f"field 'comment' is {TEXT_LIMIT + 1:,} characters; the limit is"):
        await engagements.decide(eid, GateDecision("kickoff", "pat", False, long))

    # Past the CLI, straight to the server: 120 KB, ten times, as in the report.
    for _ in range(10):
        signed = engagements.sign(eid, GateDecision("kickoff", "pat", False, "y" * 120_000))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await engagements.handle(eid).execute_update(
                EngagementWorkflow.decide, signed, id=signed.signature.nonce
            )
        assert "field 'comment' is 120,000 characters" in str(refused.value.cause)
    assert await quiet_history_length(engagements, eid) == before
    status = await engagements.status(eid)
    assert status.state.gates["kickoff"].rejections == []
