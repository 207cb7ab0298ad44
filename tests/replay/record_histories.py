"""Record engagement histories for the replay test.

    .venv/bin/python -m tests.replay.record_histories [SCENARIO ...]

Runs each scenario on a fresh embedded dev server with the current code and writes
every run of the engagement (continue-as-new runs included) and of its Enable
children to ``tests/replay/histories/<scenario>/*.json``.  Committed histories are
never re-recorded: a scenario whose folder exists is refused.  A change that would
break them goes behind ``workflow.patched``, and a new scenario records the new
behaviour (``signed-*`` record the signed engagements of the ``signed-actions`` patch).
"""

import asyncio
import hashlib
import json
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
from onboard.core import search_attributes as sa
from onboard.core.client import Engagements
from onboard.core.converter import DATA_CONVERTER
from onboard.core.demo import PERSONAS, play, sample_spec
from onboard.core.models import (
    Cancellation,
    Closure,
    Completion,
    Contact,
    DueChange,
    GateDecision,
    Party,
    Pause,
    Person,
    Phase,
    RosterAck,
    RosterChange,
    ScopeChange,
    Unpause,
)
from onboard.core.trust.keys import KeyRing, persona_keys
from onboard.workers.devserver import find_binary
from onboard.workers.worker import running_worker
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from tests.engine.helpers import (
    FAST,
    KEYS,
    allowed_signers_text,
    attest_enable_steps,
    close_all_items,
    close_item,
    drive_full_engagement,
    make_spec,
    owner_of,
    reach_remediate,
    wait_for,
)

HISTORIES = Path(__file__).resolve().parent / "histories"
TASK_QUEUE = "record"

PERSONA_RING = KeyRing({})

Scenario = Callable[[Client], Awaitable[str]]


async def to_the_end(engagements: Engagements, eid: str) -> str:
    """From Remediate: close every item, verify jointly, attest every step; the id."""
    await close_all_items(engagements, await engagements.status(eid))
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await attest_enable_steps(engagements, eid)
    return eid


async def core_only(client: Client) -> str:
    spec = make_spec(("core",))
    await drive_full_engagement(Engagements(client, TASK_QUEUE, signer=KEYS), spec)
    return spec.engagement_id


async def ems_contoso(client: Client) -> str:
    """The demo: EMS with the sample bundle, a re-assessment, every Enable step."""
    spec = sample_spec()
    await play(Engagements(client, TASK_QUEUE, signer=PERSONA_RING), spec)
    return spec.engagement_id


async def signed_core(client: Client) -> str:
    """Signed actions: waivers, a joint-gate rejection that reopens an item, re-approval."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    item = status.state.items[0]
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await engagements.decide(
        eid, GateDecision("joint-verification", "pat", False, "not done", reopen=(item.item.id,))
    )
    await close_item(engagements, await engagements.status(eid), item)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await attest_enable_steps(engagements, eid)
    return eid


async def bounded_core(client: Client) -> str:
    """Bounded state: long rejections pile up until the run archives them (a new run
    from an archived state), then the usual way to the end."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    for n in range(24):  # 11.7 KB each: past the text a run holds before it archives
        person = "pat" if n % 2 else "pam"
        await engagements.decide(eid, GateDecision("kickoff", person, False, f"{n}: " + "€" * 3_900))
    await wait_for(engagements, eid, lambda s: s.state.archived > 0, timeout=60)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))
    await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    return await to_the_end(engagements, eid)


async def gathered_core(client: Client) -> str:
    """Ready steps gathered into waves: each wave is attested once it was announced."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    while True:
        status = await wait_for(
            engagements,
            eid,
            lambda s: (
                s.phase is Phase.COMPLETED
                or any(st.status == "awaiting" and st.announced for st in s.state.steps.values())
            ),
        )
        if status.phase is Phase.COMPLETED:
            return eid
        for st in status.state.steps.values():
            if st.status == "awaiting" and st.announced:
                who = owner_of(st.step.owner)
                await engagements.complete(eid, Completion(st.step.id, who, f"done: {st.step.title}"))


async def timeline_core(client: Client) -> str:
    """The remediation timeline: a due date moved, due-soon and overdue reminders, a
    checkpoint naming the overdue items; every run keeping its memo."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    seconds = timedelta(seconds=4)
    policy = attrs.evolve(
        FAST,
        blocker_due_within=seconds,
        warning_due_within=seconds,
        info_due_within=seconds,
        provider_due_within=seconds,
        due_reminder_before=timedelta(seconds=2),
        checkpoint_every=timedelta(seconds=8),
    )
    spec = make_spec(("core",), policy=policy)
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    status = await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    first = status.state.items[0].item.id
    later = datetime.now(UTC) + timedelta(seconds=12)
    await engagements.move_due(eid, DueChange(first, "pat", later, "the change freeze"))
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))
    status = await wait_for(engagements, eid, lambda s: s.state.checkpoints >= 1, timeout=60)
    await wait_for(engagements, eid, lambda s: all(i.due_reminded == "overdue" for i in s.state.items), 60)
    return await to_the_end(engagements, eid)


