"""The engagement workflow as a client sees it: its type, queries and Updates by name,
each with the type of its answer.

Clients (:mod:`onboard.core.client`, shell completion) name them instead of importing
:mod:`onboard.core.engagement.workflows`: that module brings the worker side of the
SDK, the activities, the plugin manager and pluggy, which every CLI command would
otherwise import before it could send one Update.  ``tests/core/test_workflow_api.py``
checks these names and types against the workflow's own definition.

Each answer's type is looked up when it is asked for (:func:`query_answer`,
:func:`update_answer`): ``decide`` answers a ``GateState``, and ``onboard approve``
should not import the models of the whole state (``EngagementStatus``) to send it.
:data:`QUERIES`, :data:`UPDATES` and :data:`WORKFLOW_RESULT` give every type at once.
"""

from collections.abc import Callable
from typing import Any

from onboard.core import models  # the package only: each model loads on first use


def _reassess_result() -> type:
    # Here, not at the top: the workflow's messages name the plan and the state.
    from onboard.core.engagement.messages import ReassessResult

    return ReassessResult


#: The workflow type; a run returns an :class:`~onboard.core.models.EngagementStatus`.
WORKFLOW_TYPE = "EngagementWorkflow"
#: The memo field under which each run keeps its summary
#: (:func:`onboard.core.engagement.summary.memo`), which ``onboard list`` reads.
MEMO_KEY = "onboard"
#: The memo's layout; a reader seeing another number falls back to search attributes.
MEMO_VERSION = 1

#: Query name -> the type of its answer, when called.
_QUERIES: dict[str, Callable[[], Any]] = {
    "status": lambda: models.EngagementStatus,
    "progress": lambda: models.EngagementProgress,
    "request": lambda: models.AuditRecord | None,
}

#: Update name -> the type of its answer, when called (None: the Update answers nothing).
_UPDATES: dict[str, Callable[[], type | None]] = {
    "decide": lambda: models.GateState,
    "complete": lambda: str,
    "record_contact": lambda: None,
    "reassess": _reassess_result,
    "resume": lambda: None,
    "waive": lambda: models.ItemState,
    "move_due": lambda: models.ItemState,
    "cancel": lambda: None,
    "close": lambda: None,
    "pause": lambda: None,
    "unpause": lambda: None,
    "change_roster": lambda: str,
    "acknowledge_roster": lambda: str,
    "change_scope": lambda: models.PlanChange,
    "move_meeting": lambda: models.MovedMeeting,
}


def query_answer(name: str) -> Any:
    """The type of query ``name``'s answer (None for a query not named here, one added
    since: its answer then comes back as plain JSON)."""
    answer = _QUERIES.get(name)
    return answer() if answer is not None else None


def update_answer(name: str) -> type | None:
    """The type of Update ``name``'s answer (None: it answers nothing, or it is not named
    here, one added since: its answer then comes back as plain JSON)."""
    answer = _UPDATES.get(name)
    return answer() if answer is not None else None


def __getattr__(name: str) -> Any:
    """``QUERIES``, ``UPDATES`` (name -> answer type) and ``WORKFLOW_RESULT``, built when
    first asked for: they import the models of every answer."""
    if name == "QUERIES":
        return {query: query_answer(query) for query in _QUERIES}
    if name == "UPDATES":
        return {update: update_answer(update) for update in _UPDATES}
    if name == "WORKFLOW_RESULT":
        return models.EngagementStatus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
