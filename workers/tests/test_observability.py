"""onboard's metrics and the health endpoint, read over HTTP from real workers on a real server."""

import asyncio
import json
import signal
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest
from onboard.core import metrics
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Contact, EnableStep, GateDecision, Phase, ServiceInfo, Severity
from onboard.core.plugins import load_plugin_manager
from onboard.workers.devserver import DevServer, free_port
from onboard.workers.runtime import worker_runtime
from onboard.workers.worker import run_worker, running_worker
from prometheus_text import Sample, scrape, value
from temporalio.client import Client
from workers_metric_workflows import GateWaitWorkflow
from workers_testing import KEYS, make_spec, onboard_executable, wait_until


def get_health(port: int, method: str = "GET", path: str = "/healthz") -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, kind = response.status, response.read(), response.headers["Content-Type"]
    except urllib.error.HTTPError as error:
        status, raw, kind = error.code, error.read(), error.headers["Content-Type"]
    assert kind == "application/json"
    return status, json.loads(raw) if raw else {}


async def eventually(probe: Callable[[], Any], what: str, seconds: float = 60) -> Any:
    """``probe()`` (run in a thread: it does blocking HTTP) once it returns something truthy."""

    async def probed() -> Any:
        try:
            return await asyncio.to_thread(probe)
        except urllib.error.URLError as error:  # not listening yet (the worker is loading its plugins)
            if isinstance(error, urllib.error.HTTPError) or not isinstance(error.reason, ConnectionError):
                raise
            return None

    result = None
    for _ in range(int(seconds / 0.2)):
        result = await probed()
        if result:
            return result
        await asyncio.sleep(0.2)
    pytest.fail(f"timed out waiting for {what} (last: {result!r})")


async def into_assess(engagements: Engagements, engagement_id: str) -> None:
    """Planned, contacted, kick-off held: the engagement is in Assess."""

    async def reached(predicate: Callable[[Any], bool]) -> bool:
        try:
            return predicate(await engagements.status(engagement_id))
        except OnboardError:  # its first workflow task may not have run yet
            return False

    for predicate in (lambda s: s.state.plan is not None, None, lambda s: s.phase is Phase.ASSESS):
        if predicate is None:
            await engagements.record_contact(engagement_id, Contact("pat", "called"))
            await engagements.decide(engagement_id, GateDecision("kickoff", "pat", True, "held"))
            continue
        for _ in range(300):
            if await reached(predicate):
                break
            await asyncio.sleep(0.1)
        else:
            pytest.fail(f"engagement {engagement_id} did not get there")


async def test_onboard_worker_serves_onboard_series_and_health(
    dev_server: DevServer, dev_client: Client, tmp_path: Path
):
    task_queue, metrics_port, health_port = f"obs-{uuid.uuid4().hex[:8]}", free_port(), free_port()
    log = tmp_path / "worker.log"
    command = [
        onboard_executable(), "worker",
        "--address", dev_server.address,
        "--task-queue", task_queue,
        "--metrics-bind", f"127.0.0.1:{metrics_port}",
        "--health-bind", f"127.0.0.1:{health_port}",
        "--gauge-interval", "0.2",
        "--graceful-shutdown", "5",
    ]  # fmt: skip
    with open(log, "wb") as stderr:
        worker = subprocess.Popen(command, stderr=stderr, stdout=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        await wait_until(
            lambda: '"health_serving"' in log.read_text() or worker.poll() is not None, 60, "start"
        )
        assert worker.poll() is None, log.read_text()

        # Healthy once the server has seen it poll.
        # 200 once either poll is on record; the workflow poll can come a moment after
        # the activity poll, so wait for both before reading the body.
        _, body = await eventually(
            lambda: (
                (answer := get_health(health_port))[0] == 200 and answer[1]["polling"]["workflow"] and answer
            ),
            "a healthy worker seen polling for workflow tasks",
        )
        assert body["status"] == "ok" and body["task_queue"] == task_queue
        assert body["server"] == "reachable" and body["polling"]["workflow"] is True
        assert get_health(health_port, path="/")[0] == 404
        assert get_health(health_port, method="HEAD")[0] == 200

        engagements = Engagements(dev_client, task_queue, signer=KEYS)
        spec = make_spec(f"obs-{uuid.uuid4().hex[:8]}")
        await engagements.start(spec)
        await into_assess(engagements, spec.engagement_id)

        # The bundle-less first assessment leaves the core's blockers open (their checks could not run).
        for _ in range(300):
            state = (await engagements.status(spec.engagement_id)).state
            if state.items:
                break
            await asyncio.sleep(0.1)
        blockers = sum(1 for i in state.items if not i.closed and i.item.severity is Severity.BLOCKER)
        assert blockers > 0

        url, labels = f"http://127.0.0.1:{metrics_port}/metrics", {"task_queue": task_queue}

        def gauged() -> list[Sample] | None:
            samples = scrape(url)
            counted = value(samples, metrics.ENGAGEMENTS, phase="assess", **labels) == 1
            return (
                samples if counted and value(samples, metrics.OPEN_BLOCKERS, **labels) == blockers else None
            )

        samples = await eventually(gauged, "the engagement counted in Assess with its blockers")
        assert value(samples, metrics.ENGAGEMENTS, phase="initiate", **labels) == 0
        assert value(samples, metrics.BLOCKED, **labels) == 0
        assessed = value(
            samples,
            metrics.ASSESSMENT_DURATION + "_count",
            activity_type="assess",
            kind="initial",
            outcome="ok",
        )
        assert assessed == 1
        waited = await eventually(
            lambda: value(scrape(url), metrics.GATE_WAIT + "_count", gate="kickoff", **labels),
            "the kick-off's wait, recorded by the engagement workflow",
        )
        assert waited == 1
        assert value(samples, metrics.ASSESSMENT_DURATION + "_bucket", le="+Inf", kind="initial") == 1

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()


class FlakyPlugin:
    """A service whose plugin raises while the engagement is planned."""

    @hookimpl
    def register_services(self) -> Sequence[ServiceInfo]:
        return [ServiceInfo("flaky", "Flaky service", "raises in enable_steps", min_licenses=0)]

    @hookimpl
    def enable_steps(self, services: Sequence[str]) -> Sequence[EnableStep]:
        if "flaky" in services:
            raise RuntimeError("the flaky plugin broke")
        return []


@asynccontextmanager
async def in_process_worker(client: Client, task_queue: str, **options: Any) -> AsyncIterator[asyncio.Event]:
    """``run_worker`` (gauges every 0.2 s) beside the test; stopped when the block ends."""
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_worker(
            client,
            stop=stop,
            handle_signals=False,
            task_queue=task_queue,
            gauge_interval=timedelta(seconds=0.2),
            graceful_shutdown_timeout=timedelta(seconds=2),
            **options,
        )
    )
    try:
        yield stop
    finally:
        stop.set()
        await task


