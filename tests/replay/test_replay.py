"""Replay recorded engagement histories with today's workflow code.

A change to workflow code that would break engagements already running (a new
activity, a reordered timer, a different command sequence) fails here.  The
histories under ``histories/`` were recorded by ``record_histories.py``.
"""

import base64
import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest
from onboard.core.codec import decompress
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import WORKFLOWS, workflow_runner
from onboard.core.engagement.lifecycle import LIFECYCLE
from onboard.core.engagement.messages import EngagementInput
from onboard.core.engagement.outbox import PEOPLE_NOTICES
from onboard.core.engagement.workflows import (
    BOUNDED_STATE,
    BUSINESS_DAYS,
    DUE_DATES,
    QUICK_HEARTBEATS,
    RUN_SUMMARY,
    SIGNED_ACTIONS,
    SLIM_HISTORIES,
    STEPS_GATHERED,
)
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer

HISTORIES = sorted((Path(__file__).parent / "histories").glob("*/*.json"))


def load(path: Path) -> WorkflowHistory:
    record = json.loads(path.read_text())
    return WorkflowHistory.from_json(record["workflow_id"], record["history"])


def test_histories_are_committed():
    scenarios = {p.parent.name for p in HISTORIES}
    assert {
        "core-only", "ems-contoso", "signed-core", "signed-ems-contoso", "heartbeats-core", "bounded-core",
        "notices-core", "gathered-core",
    } <= scenarios  # fmt: skip
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


def _decoded(path: Path) -> str:
    """Every payload's data in a history, decoded (history JSON keeps it base64, the
    codec may have compressed it)."""
    texts = []
    for event in load(path).events:
        if event.HasField("marker_recorded_event_attributes"):
            for payloads in event.marker_recorded_event_attributes.details.values():
                texts += [decompress(p).data.decode(errors="replace") for p in payloads.payloads]
        if event.HasField("workflow_execution_update_accepted_event_attributes"):
            request = event.workflow_execution_update_accepted_event_attributes.accepted_request
            texts += [decompress(p).data.decode(errors="replace") for p in request.input.args.payloads]
    return "\n".join(texts)


@pytest.mark.parametrize(
    "scenario",
    ["signed-core", "signed-ems-contoso", "heartbeats-core", "bounded-core", "notices-core", "gathered-core"],
)
def test_signed_histories_carry_the_patch_and_signatures_and_start_no_children(scenario: str):
    """What the signed-actions patch changed is in these histories, so replay guards it."""
    paths = [p for p in HISTORIES if p.parent.name == scenario]
    assert paths and all(p.stem.endswith("EngagementWorkflow") for p in paths), "no Enable children"
    decoded = "".join(_decoded(p) for p in paths)
    assert SIGNED_ACTIONS in decoded and "BEGIN SSH SIGNATURE" in decoded
    assert '"journal"' in "".join(p.read_text() for p in paths), "the audit journal activity ran"


def test_histories_from_before_signing_have_no_patch_marker():
    for path in HISTORIES:
        if path.parent.name in ("core-only", "ems-contoso"):
            assert SIGNED_ACTIONS not in _decoded(path), f"{path} is from before the patch"


def test_each_patch_is_in_the_histories_recorded_since_it_came():
    for path in HISTORIES:
        decoded = _decoded(path)
        scenario = path.parent.name
        since = (
            "heartbeats-core",
            "bounded-core",
            "notices-core",
            "gathered-core",
            "timeline-core",
            "lifecycle-core",
            "cancelled-core",
            "roster-core",
            "scope-core",
            "closed-core",
            "business-core",
            "slim-ems",
            "slim-long-core",
            "all-jobs-first-core",
        )
        assert (QUICK_HEARTBEATS in decoded) is (scenario in since), path
        assert (BOUNDED_STATE in decoded) is (scenario in since[1:]), path
        assert (PEOPLE_NOTICES in decoded) is (scenario in since[2:]), path
        assert (STEPS_GATHERED in decoded) is (scenario in since[3:]), path
        assert (DUE_DATES in decoded) is (scenario in since[4:]), path
        assert (RUN_SUMMARY in decoded) is (scenario in since[4:]), path
        assert (LIFECYCLE in decoded) is (scenario in since[5:]), path
        assert (BUSINESS_DAYS in decoded) is (scenario in since[10:]), path
        assert (SLIM_HISTORIES in decoded) is (scenario in since[11:]), path
        assert (ALL_JOBS_FIRST_FLAG in lang_flags(path)) is (scenario in since[13:]), path


#: temporalio's workflow-logic flag for applying an activation's jobs together, as
#: recorded in the tasks' SDK metadata (``onboard.workers.activation_batches.FLAG``;
#: not imported: this module defines a workflow, so the sandbox imports it).
ALL_JOBS_FIRST_FLAG = 2


def lang_flags(path: Path) -> set[int]:
    events = json.loads(path.read_text())["history"]["events"]
    return {
        flag
        for e in events
        for flag in e.get("workflowTaskCompletedEventAttributes", {})
        .get("sdkMetadata", {})
        .get("langUsedFlags", [])
    }


def test_the_bounded_history_hands_an_archived_state_to_its_next_run():
    record = json.loads((HISTORIES[0].parents[1] / "bounded-core" / "01-EngagementWorkflow.json").read_text())
    started = record["history"]["events"][0]["workflowExecutionStartedEventAttributes"]
    state = json.loads(base64.b64decode(started["input"]["payloads"][0]["data"]))["state"]
    assert state["archived"] > 0 and state["audit"][0]["seq"] == state["archived"] + 1


MANIFEST = Path(__file__).parent / "histories.sha256"


def test_committed_histories_are_never_modified_or_deleted():
    """The folder only grows: every history keeps the hash it was committed with, and
    the manifest itself only gains lines (its git history shows no line removed)."""
    listed = {}
    for line in MANIFEST.read_text().splitlines():
        digest, name = line.split(maxsplit=1)
        listed[name] = digest
    root = MANIFEST.parent
    present = {p.relative_to(root).as_posix() for p in HISTORIES}
    assert not (set(listed) - present), f"deleted: {sorted(set(listed) - present)}"
    assert not (present - set(listed)), (
        f"not in {MANIFEST.name} (record_histories.py adds new ones): {sorted(present - set(listed))}"
    )
    changed = [n for n, d in listed.items() if hashlib.sha256((root / n).read_bytes()).hexdigest() != d]
    assert not changed, f"modified (record a new scenario instead): {changed}"
    git = shutil.which("git")
    if git is None or not (root.parents[1] / ".git").exists():
        return  # not a clone: the hashes above are the check
    log = (
        subprocess.run(
            [git, "log", "-p", "--format=%h", "--", MANIFEST.name],
            cwd=root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        + subprocess.run(
            [git, "diff", "HEAD", "--", MANIFEST.name], cwd=root, capture_output=True, text=True, check=True
        ).stdout
    )
    removed = [line for line in log.splitlines() if line.startswith("-") and not line.startswith("---")]
    assert not removed, f"{MANIFEST.name} lost lines (a history was re-recorded or deleted): {removed[:3]}"
