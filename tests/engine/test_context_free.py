"""Workers answer "no serialization context" themselves for onboard's converter
(onboard.workers.context_free), and leave a converter that takes one as it was."""

import dataclasses
import uuid
from typing import Self

from onboard.core.client import Engagements
from onboard.core.codec import CompressionCodec
from onboard.core.converter import DATA_CONVERTER
from onboard.workers.context_free import ContextFreeRunner, takes_no_context
from onboard.workers.worker import running_worker
from temporalio.client import Client
from temporalio.converter import (
    ActivitySerializationContext,
    SerializationContext,
    WithSerializationContext,
)
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from .helpers import KEYS, make_spec, wait_for

PLAN = "plan_engagement"


class ContextRecordingCodec(CompressionCodec, WithSerializationContext):
    """onboard's codec, noting every context it is given."""

    def __init__(self, seen: list[SerializationContext] | None = None) -> None:
        self.seen = seen if seen is not None else []

    def with_context(self, context: SerializationContext) -> Self:
        self.seen.append(context)
        return type(self)(self.seen)


def test_onboard_converter_takes_no_context_and_a_context_aware_codec_does():
    assert takes_no_context(DATA_CONVERTER)
    assert not takes_no_context(dataclasses.replace(DATA_CONVERTER, payload_codec=ContextRecordingCodec()))


async def test_engagement_workers_answer_for_the_sandbox(worker):
    runner = worker.config()["workflow_runner"]
    assert isinstance(runner, ContextFreeRunner) and isinstance(runner.inner, SandboxedWorkflowRunner)


async def test_a_converter_that_takes_a_context_is_given_the_activity_s(client: Client, plugin_manager):
    codec = ContextRecordingCodec()
    config = client.config()
    config["data_converter"] = dataclasses.replace(DATA_CONVERTER, payload_codec=codec)
    aware = Client(**config)
    queue = f"test-{uuid.uuid4().hex[:8]}"
    async with running_worker(aware, task_queue=queue, manager=plugin_manager) as worker:
        assert isinstance(worker.config()["workflow_runner"], SandboxedWorkflowRunner)  # not wrapped
        engagements = Engagements(aware, queue, signer=KEYS)
        spec = make_spec()
        await engagements.start(spec)
        await wait_for(engagements, spec.engagement_id, lambda s: s.state.plan is not None)
    planning = [
        c for c in codec.seen if isinstance(c, ActivitySerializationContext) and c.activity_type == PLAN
    ]
    assert planning and {(c.workflow_id, c.activity_task_queue) for c in planning} == {
        (spec.engagement_id, queue)
    }
