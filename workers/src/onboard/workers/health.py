"""The worker's health endpoint: ``GET /healthz`` answers 200 or 503 with a short JSON body.

Healthy means this worker can do its job now:

- its ``temporalio`` worker is running (not failed, not shutting down);
- the Temporal frontend answers a gRPC health check (within 3 s);
- the server has seen *this* worker (its identity) poll the task queue lately,
  for workflow or activity tasks (a worker whose activity slots are all busy stops
  polling for activities, so one of the two is enough).

Right after start-up, until the first poll is on record, it answers 503
(``"polling": false``); give a liveness probe an initial delay, or use it as a
readiness probe.  A plain asyncio HTTP server (no dependency): GET and HEAD on
``/healthz``; anything else is 404.
"""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog
from onboard.core.errors import OnboardError
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.worker import Worker

log = structlog.get_logger(__name__)

PATH = "/healthz"
#: A poll on record this recent counts: a long poll waits up to about a minute with no
#: work, so a healthy, idle worker's last poll may be that old.
POLL_FRESH = timedelta(minutes=2)
#: Deadline of each check's calls to the server.
CHECK_TIMEOUT = timedelta(seconds=3)
#: Probes more often than this reuse the last answer (no RPC storm from a busy prober).
CACHE_SECONDS = 1.0
_REASONS = {200: "OK", 404: "Not Found", 405: "Method Not Allowed", 503: "Service Unavailable"}


class WorkerHealth:
    """Decides whether one worker is healthy (see the module docstring)."""

    def __init__(self, client: Client, worker: Worker) -> None:
        self.client = client
        self.worker = worker
        self.identity = worker.config(active_config=True).get("identity") or client.identity
        self._cached: tuple[float, int, dict[str, Any]] | None = None

    async def check(self) -> tuple[int, dict[str, Any]]:
        """The HTTP status (200 or 503) and the JSON body."""
        now = time.monotonic()
        if self._cached and now - self._cached[0] < CACHE_SECONDS:
            return self._cached[1], self._cached[2]
        body: dict[str, Any] = {
            "task_queue": self.worker.task_queue,
            "namespace": self.client.namespace,
            "identity": self.identity,
        }
        problems = []
        if self.worker.is_shutdown or not self.worker.is_running:
            body["worker"] = "stopping" if self.worker.is_shutdown else "not running"
            problems.append(f"the worker is {body['worker']}")
        else:
            body["worker"] = "running"
        try:
            reachable = await self.client.service_client.check_health(timeout=CHECK_TIMEOUT)
            body["server"] = "reachable" if reachable else "not serving"
            body["polling"] = await self._polling()
        except Exception as exc:  # unreachable, timed out, refused: all mean "not healthy"
            body["server"] = "unreachable"
            problems.append(f"the Temporal server at {self.client.service_client.config.target_host}: {exc}")
        else:
            if not reachable:
                problems.append("the Temporal server is not serving")
            elif not any(body["polling"].values()):
                problems.append("the server has not seen this worker poll its task queue lately")
        body["status"] = "unavailable" if problems else "ok"
        if problems:
            body["problem"] = "; ".join(problems)
        status = 503 if problems else 200
        self._cached = (now, status, body)
        return status, body

    async def _polling(self) -> dict[str, bool]:
        kinds = {
            "workflow": TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            "activity": TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        }
        answers = await asyncio.gather(
            *(
                self.client.workflow_service.describe_task_queue(
                    DescribeTaskQueueRequest(
                        namespace=self.client.namespace,
                        task_queue=TaskQueue(name=self.worker.task_queue),
                        task_queue_type=kind,
                    ),
                    timeout=CHECK_TIMEOUT,
                )
                for kind in kinds.values()
            )
        )
        now = datetime.now(UTC)
        return {
            name: any(
                p.identity == self.identity and now - p.last_access_time.ToDatetime(tzinfo=UTC) < POLL_FRESH
                for p in answer.pollers
            )
            for name, answer in zip(kinds, answers, strict=True)
        }


class HealthServer:
    """``GET /healthz`` over plain HTTP/1.1, one request per connection."""

    def __init__(self, health: WorkerHealth, host: str, port: int) -> None:
        self.health = health
        self.host = host.strip("[]")  # "[::1]" as written in a bind address
        self.port = port
        self._server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}{PATH}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, self.host, self.port)
        if self.port == 0:
            self.port = self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=5)
            method, _, rest = request.decode("latin-1").partition(" ")
            path = rest.split(" ", 1)[0].split("?", 1)[0]
            if path != PATH:
                status, body = 404, {"status": "not found", "try": PATH}
            elif method not in ("GET", "HEAD"):
                status, body = 405, {"status": "method not allowed", "allow": "GET, HEAD"}
            else:
                status, body = await self.health.check()
            payload = (json.dumps(body) + "\n").encode()
            head = (
                f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (b"" if method == "HEAD" else payload))
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass  # a prober that hung up or sent no request: nothing to answer
        finally:
            writer.close()


@asynccontextmanager
async def serving_health(client: Client, worker: Worker, bind: str) -> AsyncIterator[HealthServer]:
    """Serve :class:`WorkerHealth` for ``worker`` at ``http://bind/healthz`` in the block.

    :param bind: ``HOST:PORT`` as :func:`onboard.workers.runtime.parse_bind_address` checks it.
    """
    host, _, port = bind.rpartition(":")
    server = HealthServer(WorkerHealth(client, worker), host, int(port))
    try:
        await server.start()
    except OSError as exc:  # the port is taken, or the host is not ours
        raise OnboardError(f"--health-bind {bind}: {exc.strerror or exc}") from exc
    log.info("health_serving", url=server.url)
    try:
        yield server
    finally:
        await server.close()
