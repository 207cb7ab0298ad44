"""Log lines people can read on a terminal, JSON lines for collectors (real processes, real pty)."""

import json
import os
import pty
import re
import select
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from onboard.workers.devserver import DevServer
from workers_testing import onboard_executable

ANSI = re.compile(r"\x1b\[[0-9;]*m")


class Terminal:
    """A process whose stdout and stderr are a pseudo-terminal, as in an operator's shell."""

    def __init__(self, *args: str, env: dict[str, str] | None = None) -> None:
        self.master, replica = pty.openpty()
        self.process = subprocess.Popen(
            [onboard_executable(), *args],
            stdin=subprocess.DEVNULL,
            stdout=replica,
            stderr=replica,
            env={**os.environ, **(env or {})},
        )
        os.close(replica)
        self.text = ""

    def read_until(self, needle: str, seconds: float = 60) -> str:
        """Everything written so far, once ``needle`` is in it (fails the test after ``seconds``)."""
        waited = 0.0
        while needle not in self.text:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            waited += 0.2
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the process exited and closed the terminal
                    chunk = b""
                if not chunk:
                    break
                self.text += chunk.decode("utf-8", "replace")
            elif waited > seconds or self.process.poll() is not None:
                break
        if needle not in self.text:
            pytest.fail(f"{needle!r} never appeared; the terminal showed:\n{self.text}")
        return self.text

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)
        os.close(self.master)


def log_line(text: str, event: str) -> str:
    """The (uncoloured) terminal line that logged ``event``."""
    return next(line for line in ANSI.sub("", text).splitlines() if event in line)


def test_onboard_dev_on_a_terminal_prints_readable_lines(tmp_path: Path):
    terminal = Terminal("dev", "--port", "0", "--db", str(tmp_path / "temporal.db"))
    try:
        text = terminal.read_until("worker_starting")
    finally:
        terminal.stop()
    line = log_line(text, "worker_starting")
    assert not line.lstrip().startswith("{"), line
    assert "[info" in line and "task_queue=onboard-engagements" in line
    assert "\x1b[" in text  # coloured, as a terminal allows


async def test_json_is_kept_on_a_terminal_when_asked(dev_server: DevServer):
    queue = f"logs-{uuid.uuid4().hex[:8]}"
    terminal = Terminal(
        "worker", "--address", dev_server.address, "--task-queue", queue, "--log-format", "json"
    )
    try:
        text = terminal.read_until("worker_starting")
    finally:
        terminal.stop()
    record = json.loads(log_line(text, "worker_starting"))
    assert (record["event"], record["task_queue"]) == ("worker_starting", queue)


async def test_a_worker_whose_stderr_is_no_terminal_writes_json(dev_server: DevServer, tmp_path: Path):
    queue, log = f"logs-{uuid.uuid4().hex[:8]}", tmp_path / "worker.log"
    with open(log, "wb") as stderr:
        worker = subprocess.Popen(
            [onboard_executable(), "worker", "--address", dev_server.address, "--task-queue", queue],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
            env={**os.environ, "ONBOARD_LOG_FORMAT": "auto"},
        )
    try:
        for _ in range(600):
            if '"worker_starting"' in log.read_text() or worker.poll() is not None:
                break
            select.select([], [], [], 0.1)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=60)
    lines = log.read_text().splitlines()
    assert lines and all(json.loads(line) for line in lines)
    assert any(json.loads(line)["event"] == "worker_starting" for line in lines)