async def test_plugin_failures_are_counted_and_the_blocked_engagement_gauged(dev_server: DevServer):
    port = free_port()
    client = await dev_server.connect(runtime=worker_runtime(f"127.0.0.1:{port}"))
    task_queue = f"obs-{uuid.uuid4().hex[:8]}"
    manager = load_plugin_manager(extra=[("flaky", FlakyPlugin())])
    async with in_process_worker(client, task_queue, manager=manager):
        spec = attrs.evolve(make_spec(f"flaky-{uuid.uuid4().hex[:8]}"), services=("flaky",), licenses={})
        await Engagements(client, task_queue, signer=KEYS).start(spec)

        def counted() -> list[Sample] | None:
            samples = scrape(f"http://127.0.0.1:{port}/metrics")
            return samples if value(samples, metrics.BLOCKED, task_queue=task_queue) == 1 else None

        samples = await eventually(counted, "the blocked engagement")
    failures = value(samples, metrics.PLUGIN_FAILURES, plugin="flaky", hook="enable_steps")
    assert failures == 1  # planning is not retried: the failure is for good
    assert value(samples, metrics.ENGAGEMENTS, phase="initiate", task_queue=task_queue) == 1


async def test_health_is_503_with_the_reason_once_the_server_is_gone(tmp_path: Path):
    server = DevServer(db=tmp_path / "temporal.db", port=0, ui=False)
    port = free_port()
    async with server:
        client = await server.connect()
        async with in_process_worker(client, "health-check", health_bind=f"127.0.0.1:{port}"):
            await eventually(lambda: get_health(port)[0] == 200, "a healthy worker")
            await server.stop()
            _, body = await eventually(
                lambda: (answer := get_health(port))[0] == 503 and answer, "an unhealthy worker"
            )
    assert body["status"] == "unavailable" and body["server"] == "unreachable"
    assert str(server.port) in body["problem"]


async def test_a_taken_health_port_is_one_clear_error(dev_server: DevServer):
    client = await dev_server.connect()
    taken = free_port()
    blocker = await asyncio.start_server(lambda r, w: None, "127.0.0.1", taken)
    try:
        with pytest.raises(OnboardError, match=r"^--health-bind 127\.0\.0\.1:\d+: .*in use"):
            await run_worker(
                client, handle_signals=False, task_queue="taken", health_bind=f"127.0.0.1:{taken}"
            )
    finally:
        blocker.close()


async def test_gate_wait_recorded_from_workflow_code_lands_in_its_bucket(dev_server: DevServer):
    port = free_port()
    client = await dev_server.connect(runtime=worker_runtime(f"127.0.0.1:{port}"))
    task_queue = f"gate-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, workflows=[GateWaitWorkflow], activities=[]):
        await client.execute_workflow(
            GateWaitWorkflow.run,
            args=["kickoff", 5.0],
            id=f"gate-{uuid.uuid4().hex[:8]}",
            task_queue=task_queue,
        )
        # Prometheus is pulled: read until the recorded value is exported.
        samples = await eventually(
            lambda: (
                (s := scrape(f"http://127.0.0.1:{port}/metrics"))
                and value(s, metrics.GATE_WAIT + "_count", gate="kickoff")
                and s
            ),
            "the gate wait",
        )
    assert value(samples, metrics.GATE_WAIT + "_count", gate="kickoff", task_queue=task_queue) == 1
    assert value(samples, metrics.GATE_WAIT + "_sum", gate="kickoff") == 5 * 3600
    assert value(samples, metrics.GATE_WAIT + "_bucket", gate="kickoff", le="14400") == 0
    assert value(samples, metrics.GATE_WAIT + "_bucket", gate="kickoff", le="28800") == 1
