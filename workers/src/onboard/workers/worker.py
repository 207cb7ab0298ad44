"""The onboard worker: the engagement workflows and activities on one task queue.

Three ways to run it, from the most to the least managed:

- :func:`run_worker` — the ``onboard worker`` process: runs until SIGTERM or
  SIGINT (or a ``stop`` event), then shuts down gracefully: polling stops,
  running activities get ``graceful_shutdown_timeout`` to finish before they are
  cancelled (and retried elsewhere).  A second signal exits at once.
- :func:`running_worker` — ``async with running_worker(client): ...`` runs a
  worker beside other code in the same process (``onboard dev``, the demo, tests).
- :func:`build_worker` — the configured ``temporalio.worker.Worker`` itself.

Scale out by starting more workers on the same task queue; Temporal spreads the work.
"""

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager, nullcontext, suppress
from datetime import timedelta
from pathlib import Path
from typing import Any

import structlog
from onboard.core import digest, engagement
from onboard.core.converter import OnboardPayloadConverter
from onboard.core.errors import OnboardError
from onboard.core.plugins import ServicePluginManager, default_plugin_manager
from onboard.core.settings import TASK_QUEUE
from onboard.core.trust import store as trust_store
from onboard.core.trust.signers import SignersFileError
from onboard.workers import activation_batches, context_free
from onboard.workers.gauges import EngagementGauges
from onboard.workers.health import serving_health
from temporalio.client import Client
from temporalio.worker import Worker

log = structlog.get_logger(__name__)

#: Below Kubernetes' default 30 s termination grace period, so the worker finishes
#: its own shutdown before it would be killed.
DEFAULT_GRACEFUL_SHUTDOWN = timedelta(seconds=20)

#: Exit status after a second SIGINT/SIGTERM forced the process out.
FORCED_EXIT_STATUS = 130


def build_worker(
    client: Client,
    *,
    task_queue: str = TASK_QUEUE,
    manager: ServicePluginManager | None = None,
    workflows: Sequence[type] | None = None,
    activities: Sequence[Callable] | None = None,
    graceful_shutdown_timeout: timedelta = DEFAULT_GRACEFUL_SHUTDOWN,
    allowed_signers: Path | None = None,
    **worker_options: Any,
) -> Worker:
    """A worker for ``task_queue`` with the engagement workflows and activities.

    The worker's allowed-signers file (``allowed_signers``, else
    :func:`onboard.core.trust.store.default_path`) decides whose signatures its
    update validators accept; it is registered for ``task_queue`` here.  A missing
    or malformed file is logged and refuses every signed action until it is fixed.

    :param client: connected with onboard's data converter (``connection.connect``
        or ``DevServer.connect``); its runtime carries metrics and logging.
    :param manager: the plugin manager the activities use (default: every
        installed plugin, loaded now so that a broken plugin shows at start-up).
    :param workflows: instead of the engagement workflows (tests).
    :param activities: instead of the engagement activities (tests).
    :param worker_options: passed on to ``temporalio.worker.Worker``.
    """
    if workflows is None:
        if not issubclass(client.data_converter.payload_converter_class, OnboardPayloadConverter):
            # Otherwise the first activity result fails deep inside the SDK.
            raise OnboardError(
                "the worker's client must use onboard's data converter: connect with "
                "onboard.core.connection.connect() or DevServer.connect()"
            )
        workflows = engagement.WORKFLOWS
    trust = trust_store.TrustStore(allowed_signers or trust_store.default_path())
    try:
        signers = trust.current()
        log.info("allowed_signers", path=str(trust.path), keys=len(signers.keys), sha256=signers.sha256)
    except SignersFileError as exc:
        log.warning("allowed_signers_unusable", path=str(trust.path), error=str(exc))
    trust_store.register(task_queue, trust)
    if activities is None:
        manager = manager if manager is not None else default_plugin_manager()
        _log_plugins(manager)
        activities = engagement.EngagementActivities(manager, trust).all()
        activities += digest.DigestActivities(client, manager).all()  # it lists and queries engagements
    if "workflow_runner" not in worker_options:
        runner = engagement.workflow_runner()
        worker_options["workflow_runner"] = context_free.context_free_runner(runner, client.data_converter)
    worker = Worker(
        client,
        task_queue=task_queue,
        workflows=list(workflows),
        activities=list(activities),
        graceful_shutdown_timeout=graceful_shutdown_timeout,
        **worker_options,
    )
    if workflows:  # a worker with activities only (the customer-side collector) has no activations
        activation_batches.apply_all_jobs_first(worker)
    return worker


