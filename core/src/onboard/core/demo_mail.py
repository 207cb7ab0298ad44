"""The demo's mail: a local SMTP sink the channels plugin delivers to, and its summary.

``onboard demo`` should show what the engagement would have told people, not just
say that notices exist.  So it runs the real ``channels`` plugin (apprise, SMTP,
the delivered record) against an SMTP server on 127.0.0.1 that accepts every
message without authentication and keeps it as an ``.eml`` file.  Nothing leaves
the machine: the configuration is written under the demo's home and named by
``$ONBOARD_CHANNELS`` only while the demo runs, which also keeps an operator's own
``channels.yml`` from mailing the example personas.
"""

import asyncio
import email
import os
import re
import socket
import threading
from collections import Counter
from collections.abc import Awaitable, Iterator, Sequence
from contextlib import contextmanager
from email import policy
from pathlib import Path

from aiosmtpd.controller import Controller
from attrs import frozen
from onboard.core.channels.config import CHANNELS_ENV
from onboard.core.models import Person

#: The sender of the demo's mail.
DEMO_FROM = "onboard@demo.example"


@frozen
class Received:
    """One message the sink accepted: its envelope recipients, kind and file."""

    recipients: tuple[str, ...]
    kind: str
    subject: str
    path: Path


class MailSink:
    """An aiosmtpd handler that saves each message as ``NNN-kind.eml`` in ``folder``.

    The file is written before the server answers 250, so once the channels plugin
    reported a notice delivered its message is on disk.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.received: list[Received] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        notice = str(message.get("X-Onboard-Notice", ""))
        kind = notice.rsplit("/", 1)[-1] or "mail"
        with self._lock:
            name = f"{len(self.received) + 1:03d}-{_safe(kind)}.eml"
            path = self.folder / name
            path.write_bytes(envelope.content)
            self.received.append(
                Received(
                    tuple(a.lower() for a in envelope.rcpt_tos), kind, str(message["Subject"] or ""), path
                )
            )
        return "250 OK"

    def messages(self) -> list[Received]:
        with self._lock:
            return list(self.received)


class _LoopbackController(Controller):
    """aiosmtpd's threaded controller on a socket bound here to a free loopback port.

    ``Controller(port=0)`` cannot work (it connects to the port it was given to
    check the server is up), and picking a free port first would race with other
    programs; binding the socket ourselves does neither.
    """

    def __init__(self, handler: MailSink) -> None:
        # proto=IPPROTO_TCP, not create_server()'s 0: asyncio sets TCP_NODELAY only on
        # sockets that say TCP, and without it each multi-line reply (EHLO) waits 40 ms
        # for a delayed ACK.
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        # server_hostname: no getfqdn() (a DNS lookup, slow without a network).
        super().__init__(
            handler, hostname="127.0.0.1", port=self._socket.getsockname()[1], server_hostname="localhost"
        )

    def _create_server(self) -> Awaitable[asyncio.AbstractServer]:
        return self.loop.create_server(self._factory_invoker, sock=self._socket)


@contextmanager
def mail_sink(home: Path, run: str, *, web_ui: str) -> Iterator[MailSink]:
    """Run the SMTP sink and point the channels plugin at it until the block ends.

    Messages go to ``home/mail/<run>``; the configuration and the delivered record
    live beside them.  ``$ONBOARD_CHANNELS`` (and OpenSSL's CA paths, below) are set
    for this process, where the demo's worker runs, and restored afterwards.
    """
    folder = home / "mail" / run
    folder.mkdir(parents=True, exist_ok=True)
    sink = MailSink(folder)
    controller = _LoopbackController(sink)
    controller.start()
    config = home / "mail" / "channels.yml"
    config.write_text(
        "# Written by `onboard demo`: every notice by e-mail to the local SMTP sink.\n"
        f"web_ui: {web_ui}\n"
        f'email: "mailto://127.0.0.1:{controller.port}?from={DEMO_FROM}&name=onboard%20demo"\n'
        "retry: 0\n"
        "timeout: 10\n"
        f"delivered: {home / 'mail' / 'delivered.sqlite3'}\n",
        encoding="utf-8",
    )
    # apprise builds a certificate-checking SSL context for every message, plain SMTP
    # too, and reading the system's CA bundle costs ~60 ms each: 3 s over the demo's
    # ~45 mails.  Nothing in the demo's process uses TLS (the server is local and
    # plain), so while it runs OpenSSL's default CA file and folder are empty ones.
    no_ca = home / "mail" / "no-ca"
    no_ca.mkdir(exist_ok=True)
    (no_ca / "none.pem").touch()
    env = {CHANNELS_ENV: str(config), "SSL_CERT_FILE": str(no_ca / "none.pem"), "SSL_CERT_DIR": str(no_ca)}
    before = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        yield sink
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        controller.stop()


async def warm_up() -> None:
    """Load apprise's plugins now (about a second, once per process), in a thread
    while the Temporal server starts, rather than on the first notice."""

    def load() -> None:
        import apprise

        apprise.Apprise.instantiate(f"mailto://127.0.0.1:25?from={DEMO_FROM}")

    await asyncio.to_thread(load)


def summary(
    received: Sequence[Received], people: Sequence[Person], folder: Path, engagement_id: str = ""
) -> list[str]:
    """Lines for the console: per person, how many mails and of which kinds, with
    the subject of each kind's latest (without the ``engagement_id:`` every subject
    starts with); then where the messages are."""
    lines = []
    known = {p.email.lower(): p for p in people if p.email}
    addresses = list(known) + sorted({a for m in received for a in m.recipients} - set(known))
    for address in addresses:
        mine = [m for m in received if address in m.recipients]
        person = known.get(address)
        who = f"{person.id} <{address}>" if person else address
        kinds = Counter(m.kind for m in mine)
        counted = ", ".join(f"{kind} ×{n}" for kind, n in kinds.most_common())
        lines.append(
            f"{who}: {len(mine)} mail{'' if len(mine) == 1 else 's'}" + (f" — {counted}" if mine else "")
        )
        prefix = f"{engagement_id}: " if engagement_id else ""
        latest = {m.kind: m.subject.removeprefix(prefix) for m in mine}
        lines += [f"    {kind}: {subject}" for kind, subject in latest.items()]
    lines.append(f"full messages (.eml): {folder}")
    return lines


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:40] or "mail"


__all__ = ["DEMO_FROM", "MailSink", "Received", "mail_sink", "summary", "warm_up"]
