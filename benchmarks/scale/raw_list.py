"""The floor under ``onboard list``: what the server alone takes to send the rows.

    python raw_list.py ADDRESS [--page-size N] [--split K] [--query Q]

Asks ``ListWorkflowExecutions`` page after page with a bare client and decodes
nothing, so the time is the server's (and the wire's). ``--split K`` cuts the rows
into K ranges of ``WorkflowId`` (boundaries from one listing first, not timed) and
sends the K queries at once, to see whether the server answers them side by side.
Point it at a server holding parked engagements, e.g. a copy of ``bench.py
--snapshot``'s database served by ``temporal server start-dev --db-filename COPY``
with ``DevServer``'s flags (benchmarks/README.md, "scale").
"""

import argparse
import asyncio
import itertools
import os
import sys
import time

from temporalio.api.workflowservice.v1 import ListWorkflowExecutionsRequest
from temporalio.client import Client

QUERY = "WorkflowType = 'EngagementWorkflow' AND ExecutionStatus = 'Running' AND OnboardAwaiting = 'pat'"


async def pages(client: Client, query: str, page_size: int) -> tuple[list[str], list[float], int]:
    """The ids, each page's seconds, and the bytes of every row."""
    token, ids, times, size = b"", [], [], 0
    while True:
        started = time.perf_counter()
        page = await client.workflow_service.list_workflow_executions(
            ListWorkflowExecutionsRequest(
                namespace=client.namespace, query=query, page_size=page_size, next_page_token=token
            )
        )
        times.append(time.perf_counter() - started)
        ids += [info.execution.workflow_id for info in page.executions]
        size += sum(info.ByteSize() for info in page.executions)
        token = page.next_page_token
        if not token:
            return ids, times, size


def split(query: str, ids: list[str], parts: int) -> list[str]:
    """``query`` cut into ``parts`` ranges of WorkflowId holding as many rows each (fewer
    ranges when there are fewer rows than that)."""
    ordered = sorted(set(ids))
    parts = max(1, min(parts, len(ordered)))
    bounds = [None, *(ordered[len(ordered) * i // parts] for i in range(1, parts)), None]
    queries = []
    for low, high in itertools.pairwise(bounds):
        clauses = [query]
        if low is not None:
            clauses.append(f"WorkflowId >= '{low}'")
        if high is not None:
            clauses.append(f"WorkflowId < '{high}'")
        queries.append(" AND ".join(clauses))
    return queries


async def main(args: argparse.Namespace) -> None:
    client = await Client.connect(args.address)
    if args.split <= 1:
        started = time.perf_counter()
        ids, times, size = await pages(client, args.query, args.page_size)
        wall = time.perf_counter() - started
        middle = sorted(times)[len(times) // 2]
        print(
            f"{len(ids)} rows, {len(times)} pages of {args.page_size} asked, {wall:.2f} s; "
            f"a page {middle * 1e3:.0f} ms (median), {size / max(1, len(ids)):.0f} bytes a row"
        )
        return
    ids, _, _ = await pages(client, args.query, args.page_size)
    queries = split(args.query, ids, args.split)
    args.split = len(queries)
    started = time.perf_counter()
    parts = await asyncio.gather(*(pages(client, q, args.page_size) for q in queries))
    wall = time.perf_counter() - started
    found = [i for part, _, _ in parts for i in part]
    assert sorted(found) == sorted(ids), "the ranges must cover every row once"
    asked = f"{args.split} {'query' if args.split == 1 else 'queries'}"
    print(f"{len(found)} rows in {asked} at once ({[len(p[0]) for p in parts]}), {wall:.2f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("address")
    parser.add_argument("--page-size", type=int, default=1000)
    parser.add_argument("--split", type=int, default=1)
    parser.add_argument("--query", default=QUERY)
    arguments = parser.parse_args()
    try:
        asyncio.run(main(arguments))
        code = 0
    except Exception as exc:  # an unreachable server, a query it refuses: one line, not a traceback
        print(f"raw_list: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    # Flushed here: os._exit does not, and stdout is a pipe's buffer when run by a test.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as onboard does: temporalio's runtime can crash at interpreter exit
