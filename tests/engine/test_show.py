"""The approver's day on the CLI: `show` opens with what you must do, `show ID ITEM`
explains one item, `todo` ranks what waits for you across engagements."""

import json
import re
from datetime import timedelta

import attrs
import pytest
from onboard.core.client import Engagements
from onboard.core.demo import sample_bundle
from onboard.core.models import Party, Person

from .helpers import FAST, KEYS, ROSTER, make_spec, reach_remediate
from .test_cli import onboard


@pytest.fixture
async def remediating(client, worker):
    """An EMS engagement on the sample bundle, in Remediate (items of both sides)."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(
        ("ems",),
        bundle=str(sample_bundle("contoso")),
        licenses={"ems": 500},
        facts={"identity": "synchronized", "forest_count": 1, "mdm_authority": "intune"},
    )
    status = await reach_remediate(engagements, spec)
    return engagements, status


def command_ids(out: str) -> set[str]:
    """The item ids in `onboard complete ID ITEM` lines."""
    return set(re.findall(r"onboard complete \S+ (\S+) --as", out))


async def test_show_opens_with_what_you_must_do(remediating, capsys, monkeypatch, address):
    _, status = remediating
    eid = status.engagement_id
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = await onboard(capsys, monkeypatch, address, "show", eid, "--as", "casey")
    assert code == 0, err
    lines = out.splitlines()
    # The in-process worker may log to the same stdout: the CLI's output starts at its header.
    lines = lines[next(n for n, line in enumerate(lines) if line.startswith(f"{eid} — ")) :]
    assert lines[1].startswith("what casey must do next ("), lines[:3]
    mine = [i for i in status.state.items if i.item.owner.value == "customer" and not i.closed]
    assert f"what casey must do next ({len(mine)})" in lines[1]
    first = lines[2]
    assert "due " in first and re.search(r"\d{4}-\d{2}-\d{2}", first), "each with its due date"
    command = next(line.strip() for line in lines[2:] if line.strip().startswith("onboard "))
    assert "--as casey" in command, "and the command to run"
    # Ids stay whole at 80 columns, in the commands and the tables alike.
    for item in status.state.items:
        assert item.item.id in out, item.item.id
    assert command_ids(out) <= {i.item.id for i in mine}
    assert "audit trail" not in out and "onboard show" in out, "details on demand"

    code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid)
    assert "what the provider side must do next" in out and "what the customer side must do next" in out
    assert "--as …" in out

    code, full, _ = await onboard(capsys, monkeypatch, address, "show", eid, "--full")
    assert code == 0 and "audit trail" in full and "approve" in full


async def test_show_one_item_with_its_findings(remediating, capsys, monkeypatch, address):
    _, status = remediating
    eid = status.engagement_id
    with_details = next(
        i
        for i in status.state.items
        if any(f.requirement_id == i.item.requirement_id and f.details for f in status.state.findings)
    )
    finding = next(f for f in status.state.findings if f.requirement_id == with_details.item.requirement_id)
    code, out, err = await onboard(capsys, monkeypatch, address, "show", eid, with_details.item.id)
    assert code == 0, err
    assert out.startswith(with_details.item.id) and finding.summary[:40] in out
    assert all(detail[:40] in out for detail in finding.details[:3]), "the findings behind the item"
    assert "due:" in out and "requirement:" in out and "to close it:" in out

    code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid, "remediation-plan")
    assert code == 0 and "approved (customer): casey" in out and "audit records:" in out

    code, out, _ = await onboard(capsys, monkeypatch, address, "show", eid, with_details.item.id, "--json")
    assert json.loads(out)["item"]["id"] == with_details.item.id

    code, _, err = await onboard(capsys, monkeypatch, address, "show", eid, "fix.nothing")
    assert code == 1 and "has no remediation item, enable step or gate 'fix.nothing'" in err
    assert len(err.strip().splitlines()) == 1
    code, _, err = await onboard(capsys, monkeypatch, address, "show", eid, "--as", "nobody")
    assert code == 1 and "'nobody' is not on the roster" in err


async def test_todo_ranks_what_waits_across_engagements(client, worker, capsys, monkeypatch, address):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    soon = attrs.evolve(
        FAST, blocker_due_within=timedelta(seconds=1), warning_due_within=timedelta(seconds=1)
    )
    # Quinn is on these two rosters only: other tests' engagements do not wait for them.
    roster = (*ROSTER, Person("quinn", "Quinn Customer", Party.CUSTOMER))
    late = await reach_remediate(engagements, attrs.evolve(make_spec(policy=soon), roster=roster))
    later = await reach_remediate(engagements, attrs.evolve(make_spec(), roster=roster))
    for _ in range(50):  # visibility catches up a moment later
        code, out, err = await onboard(capsys, monkeypatch, address, "todo", "--as", "quinn", "--json")
        found = json.loads(out) if code == 0 else []
        if {late.engagement_id, later.engagement_id} <= {t["engagement_id"] for t in found}:
            break
    assert code == 0, err
    mine = [t for t in found if t["engagement_id"] in (late.engagement_id, later.engagement_id)]
    assert mine[0]["engagement_id"] == late.engagement_id and mine[0]["overdue"], "overdue first"
    assert all(t["command"].count("--as quinn") == 1 for t in mine)
    code, out, _ = await onboard(capsys, monkeypatch, address, "todo", "--as", "quinn")
    assert code == 0 and "what waits for quinn" in out and "overdue since" in out
