"""What one ``onboard approve`` imports, in a process of its own, against the real server.

The approver's most frequent command must start fast (benchmarks/README.md,
"cli_startup"): it loads the models it sends and receives and nothing of the worker
side, the plan's or the state's models, cattrs (:mod:`onboard.core.by_hand` converts
its payloads) or rich (a short plain line is written without it).
"""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from onboard.core.client import Engagements
from onboard.core.models import Contact

from .helpers import KEYS, make_spec, wait_for

#: Imported by an approval: none of these.
NOT_IN_AN_APPROVAL = (
    "onboard.core.engagement.workflows",
    "onboard.core.engagement.messages",
    "onboard.core.models.plan",
    "onboard.core.models.state",
    "onboard.core.models.actions",
    "onboard.core.listing",
    "onboard.core.plugins",
    "temporalio.worker",
    "pluggy",
    "cattrs",
    "rich",
    "structlog",
    "platformdirs",
)

# It leaves with os._exit, as `onboard` does: a process that used temporalio's client can
# crash in the interpreter's teardown (sdk-python#300), after the answer was printed.
PROBE = """
import contextlib, io, json, os, sys
from onboard.core.cli import run
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = run(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
sys.stdout.flush()
sys.stderr.flush()
os._exit(0)
"""


async def test_an_approval_imports_only_what_it_needs(client, worker, address):
    engagements = Engagements(client, worker.task_queue, signer=KEYS)
    spec = make_spec()
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.record_contact(eid, Contact("pat"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)

    env = os.environ | {
        "TEMPORAL_ADDRESS": address,
        "ONBOARD_KEY": str(Path(os.environ["ONBOARD_HOME"]) / "keys" / "pat"),
    }
    command = [sys.executable, "-c", PROBE, "approve", eid, "kickoff", "--as", "pat"]
    # In a thread: the worker shares this event loop, and must answer while the CLI waits.
    done = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["code"] == 0 and "gate 'kickoff' passed" in found["out"], done.stderr[-2000:]
    modules = set(found["modules"])
    assert "onboard.core.models.decisions" in modules  # the probe saw the approval's imports
    assert sorted(m for m in modules if m.startswith(NOT_IN_AN_APPROVAL)) == []
