"""Record engagement histories for the replay test.

    .venv/bin/python -m tests.replay.record_histories [SCENARIO ...]

Runs each scenario on a fresh embedded dev server with the current code and writes
every run of the engagement (continue-as-new runs included) and of its Enable
children to ``tests/replay/histories/<scenario>/*.json``.  Re-record only when a
change is *meant* to be incompatible and running engagements are handled
(patching or versioning); otherwise the committed histories are the guard.
"""

import asyncio
import json
import os
import shutil
import sys
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.demo import play, sample_spec
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.engine.helpers import KEYS, drive_full_engagement, make_spec

HISTORIES = Path(__file__).resolve().parent / "histories"
TASK_QUEUE = "record"

Scenario = Callable[[Engagements], Awaitable[str]]


async def core_only(engagements: Engagements) -> str:
    spec = make_spec(("core",))
    await drive_full_engagement(engagements, spec)
    return spec.engagement_id


async def ems_contoso(engagements: Engagements) -> str:
    """The demo: EMS with the sample bundle, a re-assessment, every Enable step."""
    spec = sample_spec()
    await play(engagements, spec)
    return spec.engagement_id


SCENARIOS: dict[str, Scenario] = {"core-only": core_only, "ems-contoso": ems_contoso}


async def record(client: Client, name: str, scenario: Scenario) -> list[Path]:
    engagement_id = await scenario(Engagements(client, TASK_QUEUE, signer=KEYS))
    folder = HISTORIES / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    written = []
    runs = [wf async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{engagement_id}'")]
    for n, wf in enumerate(sorted(runs, key=lambda w: (w.start_time, w.id))):
        history = await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history()
        path = folder / f"{n:02d}-{wf.workflow_type}.json"
        record = {"workflow_id": wf.id, "history": json.loads(history.to_json())}
        path.write_text(json.dumps(record, separators=(",", ":")) + "\n")
        written.append(path)
    return written


async def main(names: list[str]) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
    )
    try:
        async with running_worker(env.client, task_queue=TASK_QUEUE):
            for name in names or list(SCENARIOS):
                for path in await record(env.client, name, SCENARIOS[name]):
                    print(path.relative_to(HISTORIES.parent))
    finally:
        await env.shutdown()


if __name__ == "__main__":
    os.environ.setdefault("ONBOARD_HOME", str(Path("/tmp") / f"onboard-record-{uuid.uuid4().hex[:6]}"))
    asyncio.run(main(sys.argv[1:]))
    sys.stdout.flush()
    os._exit(0)
