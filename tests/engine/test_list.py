"""`onboard list` against the real server: one row per engagement (its latest run, however
many times it continued as new), the memo's columns, --limit with "showing N of M",
every page, and the fall-back to search attributes for a run without a memo."""

import asyncio
import contextlib
import json
import uuid

import attrs
import pytest
from onboard.core import listing
from onboard.core.client import Engagements, sa_initial
from onboard.core.engagement.messages import EngagementInput
from onboard.core.engagement.summary import MEMO_KEY, MEMO_VERSION
from onboard.core.engagement.workflows import EngagementWorkflow
from onboard.core.models import GateDecision, Phase
from temporalio.service import RPCError

from .helpers import KEYS, attest_enable_steps, close_all_items, make_spec, reach_remediate
from .test_cli import onboard as run_onboard

BOX = set("┏┓┗┛┃━│─┡┩└┘┳┻╇┼")


async def onboard(capsys, monkeypatch, address: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # the workers' log lines before the CLI first configured logging
    return await run_onboard(capsys, monkeypatch, address, *args)


def tenant() -> str:
    return f"list-{uuid.uuid4().hex[:8]}.onmicrosoft.com"


async def listed(capsys, monkeypatch, address, *args: str, until=lambda rows: bool(rows), attempts=100):
    """``onboard list ARGS --json`` until ``until(rows)`` holds: visibility is eventually consistent."""
    for _ in range(attempts):
        code, out, err = await onboard(capsys, monkeypatch, address, "list", *args, "--json")
        assert code == 0, err
        rows = json.loads(out)
        if until(rows):
            return rows, err
        await asyncio.sleep(0.2)
    raise AssertionError(f"list {' '.join(args)} never matched; last: {rows}")


async def test_one_row_per_engagement_from_its_memo_across_runs_and_after_it_ends(
    capsys, monkeypatch, address, client, worker
):
    """Initiate, Assess, Remediate, Enable each end in a continue-as-new: 5 runs, one row."""
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = attrs.evolve(make_spec(), tenant=tenant())
    eid, where = spec.engagement_id, ("--tenant", spec.tenant)
    status = await reach_remediate(engagements, spec)
    assert status.state.items, "the remediation plan has items to count"

    # Remediate: the third run; the memo says who is awaited and what is open.
    rows, _ = await listed(
        capsys, monkeypatch, address, *where, "--all",
        until=lambda rows: any(r["phase"] == "remediate" and r["open_items"] for r in rows),
    )  # fmt: skip
    assert [r["engagement_id"] for r in rows] == [eid], "one row, not one per run"
    row = rows[0]
    assert row["status"] == "running" and row["customer"] == "Contoso" and row["run_id"]
    assert row["open_items"] == sum(1 for i in status.state.items if not i.closed)
    assert row["overdue_items"] == 0 and row["escalations"] == 0 and row["started"]
    assert set(row["awaiting"]) == set(status.awaiting)
    waiting, _ = await listed(capsys, monkeypatch, address, "--awaiting", "casey", "--tenant", spec.tenant)
    assert [r["engagement_id"] for r in waiting] == [eid]

    # Right after a continue-as-new the new run has no memo for a moment: ask until it has.
    monkeypatch.setenv("COLUMNS", "80")
    out = await shown(capsys, monkeypatch, address, "list", *where, until=lambda out: "Contoso" in out)
    assert eid in out and "remediate" in out
    header = next(line for line in out.splitlines() if "engagement" in line).split()
    assert header == [
        "engagement",
        "status",
        "phase",
        "customer",
        "awaiting",
        "open",
        "overdue",
        "esc.",
        "age",
    ]
    out = await shown(
        capsys, monkeypatch, address, "--plain", "list", *where, until=lambda out: "Contoso" in out
    )
    lines = [line.split("\t") for line in out.splitlines()]
    assert lines[0] == header and lines[1][:5] == [eid, "running", "remediate", "Contoso", "casey, cole"]
    assert lines[1][5] == str(row["open_items"]) and lines[1][6:8] == ["0", "0"]
    assert not BOX & set(out)

    await close_all_items(engagements, status)
    for person in ("pat", "casey"):
        await engagements.decide(eid, GateDecision("joint-verification", person, True, "verified"))
    done = await attest_enable_steps(engagements, eid)
    assert done.phase is Phase.COMPLETED

    rows, _ = await listed(
        capsys,
        monkeypatch,
        address,
        *where,
        "--all",
        until=lambda rows: rows and rows[0]["status"] == "completed",
    )
    assert len(rows) == 1 and rows[0]["engagement_id"] == eid
    assert rows[0]["awaiting"] == [] and rows[0]["phase"] == "completed" and rows[0]["open_items"] == 0
    running, _ = await listed(capsys, monkeypatch, address, *where, until=lambda rows: rows == [])
    assert running == []
    nobody, _ = await listed(
        capsys, monkeypatch, address, "--awaiting", "casey", *where, until=lambda r: r == []
    )
    assert nobody == [], "a finished engagement awaits nobody"


async def shown(capsys, monkeypatch, address, *args: str, until) -> str:
    """``onboard ARGS`` (a table) until ``until(stdout)`` holds."""
    for _ in range(100):
        code, out, err = await onboard(capsys, monkeypatch, address, *args)
        assert code == 0, err
        if until(out):
            return out
        await asyncio.sleep(0.2)
    raise AssertionError(f"onboard {' '.join(args)} never showed it; last:\n{out}")


@pytest.fixture
async def without_worker(client):
    """Engagements on a task queue no worker polls: they stay as started (no memo of their own)."""
    started = []
    engagements = Engagements(client, f"nobody-{uuid.uuid4().hex[:8]}")

    async def start(spec, memo=None):
        await engagements._ready()
        handle = await client.start_workflow(
            EngagementWorkflow.run,
            EngagementInput(spec),
            id=spec.engagement_id,
            task_queue=engagements.task_queue,
            search_attributes=sa_initial(spec),
            memo=memo,
        )
        started.append(handle)
        return handle

    yield start
    for handle in started:
        with contextlib.suppress(RPCError):  # one a test ended itself
            await handle.terminate("test over")


async def test_limit_says_showing_n_of_m_and_every_page_is_read(capsys, monkeypatch, address, without_worker):
    where = tenant()
    ids = []
    for _ in range(3):
        spec = attrs.evolve(make_spec(), tenant=where)
        await without_worker(spec)
        ids.append(spec.engagement_id)
    rows, _ = await listed(capsys, monkeypatch, address, "--tenant", where, until=lambda rows: len(rows) == 3)
    assert sorted(r["engagement_id"] for r in rows) == sorted(ids)
    assert all(r["customer"] is None and r["open_items"] is None for r in rows), "no memo: unknown"
    assert all(r["phase"] == "initiate" and r["tenant"] == where for r in rows), "from search attributes"

    code, out, err = await onboard(
        capsys, monkeypatch, address, "list", "--tenant", where, "--limit", "2", "--json"
    )
    assert code == 0 and len(json.loads(out)) == 2
    assert err.strip() == "onboard: showing 2 of 3 engagements (--limit 0 shows every one)"

    monkeypatch.setattr(listing, "PAGE_SIZE", 2)  # three rows take two pages
    code, out, err = await onboard(
        capsys, monkeypatch, address, "list", "--tenant", where, "--limit", "0", "--json"
    )
    assert code == 0 and sorted(r["engagement_id"] for r in json.loads(out)) == sorted(ids) and err == ""

    monkeypatch.setenv("COLUMNS", "80")
    code, out, _ = await onboard(capsys, monkeypatch, address, "list", "--tenant", where)
    assert code == 0 and all(i in out for i in ids)
    row = next(line for line in out.splitlines() if ids[0] in line)
    assert row.split()[1:4] == ["running", "initiate", "—"], "customer unknown without a memo"


async def test_a_memo_is_read_as_its_version_says(capsys, monkeypatch, address, without_worker):
    """Memos as the workflow writes them (engagement.summary.memo), set here at start."""
    where = tenant()
    memo = {
        "version": MEMO_VERSION, "customer": "Fabrikam", "tenant": where, "phase": "remediate",
        "awaiting": ["casey", "party:customer"], "open_items": 4, "open_blockers": 1,
        "overdue_items": 0, "next_due": "2020-01-01T00:00:00+00:00", "escalations": 2,
        "blocked": "", "undelivered": 0, "started_at": "2020-01-01T00:00:00+00:00",
        "purchased_on": "2019-12-01T00:00:00+00:00", "updated_at": "2020-01-01T00:00:00+00:00",
    }  # fmt: skip
    current, other = (attrs.evolve(make_spec(), tenant=where) for _ in range(2))
    await without_worker(current, {MEMO_KEY: memo})
    await without_worker(other, {MEMO_KEY: {**memo, "version": MEMO_VERSION + 1, "customer": "Newer"}})
    rows, _ = await listed(capsys, monkeypatch, address, "--tenant", where, until=lambda rows: len(rows) == 2)
    by_id = {r["engagement_id"]: r for r in rows}
    read = by_id[current.engagement_id]
    assert read["customer"] == "Fabrikam" and read["phase"] == "remediate" and read["open_items"] == 4
    assert read["awaiting"] == ["casey", "party:customer"] and read["escalations"] == 2
    assert read["overdue_items"] == 1, "its next due date has passed since the memo was written"
    assert read["started"].startswith("2020-01-01")
    unread = by_id[other.engagement_id]
    assert unread["customer"] is None and unread["phase"] == "initiate", "another layout: search attributes"
    code, out, _ = await onboard(capsys, monkeypatch, address, "--plain", "list", "--tenant", where)
    assert code == 0
    row = next(line for line in out.splitlines() if current.engagement_id in line).split("\t")
    assert row[1:5] == ["running", "remediate", "Fabrikam", "casey"], "people, not the party:… tags"
    assert row[5:8] == ["4", "1", "2"]
    assert row[8].endswith("d") and int(row[8][:-1]) > 365, "started years ago: its age in days"
    other_row = next(line for line in out.splitlines() if other.engagement_id in line).split("\t")
    assert other_row[1:4] == ["running", "initiate", ""], "unknown: an empty field"


async def test_a_new_start_under_the_same_id_lists_once_naming_the_ended_run(
    capsys, monkeypatch, address, without_worker
):
    """A raw client may start an id again after a termination (docs/security.md): one row,
    the new run, which says what became of the other."""
    spec = attrs.evolve(make_spec(), tenant=tenant())
    first = await without_worker(spec)
    await first.terminate("gone")
    await without_worker(spec)
    rows, _ = await listed(
        capsys, monkeypatch, address, "--all", "--tenant", spec.tenant,
        until=lambda rows: rows and rows[0]["replaced"] == ["terminated"],
    )  # fmt: skip
    assert len(rows) == 1 and rows[0]["status"] == "running" and rows[0]["run_id"] != first.result_run_id
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "--plain", "list", "--all", "--tenant", spec.tenant
    )
    assert code == 0 and out.splitlines()[1].split("\t")[1] == "running (was terminated)"
