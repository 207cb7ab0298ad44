"""The search-attribute command onboard prints is complete: run as printed, `onboard start` works.

A real dev server started *without* onboard's attributes stands in for a fresh
cluster; the commands are run with the real temporal CLI, nothing is mocked.
"""

import os
import re
import shlex
import subprocess
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from onboard.core import search_attributes as sa
from onboard.workers.devserver import SEARCH_ATTRIBUTES_UNCACHED, DevServer, find_binary
from workers_testing import onboard_executable

ROOT = Path(__file__).resolve().parents[2]
CONTOSO = ROOT / "examples" / "contoso.toml"
SECOND = "second"


@pytest.fixture(scope="module")
async def bare_server(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DevServer]:
    """A dev server with no onboard search attributes, in two namespaces."""
    server = DevServer(
        db=tmp_path_factory.mktemp("bare") / "temporal.db",
        port=0,
        ui=False,
        search_attributes=(),
        # As start-dev has it by default (onboard's DevServer turns it off): attributes
        # created by the printed command are used at once, with no minute's wait for a
        # cache; what these tests check is the command, not the server's cache.
        extra_args=["--namespace", SECOND, "--dynamic-config-value", f"{SEARCH_ATTRIBUTES_UNCACHED}=true"],
    )
    async with server:
        yield server


def onboard(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [onboard_executable(), *args], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def temporal(command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run a printed ``temporal ...`` command word for word, with this environment's binary."""
    words = shlex.split(command)
    assert words[0] == "temporal"
    return subprocess.run(
        [str(find_binary()), *words[1:]], capture_output=True, text=True, env={**os.environ, **(env or {})}
    )


def start(server: DevServer, namespace: str) -> subprocess.CompletedProcess[str]:
    # A queue no worker polls: start needs only the server.
    queue = f"sa-{uuid.uuid4().hex[:8]}"
    return onboard(
        "start", str(CONTOSO), "--address", server.address, "--namespace", namespace, "--task-queue", queue
    )


def test_the_command_names_every_attribute_with_its_own_type():
    command = sa.create_command()
    for key in sa.ALL:
        assert f"--name {key.name} --type {sa.type_name(key.indexed_value_type)}" in command
    assert command.count("--name") == command.count("--type") == len(sa.ALL)


def test_worker_help_readme_and_operations_guide_print_the_same_command():
    shown = onboard("worker", "--help")
    assert shown.returncode == 0
    command = sa.create_command()
    # click must not fold it: the whole command is one line of the help.
    assert command in [line.strip() for line in shown.stdout.splitlines()]
    for doc in ("README.md", "docs/operations.md"):
        assert command in (ROOT / doc).read_text().splitlines(), doc


async def test_the_help_command_registers_all_so_start_works(bare_server: DevServer):
    # As the help says: the temporal CLI finds the cluster in TEMPORAL_ADDRESS.
    done = temporal(sa.create_command(), env={"TEMPORAL_ADDRESS": bare_server.address})
    assert done.returncode == 0, done.stderr
    started = start(bare_server, bare_server.namespace)
    assert started.returncode == 0, started.stderr
    assert "started engagement contoso-ems" in started.stdout


async def test_start_names_the_missing_attributes_and_its_command_fixes_them(bare_server: DevServer):
    # Half registered, as the old help's command left a namespace.
    partial = sa.create_command([sa.PHASE, sa.SERVICES], address=bare_server.address, namespace=SECOND)
    assert temporal(partial).returncode == 0

    failed = start(bare_server, SECOND)
    assert failed.returncode == 1
    assert failed.stdout == "" and len(failed.stderr.splitlines()) == 1, failed.stderr
    assert "lacks onboard's search attributes OnboardTenant, OnboardAwaiting;" in failed.stderr
    command = re.search(r"register them with `([^`]+)`", failed.stderr)
    assert command, failed.stderr
    assert "OnboardPhase" not in command.group(1)

    done = temporal(command.group(1))
    assert done.returncode == 0, done.stderr
    started = start(bare_server, SECOND)
    assert started.returncode == 0, started.stderr
