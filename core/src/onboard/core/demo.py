"""``onboard demo``: a real engagement on the embedded server, start to finish.

Starts the Temporal dev server (SQLite under ``$ONBOARD_HOME/demo``) and a worker
in this process, starts the sample engagement "Contoso onboards EMS", and plays
both sides with scripted decisions through the same client the CLI uses: contact,
kick-off, assessment of the sample bundle, remediation plan, a re-assessment with
a fixed bundle, attested fixes, the joint verification, and every Enable step.
Each transition is printed; at the end the final status and where the Web UI is.
"""

import asyncio
import shutil
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

from onboard.core.cli.engagement_cmds import render_status
from onboard.core.cli.output import console
from onboard.core.client import Engagements
from onboard.core.errors import OnboardError
from onboard.core.models import (
    Completion,
    Contact,
    EngagementSpec,
    EngagementStatus,
    GateDecision,
    Party,
    Person,
    Phase,
    Reassessment,
)
from onboard.core.settings import onboard_home

PROVIDER, CUSTOMER = "pat", "casey"
DEMO_QUEUE = "onboard-demo"


def sample_bundle(name: str) -> Path:
    """A sample assessment bundle (``contoso``, ``contoso-fixed``).

    Wheels carry them as package data (``onboard/core/demo_data``); a development
    checkout reads them from ``examples/bundles``.
    """
    packaged = Path(str(resources.files("onboard.core"))) / "demo_data" / name
    checkout = Path(__file__).resolve().parents[4] / "examples" / "bundles" / name
    for candidate in (packaged, checkout):
        if candidate.is_dir():
            return candidate
    raise OnboardError(f"the sample bundle {name!r} is missing (looked in {packaged} and {checkout})")


def sample_spec() -> EngagementSpec:
    return EngagementSpec(
        engagement_id=f"contoso-ems-{uuid.uuid4().hex[:6]}",
        tenant="contoso.onmicrosoft.com",
        customer="Contoso Ltd",
        services=("ems",),
        licenses={"ems": 500},
        purchased_on=datetime.now(UTC),
        roster=(
            Person(PROVIDER, "Pat Provider (FastTrack engineer)", Party.PROVIDER),
            Person(CUSTOMER, "Casey Customer (project manager)", Party.CUSTOMER),
        ),
        # Matches the sample bundle's environment: one forest, Exchange and SharePoint
        # 2013 on premises (so the RMS connector is in scope), Intune as MDM authority.
        facts={
            "identity": "synchronized",
            "forest_count": 1,
            "exchange_onprem": "2013",
            "sharepoint_onprem": "2013",
            "mdm_authority": "intune",
            "mam_in_scope": True,
        },
        bundle=str(sample_bundle("contoso")),
    )


class Narrator:
    """Prints what happens: our actions and the engagement's transitions."""

    def __init__(self, engagements: Engagements, engagement_id: str) -> None:
        self.engagements = engagements
        self.engagement_id = engagement_id
        self.phase: Phase | None = None

    def act(self, who: str, what: str) -> None:
        console.print(f"  [dim]{who:>6}[/] {what}")

    async def until(
        self, predicate: Callable[[EngagementStatus], bool], timeout: float = 120
    ) -> EngagementStatus:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            status = await self.engagements.status(self.engagement_id)
            if status.phase is not self.phase:
                self.phase = status.phase
                console.print(
                    f"[bold cyan]== phase: {status.phase.value}[/]  awaiting: {', '.join(status.awaiting) or 'nobody'}"
                )
            if predicate(status):
                return status
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"the demo engagement did not progress (phase {status.phase.value})")
            await asyncio.sleep(0.05)


