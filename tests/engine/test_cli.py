"""The approver's CLI against the real server: tables, JSON and exit codes."""

import asyncio
import json
import os
import re
import textwrap
from pathlib import Path

import pytest
from onboard.core.cli import run

#: A line the in-process worker logs (``2026-12-02 12:25:58 [info     ] notification ...``).
WORKER_LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \[")


async def onboard(capsys, monkeypatch, address: str, *args: str) -> tuple[int, str, str]:
    """Run ``onboard ARGS`` in a thread (it has its own event loop), like a shell would.

    ``--as PERSON`` signs with that persona's key, as that person's own shell would.
    """
    monkeypatch.setenv("TEMPORAL_ADDRESS", address)
    if "--as" in args:
        person = args[args.index("--as") + 1]
        monkeypatch.setenv("ONBOARD_KEY", str(Path(os.environ["ONBOARD_HOME"]) / "keys" / person))
    code = await asyncio.to_thread(run, list(args))
    out, err = capsys.readouterr()
    # The worker runs in this process and may log to the same stdout while the CLI runs
    # (a notice for an engagement started just before): only the CLI's lines are kept.
    out = "".join(line for line in out.splitlines(keepends=True) if not WORKER_LOG_LINE.match(line))
    return code, out, err


@pytest.fixture
def engagement_file(tmp_path: Path):
    def write(engagement_id: str, services: str = '["core"]', extra: str = "") -> Path:
        path = tmp_path / f"{engagement_id}.toml"
        path.write_text(
            textwrap.dedent(
                f"""\
                engagement_id = "{engagement_id}"
                tenant = "fabrikam.onmicrosoft.com"
                customer = "Fabrikam"
                services = {services}
                purchased_on = 2026-11-20T09:00:00Z
                {extra}
                [[roster]]
                id = "pat"
                name = "Pat"
                party = "provider"

                [[roster]]
                id = "casey"
                name = "Casey"
                party = "customer"
                """
            )
        )
        return path

    return write


async def test_start_show_approve_list_and_exit_codes(capsys, monkeypatch, address, worker, engagement_file):
    path = engagement_file("cli-1")
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "start", str(path), "--task-queue", worker.task_queue
    )
    assert code == 0 and "started engagement cli-1" in out

    code, _, err = await onboard(
        capsys, monkeypatch, address, "start", str(path), "--task-queue", worker.task_queue
    )
    assert code == 1 and "engagement 'cli-1' already exists" in err

    code, _, err = await onboard(capsys, monkeypatch, address, "approve", "cli-1", "kickoff", "--as", "casey")
    assert code == 2 and "rejected" in err and "not open yet" in err

    code, out, _ = await onboard(
        capsys, monkeypatch, address, "contact", "cli-1", "--as", "pat", "--note", "phoned"
    )
    assert code == 0
    for _ in range(50):
        code, out, _ = await onboard(capsys, monkeypatch, address, "show", "cli-1", "--json")
        if json.loads(out)["state"]["gates"]["kickoff"]["open"]:
            break
        await asyncio.sleep(0.1)
    code, out, _ = await onboard(capsys, monkeypatch, address, "approve", "cli-1", "kickoff", "--as", "pat")
    assert code == 0 and "gate 'kickoff' passed" in out

    code, out, _ = await onboard(capsys, monkeypatch, address, "show", "cli-1")
    assert code == 0 and "audit trail" in out and "kickoff" in out

    for _ in range(50):  # visibility is eventually consistent
        code, out, _ = await onboard(capsys, monkeypatch, address, "list", "--awaiting", "casey", "--json")
        rows = json.loads(out)
        if any(r["engagement_id"] == "cli-1" for r in rows):
            break
        await asyncio.sleep(0.2)
    row = next(r for r in rows if r["engagement_id"] == "cli-1")
    assert row["phase"] == "assess" and "casey" in row["awaiting"]
    code, out, _ = await onboard(
        capsys, monkeypatch, address, "list", "--role", "provider", "--phase", "assess", "--json"
    )
    assert all(r["engagement_id"] != "cli-1" for r in json.loads(out)), "in assess the customer is awaited"

    code, _, err = await onboard(
        capsys,
        monkeypatch,
        address,
        "reject",
        "cli-1",
        "remediation-plan",
        "--as",
        "mallory",
        "--reason",
        "x",
        "--key",
        str(Path(os.environ["ONBOARD_HOME"]) / "keys" / "pat"),
    )
    assert code == 2 and "'mallory' is not on the roster" in err


async def test_errors_are_one_line_and_non_zero(capsys, monkeypatch, address, engagement_file, tmp_path):
    code, _, err = await onboard(capsys, monkeypatch, address, "show", "no-such-engagement")
    assert code == 1 and err.strip() == "onboard: error: unknown engagement 'no-such-engagement'"

    code, _, err = await onboard(
        capsys, monkeypatch, address, "start", str(engagement_file("bad-1", '["nonsense"]'))
    )
    assert code == 1 and "unknown service 'nonsense'" in err

    bad = engagement_file("bad-2", extra="[licenses]\ncore = 'many'\n")
    code, _, err = await onboard(capsys, monkeypatch, address, "start", str(bad))
    assert code == 1 and f"{bad}:7: field 'licenses.core': 'many' is not a whole number" in err

    code, _, err = await onboard(capsys, monkeypatch, "127.0.0.1:1", "show", "x")
    assert code == 1 and "cannot reach Temporal at 127.0.0.1:1" in err
    assert len(err.strip().splitlines()) == 1
