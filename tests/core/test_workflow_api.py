"""The client names the engagement workflow's queries and Updates instead of importing it:
the names and answer types must be the workflow's own, and the client must stay light."""

import subprocess
import sys

from onboard.core import workflow_api
from onboard.core.engagement.workflows import EngagementWorkflow
from temporalio import workflow

DEFINITION = workflow._Definition.from_class(EngagementWorkflow)

#: What ``import onboard.core.client`` must not bring (the worker's side).
NOT_IN_THE_CLIENT = (
    "temporalio.worker",
    "onboard.core.engagement.workflows",
    "onboard.core.engagement.activities",
    "onboard.core.plugins",
    "onboard.core.hookspecs",
    "pluggy",
)


def test_the_workflow_type_and_its_result():
    assert DEFINITION is not None
    assert DEFINITION.name == workflow_api.WORKFLOW_TYPE
    assert workflow_api.WORKFLOW_RESULT is DEFINITION.ret_type


def test_every_query_by_its_name_and_answer():
    defined = {name: q.ret_type for name, q in DEFINITION.queries.items() if name is not None}
    assert defined == workflow_api.QUERIES, "keep onboard.core.workflow_api.QUERIES the workflow's queries"


def test_every_update_by_its_name_and_answer():
    defined = {name: u.ret_type for name, u in DEFINITION.updates.items() if name is not None}
    named = {name: type(None) if ret is None else ret for name, ret in workflow_api.UPDATES.items()}
    assert named == defined, "keep onboard.core.workflow_api.UPDATES the workflow's Updates"


def test_importing_the_client_imports_no_workflow_code():
    probe = (
        "import sys, onboard.core.client\n"
        f"print(' '.join(m for m in {NOT_IN_THE_CLIENT!r} if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.split() == []


def test_plugins_still_find_hookimpl_on_the_package():
    from onboard.core import hookimpl
    from onboard.core.hookspecs import hookimpl as defined

    assert hookimpl is defined
