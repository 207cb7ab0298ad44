"""Workers apply a workflow task's jobs all at once, before any workflow code runs.

Why: a worker replaying an engagement it had evicted can group the same events into
different activations than the worker that first ran them.  temporalio's core merges
a workflow task that completed without commands into the task right after it when
nothing came between (it takes it for a task heartbeat: temporalio/sdk-rust#1606).
So an activity result that had an activation of its own comes in one activation with
the next Update.  temporalio 1.35 runs an activation's Updates and signals before its
other jobs, each group until the workflow is idle, so the Update's handler ran before
the activity result arrived and the engagement's loops woke in another order: the
notice, assessment and journal activities were scheduled as ``notify, assess,
journal`` where the history says ``journal, notify, assess``, and every later replay
failed as nondeterministic (the scale benchmark found it:
``tests/replay/known_defects/activity-order-after-eviction.json``).

Applying every job first and then running the workflow until it is idle gives the
same commands either way: the merged task's activity result now only wakes a loop
that goes back to waiting, as it did in its own task.  temporalio has this as an
internal workflow-logic flag (``PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH``,
off by default until two releases know it).  A worker that uses it records it in
the history, so replays of that task and later ones use it too, whatever their
worker's own setting; histories without it (the committed ones, and runs recorded
before this change) replay as they ran.  tests/engine/test_uncached_worker.py runs
engagements on a worker that caches none, so every task is such a replay.
"""

import structlog
from temporalio.worker import Worker
from temporalio.worker import _workflow_instance as instance

log = structlog.get_logger(__name__)

#: temporalio's name for "apply every job of an activation, then run the workflow".
ALL_JOBS_FIRST = "PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH"
#: The flag itself (an int, as histories record it in ``langUsedFlags``), or ``None``
#: where temporalio no longer has it.
FLAG = getattr(getattr(instance, "_WorkflowLogicFlag", None), ALL_JOBS_FIRST, None)


def apply_all_jobs_first(worker: Worker) -> bool:
    """Have ``worker`` apply each activation's jobs together (see the module); whether it does.

    Uses temporalio's internal switch (temporalio is pinned in uv.lock).  Where an
    upgraded temporalio no longer has it, the worker runs as before and says so in
    its log: the test of this module fails in CI before such an upgrade lands.
    """
    switch = getattr(worker, "_set_default_workflow_logic_flag", None)
    if FLAG is None or switch is None:
        log.warning("activation_batches_unavailable", flag=ALL_JOBS_FIRST)
        return False
    switch(FLAG, enabled=True)
    return True
