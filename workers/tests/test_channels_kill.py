"""A worker killed in the middle of mailing a notice: who gets how many copies.

Real processes and a real SMTP conversation: ``onboard worker`` runs as its own
process with ``$ONBOARD_CHANNELS`` naming a configuration whose ``email`` is an
aiosmtpd server on loopback.  That server can hold one SMTP transaction still at
a chosen point, so the test knows where the worker is when it SIGKILLs it:

* in DATA, before the server's 250: the transaction never completes, so nothing
  was delivered, and the next worker's retry (after the notify activity's
  heartbeat timeout) sends the notice once.  That is the promise, and it holds;
* after the 250, in QUIT, before the plugin has written "sent" to its delivered
  record: the message *was* delivered, the record only has a claim of a dead
  process, and the retry sends it again.  The channels docs admit this ("that one
  message may go twice"); the test keeps it visible as an expected failure.

The server records a message only when it answers 250, the way an MTA takes
responsibility for it; a transaction whose client went away is recorded as
cancelled, which is what aiosmtpd does when the connection drops mid-command.
"""

import asyncio
import email
import os
import signal
import subprocess
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy
from pathlib import Path

import attrs
import pytest
from aiosmtpd.controller import Controller
from channels_servers import free_port
from onboard.core.channels.delivered import DeliveredRecord
from onboard.core.client import Engagements
from onboard.core.models import (
    Contact,
    EngagementSpec,
    GateDecision,
    Party,
    Person,
    Phase,
)
from onboard.core.trust import keys
from onboard.workers.devserver import DevServer
from temporalio.client import Client
from workers_testing import make_spec, onboard_executable, wait_until

ROSTER = (
    Person("pat", "Pat Provider", Party.PROVIDER, "pat@fasttrack.example"),
    Person("casey", "Casey Customer", Party.CUSTOMER, "casey@contoso.example"),
)
PAT, CASEY = (p.email for p in ROSTER)


class StallingMailbox:
    """An SMTP handler that holds the first transaction of one notice at ``stall_in``.

    ``"DATA"``: the message has arrived but the 250 waits.  ``"QUIT"``: the 250 went
    out (the message is accepted and recorded), the answer to QUIT waits.  The hold
    is an ``await`` (never a blocking wait), so other connections, the next
    worker's among them, are served meanwhile.
    """

    def __init__(self, stall_notice: str, stall_in: str) -> None:
        self.stall_notice, self.stall_in = stall_notice, stall_in
        self.stalled = threading.Event()  # the held transaction is being held
        self.release = threading.Event()
        self.accepted: list[tuple[str, str]] = []  # (recipient, X-Onboard-Notice), on 250 only
        self.cancelled: list[tuple[str, str]] = []  # transactions whose client went away
        self.before_kill: list[tuple[str, str]] = []  # what was accepted when the worker died
        self.lock = threading.Lock()

    async def _hold(self) -> None:
        self.stalled.set()
        while not self.release.is_set():
            await asyncio.sleep(0.02)

    def _first_of_stalled_notice(self, notice: str) -> bool:
        with self.lock:
            if notice != self.stall_notice or self.stalled.is_set():
                return False
            self.stalled.set()
            return True

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=policy.default)
        notice = str(message["X-Onboard-Notice"])
        rcpts = [a.lower() for a in envelope.rcpt_tos]
        if self._first_of_stalled_notice(notice):
            if self.stall_in == "DATA":
                try:
                    await self._hold()
                except asyncio.CancelledError:  # the client's connection dropped
                    with self.lock:
                        self.cancelled += [(r, notice) for r in rcpts]
                    raise
            else:
                session.hold_quit = True
        with self.lock:
            self.accepted += [(r, notice) for r in rcpts]
        return "250 OK"

    async def handle_QUIT(self, server, session, envelope) -> str:
        if getattr(session, "hold_quit", False):
            await self._hold()
        return "221 Bye"

    def copies(self, recipient: str, notice: str) -> int:
        with self.lock:
            return self.accepted.count((recipient, notice))

    def all_accepted(self) -> list[tuple[str, str]]:
        with self.lock:
            return list(self.accepted)


@contextmanager
def smtp(mailbox: StallingMailbox) -> Iterator[int]:
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, server_hostname="localhost")
    controller.start()
    try:
        yield port
    finally:
        mailbox.release.set()
        controller.stop()


def spec_for(engagement_id: str) -> EngagementSpec:
    """The smallest engagement, with a roster that has e-mail addresses."""
    return attrs.evolve(make_spec(engagement_id), roster=ROSTER)


class Workers:
    """``onboard worker`` processes on one task queue, with the test's channels."""

    def __init__(self, address: str, tmp_path: Path, smtp_port: int, allowed: Path) -> None:
        self.address, self.tmp_path = address, tmp_path
        self.task_queue = f"kill-{uuid.uuid4().hex[:8]}"
        self.delivered = tmp_path / "delivered.sqlite3"
        config = tmp_path / "channels.yml"
        config.write_text(
            f'email: "mailto://127.0.0.1:{smtp_port}?from=onboard@example.test"\n'
            f"retry: 0\ntimeout: 15\ndelivered: {self.delivered}\n"
        )
        self.env = {
            **os.environ,
            "ONBOARD_CHANNELS": str(config),
            "ONBOARD_ALLOWED_SIGNERS": str(allowed),
            "ONBOARD_NOTIFICATIONS": str(tmp_path / "notifications.jsonl"),
        }
        self.processes: list[subprocess.Popen] = []

    async def start(self) -> subprocess.Popen:
        log = self.tmp_path / f"worker-{len(self.processes)}.log"
        command = [onboard_executable(), "worker", "--address", self.address, "--task-queue", self.task_queue]
        with open(log, "wb") as stderr:
            process = subprocess.Popen(command, stderr=stderr, stdout=subprocess.DEVNULL, env=self.env)
        self.processes.append(process)
        await wait_until(
            lambda: '"event": "worker_starting"' in log.read_text() or process.poll() is not None,
            30,
            "the worker's start-up",
        )
        if process.poll() is not None:
            pytest.fail(f"the worker exited with {process.returncode}: {log.read_text()[-2000:]}")
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


