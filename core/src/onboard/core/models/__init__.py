"""The data that crosses a boundary: plugin results, workflow inputs, updates and status.

Every class here is an attrs class serialized by :mod:`onboard.core.converter`, so it
can travel through Temporal (workflow input, activity results, updates, queries) and
be printed as JSON by the CLI.  Plugins build the *plan* classes (``ServiceInfo``,
``Requirement``, ``RemediationItem``, ``EnableStep`` …); the workflow builds the
*state* classes (``GateState``, ``StepState``, ``AuditRecord`` …) from them.

Ids (requirement, remediation, step, scope-rule and gate ids) are part of the
contract with running engagements: a recorded plan refers to them, so a plugin keeps
an id stable across releases and adds a new id rather than reusing an old one.

The classes live in five modules, each imported on first use of one of its names
(module ``__getattr__``): :mod:`.base` (ids, enums, :class:`Person`), :mod:`.plan`,
:mod:`.decisions` (signatures, gate decisions, completions, :class:`GateState`),
:mod:`.actions` (the other Update arguments) and :mod:`.state`.  attrs writes and
compiles the methods of each class when it is defined, some 30 ms for all of them;
``onboard approve`` needs four classes and :class:`Person`, not fifty.  Import them
from here (``from onboard.core.models import GateDecision``), never from the
modules: where a class lives may change.
"""

import sys
from typing import TYPE_CHECKING, Any

from onboard.core import host_imports

#: Module -> the names it gives.  A new model goes into one of the modules and here
#: (tests/core/test_models_lazy.py says when one is missing).
_NAMES: dict[str, tuple[str, ...]] = {
    "base": (
        "FactValue", "is_id", "Phase", "Party", "Severity", "Category", "Outcome", "StepKind", "FactKind",
        "LIVE_BUNDLE", "Person",
    ),
    "plan": (
        "FASTTRACK_MIN_LICENSES", "ELIGIBILITY_SOURCE", "ServiceInfo", "FactDefinition", "Requirement",
        "Finding", "RemediationItem", "EnableStep", "ScopeExclusion", "Responsibility", "StepResult", "Policy",
        "EngagementSpec", "GateDefinition", "Eligibility", "SignerKey", "SignerSnapshot", "Plan",
    ),
    "decisions": ("Signature", "GateDecision", "Completion", "GateState"),
    "actions": (
        "Contact", "Reassessment", "Cancellation", "Closure", "Pause", "Unpause", "RosterChange", "RosterAck",
        "ScopeChange", "PlanChange", "Resume", "Waiver", "DueChange", "MeetingMove", "MovedMeeting",
    ),
    "state": (
        "Recipient", "Notification", "AuditRecord", "ItemState", "StepState", "Reach", "Undelivered",
        "EngagementState", "EngagementStatus", "EngagementProgress",
    ),
}  # fmt: skip
_WHERE = {name: module for module, names in _NAMES.items() for name in names}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    """``models.X``, ``from onboard.core.models import X``: X from its module, once."""
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(_import(f"{__name__}.{module}"), name)
    globals()[name] = value  # the next look-up does not come here
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def _import(module: str) -> Any:
    """``module``, imported by the host's importer even inside the workflow sandbox.

    ``importlib`` inside a sandbox run would execute the module once more, for the
    sandbox alone: a second ``GateState`` class, which the host's converter and the
    already imported names do not know (:mod:`onboard.core.host_imports`).
    """
    with host_imports.passed_through():
        __import__(module)
    return sys.modules[module]


if TYPE_CHECKING:  # what type checkers and editors see: the names, from their modules
    # F401: unused here, they are the names of __all__ (which ruff cannot read: it is built)
    from onboard.core.models.actions import (  # noqa: F401
        Cancellation,
        Closure,
        Contact,
        DueChange,
        MeetingMove,
        MovedMeeting,
        Pause,
        PlanChange,
        Reassessment,
        Resume,
        RosterAck,
        RosterChange,
        ScopeChange,
        Unpause,
        Waiver,
    )
    from onboard.core.models.base import (  # noqa: F401
        LIVE_BUNDLE,
        Category,
        FactKind,
        FactValue,
        Outcome,
        Party,
        Person,
        Phase,
        Severity,
        StepKind,
        is_id,
    )
    from onboard.core.models.decisions import Completion, GateDecision, GateState, Signature  # noqa: F401
    from onboard.core.models.plan import (  # noqa: F401
        ELIGIBILITY_SOURCE,
        FASTTRACK_MIN_LICENSES,
        Eligibility,
        EnableStep,
        EngagementSpec,
        FactDefinition,
        Finding,
        GateDefinition,
        Plan,
        Policy,
        RemediationItem,
        Requirement,
        Responsibility,
        ScopeExclusion,
        ServiceInfo,
        SignerKey,
        SignerSnapshot,
        StepResult,
    )
    from onboard.core.models.state import (  # noqa: F401
        AuditRecord,
        EngagementProgress,
        EngagementState,
        EngagementStatus,
        ItemState,
        Notification,
        Reach,
        Recipient,
        StepState,
        Undelivered,
    )
