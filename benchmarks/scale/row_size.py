"""Does the memo's size set what a listing costs?  The same rows with three memos.

    python row_size.py [--count N] [--rounds R] [--page-sizes 1000,2500,10000] [--db FILE]

Starts its own dev server (``DevServer``'s settings, plus
``frontend.visibilityMaxPageSize`` raised so that pages larger than the default
1,000 can be asked for) and parks ``N`` workflows of each of three types on a task
queue no worker polls: one with a memo of about 1.2 KB (the engagement's memo plus
the rest of a row was 1,324 bytes), one of about 100 B, one with none.  All carry
the four search attributes an engagement does, so the query is ``list --awaiting
pat``'s.  Then each type is listed whole, page size after page size, round after
round (``raw_list.pages``: nothing decoded), and the seconds are printed as a JSON
line per listing, for benchmarks/README.md ("scale").
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from onboard.core import search_attributes as sa
from onboard.workers.devserver import DevServer
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

sys.path.insert(0, str(Path(__file__).parent))
from raw_list import pages  # a sibling script, not a package

MEMOS: dict[str, dict[str, object] | None] = {
    "MemoLarge": {"onboard": {"x": "y" * 1200}},
    "MemoSmall": {"onboard": {"x": "y" * 100}},
    "MemoNone": None,
}
QUERY = "WorkflowType = '{kind}' AND ExecutionStatus = 'Running' AND OnboardAwaiting = 'pat'"


def attributes(n: int) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.AWAITING, ["pat"]),
            SearchAttributePair(sa.PHASE, "assess"),
            SearchAttributePair(sa.TENANT, f"t{n}.example"),
            SearchAttributePair(sa.SERVICES, ["intune", "aad_premium", "azure_rms"]),
        ]
    )


async def park(client: Client, kind: str, memo: dict[str, object] | None, count: int) -> None:
    gate = asyncio.Semaphore(64)

    async def one(n: int) -> None:
        async with gate:
            await client.start_workflow(
                kind, id=f"{kind}-{n:05d}", task_queue="nobody", memo=memo, search_attributes=attributes(n)
            )

    await asyncio.gather(*(one(n) for n in range(count)))
    while (await client.count_workflows(QUERY.format(kind=kind))).count < count:
        await asyncio.sleep(0.2)  # visibility follows the starts within moments


async def main(args: argparse.Namespace, db: Path) -> None:
    flags = ["--dynamic-config-value", f"frontend.visibilityMaxPageSize={max(args.page_sizes)}"]
    async with DevServer(db=db, port=0, ui=False, extra_args=flags) as server:
        client = await Client.connect(server.address)
        for kind, memo in MEMOS.items():
            started = time.perf_counter()
            await park(client, kind, memo, args.count)
            print(
                json.dumps(
                    {"parked": kind, "count": args.count, "s": round(time.perf_counter() - started, 1)}
                )
            )
        for round_ in range(args.rounds):
            for kind in MEMOS:
                for page_size in args.page_sizes:
                    started = time.perf_counter()
                    ids, times, size = await pages(client, QUERY.format(kind=kind), page_size)
                    print(
                        json.dumps(
                            {
                                "round": round_,
                                "kind": kind,
                                "page_size": page_size,
                                "rows": len(ids),
                                "pages": len(times),
                                "s": round(time.perf_counter() - started, 3),
                                "bytes_a_row": round(size / max(1, len(ids))),
                            }
                        ),
                        flush=True,
                    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--page-sizes", type=lambda s: [int(p) for p in s.split(",")], default=[1000, 2500, 10000]
    )
    parser.add_argument("--db", type=Path, help="the server's SQLite file (default: a temporary one)")
    arguments = parser.parse_args()
    try:
        with tempfile.TemporaryDirectory() as folder:
            asyncio.run(main(arguments, arguments.db or Path(folder) / "rows.db"))
        code = 0
    except Exception as exc:  # one line, not a traceback
        print(f"row_size: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # as onboard does: temporalio's runtime can crash at interpreter exit
