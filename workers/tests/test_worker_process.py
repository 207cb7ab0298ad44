"""`onboard worker` and `onboard dev` as an operator runs them: separate processes, real server."""

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import Contact, EngagementStatus, GateDecision, Phase
from onboard.workers.devserver import DevServer, free_port
from onboard.workers.worker import FORCED_EXIT_STATUS
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.client import Client
from workers_sample_workflows import StubbornWorkflow
from workers_testing import KEYS, json_lines, make_spec, onboard_executable, wait_until


def has_event(log: Path, event: str) -> bool:
    return log.exists() and f'"event": "{event}"' in log.read_text()


async def wait_for_status(
    engagements: Engagements, engagement_id: str, predicate: Callable[[EngagementStatus], bool], what: str
) -> None:
    for _ in range(300):
        try:
            if predicate(await engagements.status(engagement_id)):
                return
        except OnboardError:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(0.1)
    pytest.fail(f"engagement {engagement_id}: timed out waiting for {what}")


async def test_onboard_worker_runs_engagements_serves_metrics_and_stops_on_sigterm(
    dev_server: DevServer, dev_client: Client, tmp_path: Path
):
    task_queue, metrics_port = f"ops-{uuid.uuid4().hex[:8]}", free_port()
    log, sink = tmp_path / "worker.log", tmp_path / "notifications.jsonl"
    command = [
        onboard_executable(), "worker",
        "--address", dev_server.address,
        "--task-queue", task_queue,
        "--metrics-bind", f"127.0.0.1:{metrics_port}",
        "--graceful-shutdown", "5",
    ]  # fmt: skip
    with open(log, "wb") as stderr:
        worker = subprocess.Popen(
            command,
            stderr=stderr,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "ONBOARD_NOTIFICATIONS": str(sink)},
        )
    try:
        await wait_until(
            lambda: has_event(log, "worker_starting") or worker.poll() is not None, 30, "start-up"
        )
        assert worker.poll() is None, log.read_text()

        # A real engagement: planned, contacted, kick-off approved, into Assess.
        engagements = Engagements(dev_client, task_queue, signer=KEYS)
        spec = make_spec(f"ops-{uuid.uuid4().hex[:8]}")
        await engagements.start(spec)
        await wait_for_status(engagements, spec.engagement_id, lambda s: s.state.plan is not None, "the plan")
        await engagements.record_contact(spec.engagement_id, Contact("pat", "called"))
        await engagements.decide(spec.engagement_id, GateDecision("kickoff", "pat", True, "held"))
        await wait_for_status(engagements, spec.engagement_id, lambda s: s.phase is Phase.ASSESS, "Assess")

        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            metrics = response.read().decode()
        assert re.search(r"^# TYPE temporal_\w+ (counter|gauge|histogram)$", metrics, re.M)
        planned = re.compile(
            r'^temporal_activity_execution_latency_count\{activity_type="plan_engagement",'
            rf'[^}}]*task_queue="{task_queue}"[^}}]*\}} 1$',
            re.M,
        )
        assert planned.search(metrics), "this worker's activity is counted"

        began = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=10) == 0
        assert time.monotonic() - began < 5, "an idle worker stops promptly"
    finally:
        if worker.poll() is None:
            worker.kill()

    lines = json_lines(log)  # every line is JSON, the SDK's own included
    events = [line["event"] for line in lines]
    assert events.index("stop_requested") < events.index("worker_stopping") < events.index("worker_stopped")
    transitions = [line for line in lines if line["event"] == "phase initiate -> assess"]
    assert transitions, "the workflow's own log line is in the worker's log"
    assert transitions[0]["temporal_workflow"]["workflow_id"] == spec.engagement_id
    assert transitions[0]["logger"] == "temporalio.workflow"
    notified = [line for line in json_lines(sink) if line["engagement_id"] == spec.engagement_id]
    assert "gate-open" in {n["kind"] for n in notified}


async def start_onboard_dev(tmp_path: Path) -> tuple[subprocess.Popen, str, str]:
    """``onboard dev`` on free ports; returns the process, its address and its banner."""
    db, out = tmp_path / "dev" / "temporal.db", tmp_path / "dev.out"
    with open(out, "wb") as stdout:
        dev = subprocess.Popen(
            [onboard_executable(), "dev", "--port", "0", "--db", str(db), "--task-queue", "dev-test"],
            stdout=stdout,
            stderr=subprocess.DEVNULL,
        )
    await wait_until(lambda: "Press Ctrl+C" in out.read_text() or dev.poll() is not None, 30, "the banner")
    banner = out.read_text()
    if dev.poll() is not None:
        pytest.fail(f"onboard dev exited with {dev.returncode}: {banner}")
    return dev, re.search(r"TEMPORAL_ADDRESS=(\S+)", banner).group(1), banner


async def test_onboard_dev_serves_until_ctrl_c_and_takes_its_server_along(tmp_path: Path):
    dev, address, banner = await start_onboard_dev(tmp_path)
    try:
        assert re.search(r"Web UI\s+http://127\.0\.0\.1:\d+", banner)
        assert str(tmp_path / "dev" / "temporal.db") in banner
        client = await Client.connect(address)
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace="default")
        )
        assert "OnboardAwaiting" in listed.custom_attributes

        dev.send_signal(signal.SIGINT)  # what Ctrl+C sends
        assert dev.wait(timeout=20) == 0
    finally:
        if dev.poll() is None:
            dev.kill()
    assert (tmp_path / "dev" / "temporal.db").exists()
    with pytest.raises(RuntimeError, match="Connection refused"):
        await Client.connect(address)  # the server went with it


async def test_a_forced_onboard_dev_exit_still_takes_its_server_along(tmp_path: Path):
    dev, address, _ = await start_onboard_dev(tmp_path)
    try:
        dev.send_signal(signal.SIGINT)
        await asyncio.sleep(0.05)
        dev.send_signal(signal.SIGINT)  # impatient: Ctrl+C twice
        assert dev.wait(timeout=10) == FORCED_EXIT_STATUS
    finally:
        if dev.poll() is None:
            dev.kill()
    with pytest.raises(RuntimeError, match="Connection refused"):
        await Client.connect(address)


async def test_a_second_signal_forces_the_exit_when_an_activity_will_not_stop(
    dev_server: DevServer, dev_client: Client, tmp_path: Path
):
    task_queue, log = f"stubborn-{uuid.uuid4().hex[:8]}", tmp_path / "worker.log"
    script = Path(__file__).with_name("workers_stubborn_worker.py")
    with open(log, "wb") as stderr:
        worker = subprocess.Popen(
            [sys.executable, str(script), dev_server.address, task_queue], stderr=stderr
        )
    try:
        await wait_until(
            lambda: has_event(log, "worker_starting") or worker.poll() is not None, 30, "start-up"
        )
        await dev_client.start_workflow(
            StubbornWorkflow.run, id=f"stubborn-{uuid.uuid4().hex[:8]}", task_queue=task_queue
        )
        await wait_until(lambda: has_event(log, "stubborn activity started"), 15, "the activity")

        worker.send_signal(signal.SIGTERM)
        await wait_until(lambda: has_event(log, "worker_stopping"), 5, "the graceful shutdown")
        await asyncio.sleep(1)
        assert worker.poll() is None, "the first signal waits for the running activity"

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=5) == FORCED_EXIT_STATUS
    finally:
        if worker.poll() is None:
            worker.kill()
    assert has_event(log, "worker_forced_exit")
