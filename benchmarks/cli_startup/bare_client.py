"""The baseline for ``onboard approve``: a bare Python client sending the same Update.

    python bare_client.py ADDRESS ENGAGEMENT_ID ARGUMENT.json

It imports ``temporalio.client`` and nothing of onboard, connects, and sends the
``decide`` Update with the argument the benchmark signed for it (a signed
``GateDecision`` as JSON; the workflow reads it as the CLI's), its nonce as the
Update id, as the CLI does.  It prints nothing; a refused Update exits 1.
"""

import asyncio
import json
import os
import sys

from temporalio.client import Client


async def main(address: str, engagement_id: str, argument_file: str) -> None:
    with open(argument_file, encoding="utf-8") as file:
        argument = json.load(file)
    client = await Client.connect(address)
    handle = client.get_workflow_handle(engagement_id)
    await handle.execute_update("decide", argument, id=argument["signature"]["nonce"])


if __name__ == "__main__":
    try:
        asyncio.run(main(*sys.argv[1:4]))
        code = 0
    except Exception as exc:
        print(f"bare client: {type(exc).__name__}: {exc}", file=sys.stderr)
        code = 1
    sys.stderr.flush()
    os._exit(code)  # as onboard does: temporalio's runtime can crash at interpreter exit