async def kill_while_stalled(
    dev_server: DevServer, dev_client: Client, tmp_path: Path, stall_in: str
) -> tuple[StallingMailbox, Workers, str]:
    """Start an engagement, hold its first mail at ``stall_in``, SIGKILL the worker
    there, release the hold, start a second worker, approve the kick-off (notice 2,
    to both people) and wait until both notices have reached everyone."""
    eid = f"kill-{uuid.uuid4().hex[:8]}"
    first = f"{eid}/1/gate-open"  # the kick-off gate, opened by the first contact: pat's
    mailbox = StallingMailbox(first, stall_in)
    ring, allowed = keys.persona_keys(tmp_path / "keys", ROSTER)
    with smtp(mailbox) as port:
        workers = Workers(dev_server.address, tmp_path, port, allowed)
        try:
            worker = await workers.start()
            engagements = Engagements(dev_client, workers.task_queue, signer=ring)
            await engagements.start(spec_for(eid))
            for _ in range(100):  # the plan comes first; contact is refused before it
                try:
                    if (await engagements.status(eid)).state.plan is not None:
                        break
                except Exception:  # the first workflow task may not have run yet
                    pass
                await asyncio.sleep(0.1)
            await engagements.record_contact(eid, Contact("pat", "called"))
            await wait_until(mailbox.stalled.is_set, 30, f"the first mail held in {stall_in}")

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            mailbox.before_kill = mailbox.all_accepted()
            if stall_in == "DATA":
                await wait_until(lambda: mailbox.cancelled, 5, "the server to see the connection drop")
            mailbox.release.set()

            await workers.start()
            await engagements.decide(eid, GateDecision("kickoff", "pat", True, "held"))
            second = f"{eid}/2/transition"
            await wait_until(
                lambda: (
                    all(mailbox.copies(who, second) for who in (PAT, CASEY)) and mailbox.copies(PAT, first)
                ),
                50,
                "both notices after the retry",
            )
            await asyncio.sleep(1)  # room for a late copy to show up
            # pytest.fail, not assert: the xfail below expects only its own assertion.
            if (phase := (await engagements.status(eid)).phase) is not Phase.ASSESS:
                pytest.fail(f"the engagement should be in Assess, is in {phase.value}")
        except BaseException:
            workers.stop_all()
            raise
    workers.stop_all()
    return mailbox, workers, eid


@pytest.mark.timeout(90)
async def test_a_worker_killed_in_data_sends_the_notice_exactly_once(
    dev_server: DevServer, dev_client: Client, tmp_path: Path
):
    mailbox, workers, eid = await kill_while_stalled(dev_server, dev_client, tmp_path, "DATA")
    first = f"{eid}/1/gate-open"
    # The interrupted transaction: its client went away, the server never said 250.
    assert mailbox.cancelled == [(PAT, first)]
    assert (PAT, first) not in mailbox.before_kill
    accepted = mailbox.all_accepted()
    assert accepted.count((PAT, first)) == 1, accepted
    assert (CASEY, first) not in accepted, "the kick-off gate is the provider's"
    for pair in set(accepted):  # every later notice too: once per person
        assert accepted.count(pair) == 1, f"{pair} arrived {accepted.count(pair)} times"
    assert mailbox.copies(PAT, f"{eid}/2/transition") == mailbox.copies(CASEY, f"{eid}/2/transition") == 1
    states = {row[0]: row[3] for row in DeliveredRecord(workers.delivered).rows()}
    assert states[first] == "sent", "the second worker took over the dead worker's claim"


@pytest.mark.timeout(90)
@pytest.mark.xfail(
    strict=False,
    raises=AssertionError,
    reason=(
        "known limit of the channels plugin (docs/operations.md, 'Once, as a person sees it'): "
        "a worker killed after the SMTP server accepted a message (250) but before the plugin "
        "recorded it as sent leaves only a claim of a dead process; the retry takes it over and "
        "mails the notice again. At-least-once is all SMTP allows across a crash at that point."
    ),
)
async def test_a_worker_killed_after_the_server_accepted_sends_a_second_copy(
    dev_server: DevServer, dev_client: Client, tmp_path: Path
):
    mailbox, _, eid = await kill_while_stalled(dev_server, dev_client, tmp_path, "QUIT")
    first = f"{eid}/1/gate-open"
    if mailbox.cancelled or (PAT, first) not in mailbox.before_kill:
        pytest.fail(f"the held message was meant to be accepted before the kill: {mailbox.before_kill}")
    assert mailbox.copies(PAT, first) == 1, f"pat got {mailbox.copies(PAT, first)} copies of {first}"
