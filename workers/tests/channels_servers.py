"""Real servers on loopback for the channels tests: SMTP (aiosmtpd) and HTTP(S).

Nothing is mocked: apprise connects over TCP, negotiates TLS with a self-signed
certificate made here, authenticates, and the servers keep what they received.
"""

import datetime
import email
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SMTP_USER, SMTP_PASSWORD = "onboard@example.test", "s3cret/p@ss"


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key (PEM files)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps each message with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append((list(envelope.rcpt_tos), message))
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        with self.lock:
            return [m for rcpts, m in self.messages if address in rcpts]

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def _authenticator(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login.decode() == SMTP_USER
        and auth_data.password.decode() == SMTP_PASSWORD
    )
    return AuthResult(success=ok, handled=False)


@contextmanager
def smtp_server(context: ssl.SSLContext, *, implicit_tls: bool) -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server requiring AUTH over TLS: STARTTLS on a submission port, or
    implicit TLS (SMTPS) when ``implicit_tls``."""
    mailbox, port = Mailbox(), free_port()
    # With implicit TLS aiosmtpd does not know the session is encrypted (it only
    # tracks STARTTLS) and would hide AUTH; the socket is TLS from the first byte.
    tls = (
        {"ssl_context": context, "auth_require_tls": False}
        if implicit_tls
        else {"tls_context": context, "require_starttls": True}
    )
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        server_hostname="localhost",
        authenticator=_authenticator,
        auth_required=True,
        **tls,
    )
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


class Hooks:
    """What the HTTP receiver got, and what it answers (per path)."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, dict]] = []
        self.status: dict[str, int] = {}
        self.lock = threading.Lock()

    def bodies(self, path: str) -> list[dict]:
        with self.lock:
            return [body for p, body in self.requests if p.split("?")[0] == path]


@contextmanager
def http_receiver(context: ssl.SSLContext | None = None) -> Iterator[tuple[Hooks, int]]:
    """A JSON webhook receiver in a thread (HTTPS when ``context`` is given).

    Answers 200, or ``hooks.status[path]`` (e.g. 503 for a channel that is down).
    """
    hooks = Hooks()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw)
            except ValueError:
                body = {"_raw": raw.decode(errors="replace")}
            path = self.path.split("?")[0]
            with hooks.lock:
                hooks.requests.append((path, body))
                status = hooks.status.get(path, 200)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield hooks, server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