async def lifecycle_core(client: Client) -> str:
    """Paused in Initiate past its contact deadline and resumed; paused in Remediate
    and resumed; then the usual way to the end."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    policy = attrs.evolve(FAST, contact_within=timedelta(seconds=3), checkpoint_every=timedelta(seconds=6))
    spec = make_spec(("core",), policy=policy)
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.pause(eid, Pause("pat", "the customer's merger freeze"))
    await asyncio.sleep(4)
    await engagements.unpause(eid, Unpause("casey", "the freeze is over"))
    await wait_for(engagements, eid, lambda s: s.state.escalations >= 1, timeout=30)
    await engagements.record_contact(eid, Contact("pat", "phoned the customer"))
    await wait_for(engagements, eid, lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", "pat", True, "kick-off held"))
    await wait_for(engagements, eid, lambda s: s.state.gates["remediation-plan"].open)
    await engagements.decide(eid, GateDecision("remediation-plan", "casey", True, "plan agreed"))
    await wait_for(engagements, eid, lambda s: s.phase is Phase.REMEDIATE)
    await engagements.pause(eid, Pause("casey", "waiting for the change board"))
    await asyncio.sleep(7)
    await engagements.unpause(eid, Unpause("pat"))
    await wait_for(engagements, eid, lambda s: s.state.checkpoints >= 1, timeout=30)
    return await to_the_end(engagements, eid)


async def cancelled_core(client: Client) -> str:
    """Cancelled in Remediate while its checkpoint timer runs."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    await reach_remediate(engagements, spec)
    await engagements.cancel(eid, Cancellation("casey", "the customer chose another partner"))
    await engagements.handle(eid).result()
    return eid


async def roster_core(client: Client) -> str:
    """Roster changes: a provider added, a customer replaced, a provider's addition to
    the customer side acknowledged; then the usual way to the end."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    pia = Person("pia", "Pia Provider", Party.PROVIDER, "pia@fasttrack.example")
    await engagements.change_roster(eid, RosterChange("pat", "add", "pia", "joins the team", pia))
    cora = Person("cora", "Cora Customer", Party.CUSTOMER, "cora@contoso.example")
    await engagements.change_roster(eid, RosterChange("casey", "replace", "cole", "cole left", cora))
    await reach_remediate(engagements, spec, already_started=True)
    quinn = Person("quinn", "Quinn Customer", Party.CUSTOMER, "quinn@contoso.example")
    await engagements.change_roster(eid, RosterChange("pat", "add", "quinn", "their new PM", quinn))
    await engagements.acknowledge_roster(eid, RosterAck("casey", "quinn", "yes"))
    await engagements.change_roster(eid, RosterChange("pat", "remove", "pam", "moved on"))
    return await to_the_end(engagements, eid)


async def scope_core(client: Client) -> str:
    """Scope changes: RMS added in Initiate, Intune added in Remediate (re-assessed),
    RMS removed again (its items out of scope); then the usual way to the end."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("aad_premium",))
    eid = spec.engagement_id
    await engagements.start(spec)
    await wait_for(engagements, eid, lambda s: s.state.plan is not None)
    await engagements.change_scope(
        eid, ScopeChange("pat", "RMS too", add=("azure_rms",), licenses={"azure_rms": 200})
    )
    await reach_remediate(engagements, spec, already_started=True)
    await engagements.change_scope(
        eid, ScopeChange("pat", "Intune bought", add=("intune",), licenses={"intune": 300})
    )
    await engagements.change_scope(eid, ScopeChange("pat", "RMS postponed", remove=("azure_rms",)))
    return await to_the_end(engagements, eid)


