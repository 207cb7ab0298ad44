"""The engagement workflow and its per-service Enable children.

Orchestration only: plugins run in activities (:mod:`.activities`), rules live in
:mod:`.rules`, and this module waits, records and routes.  One run handles one
phase; at every phase boundary (and when the server suggests it) the workflow
continues as new with its state, so months-long engagements keep a small history.

Enable: the engagement keeps the record of every step. Core capabilities come first
and run here; then each service gets a child workflow (in parallel, unless
``ServiceInfo.after`` orders them) that runs its automated steps. Manual steps are
opened by the engagement and closed by attested Updates; a child is sent only the
attestations its automated steps wait for, so no approver waits on a signal between
workflows.
"""

import asyncio
from datetime import timedelta

import attrs
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core import search_attributes as sa
    from onboard.core.engagement import rules
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import (
        AssessInput,
        AssessOutcome,
        EngagementInput,
        ReassessResult,
        RunStepInput,
        ServiceEnablementInput,
        StepAttestation,
        StepChange,
    )
    from onboard.core.gates import JOINT_VERIFICATION, KICKOFF, REMEDIATION_PLAN
    from onboard.core.models import (
        AuditRecord,
        Completion,
        Contact,
        EnableStep,
        EngagementProgress,
        EngagementSpec,
        EngagementState,
        EngagementStatus,
        GateDecision,
        GateState,
        Notification,
        Party,
        Phase,
        Reassessment,
        Resume,
        StepKind,
        StepResult,
    )

CORE = "core"
PLAN_TIMEOUT = timedelta(minutes=5)
ASSESS_TIMEOUT = timedelta(hours=2)
STEP_TIMEOUT = timedelta(minutes=30)
NOTIFY_TIMEOUT = timedelta(minutes=1)
#: Assessments and steps heartbeat (activities.HEARTBEAT_EVERY); silence this long
#: means the worker is gone and the activity is retried elsewhere.
HEARTBEAT_TIMEOUT = timedelta(minutes=2)
#: Transient trouble is retried; after this many attempts a person is asked.
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=5),
    maximum_attempts=8,
)
NOTIFY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_attempts=5)


