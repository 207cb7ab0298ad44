"""benchmarks/scale/raw_list.py at its smallest: it lists what the server holds, whole
and split into ranges of WorkflowId asked together (no timings judged)."""

import asyncio
import os
import subprocess
import sys
import uuid
from pathlib import Path

from temporalio.client import Client

SCRIPT = Path(__file__).parents[2] / "benchmarks" / "scale" / "raw_list.py"


def raw_list(address: str, *args: str) -> str:
    # Buffered, as a pipe is without PYTHONUNBUFFERED: what it prints must still arrive.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    done = subprocess.run(
        [sys.executable, str(SCRIPT), address, *args], capture_output=True, text=True, timeout=60, env=env
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


async def test_raw_list_counts_the_rows_whole_and_split(client: Client, address: str):
    kind = f"RawList{uuid.uuid4().hex[:8]}"  # a workflow type of this test's own: no worker runs it
    handles = [await client.start_workflow(kind, id=f"{kind.lower()}-{n}", task_queue=kind) for n in range(5)]
    try:
        await listed_whole_and_split(address, client, kind)
    finally:
        await asyncio.gather(*(h.terminate("the test is over") for h in handles))


async def listed_whole_and_split(address: str, client: Client, kind: str) -> None:
    query = f"WorkflowType = '{kind}'"
    for _ in range(100):  # visibility follows the starts within moments
        if (await client.count_workflows(query)).count == 5:
            break
        await asyncio.sleep(0.1)
    whole = await asyncio.to_thread(raw_list, address, "--query", query, "--page-size", "2")
    assert whole.startswith("5 rows, 3 pages of 2 asked, ")
    split = await asyncio.to_thread(raw_list, address, "--query", query, "--split", "2")
    assert split.startswith("5 rows in 2 queries at once ([2, 3]), ")
    nothing = await asyncio.to_thread(
        raw_list, address, "--query", f"WorkflowType = '{kind}-none'", "--split", "3"
    )
    assert nothing.startswith("0 rows in 1 query at once ([0]), ")


def test_raw_list_says_in_one_line_that_it_cannot_reach_the_server():
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "127.0.0.1:1"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.startswith("raw_list: ") and "Traceback" not in done.stderr