async def closed_core(client: Client) -> str:
    """Closed by both sides in Enable while steps were still open."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = make_spec(("core",))
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    await close_all_items(engagements, status)
    await engagements.decide(eid, GateDecision("joint-verification", "pat", True, "verified"))
    await engagements.decide(eid, GateDecision("joint-verification", "casey", True, "verified"))
    await wait_for(engagements, eid, lambda s: any(st.status == "awaiting" for st in s.state.steps.values()))
    await engagements.close(eid, Closure("pat", "the customer rolls out the rest"))
    await engagements.close(eid, Closure("casey", "we take it from here"))
    await engagements.handle(eid).result()
    return eid


async def business_core(client: Client) -> str:
    """Due dates at the close of business in the engagement's region (Berlin), moved
    once; then the usual way to the end."""
    engagements = Engagements(client, TASK_QUEUE, signer=KEYS)
    spec = attrs.evolve(make_spec(("core",)), timezone="Europe/Berlin", business_hours="08:00-16:30")
    eid = spec.engagement_id
    status = await reach_remediate(engagements, spec)
    later = datetime.now(UTC) + timedelta(days=20)
    await engagements.move_due(eid, DueChange(status.state.items[0].item.id, "pat", later, "holidays"))
    return await to_the_end(engagements, eid)


async def slim_ems(client: Client) -> str:
    """Slim histories: the demo with the default policy, every phase in one run, its
    large payloads compressed, its assessments given the part of the plan they read."""
    spec = sample_spec()
    assert spec.policy.new_run_after_events == 1000
    await play(Engagements(client, TASK_QUEUE, signer=PERSONA_RING), spec)
    return spec.engagement_id


async def slim_long_core(client: Client) -> str:
    """Slim histories with runs that grow long: past 40 events, a phase boundary
    continues as new."""
    spec = make_spec(("core",), policy=attrs.evolve(FAST, new_run_after_events=40))
    await drive_full_engagement(Engagements(client, TASK_QUEUE, signer=KEYS), spec)
    return spec.engagement_id


#: Recorded with the code of their time: the first two before the signed-actions
#: patch, the signed ones before quick-heartbeats, heartbeats-core before bounded-state,
#: bounded-core before people-notices (the outbox, half-approvals, rejections, waves),
#: notices-core before steps-gathered (a wave of ready steps gathered before its notice),
#: gathered-core before due-dates and run-summary (timeline-core: due dates, memos),
#: timeline-core before lifecycle (lifecycle-core: pauses; cancelled-core: a cancellation);
#: roster-core and scope-core after roster and scope changes came (no patch: new Updates,
#: and a wake-up in Initiate that runs only for a queued scope change); slim-ems and
#: slim-long-core after slim-histories (phases sharing a run; compressed payloads);
#: all-jobs-first-core after workers applied each activation's jobs together
#: (onboard.workers.activation_batches: the temporalio flag in every task's metadata).
SCENARIOS: dict[str, Scenario] = {
    "core-only": core_only,
    "ems-contoso": ems_contoso,
    "signed-core": signed_core,
    "signed-ems-contoso": ems_contoso,
    "heartbeats-core": signed_core,
    "bounded-core": bounded_core,
    "notices-core": signed_core,
    "gathered-core": gathered_core,
    "timeline-core": timeline_core,
    "lifecycle-core": lifecycle_core,
    "cancelled-core": cancelled_core,
    "roster-core": roster_core,
    "scope-core": scope_core,
    "closed-core": closed_core,
    "business-core": business_core,
    "slim-ems": slim_ems,
    "slim-long-core": slim_long_core,
    "all-jobs-first-core": slim_long_core,
}

#: ``sha256sum`` lines of every committed history: the recorder appends, nothing
#: edits (tests/replay/test_replay.py fails on a changed, missing or unlisted file).
MANIFEST = Path(__file__).resolve().parent / "histories.sha256"


def manifest_lines(paths: list[Path]) -> str:
    return "".join(
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(MANIFEST.parent).as_posix()}\n"
        for p in paths
    )


async def record(client: Client, name: str, scenario: Scenario) -> list[Path]:
    folder = HISTORIES / name
    if folder.exists():
        raise SystemExit(f"{folder} is committed: histories are never re-recorded (add a new scenario)")
    engagement_id = await scenario(client)
    folder.mkdir(parents=True)
    written = []
    runs = [wf async for wf in client.list_workflows(f"WorkflowId STARTS_WITH '{engagement_id}'")]
    for n, wf in enumerate(sorted(runs, key=lambda w: (w.start_time, w.id))):
        history = await client.get_workflow_handle(wf.id, run_id=wf.run_id).fetch_history()
        path = folder / f"{n:02d}-{wf.workflow_type}.json"
        record = {"workflow_id": wf.id, "history": json.loads(history.to_json())}
        path.write_text(json.dumps(record, separators=(",", ":")) + "\n")
        written.append(path)
    with open(MANIFEST, "a", encoding="utf-8") as manifest:
        manifest.write(manifest_lines(written))
    return written


async def main(names: list[str]) -> None:
    global PERSONA_RING
    keys_folder = Path(os.environ["ONBOARD_HOME"]) / "keys"
    PERSONA_RING, personas_file = persona_keys(keys_folder, PERSONAS)
    signers = keys_folder / "all_signers"
    signers.write_text(personas_file.read_text() + allowed_signers_text())
    os.environ["ONBOARD_ALLOWED_SIGNERS"] = str(signers)
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(find_binary()),
        search_attributes=sa.ALL,
        data_converter=DATA_CONVERTER,
    )
    try:
        async with running_worker(env.client, task_queue=TASK_QUEUE):
            for name in names or [n for n in SCENARIOS if not (HISTORIES / n).exists()]:
                for path in await record(env.client, name, SCENARIOS[name]):
                    print(path.relative_to(HISTORIES.parent))
    finally:
        await env.shutdown()


if __name__ == "__main__":
    os.environ.setdefault("ONBOARD_HOME", str(Path("/tmp") / f"onboard-record-{uuid.uuid4().hex[:6]}"))
    asyncio.run(main(sys.argv[1:]))
    sys.stdout.flush()
    os._exit(0)