@workflow.defn
class EngagementWorkflow:
    """One customer tenant onboarding one or more eligible services."""

    @workflow.init
    def __init__(self, inp: EngagementInput) -> None:
        # Updates can arrive before run() starts: all state is set up here.
        self.state: EngagementState = inp.state or EngagementState(
            spec=inp.spec, bundle=inp.spec.bundle, gates=rules.gate_states()
        )
        self._bundles: list[tuple[int, Reassessment]] = []  # (ticket, request), in order
        self._tickets = 0
        self._resume: Resume | None = None
        self._children: dict[str, workflow.ChildWorkflowHandle] = {}
        self._started: set[str] = set()  # services whose Enable child is running
        self._forwards: list[asyncio.Task] = []  # attestations on their way to children
        self._services_done: set[str] = set()
        self._published: tuple | None = None
        self._reassessed: dict[int, ReassessResult | str] = {}  # by ticket; str: why it failed

    # -- run ------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: EngagementInput) -> EngagementStatus:
        s = self.state
        self._publish()
        if s.plan is None:
            s.plan = await self._activity(
                "planning the engagement",
                EngagementActivities.plan_engagement,
                s.spec,
                timeout=PLAN_TIMEOUT,
            )
            s.history.append(f"{workflow.now().isoformat()} planned: {', '.join(s.plan.service_keys())}")
        rules.refresh_gates(s)
        self._publish()
        if s.phase is Phase.INITIATE:
            await self._initiate()
        elif s.phase is Phase.ASSESS:
            await self._assess()
        elif s.phase is Phase.REMEDIATE:
            await self._remediate()
        elif s.phase is Phase.ENABLE:
            await self._enable()
        if s.phase is not Phase.COMPLETED:
            # A re-assessment can arrive after the phase changed but before this run
            # ends; its handler waits for the result, so assess it here, not later.
            while True:
                await self._run_pending_assessments()
                await workflow.wait_condition(lambda: bool(self._bundles) or workflow.all_handlers_finished())
                if not self._bundles:
                    break
            workflow.continue_as_new(EngagementInput(s.spec, s))
        return rules.status(s)

    # -- phases -----------------------------------------------------------------

    async def _initiate(self) -> None:
        s, policy = self.state, self.state.spec.policy
        while s.contact is None:
            deadline = s.spec.purchased_on + policy.contact_within + s.escalations * policy.escalate_every
            remaining = deadline - workflow.now()
            if remaining <= timedelta(0):
                await self._escalate_contact()
                continue
            try:
                await workflow.wait_condition(
                    lambda: s.contact is not None or self._continue_suggested(),
                    timeout=remaining,
                    timeout_summary="contact within policy",
                )
            except TimeoutError:
                continue  # overdue now: the branch above escalates
            if s.contact is None:
                return  # continue as new; the deadline is recomputed from state
        await self._notify_gate(KICKOFF)
        if await self._gate_passed(KICKOFF):
            await self._enter(Phase.ASSESS)

    async def _assess(self) -> None:
        s = self.state
        if s.assessment_round == 0:
            await self._run_assessment(s.bundle)
        await self._notify_gate(REMEDIATION_PLAN)
        if await self._gate_passed(REMEDIATION_PLAN):
            s.next_checkpoint_at = workflow.now() + s.spec.policy.checkpoint_every
            await self._notify(
                "checkpoints",
                f"remediation checkpoint calls every {_days(s.spec.policy.checkpoint_every)}; "
                f"first on {s.next_checkpoint_at.date().isoformat()}",
                self._people(),
            )
            await self._enter(Phase.REMEDIATE)

    async def _remediate(self) -> None:
        s = self.state
        gate = s.gates[JOINT_VERIFICATION]
        while not gate.passed:
            rules.refresh_gates(s)
            self._publish()
            await self._notify_gate(JOINT_VERIFICATION)  # also when nothing was left to fix
            was_open = gate.open
            assert s.next_checkpoint_at is not None
            remaining = s.next_checkpoint_at - workflow.now()
            if remaining <= timedelta(0):
                await self._checkpoint()
                continue
            try:
                await workflow.wait_condition(
                    lambda was_open=was_open: (
                        gate.passed
                        or bool(self._bundles)
                        or self._continue_suggested()
                        or (not was_open and not rules.open_items(s))
                    ),
                    timeout=remaining,
                    timeout_summary="next checkpoint call",
                )
            except TimeoutError:
                await self._checkpoint()
                continue
            if self._bundles:
                await self._run_pending_assessments()
            elif not was_open and not rules.open_items(s):
                rules.refresh_gates(s)
                await self._notify_gate(JOINT_VERIFICATION)
            elif not gate.passed and self._continue_suggested():
                return
        await self._enter(Phase.ENABLE)

    async def _enable(self) -> None:
        s = self.state
        assert s.plan is not None
        if not s.steps:
            s.steps = rules.step_states(s.plan)
        plan = s.plan
        keys = set(plan.service_keys())

        # Automated steps verify against the bundle assessed last, not the first one.
        spec = attrs.evolve(s.spec, bundle=s.bundle)

        async def enable(service: str, after: tuple[str, ...]) -> None:
            await workflow.wait_condition(lambda: all(a in self._services_done for a in after))
            steps = plan.steps_for(service)
            handle = None
            if steps and service == CORE:
                # Core capabilities come first and alone: they run here, so nothing
                # waits on a round trip to another workflow before the services start.
                self._started.add(service)
                rules.refresh_steps(s, self._started)
                self._publish()
                await asyncio.gather(
                    *(self._run_automated(spec, step) for step in steps if step.kind is StepKind.AUTOMATED)
                )
            elif steps:
                handle = await workflow.start_child_workflow(
                    ServiceEnablementWorkflow.run,
                    ServiceEnablementInput(workflow.info().workflow_id, spec, service, steps),
                    id=f"{workflow.info().workflow_id}.enable.{service}",
                )
                self._children[service] = handle
                self._started.add(service)
                rules.refresh_steps(s, self._started)
                self._publish()
            # Services that come after start once every step is done here; a child's
            # own completion (a server round trip later) is awaited last.
            await workflow.wait_condition(lambda: all(s.steps[st.id].status == "done" for st in steps))
            self._services_done.add(service)
            s.history.append(f"{workflow.now().isoformat()} enabled {service}")
            if handle is not None:
                await handle

        await asyncio.gather(
            *(
                enable(info.key, tuple(a for a in info.after if a in keys and a != info.key))
                for info in plan.services
            )
        )
        for failure in await asyncio.gather(*self._forwards, return_exceptions=True):
            if isinstance(failure, BaseException):  # the child had ended; the step is recorded here
                workflow.logger.warning("attestation not delivered to its service workflow: %s", failure)
        await self._enter(Phase.COMPLETED)

    async def _run_automated(self, spec: EngagementSpec, step: EnableStep) -> None:
        """A core automated step, in this workflow: wait for its dependencies, run it."""
        s = self.state
        await workflow.wait_condition(lambda: all(s.steps[d].status == "done" for d in step.depends_on))
        state = s.steps[step.id]
        state.status = "running"
        self._publish()
        try:
            result: StepResult = await workflow.execute_activity_method(
                EngagementActivities.run_step,
                RunStepInput(spec, step),
                start_to_close_timeout=STEP_TIMEOUT,
                heartbeat_timeout=HEARTBEAT_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        except ActivityError as err:
            result = StepResult(False, f"automation failed: {_cause(err)}")
        state.at = workflow.now()
        if result.ok:
            state.status, state.by = "done", "automation"
            state.evidence = f"{result.summary} {result.evidence}".strip()
        else:  # a person confirms it instead (onboard complete)
            state.status, state.evidence = "awaiting", f"automation could not confirm it: {result.summary}"
        rules.refresh_steps(s, self._started)
        self._publish()

    # -- phase helpers ----------------------------------------------------------

    async def _gate_passed(self, gate_id: str) -> bool:
        """Wait for a gate (and for re-assessments meanwhile); False: continue as new."""
        s = self.state
        gate = s.gates[gate_id]
        rules.refresh_gates(s)
        self._publish()
        while not gate.passed:
            await workflow.wait_condition(
                lambda: gate.passed or bool(self._bundles) or self._continue_suggested()
            )
            if self._bundles:
                await self._run_pending_assessments()
            elif not gate.passed:
                return False
        return True

    async def _enter(self, phase: Phase) -> None:
        s = self.state
        previous = s.phase
        s.phase = phase
        s.history.append(f"{workflow.now().isoformat()} {previous.value} -> {phase.value}")
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info("phase %s -> %s", previous.value, phase.value)
        await self._notify("transition", f"{previous.value} -> {phase.value}", self._people())

    async def _run_assessment(self, bundle: str) -> ReassessResult:
        s = self.state
        assert s.plan is not None
        outcome: AssessOutcome = await self._activity(
            "assessing the bundle",
            EngagementActivities.assess,
            AssessInput(s.spec, s.plan, bundle),
            timeout=ASSESS_TIMEOUT,
            heartbeat=HEARTBEAT_TIMEOUT,
        )
        return self._take_assessment(bundle, outcome)

    def _take_assessment(self, bundle: str, outcome: AssessOutcome) -> ReassessResult:
        s = self.state
        s.bundle = bundle
        closed = rules.merge_assessment(s, outcome.findings, outcome.items, workflow.now())
        rules.refresh_gates(s)
        self._publish()
        return ReassessResult(
            s.assessment_round, tuple(closed), tuple(i.item.id for i in rules.open_items(s))
        )

    async def _run_pending_assessments(self) -> None:
        """Re-assessments, in the order asked; a failure is its caller's, not the engagement's."""
        s = self.state
        assert s.plan is not None
        while self._bundles:
            ticket, request = self._bundles[0]
            try:
                outcome: AssessOutcome = await workflow.execute_activity_method(
                    EngagementActivities.assess,
                    AssessInput(s.spec, s.plan, request.bundle, reassessment=True),
                    start_to_close_timeout=ASSESS_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                self._reassessed[ticket] = _cause(err)
            else:
                self._reassessed[ticket] = self._take_assessment(request.bundle, outcome)
            self._bundles.pop(0)

    async def _escalate_contact(self) -> None:
        """One notice, however many periods have passed (a backdated purchase, a long outage)."""
        s, policy = self.state, self.state.spec.policy
        due = s.spec.purchased_on + policy.contact_within + s.escalations * policy.escalate_every
        s.escalations += 1 + max(0, int((workflow.now() - due) / policy.escalate_every))
        due = s.spec.purchased_on + s.spec.policy.contact_within
        await self._notify(
            "escalation",
            f"{s.spec.customer} ({s.spec.tenant}) has not been contacted; contact was due "
            f"{_days(s.spec.policy.contact_within)} after purchase, on {due.date().isoformat()} "
            f"(escalation {s.escalations})",
            self._people(Party.PROVIDER),
        )
        self._publish()

    async def _checkpoint(self) -> None:
        s = self.state
        assert s.next_checkpoint_at is not None
        s.checkpoints += 1
        while s.next_checkpoint_at <= workflow.now():  # one call, even after a long outage
            s.next_checkpoint_at += s.spec.policy.checkpoint_every
        left = rules.open_items(s)
        await self._notify(
            "checkpoint",
            f"checkpoint call {s.checkpoints}: {len(left)} remediation item(s) open"
            + (f" ({', '.join(i.item.id for i in left[:5])})" if left else ""),
            self._people(),
        )

    async def _notify_gate(self, gate_id: str) -> None:
        gate = self.state.gates[gate_id]
        if gate.open and not gate.notified:
            gate.notified = True
            parties = [p for p in gate.parties if p.value not in gate.approved_by]
            await self._notify(
                "gate-open", f"gate {gate.id!r} awaits a decision: {gate.title}", self._people(*parties)
            )

    # -- activities with a person as the fallback --------------------------------

    async def _activity(
        self, what: str, method, arg, *, timeout: timedelta, heartbeat: timedelta | None = None
    ):
        """Run an activity; if it fails for good, block and wait for a provider's resume."""
        s = self.state
        while True:
            try:
                return await workflow.execute_activity_method(
                    method,
                    arg,
                    start_to_close_timeout=timeout,
                    heartbeat_timeout=heartbeat,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                s.blocked = f"{what} failed: {_cause(err)}"
                rules.refresh_gates(s)
                self._publish()
                workflow.logger.warning("engagement blocked: %s", s.blocked)
                await self._notify("blocked", s.blocked, self._people(Party.PROVIDER))
                await workflow.wait_condition(lambda: self._resume is not None)
                self._resume = None
                s.blocked = ""
                rules.refresh_gates(s)
                self._publish()

    async def _notify(self, kind: str, message: str, to: tuple[str, ...]) -> None:
        notification = Notification(self.state.spec.engagement_id, kind, message, workflow.now(), to)
        try:
            await workflow.execute_activity_method(
                EngagementActivities.notify,
                notification,
                start_to_close_timeout=NOTIFY_TIMEOUT,
                retry_policy=NOTIFY_RETRY,
            )
        except ActivityError as err:
            # A lost notification must not stop the engagement; the log keeps it.
            workflow.logger.warning("notification %s not delivered: %s", kind, err)

    # -- Updates, signals and the query -----------------------------------------

    @workflow.update
    def decide(self, decision: GateDecision) -> GateState:
        """Approve or reject a gate (``onboard approve`` / ``onboard reject``)."""
        s = self.state
        person = rules.validate_decision(s, decision)
        gate = rules.apply_decision(s, decision, person, workflow.now())
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info(
            "gate %s %s by %s (%s): %s",
            gate.id,
            "approved" if decision.approve else "rejected",
            person.id,
            person.party.value,
            decision.comment,
        )
        return gate

    @decide.validator
    def _validate_decide(self, decision: GateDecision) -> None:
        rules.validate_decision(self.state, decision)

    @workflow.update
    def complete(self, completion: Completion) -> str:
        """Attest that a remediation item or a manual enable step is done."""
        s = self.state
        person = rules.validate_completion(s, completion)
        now = workflow.now()
        if not rules.apply_item_completion(s, completion, person, now):
            step = s.steps[completion.item]
            step.status, step.by, step.evidence, step.at = "done", person.id, completion.evidence, now
            s.audit.append(
                AuditRecord(now, person.id, person.party, "complete", step.step.id, completion.evidence)
            )
            rules.refresh_steps(s, self._started)
            child = self._children.get(step.step.service)  # core's steps run here
            if child is not None and rules.child_needs(s, step.step.id):
                # The child needs to know, but the person need not wait for the
                # delivery: the engagement's own state already shows the next steps.
                attestation = StepAttestation(step.step.id, person.id, completion.evidence)
                self._forwards.append(
                    asyncio.create_task(child.signal(ServiceEnablementWorkflow.attest, attestation))
                )
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info("%s completed by %s: %s", completion.item, person.id, completion.evidence)
        return completion.item

    @complete.validator
    def _validate_complete(self, completion: Completion) -> None:
        rules.validate_completion(self.state, completion)

    @workflow.update
    def record_contact(self, contact: Contact) -> None:
        """The provider has contacted the customer (Initiate)."""
        s = self.state
        person = self._validate_contact(contact)
        s.contact = AuditRecord(workflow.now(), person.id, person.party, "contact", "customer", contact.note)
        s.audit.append(s.contact)
        workflow.logger.info("customer contacted, recorded by %s: %s", person.id, contact.note)
        rules.refresh_gates(s)
        self._publish()

    @record_contact.validator
    def _validate_contact(self, contact: Contact):
        s = self.state
        person = rules.roster_person(s, contact.person)
        if s.phase is not Phase.INITIATE or s.contact is not None:
            raise rules.Rejected("the customer's contact is already recorded")
        if person.party is not Party.PROVIDER:
            raise rules.Rejected(f"{person.id!r} is on the customer side; the provider records the contact")
        return person

    @workflow.update
    async def reassess(self, request: Reassessment) -> ReassessResult:
        """Assess a new bundle; items whose checks now pass close."""
        s = self.state
        person = rules.roster_person(s, request.person)
        s.audit.append(AuditRecord(workflow.now(), person.id, person.party, "reassess", request.bundle))
        workflow.logger.info("re-assessment of %s requested by %s", request.bundle, person.id)
        self._tickets += 1
        ticket = self._tickets
        self._bundles.append((ticket, request))
        await workflow.wait_condition(lambda: ticket in self._reassessed)
        result = self._reassessed.pop(ticket)
        if isinstance(result, str):
            raise ApplicationError(f"re-assessment of {request.bundle} failed: {result}", non_retryable=True)
        return result

    @reassess.validator
    def _validate_reassess(self, request: Reassessment) -> None:
        s = self.state
        rules.roster_person(s, request.person)
        if s.phase not in (Phase.ASSESS, Phase.REMEDIATE):
            raise rules.Rejected(f"re-assessment happens in assess or remediate, not {s.phase.value}")
        if not request.bundle.strip():
            raise rules.Rejected("name the assessment bundle to assess")

    @workflow.update
    def resume(self, request: Resume) -> None:
        """A provider retries after fixing what blocked the engagement."""
        s = self.state
        person = rules.roster_person(s, request.person)
        s.audit.append(
            AuditRecord(workflow.now(), person.id, person.party, "resume", "engagement", request.note)
        )
        self._resume = request
        workflow.logger.info("engagement resumed by %s: %s", person.id, request.note)

    @resume.validator
    def _validate_resume(self, request: Resume) -> None:
        s = self.state
        person = rules.roster_person(s, request.person)
        if not s.blocked:
            raise rules.Rejected("the engagement is not blocked")
        if person.party is not Party.PROVIDER:
            raise rules.Rejected("only the provider side can resume a blocked engagement")

    @workflow.signal
    def step_changed(self, change: StepChange) -> None:
        """A child reports an automated step: running, done, or awaiting a person."""
        step = self.state.steps.get(change.step)
        if step is None or step.status == "done":
            return
        step.status, step.evidence, step.at = change.status, change.evidence, change.at
        if change.by:
            step.by = change.by
        rules.refresh_steps(self.state, self._started)
        self._publish()

    @workflow.query
    def status(self) -> EngagementStatus:
        """Everything: plan, findings, gates, items, steps, audit trail."""
        return rules.status(self.state)

    @workflow.query
    def progress(self) -> EngagementProgress:
        """Who is awaited and what is open, for tools that poll."""
        return rules.progress(self.state)

    # -- helpers -------------------------------------------------------------------

    def _people(self, *parties: Party) -> tuple[str, ...]:
        roster = self.state.spec.roster
        return tuple(p.id for p in roster if not parties or p.party in parties)

    def _continue_suggested(self) -> bool:
        return workflow.info().is_continue_as_new_suggested() and self.state.phase is not Phase.ENABLE

    def _publish(self) -> None:
        """Keep the search attributes in step with the state (only when they change)."""
        s = self.state
        services = list(s.plan.service_keys() if s.plan else s.spec.services)
        waiting = list(rules.awaiting(s))
        values = (s.phase.value, s.spec.tenant, tuple(services), tuple(waiting))
        if values == self._published:
            return
        self._published = values
        workflow.upsert_search_attributes(
            [
                sa.PHASE.value_set(s.phase.value),
                sa.TENANT.value_set(s.spec.tenant),
                sa.SERVICES.value_set(services),
                sa.AWAITING.value_set(waiting) if waiting else sa.AWAITING.value_unset(),
            ]
        )


@workflow.defn
class ServiceEnablementWorkflow:
    """Runs one service's automated Enable steps, each once the steps it needs are done.

    The engagement keeps the record of every step and opens the manual ones itself;
    it forwards to this workflow the attestations an automated step waits for (and
    those of automated steps a person had to confirm). The child ends when its
    automated work is done.
    """

    @workflow.init
    def __init__(self, inp: ServiceEnablementInput) -> None:
        self._done: set[str] = set()
        self._attested: dict[str, StepAttestation] = {}

    @workflow.signal
    def attest(self, attestation: StepAttestation) -> None:
        self._attested[attestation.step] = attestation

    @workflow.run
    async def run(self, inp: ServiceEnablementInput) -> list[str]:
        own = {step.id for step in inp.steps}
        parent = workflow.get_external_workflow_handle_for(EngagementWorkflow.run, inp.parent_id)
        reports: list[asyncio.Task] = []

        def report(step: EnableStep, status: str, by: str = "", evidence: str = "") -> None:
            # Sent, not awaited: delivery takes a server round trip and the work goes on.
            change = StepChange(step.id, status, by, evidence, workflow.now())
            reports.append(asyncio.create_task(parent.signal(EngagementWorkflow.step_changed, change)))

        def finished(step_id: str) -> bool:
            return step_id in self._done or step_id in self._attested

        async def run_step(step: EnableStep) -> None:
            inside = [d for d in step.depends_on if d in own]  # core finished before we started
            await workflow.wait_condition(lambda: all(finished(d) for d in inside))
            report(step, "running")
            try:
                result: StepResult = await workflow.execute_activity_method(
                    EngagementActivities.run_step,
                    RunStepInput(inp.spec, step),
                    start_to_close_timeout=STEP_TIMEOUT,
                    heartbeat_timeout=HEARTBEAT_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                result = StepResult(False, f"automation failed: {_cause(err)}")
            if result.ok:
                self._done.add(step.id)
                report(step, "done", "automation", f"{result.summary} {result.evidence}".strip())
                return
            report(step, "awaiting", evidence=f"automation could not confirm it: {result.summary}")
            await workflow.wait_condition(lambda: step.id in self._attested)  # a person confirmed it

        await asyncio.gather(*(run_step(step) for step in inp.steps if step.kind is StepKind.AUTOMATED))
        await asyncio.gather(*reports)  # every report delivered before the child ends
        return sorted(self._done | set(self._attested))


def _cause(err: ActivityError) -> str:
    """The message of what went wrong inside the activity, not Temporal's wrapper."""
    return getattr(err.cause, "message", None) or str(err.cause or err)


def _days(delta: timedelta) -> str:
    if delta >= timedelta(days=1) and delta.total_seconds() % 86400 == 0:
        return f"{delta.days} days"
    return f"{delta.total_seconds():g} seconds"
