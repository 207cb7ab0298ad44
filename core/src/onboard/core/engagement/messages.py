"""Inputs and outputs of the engagement workflows and activities."""

from datetime import datetime

import attrs
from attrs import frozen
from onboard.core.models import (
    AuditRecord,
    EnableStep,
    EngagementSpec,
    EngagementState,
    Finding,
    Plan,
    RemediationItem,
)


@frozen
class EngagementInput:
    """Start with ``spec`` only; continue-as-new passes the ``state`` along."""

    spec: EngagementSpec
    state: EngagementState | None = None


@frozen
class AssessInput:
    spec: EngagementSpec
    plan: Plan
    bundle: str
    #: A bundle a person named: it must exist (a first assessment may have none yet).
    reassessment: bool = False


def assessed_part(plan: Plan) -> Plan:
    """What of ``plan`` an assessment reads: its services, facts and requirements.

    Sent as :attr:`AssessInput.plan` instead of the whole plan, so that the enable
    steps and responsibilities (more than half of it) are not copied into the history
    once more with every assessment; the engagement keeps the whole plan.
    """
    return attrs.evolve(
        plan, eligibility=(), enable_steps=(), exclusions=(), responsibilities=(), signers=None, warnings=()
    )


@frozen
class AssessOutcome:
    findings: list[Finding]
    items: list[RemediationItem]


@frozen
class RunStepInput:
    spec: EngagementSpec
    step: EnableStep
    #: The same for every attempt and run of this step (``run_step``'s idempotency key).
    idempotency_key: str = ""


@frozen
class ServiceEnablementInput:
    """One service's Enable steps, run by a child workflow."""

    parent_id: str
    spec: EngagementSpec
    service: str
    steps: tuple[EnableStep, ...]


@frozen
class StepChange:
    """A child tells its engagement that a step changed status."""

    step: str
    status: str  # running | awaiting | done
    by: str = ""
    evidence: str = ""
    at: datetime | None = None


@frozen
class StepAttestation:
    """The engagement forwards a person's completion of a manual step to the child."""

    step: str
    person: str
    evidence: str


@frozen
class ReassessResult:
    """What a re-assessment changed: the items it closed and those still open."""

    round: int
    closed: tuple[str, ...]
    still_open: tuple[str, ...]


@frozen
class JournalBatch:
    """Chained audit records for the journal outside Temporal, oldest first."""

    engagement_id: str
    records: list[AuditRecord]
