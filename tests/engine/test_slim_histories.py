"""Slim histories: phases share a run until it is long, large payloads are compressed,
an assessment gets only the part of the plan it reads; against the real dev server."""

import base64
import json
import subprocess

import attrs
from onboard.core.client import Engagements
from onboard.core.codec import ENCODING
from onboard.core.codec_server import serving
from onboard.core.converter import DATA_CONVERTER
from onboard.core.models import Phase
from onboard.workers.devserver import find_binary
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from tests.engine.helpers import reach_remediate

from .helpers import FAST, KEYS, drive_full_engagement, make_spec, wait_for

SHARED = attrs.evolve(FAST, new_run_after_events=1000)  # the default


async def runs_of(client: Client, eid: str) -> list:
    """The engagement's runs, first first, each with its history."""
    runs = [wf async for wf in client.list_workflows(f"WorkflowId = '{eid}'")]
    runs.sort(key=lambda wf: wf.start_time)
    return [await client.get_workflow_handle(eid, run_id=wf.run_id).fetch_history() for wf in runs]


def history_bytes(histories: list) -> int:
    return sum(e.ByteSize() for h in histories for e in h.events)


def activity_payloads(history, name: str, kind: str):
    """The payloads of activity ``name``'s inputs (``kind="input"``) or results."""
    scheduled = {}
    for e in history.events:
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            a = e.activity_task_scheduled_event_attributes
            scheduled[e.event_id] = a.activity_type.name
            if kind == "input" and a.activity_type.name == name:
                yield a.input.payloads[0]
        elif kind == "result" and e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
            a = e.activity_task_completed_event_attributes
            if scheduled[a.scheduled_event_id] == name:
                yield a.result.payloads[0]


async def test_every_phase_in_one_run_large_payloads_compressed(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(policy=SHARED)
    final = await drive_full_engagement(engagements, spec)
    assert final.phase is Phase.COMPLETED and final.state.plan.enable_steps
    [history] = await runs_of(client, spec.engagement_id)  # no continue-as-new: one run

    [plan] = activity_payloads(history, "plan_engagement", "result")
    assert plan.metadata["encoding"] == ENCODING, "the plan is stored compressed"
    [decoded] = await DATA_CONVERTER.decode([plan], [type(final.state.plan)])
    assert decoded == final.state.plan

    for payload in activity_payloads(history, "assess", "input"):
        [plain] = await DATA_CONVERTER.payload_codec.decode([payload])
        sent = json.loads(plain.data)["plan"]
        assert sent["requirements"] and sent["services"], "what an assessment reads is there"
        assert sent["enable_steps"] == [] and sent["responsibilities"] == [], "the rest stays out"


async def test_sharing_runs_writes_less_history_than_a_run_per_phase(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    sizes = {}
    for name, policy in (("shared", SHARED), ("per phase", FAST)):
        spec = make_spec(policy=policy)
        await drive_full_engagement(engagements, spec)
        histories = await runs_of(client, spec.engagement_id)
        sizes[name] = (len(histories), history_bytes(histories))
    assert sizes["per phase"][0] == 4 and sizes["shared"][0] == 1, sizes
    assert sizes["shared"][1] < sizes["per phase"][1], sizes


async def test_a_long_run_hands_its_state_on_at_the_next_phase_boundary(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(policy=attrs.evolve(FAST, new_run_after_events=40))
    status = await reach_remediate(engagements, spec)
    histories = await runs_of(client, spec.engagement_id)
    assert len(histories) >= 2, "past 40 events, a phase boundary continues as new"
    ended = histories[0].events[-1]
    assert ended.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
    [carried] = await DATA_CONVERTER.decode(
        ended.workflow_execution_continued_as_new_event_attributes.input.payloads[:1]
    )
    assert carried["state"]["phase"] in ("assess", "remediate"), "handed on at a phase boundary"
    assert status.state.items, "the state came along"


async def test_the_temporal_cli_shows_the_payloads_decoded_through_the_codec_server(client, worker):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec(policy=SHARED)
    await engagements.start(spec)
    await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    address = client.service_client.config.target_host

    def plan_as_shown(*extra: str) -> tuple[str, bytes]:
        """The encoding and data of the planning activity's result, as `temporal workflow show` gives it."""
        done = subprocess.run(
            [str(find_binary()), "workflow", "show", "-w", spec.engagement_id, "--address", address,
             "--output", "json", *extra],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        events = json.loads(done.stdout)["events"]
        [result] = [
            e["activityTaskCompletedEventAttributes"]["result"]["payloads"][0]
            for e in events
            if "activityTaskCompletedEventAttributes" in e
        ][:1]
        return base64.b64decode(result["metadata"]["encoding"]).decode(), base64.b64decode(result["data"])

    encoding, data = plan_as_shown()
    assert encoding == "binary/zlib" and b"responsibilities" not in data
    with serving() as url:
        encoding, data = plan_as_shown("--codec-endpoint", url)
    assert encoding == "json/plain" and json.loads(data)["responsibilities"]
