"""The chaos test's service plugin, and a worker process that runs with it.

The plugin provides a tiny service, ``chaos``, whose Enable phase is three automated
steps in a row.  Its ``run_step`` changes "the outside world" the way the hookspec
asks a real plugin to: it appends one line per applied effect to
``$CHAOS_EFFECTS`` and skips an ``idempotency_key`` it has applied already (checked
and written under ``flock``, so several worker processes could share the file).
Every call, a re-run included, also goes to ``$CHAOS_CALLS`` (raw, never
deduplicated), so the test can say how often the worker's death made a step run
again.  Each step takes a moment before and after its effect, so a killed worker
catches steps on both sides of it.

As a script it is ``onboard worker`` with this plugin added to the installed ones
(the built-in notification sink and audit journal among them, configured by
``$ONBOARD_NOTIFICATIONS`` and ``$ONBOARD_AUDIT_JOURNAL``)::

    python workers_chaos_plugin.py ADDRESS TASK_QUEUE
"""

import asyncio
import fcntl
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, Party, ServiceInfo, StepKind, StepResult

SERVICE = "chaos"
EFFECTS_ENV = "CHAOS_EFFECTS"
CALLS_ENV = "CHAOS_CALLS"
#: The automated steps, in dependency order.
STEPS = ("chaos.create-app", "chaos.grant-consent", "chaos.enable-policy")
#: Seconds a step works before and after it applies its effect.
BEFORE_EFFECT, AFTER_EFFECT = 0.3, 0.7


@hookimpl
def register_services() -> Sequence[ServiceInfo]:
    return [ServiceInfo(SERVICE, "Chaos service", "a service for the chaos test", min_licenses=0)]


@hookimpl
def enable_steps(services: Sequence[str]) -> Sequence[EnableStep]:
    if SERVICE not in services:
        return []
    return [
        EnableStep(
            step_id, SERVICE, f"Automated: {step_id}", StepKind.AUTOMATED, Party.PROVIDER, STEPS[:i][-1:]
        )
        for i, step_id in enumerate(STEPS)
    ]


@hookimpl
def run_step(step: EnableStep, idempotency_key: str) -> StepResult | None:
    if step.service != SERVICE:
        return None
    line = {"key": idempotency_key, "step": step.id, "pid": os.getpid(), "at": time.time()}
    _append(Path(os.environ[CALLS_ENV]), line, unless_key=None)
    time.sleep(BEFORE_EFFECT)
    applied = _append(Path(os.environ[EFFECTS_ENV]), line, unless_key=idempotency_key)
    time.sleep(AFTER_EFFECT)
    return StepResult(True, "applied" if applied else "already applied", f"request {idempotency_key}")


def _append(path: Path, line: dict, unless_key: str | None) -> bool:
    """Append ``line`` (one write, under flock); not if a line has ``unless_key`` already."""
    data = (json.dumps(line, separators=(",", ":")) + "\n").encode()
    with open(path, "a+b") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        if unless_key is not None:
            file.seek(0)
            if any(json.loads(raw)["key"] == unless_key for raw in file if raw.strip()):
                return False
        os.write(file.fileno(), data)
        os.fsync(file.fileno())
    return True


async def main(address: str, task_queue: str) -> None:
    from onboard.core.converter import DATA_CONVERTER
    from onboard.core.plugins import load_plugin_manager
    from onboard.workers.logs import configure_worker_logging
    from onboard.workers.worker import run_worker
    from temporalio.client import Client

    configure_worker_logging()
    client = await Client.connect(address, data_converter=DATA_CONVERTER)
    manager = load_plugin_manager(extra=[(SERVICE, sys.modules[__name__])])
    await run_worker(client, task_queue=task_queue, manager=manager)


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:3]))