def _log_plugins(manager: ServicePluginManager) -> None:
    for record in manager.records.values():
        if record.status == "active":
            log.info("plugin_active", plugin=record.name, version=record.version, services=record.services)
        else:
            log.warning("plugin_not_loaded", plugin=record.name, status=record.status, error=record.error)


@asynccontextmanager
async def running_worker(client: Client, **options: Any) -> AsyncIterator[Worker]:
    """Run a :func:`build_worker` worker (same options) for the ``async with`` block.

    Leaving the block shuts the worker down gracefully; a fatal worker error
    (e.g. an unknown namespace) is raised out of the block.
    """
    async with build_worker(client, **options) as worker:
        yield worker


async def run_worker(
    client: Client,
    *,
    stop: asyncio.Event | None = None,
    handle_signals: bool = True,
    health_bind: str | None = None,
    gauge_interval: timedelta | None = None,
    **options: Any,
) -> None:
    """Run a worker until ``stop`` is set or SIGTERM/SIGINT arrives, then shut down.

    :param stop: set it to stop the worker (also set by the signal handlers).
    :param handle_signals: install SIGTERM/SIGINT handlers (only possible in the
        main thread; elsewhere the caller stops the worker through ``stop``).
    :param health_bind: ``HOST:PORT`` to serve ``/healthz`` at (:mod:`.health`).
    :param gauge_interval: how often to set the engagement gauges from visibility
        (:mod:`.gauges`) on the client's runtime meter; ``None``: not at all.
    :param options: passed to :func:`build_worker`.
    :raises RuntimeError: and other temporalio errors when the worker fails fatally.
    :raises OnboardError: the health address cannot be bound.
    """
    worker = build_worker(client, **options)
    stop = stop or asyncio.Event()
    async with AsyncExitStack() as beside:
        if health_bind is not None:
            await beside.enter_async_context(serving_health(client, worker, health_bind))
        if gauge_interval is not None:
            meter = client.service_client.config.runtime.metric_meter  # type: ignore[union-attr]
            gauges = EngagementGauges(client, worker.task_queue, meter, gauge_interval)
            beside.push_async_callback(_cancelled, asyncio.create_task(gauges.run()))
        await _run_until_stopped(client, worker, stop, handle_signals, options)
    log.info("worker_stopped", task_queue=worker.task_queue)


async def _cancelled(task: asyncio.Task) -> None:
    task.cancel()
    with suppress(asyncio.CancelledError):
        await task


async def _run_until_stopped(
    client: Client, worker: Worker, stop: asyncio.Event, handle_signals: bool, options: dict[str, Any]
) -> None:
    with stop_on_signals(stop) if handle_signals else nullcontext():
        run = asyncio.create_task(worker.run())
        stopped = asyncio.create_task(stop.wait())
        log.info(
            "worker_starting",
            task_queue=worker.task_queue,
            namespace=client.namespace,
            identity=client.identity,
            pid=os.getpid(),
            # How many engagements it keeps in memory (--workflow-cache-size).
            workflow_cache_size=worker.config().get("max_cached_workflows"),
        )
        try:
            await asyncio.wait({run, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if not run.done():
                timeout = options.get("graceful_shutdown_timeout", DEFAULT_GRACEFUL_SHUTDOWN)
                log.info("worker_stopping", graceful_shutdown_seconds=timeout.total_seconds())
                await worker.shutdown()
            await run  # re-raises a fatal worker error
        finally:
            stopped.cancel()


@contextmanager
def stop_on_signals(
    stop: asyncio.Event, before_forced_exit: Callable[[], None] | None = None
) -> Iterator[None]:
    """Within the block, the first SIGTERM/SIGINT sets ``stop``; a second one exits at once.

    :param before_forced_exit: called just before a forced exit (``onboard dev``
        kills its server there, so that it does not outlive onboard).

    Needs a running event loop in the main thread; elsewhere (or on Windows) it
    installs nothing and the caller stops through ``stop`` (Ctrl+C then raises
    ``KeyboardInterrupt`` as usual).
    """
    loop = asyncio.get_running_loop()

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if not stop.is_set():
            log.info("stop_requested", signal=name)
            stop.set()
            return
        # An operator who asks twice does not want to wait for running activities.
        log.warning("worker_forced_exit", signal=name)
        if before_forced_exit is not None:
            before_forced_exit()
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(FORCED_EXIT_STATUS)

    installed = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        try:
            loop.add_signal_handler(signum, on_signal, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # Windows, or not the main thread
            continue
        installed.append(signum)
    try:
        yield
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
