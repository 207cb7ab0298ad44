"""The state an engagement carries into its next run stays bounded, whatever people send.

Before, ten 120 KB rejections pushed continue-as-new past Temporal's payload limit
for good.  Now each text is capped (test_limits), journaled records are archived
out of the state, and with the journal down the budget refuses the action instead.
"""

import asyncio

import attrs
import pytest
from onboard.core.client import Engagements, RejectedError
from onboard.core.converter import DATA_CONVERTER
from onboard.core.engagement import authority, carried
from onboard.core.journal import journal_path
from onboard.core.models import GateDecision, Phase
from onboard.core.plugins import load_plugin_manager
from onboard.core.trust import audit_verify
from onboard.workers.worker import running_worker

from .helpers import KEYS, wait_for
from .test_forgery import in_initiate_with_kickoff_open

#: 3,900 three-byte characters: 11.7 KB of UTF-8, within the 4,000-character limit.
LONG = "€" * 3_900


def state_bytes(status) -> int:
    """The state's size as a payload (the converter writes UTF-8, not \\u escapes)."""
    return len(DATA_CONVERTER.payload_converter.to_payloads([status.state])[0].data)


async def reject_many(engagements: Engagements, eid: str, times: int) -> int:
    """Send the rejections as fast as the engagement takes them; one refused for the
    budget is sent again once the engagement has archived (as a person would, later).
    Returns how many were refused for the budget first."""
    refused = 0
    for n in range(times):
        person = "pat" if n % 2 else "pam"  # the kick-off is the provider's gate
        for _ in range(60):
            try:
                await engagements.decide(eid, GateDecision("kickoff", person, False, f"{n}: {LONG}"))
                break
            except RejectedError as exc:
                assert "over its budget" in str(exc), exc
                refused += 1
                await asyncio.sleep(0.5)
        else:
            raise AssertionError(f"rejection {n} was never accepted: nothing was archived")
    return refused


@pytest.mark.timeout(240)
async def test_a_hundred_long_rejections_are_archived_and_the_state_stays_small(client, worker, tmp_path):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await in_initiate_with_kickoff_open(engagements)
    await reject_many(engagements, eid, 100)  # 2.3 MB of text: over the budget, were none archived
    status = await wait_for(engagements, eid, lambda s: s.state.archived > 0 and s.state.journaled >= 101)
    s = status.state
    assert carried.carried_text(s) < carried.TEXT_BUDGET
    assert state_bytes(status) < 1_000_000, "well under Temporal's 2 MB payload limit"
    assert s.audit[-1].seq == 101 and s.audit[0].seq == s.archived + 1
    assert len(s.gates["kickoff"].rejections) == carried.REJECTIONS_KEPT, "the audit trail has them all"

    # Both decide after all that; the passed gate's approvals are its evidence.
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "agreed"))
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS)

    # The export links on from the archived head; with the journal it is the whole chain.
    from onboard.core.cli.audit_cmd import export_jsonl

    export = tmp_path / "export.jsonl"
    export.write_text(export_jsonl(status.state.audit, status.state))
    history = audit_verify.read_chain(export)
    assert history.archived is not None and history.archived.seq == status.state.archived
    report = audit_verify.verify_chain(history, None)
    assert report.ok, report.problems
    assert any("archived" in p.text for p in report.problems), "the export says where the rest is"
    await wait_for(engagements, eid, lambda s: s.state.journaled == s.state.audit[-1].seq)
    journal = audit_verify.read_chain(journal_path(eid))
    assert audit_verify.verify_chain(journal, None).ok
    assert [p for p in audit_verify.compare(journal, history) if p.severity.value == "error"] == []


async def test_archiving_keeps_the_evidence_a_new_run_checks(client, worker, monkeypatch):
    """Archive everything: the new run's check still finds the signed approval of the
    passed gate (and the rejection before it), and a chain that skips records is caught."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    eid = await in_initiate_with_kickoff_open(engagements)
    await reject_many(engagements, eid, 3)  # records 2-4, after the contact
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "ok"))  # record 5
    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS and s.state.journaled >= 5)

    def fresh():
        return attrs.evolve(status.state, audit=list(status.state.audit), evidence=[])

    state = fresh()
    monkeypatch.setattr(carried, "_kept", lambda state: 1)
    carried.compact(state)
    assert (state.archived, [r.seq for r in state.audit]) == (4, [5])
    assert [(r.action, r.person) for r in state.evidence] == [("reject", "pam")]
    assert state.evidence[0].comment == "", "evidence keeps its signature and digests, not its text"
    assert authority.carried_state_problem(state) == ""

    state = fresh()
    monkeypatch.setattr(carried, "_kept", lambda state: 0)  # the approval leaves the tail as well
    carried.compact(state)
    assert state.audit == [] and [r.action for r in state.evidence] == ["reject", "approve"]
    assert authority.carried_state_problem(state) == ""
    state.evidence = state.evidence[:1]
    assert "passed without a signed provider approval" in authority.carried_state_problem(state)

    state = fresh()
    monkeypatch.setattr(carried, "_kept", lambda state: 1)
    carried.compact(state)
    state.archived_head = "0" * 64
    assert "does not follow" in authority.carried_state_problem(state)


async def test_with_the_journal_down_the_budget_refuses_instead_of_wedging(client, monkeypatch):
    monkeypatch.setenv("ONBOARD_DISABLE_PLUGINS", "journal")
    manager = load_plugin_manager()
    async with running_worker(client, task_queue="no-journal-budget", manager=manager) as running:
        engagements = Engagements(client, running.task_queue, signer=KEYS)
        eid = await in_initiate_with_kickoff_open(engagements)
        refused = None
        for n in range(120):
            try:
                await engagements.decide(eid, GateDecision("kickoff", "pat", False, f"{n}: {LONG}"))
            except RejectedError as exc:
                refused = (n, str(exc))
                break
        assert refused is not None, "the budget refused a rejection before 120 of them"
        n, message = refused
        # A record carries its text twice (the comment, and the signed content): 23 KB each.
        assert 25 <= n <= 40 and "over its budget of 786,432" in message, message
        assert "no audit journal is installed" in message, "it names why nothing was archived"
        assert state_bytes(await engagements.status(eid)) < 1_500_000, "room under the 2 MB limit"
        # Short actions still go through: the engagement is not wedged.
        await engagements.decide(eid, GateDecision("kickoff", "pat", True, "ok"))
        await wait_for(engagements, eid, lambda s: s.phase is Phase.ASSESS)
