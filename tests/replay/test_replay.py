"""Replay recorded engagement histories with today's workflow code.

A change to workflow code that would break engagements already running (a new
activity, a reordered timer, a different command sequence) fails here.  The
histories under ``histories/`` were recorded by ``record_histories.py``.
"""

import json
from pathlib import Path

import pytest
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, workflow_runner
from onboard.core.engagement.messages import EngagementInput
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*/*.json"))


def load(path: Path) -> WorkflowHistory:
    record = json.loads(path.read_text())
    return WorkflowHistory.from_json(record["workflow_id"], record["history"])


def test_histories_are_committed():
    scenarios = {p.parent.name for p in HISTORIES}
    assert {"core-only", "ems-contoso"} <= scenarios
    types = {p.stem.split("-", 1)[1] for p in HISTORIES}
    assert types == {"EngagementWorkflow", "ServiceEnablementWorkflow"}


@pytest.mark.parametrize("path", HISTORIES, ids=lambda p: f"{p.parent.name}/{p.name}")
async def test_recorded_history_replays(path: Path):
    history = load(path)
    replayer = Replayer(workflows=WORKFLOWS, data_converter=DATA_CONVERTER, workflow_runner=workflow_runner())
    await replayer.replay_workflow(history)


@workflow.defn(name="EngagementWorkflow")
class ReorderedEngagement:
    """Today's workflow with one innocent-looking change: a timer before planning."""

    @workflow.run
    async def run(self, inp: EngagementInput) -> None:
        await workflow.sleep(1)


async def test_an_incompatible_change_fails_replay():
    path = next(p for p in HISTORIES if p.stem.endswith("EngagementWorkflow") and p.name.startswith("00"))
    history = load(path)
    replayer = Replayer(workflows=[ReorderedEngagement], data_converter=DATA_CONVERTER)
    with pytest.raises(Exception, match=r"[Nn]ondetermin"):
        await replayer.replay_workflow(history)
