"""The audit trail of a real engagement: chained, journaled, exported, verified offline.

A ``temporal workflow reset`` that erases an accepted action from the history is
caught by comparing the journal (written outside Temporal) with the history's chain.
"""

import asyncio
import json
import os
from pathlib import Path

from onboard.core.client import Engagements
from onboard.core.codec import decompress
from onboard.core.journal import journal_path
from onboard.core.models import Waiver
from onboard.core.trust.chain import GENESIS, record_hash
from temporalio.api.enums.v1 import EventType

from .helpers import KEYS, make_spec, reach_remediate, wait_for
from .test_cli import onboard
from .test_forgery import temporal


async def journaled(engagement_id: str, seq: int) -> list[dict]:
    path = journal_path(engagement_id)
    for _ in range(100):
        lines = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
        if any(line["record"]["seq"] >= seq for line in lines):
            return lines
        await asyncio.sleep(0.1)
    raise AssertionError(f"the journal {path} never reached record {seq}")


async def in_the_remediate_run(engagements: Engagements, engagement_id: str) -> None:
    """Wait until the Remediate run has begun (the Assess run may still be finishing)."""
    for _ in range(100):
        history = await engagements.handle(engagement_id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes
        carried = [json.loads(decompress(p).data).get("state") or {} for p in started.input.payloads]
        if any(state.get("phase") == "remediate" for state in carried):
            return
        await asyncio.sleep(0.1)
    raise AssertionError("the engagement never began its Remediate run")


async def test_the_chain_is_journaled_exported_and_a_reset_is_caught(
    capsys, monkeypatch, client, worker, tmp_path
):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    status = await reach_remediate(engagements, make_spec())
    eid = status.engagement_id
    item = status.state.items[0].item.id
    await in_the_remediate_run(engagements, eid)
    await engagements.waive(eid, Waiver(item, "pat", "accepted for now"))

    state = (await engagements.status(eid)).state
    assert [r.action for r in state.audit] == ["contact", "approve", "approve", "waive"]
    assert state.audit[0].prev == GENESIS and state.audit_head == record_hash(state.audit[-1])
    for before, after in zip(state.audit, state.audit[1:], strict=False):
        assert after.prev == record_hash(before) and after.seq == before.seq + 1
    lines = await journaled(eid, 4)
    assert [line["hash"] for line in lines] == [record_hash(r) for r in state.audit]

    address = client.service_client.config.target_host
    signers = os.environ["ONBOARD_ALLOWED_SIGNERS"]
    export = tmp_path / "export.jsonl"
    code, _, _ = await onboard(capsys, monkeypatch, address, "audit", eid, "-o", str(export))
    assert code == 0
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "audit", "verify", str(journal_path(eid)), "--history", str(export),
        "--allowed-signers", signers,
    )  # fmt: skip
    assert code == 0 and "verified: 0 errors" in out, out

    # An operator edits a record, or drops one: the journal copy no longer verifies.
    edited = tmp_path / "edited.jsonl"
    rows = export.read_text().splitlines()
    edited.write_text(
        "\n".join([rows[0], rows[1].replace("kick-off held", "kick-off skipped"), *rows[2:]]) + "\n"
    )
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "audit", "verify", str(edited), "--allowed-signers", signers
    )
    assert code == 1 and "edited" in out, out
    dropped = tmp_path / "dropped.jsonl"
    dropped.write_text("\n".join([rows[0], *rows[2:]]) + "\n")
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "audit", "verify", str(dropped), "--allowed-signers", signers
    )
    assert code == 1 and "missing" in out, out

    # A namespace admin resets the run to before the waiver, dropping it from history.
    history = await engagements.handle(eid).fetch_history()
    accepted = next(
        e.event_id
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        and e.workflow_execution_update_accepted_event_attributes.accepted_request.input.name == "waive"
    )
    point = max(
        e.event_id
        for e in history.events
        if e.event_id < accepted and e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED
    )
    reset = await temporal(
        client, "workflow", "reset", "--workflow-id", eid, "--event-id", str(point + 1),
        "--reason", "test: erase the waiver", "--reapply-exclude", "All", "--yes",
    )  # fmt: skip
    assert reset.returncode == 0, reset.stderr
    status = await wait_for(engagements, eid, lambda s: [r.action for r in s.state.audit][-1] == "approve")
    assert len(status.state.audit) == 3, "the waiver is gone from the history"

    await engagements.waive(eid, Waiver(item, "pat", "accepted again, after the reset"))
    await journaled(eid, 4)
    code, _, _ = await onboard(capsys, monkeypatch, address, "audit", "export", eid, "-o", str(export))
    assert code == 0
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "audit", "verify", str(journal_path(eid)), "--history", str(export),
        "--allowed-signers", signers,
    )  # fmt: skip
    assert code == 1 and "reset" in out, out
    assert Path(journal_path(eid)).read_text().count('"seq":4') == 2, "the journal keeps both record 4s"
