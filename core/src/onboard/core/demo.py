"""``onboard demo``: a real engagement on the embedded server, start to finish.

Starts the Temporal dev server (SQLite under ``$ONBOARD_HOME/demo``) and a worker
in this process, starts the sample engagement "Contoso onboards EMS", and plays
both sides with scripted decisions through the same client the CLI uses: contact,
kick-off, assessment of the sample bundle, remediation plan, a re-assessment with
a fixed bundle, attested fixes and waivers, the joint verification, and every
Enable step.  Every action is signed with the persona's own key (made once under
``$ONBOARD_HOME/demo/keys``, where the worker's allowed-signers file lists them).
Each transition is printed; at the end the final status, who was mailed what (the
worker's notices go to a local SMTP sink, see :mod:`onboard.core.demo_mail`) and
where the Web UI is.
"""

import asyncio
import shutil
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path

from onboard.core.cli.output import console
from onboard.core.cli.status_view import render_status
from onboard.core.client import Engagements
from onboard.core.engagement.rules import backed_by_check
from onboard.core.errors import OnboardError
from onboard.core.models import (
    Completion,
    Contact,
    EngagementProgress,
    EngagementSpec,
    EngagementStatus,
    GateDecision,
    Party,
    Person,
    Phase,
    Policy,
    Reassessment,
    Waiver,
)
from onboard.core.settings import onboard_home
from onboard.core.trust import keys

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


PERSONAS = (
    Person(PROVIDER, "Pat Provider (FastTrack engineer)", Party.PROVIDER, "pat@fasttrack.example"),
    Person(CUSTOMER, "Casey Customer (project manager)", Party.CUSTOMER, "casey@contoso.example"),
)


