"""An engagement whose workflow task keeps failing is reported as stuck, with the reason,
by `onboard show` and `onboard list`; deploying a worker that runs it is the way out."""

import asyncio
import json
import uuid

from onboard.core.client import Engagements
from onboard.core.engagement.messages import EngagementInput
from onboard.workers.worker import running_worker
from temporalio import workflow
from temporalio.worker import Worker

from .helpers import make_spec, wait_for
from .test_cli import onboard


@workflow.defn(name="EngagementWorkflow", sandboxed=False)
class BrokenEngagement:
    """What a bad deploy looks like to Temporal: every workflow task fails."""

    @workflow.run
    async def run(self, inp: EngagementInput) -> None:
        raise RuntimeError("date value out of range")


async def test_a_stuck_engagement_is_named_with_its_reason_and_recovers_on_a_good_worker(
    capsys,
    monkeypatch,
    address,
    client,
):
    task_queue = f"stuck-{uuid.uuid4().hex[:8]}"
    spec = make_spec()
    eid = spec.engagement_id
    engagements = Engagements(client, task_queue)
    await engagements.start(spec)
    async with Worker(client, task_queue=task_queue, workflows=[BrokenEngagement]):
        for _ in range(100):  # the first attempt fails at once; the retry is pending
            if await engagements.stuck([eid]):
                break
            await asyncio.sleep(0.1)
        code, _, err = await onboard(capsys, monkeypatch, address, "show", eid, "--timeout", "3")
        assert code == 1 and len(err.strip().splitlines()) == 1, err
        assert f"engagement '{eid}' is stuck: its workflow task has failed" in err, err
        assert "date value out of range" in err and "A stuck engagement" in err, err

        code, out, _ = await onboard(capsys, monkeypatch, address, "list", "--tenant", spec.tenant, "--json")
        rows = {r["engagement_id"]: r for r in json.loads(out)}
        assert "date value out of range" in rows[eid]["stuck"]
        code, out, _ = await onboard(capsys, monkeypatch, address, "list", "--tenant", spec.tenant)
        assert code == 0 and "STUCK" in out and f"{eid} is stuck" in out, out

    # The way out: a worker whose code runs it; the task is retried and nothing was lost.
    async with running_worker(client, task_queue=task_queue):
        await wait_for(engagements, eid, lambda s: s.state.plan is not None)
        assert await engagements.stuck([eid]) == {}
