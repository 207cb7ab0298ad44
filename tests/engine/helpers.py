"""Builders and waiting helpers for engagement tests."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from onboard.core.client import Engagements
from onboard.core.models import EngagementSpec, EngagementStatus, Party, Person, Policy

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
        await asyncio.sleep(0.1)
    raise AssertionError(
        f"timed out waiting; last status: phase={getattr(last, 'phase', None)} "
        f"awaiting={getattr(last, 'awaiting', None)}"
    )