def sample_spec() -> EngagementSpec:
    return EngagementSpec(
        engagement_id=f"contoso-ems-{uuid.uuid4().hex[:6]}",
        tenant="contoso.onmicrosoft.com",
        customer="Contoso Ltd",
        services=("ems",),
        licenses={"ems": 500},
        purchased_on=datetime.now(UTC),
        roster=PERSONAS,
        # The personas attest within seconds of a step being ready: gather each wave
        # for a second (people get ten minutes) so the mail summary shows the digests.
        policy=Policy(step_digest_wait=timedelta(seconds=1)),
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
    """Prints what happens (unless quiet) and waits on the light ``progress`` query."""

    def __init__(self, engagements: Engagements, engagement_id: str, *, quiet: bool, interval: float) -> None:
        self.engagements = engagements
        self.engagement_id = engagement_id
        self.quiet = quiet
        self.interval = interval
        self.phase: Phase | None = None

    def say(self, text: str) -> None:
        if not self.quiet:
            console.print(text)

    def act(self, who: str, what: str) -> None:
        self.say(f"  [dim]{who:>6}[/] {what}")

    async def until(
        self, predicate: Callable[[EngagementProgress], bool], timeout: float = 120
    ) -> EngagementProgress:
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            progress = await self.engagements.progress(self.engagement_id)
            if progress.phase is not self.phase:
                self.phase = progress.phase
                self.say(
                    f"[bold cyan]== phase: {progress.phase.value}[/]  "
                    f"awaiting: {', '.join(progress.awaiting) or 'nobody'}"
                )
            if predicate(progress):
                return progress
            if asyncio.get_running_loop().time() > deadline:
                raise OnboardError(
                    f"engagement {self.engagement_id} did not progress in {timeout:g} s: phase "
                    f"{progress.phase.value}, awaiting {', '.join(progress.awaiting) or 'nobody'}"
                    + (f", blocked: {progress.blocked}" if progress.blocked else "")
                )
            await asyncio.sleep(self.interval)


def _owner(owner: Party) -> str:
    return PROVIDER if owner is Party.PROVIDER else CUSTOMER


async def play(
    engagements: Engagements,
    spec: EngagementSpec,
    *,
    quiet: bool = False,
    interval: float = 0.05,
    read_notices: bool = False,
) -> EngagementStatus:
    """Drive ``spec`` through every phase with scripted decisions; the final status.

    ``read_notices``: the personas attest Enable steps only once the engagement has
    announced them (as people do, from the notice), so each wave's digest goes out;
    otherwise they attest as soon as a step is ready, before any digest is due.
    """
    eid = spec.engagement_id
    story = Narrator(engagements, eid, quiet=quiet, interval=interval)
    await engagements.start(spec)
    story.say(f"started engagement [bold]{eid}[/] for {spec.customer}: {', '.join(spec.services)}")
    await story.until(lambda p: p.planned or bool(p.blocked))
    state = (await engagements.status(eid)).state
    plan = state.plan
    if plan is None:
        raise OnboardError(f"engagement {eid} could not be planned: {state.blocked}")
    story.say(
        f"  plan: {len(plan.services)} services ({', '.join(plan.service_keys())}), "
        f"{len(plan.requirements)} requirements, {len(plan.enable_steps)} enable steps, "
        f"{len(plan.exclusions)} scope exclusions"
    )

    await engagements.record_contact(eid, Contact(PROVIDER, "called the customer the day of purchase"))
    story.act(PROVIDER, "recorded the first contact")
    await story.until(lambda p: "kickoff" in p.open_gates)
    await engagements.decide(eid, GateDecision("kickoff", PROVIDER, True, "kick-off meeting held"))
    story.act(PROVIDER, "approved gate kickoff")

    await story.until(lambda p: "remediation-plan" in p.open_gates)
    state = (await engagements.status(eid)).state
    failed = [f for f in state.findings if f.outcome.value != "pass"]
    story.say(
        f"  assessment round {state.assessment_round} of {Path(state.bundle).name}: "
        f"{len(state.findings)} checks, {len(failed)} not passing, {len(state.items)} remediation items"
    )
    for finding in failed[:8]:
        story.say(f"    [yellow]{finding.outcome.value:>7}[/] {finding.requirement_id}: {finding.summary}")
    await engagements.decide(
        eid, GateDecision("remediation-plan", CUSTOMER, True, "plan and timeline agreed")
    )
    story.act(CUSTOMER, "approved gate remediation-plan")

    await story.until(lambda p: p.phase is Phase.REMEDIATE)
    result = await engagements.reassess(eid, Reassessment(CUSTOMER, str(sample_bundle("contoso-fixed"))))
    story.act(
        CUSTOMER,
        f"re-assessed with the fixed bundle: {len(result.closed)} item(s) closed, {len(result.still_open)} open",
    )
    state = (await engagements.status(eid)).state
    items = {i.item.id: i for i in state.items}
    for item_id in result.still_open:
        item = items[item_id]
        if backed_by_check(state, item):
            # A failing automated check closes only by a pass or by both parties' waiver.
            for who in (PROVIDER, CUSTOMER):
                await engagements.waive(eid, Waiver(item_id, who, "accepted on the checkpoint call"))
            story.act(f"{PROVIDER}+{CUSTOMER}", f"waived {item_id} (its check still fails)")
            continue
        who = _owner(item.item.owner)
        await engagements.complete(eid, Completion(item_id, who, "done, verified on the checkpoint call"))
        story.act(who, f"attested {item_id}")
    await story.until(lambda p: "joint-verification" in p.open_gates)
    for who in (PROVIDER, CUSTOMER):
        await engagements.decide(eid, GateDecision("joint-verification", who, True, "outcomes verified"))
        story.act(who, "approved gate joint-verification")

    steps = {s.id: s for s in plan.enable_steps}
    attested: set[str] = set()
    while True:
        progress = await story.until(
            lambda p: p.phase is Phase.COMPLETED or any(s not in attested for s in p.awaiting_steps)
        )
        if progress.phase is Phase.COMPLETED:
            # The workflow's result is its final status; a query on a closed
            # workflow would replay its history.
            return await engagements.handle(eid).result()
        if read_notices:
            await _announced(engagements, eid, [s for s in progress.awaiting_steps if s not in attested])
        for step_id in progress.awaiting_steps:
            if step_id not in attested:
                step = steps[step_id]
                who = _owner(step.owner)
                await engagements.complete(eid, Completion(step_id, who, f"done: {step.title}"))
                attested.add(step_id)
                story.act(who, f"[{step.service}] {step.title}")


async def _announced(engagements: Engagements, eid: str, step_ids: list[str]) -> None:
    """Wait until the steps' ready notice is out (at most the gathering time and a margin)."""
    status = await engagements.status(eid)
    deadline = (
        asyncio.get_running_loop().time() + status.state.spec.policy.step_digest_wait.total_seconds() + 10
    )
    while asyncio.get_running_loop().time() < deadline:
        steps = status.state.steps
        if all(steps[i].announced or steps[i].status != "awaiting" for i in step_ids if i in steps):
            return
        await asyncio.sleep(0.1)
        status = await engagements.status(eid)


async def run_demo(
    *, port: int = 0, keep: bool = False, fresh: bool = False, quiet: bool = False
) -> EngagementStatus:
    """Server, worker, engagement; returns the final status.

    The worker's notices go by e-mail to a local SMTP sink (:mod:`onboard.core.demo_mail`),
    so the demo ends with who would have been mailed what.  ``quiet`` leaves out the
    play-by-play, not the final status or that summary.
    """
    try:
        from onboard.core import demo_mail
    except ImportError:  # aiosmtpd: a development dependency that a wheel install may lack
        demo_mail = None
    from onboard.workers.devserver import DevServer
    from onboard.workers.worker import running_worker

    home = onboard_home() / "demo"
    if fresh:
        shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True, exist_ok=True)
    server = DevServer(db=home / "temporal.db", port=port)
    console.print(f"starting the embedded Temporal server ({server.db}) ...")
    warming = asyncio.create_task(demo_mail.warm_up()) if demo_mail else None
    async with server:
        client = await server.connect()
        console.print(f"Temporal at {server.address}; Web UI at {server.ui_url}")
        ring, allowed = keys.persona_keys(home / "keys", PERSONAS)
        console.print(f"personas sign with their keys in {home / 'keys'}; the worker trusts {allowed}")
        spec = sample_spec()
        # The channels plugin reads $ONBOARD_CHANNELS at each notice, and the worker
        # runs in this process: set while it runs, restored after.
        sink: AbstractContextManager = nullcontext(None)
        if demo_mail is not None and warming is not None:
            await warming
            sink = demo_mail.mail_sink(home, spec.engagement_id, web_ui=server.ui_url)
        with sink as mailbox:
            if mailbox is not None:
                console.print(
                    f"notices are mailed to a local SMTP sink on 127.0.0.1 (kept in {mailbox.folder})"
                )
            async with running_worker(client, task_queue=DEMO_QUEUE, allowed_signers=allowed):
                final = await play(
                    Engagements(client, DEMO_QUEUE, signer=ring), spec, quiet=quiet, read_notices=True
                )
                console.print()
                render_status(final)
                if demo_mail is not None and mailbox is not None:
                    console.print("\n[bold]mail the notices would have sent:[/]")
                    for line in demo_mail.summary(
                        mailbox.messages(), PERSONAS, mailbox.folder, spec.engagement_id
                    ):
                        console.print(line, markup=False, highlight=False)
                else:
                    console.print("\n(install aiosmtpd to see the mail the notices would send)")
                console.print(
                    f"\n[bold green]engagement {spec.engagement_id} completed.[/] History in the Web UI: "
                    f"{server.ui_url}/namespaces/{client.namespace}/workflows/{spec.engagement_id}"
                )
                if keep:
                    console.print("server and worker keep running; press Ctrl+C to stop")
                    await asyncio.Event().wait()
                return final