async def play(engagements: Engagements, spec: EngagementSpec) -> EngagementStatus:
    """Drive ``spec`` through every phase with scripted decisions."""
    eid = spec.engagement_id
    story = Narrator(engagements, eid)
    await engagements.start(spec)
    console.print(f"started engagement [bold]{eid}[/] for {spec.customer}: {', '.join(spec.services)}")
    status = await story.until(lambda s: s.state.plan is not None)
    plan = status.state.plan
    assert plan is not None
    console.print(
        f"  plan: {len(plan.services)} services ({', '.join(plan.service_keys())}), "
        f"{len(plan.requirements)} requirements, {len(plan.enable_steps)} enable steps, "
        f"{len(plan.exclusions)} scope exclusions"
    )

    await engagements.record_contact(eid, Contact(PROVIDER, "called the customer the day of purchase"))
    story.act(PROVIDER, "recorded the first contact")
    await story.until(lambda s: s.state.gates["kickoff"].open)
    await engagements.decide(eid, GateDecision("kickoff", PROVIDER, True, "kick-off meeting held"))
    story.act(PROVIDER, "approved gate kickoff")

    status = await story.until(lambda s: s.state.gates["remediation-plan"].open)
    failed = [f for f in status.state.findings if f.outcome.value != "pass"]
    console.print(
        f"  assessment round {status.state.assessment_round} of {Path(status.state.bundle).name}: "
        f"{len(status.state.findings)} checks, {len(failed)} not passing, "
        f"{len(status.state.items)} remediation items"
    )
    for finding in failed[:8]:
        console.print(
            f"    [yellow]{finding.outcome.value:>7}[/] {finding.requirement_id}: {finding.summary}"
        )
    await engagements.decide(
        eid, GateDecision("remediation-plan", CUSTOMER, True, "plan and timeline agreed")
    )
    story.act(CUSTOMER, "approved gate remediation-plan")

    await story.until(lambda s: s.phase is Phase.REMEDIATE)
    result = await engagements.reassess(eid, Reassessment(CUSTOMER, str(sample_bundle("contoso-fixed"))))
    story.act(
        CUSTOMER,
        f"re-assessed with the fixed bundle: {len(result.closed)} item(s) closed, {len(result.still_open)} open",
    )
    status = await engagements.status(eid)
    for item in status.state.items:
        if not item.closed:
            who = PROVIDER if item.item.owner is Party.PROVIDER else CUSTOMER
            await engagements.complete(
                eid, Completion(item.item.id, who, "done, verified on the checkpoint call")
            )
            story.act(who, f"attested {item.item.id}")
    await story.until(lambda s: s.state.gates["joint-verification"].open)
    await engagements.decide(eid, GateDecision("joint-verification", PROVIDER, True, "outcomes verified"))
    story.act(PROVIDER, "approved gate joint-verification")
    await engagements.decide(eid, GateDecision("joint-verification", CUSTOMER, True, "outcomes verified"))
    story.act(CUSTOMER, "approved gate joint-verification")

    attested: set[str] = set()
    while True:
        status = await story.until(
            lambda s: (
                s.phase is Phase.COMPLETED
                or any(
                    st.status == "awaiting" and st.step.id not in attested for st in s.state.steps.values()
                )
            )
        )
        if status.phase is Phase.COMPLETED:
            return status
        for st in status.state.steps.values():
            if st.status == "awaiting" and st.step.id not in attested:
                who = PROVIDER if st.step.owner is Party.PROVIDER else CUSTOMER
                await engagements.complete(eid, Completion(st.step.id, who, f"done: {st.step.title}"))
                attested.add(st.step.id)
                story.act(who, f"[{st.step.service}] {st.step.title}")


async def run_demo(*, port: int = 0, keep: bool = False, fresh: bool = False) -> EngagementStatus:
    """Server, worker, engagement; returns the final status."""
    from onboard.workers.devserver import DevServer
    from onboard.workers.worker import running_worker

    home = onboard_home() / "demo"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    server = DevServer(db=home / "temporal.db", port=port)
    console.print(f"starting the embedded Temporal server ({server.db}) ...")
    async with server:
        client = await server.connect()
        console.print(f"Temporal at {server.address}; Web UI at {server.ui_url}")
        async with running_worker(client, task_queue=DEMO_QUEUE):
            spec = sample_spec()
            final = await play(Engagements(client, DEMO_QUEUE), spec)
            console.print()
            render_status(final)
            console.print(
                f"\n[bold green]engagement {spec.engagement_id} completed.[/] History in the Web UI: "
                f"{server.ui_url}/namespaces/{client.namespace}/workflows/{spec.engagement_id}"
            )
            if keep:
                console.print("server and worker keep running; press Ctrl+C to stop")
                await asyncio.Event().wait()
            return final
