"""The engagement workflow as a client sees it: its type, queries and Updates by name,
each with the type of its answer.

Clients (:mod:`onboard.core.client`, shell completion) name them instead of importing
:mod:`onboard.core.engagement.workflows`: that module brings the worker side of the
SDK, the activities, the plugin manager and pluggy, which every CLI command would
otherwise import before it could send one Update.  ``tests/core/test_workflow_api.py``
checks these names and types against the workflow's own definition.
"""

from typing import Any

from onboard.core.engagement.messages import ReassessResult
from onboard.core.models import (
    AuditRecord,
    EngagementProgress,
    EngagementStatus,
    GateState,
    ItemState,
    MovedMeeting,
    PlanChange,
)

#: The workflow type; a run returns an :class:`EngagementStatus`.
WORKFLOW_TYPE = "EngagementWorkflow"
WORKFLOW_RESULT = EngagementStatus

#: Query name -> the type of its answer.
QUERIES: dict[str, Any] = {
    "status": EngagementStatus,
    "progress": EngagementProgress,
    "request": AuditRecord | None,
}

#: Update name -> the type of its answer (None: the Update answers nothing).
UPDATES: dict[str, type | None] = {
    "decide": GateState,
    "complete": str,
    "record_contact": None,
    "reassess": ReassessResult,
    "resume": None,
    "waive": ItemState,
    "move_due": ItemState,
    "cancel": None,
    "close": None,
    "pause": None,
    "unpause": None,
    "change_roster": str,
    "acknowledge_roster": str,
    "change_scope": PlanChange,
    "move_meeting": MovedMeeting,
}
