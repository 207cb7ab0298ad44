"""A codec server: the Web UI and the ``temporal`` CLI read compressed payloads through it.

onboard compresses payloads of a kilobyte or more (:mod:`onboard.core.codec`);
without help the Web UI shows those as bytes. The Temporal Web UI and the
``temporal`` CLI send payloads to a *codec server* (``POST /decode``, ``POST
/encode``, a JSON body ``{"payloads": [...]}`` in protobuf's JSON form) and show
what comes back. This is that server, for onboard's codec:

    onboard codec-server --port 8888
    temporal workflow show -w ENGAGEMENT_ID --codec-endpoint http://127.0.0.1:8888
    # Web UI: Settings (the gear) > Codec Server > http://127.0.0.1:8888

``onboard dev`` and the demo start one for their embedded server and give its
address to the Web UI (``--ui-codec-endpoint``).

It holds no secret: it only (de)compresses what it is sent, so any origin may call
it (the Web UI runs in a browser on another port); it listens on loopback unless
told otherwise.
"""

import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from google.protobuf import json_format
from onboard.core.codec import CodecError, compress, decompress
from temporalio.api.common.v1 import Payloads

#: The largest request body read (the payload limit is 2 MB; JSON and base64 add to it).
MAX_BODY = 16 * 1024 * 1024


class CodecRequestHandler(http.server.BaseHTTPRequestHandler):
    """``POST /decode`` and ``POST /encode``; ``OPTIONS`` for the browser's preflight."""

    server_version = "onboard-codec"

    def do_OPTIONS(self) -> None:
        self.send_response(204)
        self._cors()
        self.end_headers()

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0].rstrip("/")
        operation = path.rsplit("/", 1)[-1]
        if operation not in ("decode", "encode"):
            self._fail(404, f"no such endpoint {self.path!r}: POST /decode or /encode")
            return
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._fail(413, f"the body has {length} bytes; at most {MAX_BODY} are read")
            return
        try:
            payloads = json_format.Parse(self.rfile.read(length) or b"{}", Payloads())
            code = decompress if operation == "decode" else compress
            coded = [code(payload) for payload in payloads.payloads]
        except (json_format.ParseError, CodecError) as exc:
            self._fail(400, f"cannot {operation}: {exc}")
            return
        body = json_format.MessageToJson(Payloads(payloads=coded)).encode()
        self.send_response(200)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass  # every payload the UI shows is a request: not worth a line each

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", self.headers.get("Origin") or "*")
        self.send_header("Access-Control-Allow-Methods", "POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, X-Namespace, Authorization")
        self.send_header("Access-Control-Allow-Credentials", "true")
        self.send_header("Vary", "Origin")

    def _fail(self, status: int, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def make_server(host: str = "127.0.0.1", port: int = 0) -> http.server.ThreadingHTTPServer:
    """A codec server bound to ``host:port`` (``0``: a free port), not yet serving."""
    server = http.server.ThreadingHTTPServer((host, port), CodecRequestHandler)
    server.daemon_threads = True
    return server


def url_of(server: http.server.ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve_in_background(server: http.server.ThreadingHTTPServer) -> None:
    """Serve on a daemon thread until :func:`stop`."""
    threading.Thread(target=server.serve_forever, name="codec-server", daemon=True).start()


def stop(server: http.server.ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


@contextmanager
def serving(host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve in a background thread for the ``with`` block; yields the server's URL."""
    server = make_server(host, port)
    serve_in_background(server)
    try:
        yield url_of(server)
    finally:
        stop(server)
