"""Builders and waiting helpers for engagement tests."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from onboard.core.client import Engagements
from onboard.core.models import (
    Completion,
    Contact,
    EngagementSpec,
    EngagementStatus,
    GateDecision,
    Party,
    Person,
    Phase,
    Policy,
)

ROSTER = (
    Person("pat", "Pat Provider", Party.PROVIDER),
    Person("pam", "Pam Provider", Party.PROVIDER),
    Person("casey", "Casey Customer", Party.CUSTOMER),
    Person("cole", "Cole Customer", Party.CUSTOMER),
)

#: Seconds instead of days: the real server runs the real timers, quickly.
FAST = Policy(
    contact_within=timedelta(hours=1),
    checkpoint_every=timedelta(hours=1),
    escalate_every=timedelta(hours=1),
)


def make_spec(
    services: tuple[str, ...] = ("core",),
    *,
    policy: Policy = FAST,
    purchased_on: datetime | None = None,
    bundle: str = "",
    facts: dict | None = None,
    licenses: dict | None = None,
) -> EngagementSpec:
    return EngagementSpec(
        engagement_id=f"eng-{uuid.uuid4().hex[:10]}",
        tenant="contoso.onmicrosoft.com",
        customer="Contoso",
        services=services,
        licenses=licenses if licenses is not None else dict.fromkeys(services, 250),
        purchased_on=purchased_on or datetime.now(UTC),
        roster=ROSTER,
        facts=facts or {},
        policy=policy,
        bundle=bundle,
    )


async def wait_for(
    engagements: Engagements,
    engagement_id: str,
    predicate: Callable[[EngagementStatus], bool],
    timeout: float = 30.0,
    interval: float = 0.1,
) -> EngagementStatus:
    """Poll the status query until ``predicate`` holds (or fail with the last status)."""
    deadline = asyncio.get_running_loop().time() + timeout
    last = None
    while asyncio.get_running_loop().time() < deadline:
        try:
            last = await engagements.status(engagement_id)
            if predicate(last):
                return last
        except Exception:  # the first workflow task may not have run yet
            pass
        await asyncio.sleep(interval)
    raise AssertionError(
        f"timed out waiting; last status: phase={getattr(last, 'phase', None)} "
        f"awaiting={getattr(last, 'awaiting', None)}"
    )


async def attest_enable_steps(
    engagements: Engagements, engagement_id: str, interval: float = 0.1
) -> EngagementStatus:
    """Attest every step that waits for a person until the engagement completes."""
    while True:
        status = await wait_for(
            engagements,
            engagement_id,
            lambda s: (
                s.phase is Phase.COMPLETED or any(st.status == "awaiting" for st in s.state.steps.values())
            ),
        )
        if status.phase is Phase.COMPLETED:
            return status
        for step in status.state.steps.values():
            if step.status == "awaiting":
                who = "pat" if step.step.owner is Party.PROVIDER else "casey"
                await engagements.complete(
                    engagement_id, Completion(step.step.id, who, f"done: {step.step.title}")
                )


async def reach_remediate(
    engagements: Engagements, spec: EngagementSpec, interval: float = 0.1, timeout: float = 30.0
) -> EngagementStatus:
    """Start ``spec`` and take it, with the usual approvals, into Remediate."""
    eid = spec.engagement_id

    def until(predicate: Callable[[EngagementStatus], bool]) -> Awaitable[EngagementStatus]:
        return wait_for(engagements, eid, predicate, timeout=timeout, interval=interval)

    await engagements.start(spec)
    await until(lambda s: s.state.plan is not None)
    await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
    await until(lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    await until(lambda s: s.state.gates["remediation-plan"].open)
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))
    return await until(lambda s: s.phase is Phase.REMEDIATE)


async def drive_full_engagement(
    engagements: Engagements, spec: EngagementSpec, interval: float = 0.1
) -> EngagementStatus:
    """Scripted approvals from start to completion; returns the final status."""
    eid = spec.engagement_id

    def until(predicate: Callable[[EngagementStatus], bool]) -> Awaitable[EngagementStatus]:
        return wait_for(engagements, eid, predicate, interval=interval)

    status = await reach_remediate(engagements, spec, interval)
    for item in status.state.items:
        await engagements.complete(eid, Completion(item.item.id, "casey", "fixed"))
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await until(lambda s: s.phase is Phase.ENABLE)
    return await attest_enable_steps(engagements, eid, interval)
