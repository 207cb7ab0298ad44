"""`--json` on the commands that change things, against the real server: each prints its
outcome (the engagement's answer and the request id), and an error prints nothing on
stdout, one line on stderr, with the same exit status as without --json."""

import json
import uuid

from onboard.core.client import Engagements
from onboard.core.engagement.rules import backed_by_check
from onboard.core.models import Party, Phase

from .helpers import wait_for
from .test_cli import engagement_file  # noqa: F401 - the fixture
from .test_cli import onboard as run_onboard


async def onboard(capsys, monkeypatch, address: str, *args: str) -> tuple[int, str, str]:
    capsys.readouterr()  # the workers' log lines before the CLI first configured logging
    return await run_onboard(capsys, monkeypatch, address, *args)


async def outcome(capsys, monkeypatch, address: str, *args: str) -> dict:
    code, out, err = await onboard(capsys, monkeypatch, address, *args, "--json")
    assert code == 0, err
    return json.loads(out)


async def refused(capsys, monkeypatch, address: str, code: int, *args: str) -> str:
    got, out, err = await onboard(capsys, monkeypatch, address, *args, "--json")
    assert got == code and out == "", (got, out, err)
    assert len(err.strip().splitlines()) == 1, err
    return err


async def test_every_action_prints_its_outcome(capsys, monkeypatch, address, client, worker, engagement_file):  # noqa: F811
    eid = f"json-{uuid.uuid4().hex[:8]}"
    path = engagement_file(eid)
    engagements = Engagements(client, worker.task_queue)
    run = (capsys, monkeypatch, address)

    started = await outcome(*run, "start", str(path), "--task-queue", worker.task_queue)
    assert started["engagement_id"] == eid and started["action"] == "start" and started["request_id"] is None
    assert started["result"]["run_id"] and started["result"]["services"] == ["core"]
    assert (
        started["result"]["customer"] == "Fabrikam" and started["result"]["task_queue"] == worker.task_queue
    )
    assert started["unkeyed"] in ([], None), "every persona has a key (None: not planned yet)"

    contact = await outcome(*run, "contact", eid, "--as", "pat", "--note", "phoned")
    assert contact["action"] == "contact" and contact["result"] is None and len(contact["request_id"]) > 8
    asked = await outcome(*run, "request", eid, contact["request_id"])
    assert asked["applied"] and asked["record"]["action"] == "contact"

    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    approved = await outcome(*run, "approve", eid, "kickoff", "--as", "pat", "--comment", "held")
    gate = approved["result"]
    assert gate["id"] == "kickoff" and gate["passed"] and gate["approved_by"] == {"provider": "pat"}
    err = await refused(*run, 2, "approve", eid, "kickoff", "--as", "pat")
    assert err.startswith("onboard: rejected:")
    await refused(*run, 64, "approve", eid)  # a usage error: no gate named

    await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    rejected = await outcome(
        *run, "reject", eid, "remediation-plan", "--as", "casey", "--reason", "too short"
    )
    assert rejected["result"]["id"] == "remediation-plan" and not rejected["result"]["passed"]
    assert rejected["result"]["rejections"][-1].endswith("too short")
    status = await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    approved = await outcome(*run, "approve", eid, "remediation-plan", "--as", "casey")
    assert approved["result"]["passed"]

    status = await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    items = [i for i in status.state.items if not i.closed]
    manual = next(i for i in items if not backed_by_check(status.state, i))
    checked = next(i for i in items if backed_by_check(status.state, i))
    owner = "casey" if manual.item.owner is Party.CUSTOMER else "pat"
    done = await outcome(*run, "complete", eid, manual.item.id, "--as", owner, "--evidence", "CHG-1")
    assert done["action"] == "complete" and done["result"] == manual.item.id

    moved = await outcome(*run, "due", eid, checked.item.id, "+60d", "--as", "pat", "--reason", "later")
    assert moved["result"]["item"]["id"] == checked.item.id and moved["result"]["due_moved_by"] == "pat"

    half = await outcome(*run, "waive", eid, checked.item.id, "--as", "pat", "--reason", "accepted")
    assert half["result"]["waivers"] == {"provider": "pat"} and not half["result"]["waived"]
    both = await outcome(*run, "waive", eid, checked.item.id, "--as", "casey", "--reason", "accepted")
    assert both["result"]["waived"] and both["result"]["closed"]
    assert both["request_id"] != half["request_id"]


async def test_digest_schedule_and_unschedule_print_json(capsys, monkeypatch, address):
    schedule_id = f"digest-json-{uuid.uuid4().hex[:8]}"
    args = ("--schedule-id", schedule_id, "--task-queue", "digest-json-test")
    run = (capsys, monkeypatch, address)
    made = await outcome(*run, "digest", "schedule", "--at", "7:30", "--timezone", "Europe/Berlin", *args)
    assert made == {
        "schedule_id": schedule_id, "outcome": "created", "at": "07:30",
        "time_zone": "Europe/Berlin", "task_queue": "digest-json-test",
    }  # fmt: skip
    again = await outcome(*run, "digest", "schedule", "--at", "8:00", *args)
    assert again["outcome"] == "updated" and again["at"] == "08:00" and again["time_zone"] == "UTC"
    gone = await outcome(*run, "digest", "unschedule", "--schedule-id", schedule_id)
    assert gone == {"schedule_id": schedule_id, "outcome": "deleted"}
    err = await refused(*run, 1, "digest", "unschedule", "--schedule-id", schedule_id)
    assert "the digest is not scheduled" in err
