"""Imports that load the host's modules, even when made from inside the workflow sandbox.

The sandbox passes onboard's models and converter through from the host (workflow
modules import them under ``imports_passed_through()``), but what they import later,
on first use, would run inside the sandbox once more: a second copy of each module,
which the host's objects do not know.  :func:`passed_through` makes such imports the
host's.
"""

import contextlib
import sys
from collections.abc import Iterator


@contextlib.contextmanager
def passed_through() -> Iterator[None]:
    """Inside the workflow sandbox, imports in the block are passed through from the
    host; anywhere else it changes nothing.  ``temporalio.workflow`` is not imported
    here: only a process with a sandbox has loaded it."""
    workflow = sys.modules.get("temporalio.workflow")
    if workflow is not None and workflow.unsafe.in_sandbox():
        with workflow.unsafe.imports_passed_through():
            yield
    else:
        yield
