"""Limits at the door: an action too long for the engagement to keep is refused, by name."""

import asyncio

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


ROSTER_TOML = '[[roster]]\nid = "pat"\nname = "Pat"\nparty = "provider"\n' + (
    '[[roster]]\nid = "casey"\nname = "Casey"\nparty = "customer"\n'
)


def plan_fails(
    tmp_path, capsys, *, engagement_id="x1", tenant="t", purchased_on="2026-11-20T09:00:00Z", tail=""
) -> str:
    """``onboard plan`` on an engagement file with these values: it must fail in one line."""
    from onboard.core.cli import run

    path = tmp_path / "e.toml"
    path.write_text(
        f'engagement_id = "{engagement_id}"\ntenant = "{tenant}"\ncustomer = "c"\nservices = ["core"]\n'
        f"purchased_on = {purchased_on}\n{tail}"
    )
    assert run(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1, err[:300]
    return err


@pytest.mark.parametrize(
    ("purchased_on", "policy", "message"),
    [
        ("9999-12-31T23:59:59Z", "", "is in the future"),
        ("0001-01-01T00:00:00Z", "", "more than 10 years ago"),
        ("2026-11-20T09:00:00Z", 'contact_within = "99999999999999w"', "longer than 10 years"),
        (
            "2026-11-20T09:00:00Z",
            'signature_window = "2d"',
            "signature_window = 2 days, 0:00:00 is longer than a day",
        ),
    ],
)
def test_out_of_range_dates_and_durations_are_refused_before_anything_starts(
    tmp_path, capsys, purchased_on, policy, message
):
    err = plan_fails(tmp_path, capsys, purchased_on=purchased_on, tail=f"{ROSTER_TOML}[policy]\n{policy}\n")
    assert message in err, err


async def test_a_far_future_purchase_from_a_raw_client_blocks_instead_of_failing_tasks(
    client, worker, capsys, monkeypatch
):
    from datetime import UTC, datetime

    import attrs

    from .helpers import make_spec, wait_for

    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = attrs.evolve(make_spec(), purchased_on=datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    await engagements.start(spec)
    status = await wait_for(engagements, spec.engagement_id, lambda s: bool(s.state.blocked))
    assert "is in the future" in status.state.blocked and status.phase.value == "initiate"

    # Resuming without fixing it: the CLI says it is blocked again instead of "resumed".
    from .test_cli import onboard

    address = client.service_client.config.target_host
    code, out, err = await onboard(
        capsys, monkeypatch, address, "resume", spec.engagement_id, "--as", "pat", "--note", "try again"
    )
    assert code == 1 and "was resumed but is blocked again" in err and "is in the future" in err, out + err


async def test_reassess_refuses_an_empty_or_relative_path(client, worker, capsys, monkeypatch, tmp_path):
    from onboard.core.client import RejectedError
    from onboard.core.models import Reassessment

    from .helpers import make_spec, reach_remediate
    from .test_cli import onboard

    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    status = await reach_remediate(engagements, make_spec())
    eid = status.engagement_id
    with pytest.raises(RejectedError, match="is relative; send the absolute path"):
        await engagements.reassess(eid, Reassessment("casey", "bundles/new"))
    address = client.service_client.config.target_host
    code, _, err = await onboard(capsys, monkeypatch, address, "reassess", eid, "", "--as", "casey")
    assert code == 1 and "an empty path names nothing" in err
    monkeypatch.chdir(tmp_path)
    code, out, err = await onboard(capsys, monkeypatch, address, "reassess", eid, "missing", "--as", "casey")
    assert f"is {tmp_path / 'missing'}" in out and code == 2 and "not a folder this worker can read" in err


async def test_empty_evidence_or_reason_is_one_line_not_a_traceback(client, worker, capsys, monkeypatch):
    from .test_cli import onboard

    address = client.service_client.config.target_host
    for args in (
        ("complete", "x", "fix.core.dns-records", "--evidence", ""),
        ("waive", "x", "y", "--reason", " "),
    ):
        code, _, err = await onboard(capsys, monkeypatch, address, *args, "--as", "pat")
        assert code == 1 and len(err.strip().splitlines()) == 1 and "Traceback" not in err, err
        assert "must say" in err


def test_a_usage_error_does_not_exit_like_a_refusal(capsys):
    from onboard.core.cli import USAGE_EXIT, run

    assert run(["approve", "only-an-id"]) == USAGE_EXIT == 64
    assert "Missing argument 'GATE'" in capsys.readouterr().err


async def test_with_no_worker_an_action_says_so_at_once_and_is_not_sent(client):
    import uuid
    from datetime import timedelta

    from onboard.core.models import Contact
    from onboard.workers.worker import running_worker

    from .helpers import make_spec, wait_for

    task_queue = f"nobody-{uuid.uuid4().hex[:8]}"
    engagements = Engagements(client, task_queue, signer=KEYS, timeout=timedelta(seconds=30))
    spec = make_spec()
    await engagements.start(spec)
    started = asyncio.get_running_loop().time()
    with pytest.raises(
        OnboardError, match=f"no worker has polled its task queue '{task_queue}'.*the contact was not sent"
    ):
        await engagements.record_contact(spec.engagement_id, Contact("pat", "phoned while nobody worked"))
    assert asyncio.get_running_loop().time() - started < 5, "at once, not after the timeout"
    async with running_worker(client, task_queue=task_queue):
        status = await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    assert status.state.contact is None, "what was not sent is never applied later"


@pytest.mark.parametrize(
    ("engagement_id", "tenant", "licences", "message"),
    [
        ("Bad Id", "t", "200", ":1: field 'engagement_id': must be a lower-case id"),
        ("ok", "", "200", ":2: field 'tenant': must not be empty"),
        ("ok", "t", "true", ":7: field 'licenses.core': True is not a whole number"),
        ("ok", "t", "500.5", ":7: field 'licenses.core': 500.5 is not a whole number"),
        ("ok", "t" * 3_000_000, "200", ":2: field 'tenant' is 3,000,000 characters; the limit is 200"),
    ],
)
def test_engagement_file_mistakes_name_the_line_and_field(
    tmp_path, capsys, engagement_id, tenant, licences, message
):
    tail = f"[licenses]\ncore = {licences}\n{ROSTER_TOML}"
    err = plan_fails(tmp_path, capsys, engagement_id=engagement_id, tenant=tenant, tail=tail)
    assert f"{tmp_path / 'e.toml'}{message}" in err, err[:300]


async def test_a_planning_error_on_the_worker_names_the_engagement_file(client, worker):
    """The CLI plans before it starts, so this happens when the workers' plugins differ
    from the client's: the blocked reason names the file to fix, or says there was none."""
    import attrs

    from .helpers import make_spec, wait_for

    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    for source, where in (("/srv/engagements/contoso.toml", "engagement file /srv/engagements/contoso.toml"),
                          ("", "the engagement as started (no file)")):  # fmt: skip
        spec = attrs.evolve(make_spec(("core", "nonsense")), source=source)
        await engagements.start(spec)
        status = await wait_for(engagements, spec.engagement_id, lambda s: bool(s.state.blocked))
        assert f"planning the engagement failed: {where}: unknown service 'nonsense'" in status.state.blocked


def test_the_spec_remembers_the_file_it_was_read_from(tmp_path):
    from onboard.core.specfile import load_spec

    path = tmp_path / "e.toml"
    path.write_text(
        'engagement_id = "x1"\ntenant = "t"\ncustomer = "c"\nservices = ["core"]\n'
        f"purchased_on = 2026-11-20T09:00:00Z\n{ROSTER_TOML}"
    )
    assert load_spec(path).source == str(path)
