"""The worker in this process: JSON logs with workflow info, graceful drain, fatal errors."""

import asyncio
import io
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
import structlog
from onboard.core.errors import OnboardError
from onboard.core.settings import TASK_QUEUE
from onboard.workers.devserver import DevServer
from onboard.workers.logs import configure_worker_logging
from onboard.workers.runtime import CORE_LOGGER_NAME, worker_runtime
from onboard.workers.worker import build_worker, run_worker, running_worker
from temporalio import activity, workflow
from temporalio.client import Client
from workers_sample_workflows import DRAIN_EVENTS, DrainWorkflow, GreetingWorkflow, drain_on_shutdown, greet
from workers_testing import wait_until


def queue() -> str:
    return f"test-{uuid.uuid4().hex[:8]}"


@contextmanager
def json_logs_captured() -> Iterator[io.StringIO]:
    """Worker logging into a buffer, and the process's logging as it was afterwards."""
    root = logging.getLogger()
    saved = (root.handlers[:], root.level, structlog.get_config())
    saved_info = (workflow.logger.workflow_info_on_message, activity.logger.activity_info_on_message)
    buffer = io.StringIO()
    configure_worker_logging("info", buffer)
    try:
        yield buffer
    finally:
        root.handlers[:], level, config = saved
        root.setLevel(level)
        structlog.configure(**config)
        workflow.logger.workflow_info_on_message, activity.logger.activity_info_on_message = saved_info


def parsed(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


async def test_workflow_and_activity_logs_are_json_with_their_info(dev_client: Client):
    task_queue, workflow_id = queue(), f"greet-{uuid.uuid4().hex[:8]}"
    with json_logs_captured() as buffer:
        async with running_worker(
            dev_client, task_queue=task_queue, workflows=[GreetingWorkflow], activities=[greet]
        ):
            result = await dev_client.execute_workflow(
                GreetingWorkflow.run, "casey", id=workflow_id, task_queue=task_queue
            )
    assert result == "hello casey"
    lines = parsed(buffer)

    # The message is just the text: the info is in its own field, not repeated in the message.
    (from_workflow,) = [line for line in lines if line["event"] == "greeting requested for casey"]
    assert from_workflow["logger"] == "temporalio.workflow"
    assert from_workflow["temporal_workflow"]["workflow_id"] == workflow_id
    assert from_workflow["temporal_workflow"]["workflow_type"] == "GreetingWorkflow"
    assert from_workflow["temporal_workflow"]["task_queue"] == task_queue

    (from_activity,) = [line for line in lines if line["event"] == "greeting casey"]
    assert from_activity["logger"] == "temporalio.activity"
    assert from_activity["temporal_activity"]["activity_type"] == "greet"
    assert from_activity["temporal_activity"]["workflow_id"] == workflow_id
    assert all({"timestamp", "level"} <= line.keys() for line in lines)


async def test_stop_lets_a_running_activity_finish_within_the_grace_period(dev_client: Client):
    task_queue = queue()
    DRAIN_EVENTS.clear()
    stop = asyncio.Event()
    options = {"task_queue": task_queue, "workflows": [DrainWorkflow], "activities": [drain_on_shutdown]}
    worker = asyncio.create_task(
        run_worker(
            dev_client,
            stop=stop,
            handle_signals=False,
            graceful_shutdown_timeout=timedelta(seconds=10),
            **options,
        )
    )
    handle = await dev_client.start_workflow(
        DrainWorkflow.run, id=f"drain-{uuid.uuid4().hex[:8]}", task_queue=task_queue
    )
    await wait_until(lambda: DRAIN_EVENTS, 15, "the activity to start")

    began = time.monotonic()
    stop.set()
    await asyncio.wait_for(worker, 15)
    assert DRAIN_EVENTS == ["started", "saw shutdown", "finished"]
    assert time.monotonic() - began < 5, "the worker waited for the activity, not for the whole grace period"

    # The activity's result reached the server before the worker left: the next
    # worker finishes the workflow without running the activity again.
    async with running_worker(dev_client, **options):
        assert await asyncio.wait_for(handle.result(), 20) == "drained"
    assert DRAIN_EVENTS.count("started") == 1


async def test_a_fatal_worker_error_is_raised_and_core_logs_are_json(dev_server: DevServer):
    client = await Client.connect(dev_server.address, namespace="no-such-namespace", runtime=worker_runtime())
    with json_logs_captured() as buffer:
        with pytest.raises(RuntimeError, match="no-such-namespace"):
            await asyncio.wait_for(
                run_worker(
                    client,
                    handle_signals=False,
                    task_queue=queue(),
                    workflows=[GreetingWorkflow],
                    activities=[greet],
                ),
                15,
            )
        # Core (Rust) logs arrive through Python logging, batched: give them a moment.
        core = await wait_until(
            lambda: [line for line in parsed(buffer) if line["logger"] == CORE_LOGGER_NAME],
            5,
            "a Core log line",
        )
    assert all("core_target" in line and "temporal_log" not in line for line in core)


async def test_the_engagement_worker_needs_onboards_data_converter(dev_server: DevServer, dev_client: Client):
    plain = await Client.connect(dev_server.address)
    with pytest.raises(OnboardError, match="onboard's data converter"):
        build_worker(plain)
    assert build_worker(dev_client).task_queue == TASK_QUEUE
