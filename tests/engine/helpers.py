"""Builders and waiting helpers for engagement tests."""

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from onboard.core.client import Engagements
from onboard.core.engagement.rules import backed_by_check
from onboard.core.models import (
    Completion,
    Contact,
    EngagementSpec,
    EngagementStatus,
    GateDecision,
    ItemState,
    Party,
    Person,
    Phase,
    Policy,
    Waiver,
)
from onboard.core.trust.keys import KeyRing
from onboard.core.trust.signers import principal
from onboard.core.trust.sshsig import Ed25519KeySigner

ROSTER = (
    Person("pat", "Pat Provider", Party.PROVIDER),
    Person("pam", "Pam Provider", Party.PROVIDER),
    Person("casey", "Casey Customer", Party.CUSTOMER),
    Person("cole", "Cole Customer", Party.CUSTOMER),
)

#: Each test persona's key; tests/conftest.py writes them to the workers'
#: allowed-signers file, and KEYS signs as any of them.
PERSONA_KEYS = {p.id: Ed25519KeySigner(Ed25519PrivateKey.generate()) for p in ROSTER}
#: Someone with a key of their own that no allowed-signers file lists.
OUTSIDER_KEY = Ed25519KeySigner(Ed25519PrivateKey.generate())
KEYS = KeyRing(PERSONA_KEYS, fallback=OUTSIDER_KEY)


def allowed_signers_text(people=ROSTER, keys=PERSONA_KEYS) -> str:
    return "".join(f"{principal(p)} {keys[p.id].openssh_public_key()}\n" for p in people)


def write_persona_keys(folder: Path) -> dict[str, Path]:
    """Each persona's private key as an OpenSSH file (for the CLI's ``--key``)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for person, signer in PERSONA_KEYS.items():
        path = folder / person
        path.write_bytes(signer.key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption()))
        path.chmod(0o600)
        paths[person] = path
    return paths


#: Seconds instead of days: the real server runs the real timers, quickly.
FAST = Policy(
    contact_within=timedelta(hours=1),
    checkpoint_every=timedelta(hours=1),
    escalate_every=timedelta(hours=1),
    step_digest_wait=timedelta(seconds=1),
    # Each phase a run of its own (as before the slim-histories patch): many tests follow
    # an engagement from run to run; tests/engine/test_slim_histories.py covers sharing.
    new_run_after_events=0,
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
                who = owner_of(step.step.owner)
                await engagements.complete(
                    engagement_id, Completion(step.step.id, who, f"done: {step.step.title}")
                )


def owner_of(party: Party) -> str:
    """The persona who acts for ``party`` in these tests."""
    return "pat" if party is Party.PROVIDER else "casey"


async def close_item(engagements: Engagements, status: EngagementStatus, item: ItemState) -> None:
    """Close ``item`` as the rules allow: its owner attests a manual item; an item an
    automated check backs is waived by both parties."""
    eid = status.engagement_id
    if backed_by_check(status.state, item):
        await engagements.waive(eid, Waiver(item.item.id, "pat", "accepted risk for the test"))
        await engagements.waive(eid, Waiver(item.item.id, "casey", "accepted risk for the test"))
    else:
        await engagements.complete(eid, Completion(item.item.id, owner_of(item.item.owner), "fixed"))


async def close_all_items(engagements: Engagements, status: EngagementStatus) -> None:
    for item in status.state.items:
        if not item.closed:
            await close_item(engagements, status, item)


async def reach_remediate(
    engagements: Engagements,
    spec: EngagementSpec,
    interval: float = 0.1,
    timeout: float = 30.0,
    *,
    already_started: bool = False,
) -> EngagementStatus:
    """Start ``spec`` (unless ``already_started``) and take it, with the usual
    approvals, into Remediate."""
    eid = spec.engagement_id

    def until(predicate: Callable[[EngagementStatus], bool]) -> Awaitable[EngagementStatus]:
        return wait_for(engagements, eid, predicate, timeout=timeout, interval=interval)

    if not already_started:
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
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await until(lambda s: s.phase is Phase.ENABLE)
    return await attest_enable_steps(engagements, eid, interval)
