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
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import attrs
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core import search_attributes as sa
    from onboard.core.engagement import authority, rules
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import (
        AssessInput,
        AssessOutcome,
        EngagementInput,
        JournalBatch,
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
        ItemState,
        Notification,
        Party,
        Person,
        Phase,
        Reassessment,
        Resume,
        StepKind,
        StepResult,
        Waiver,
    )
    from onboard.core.trust import actions, chain
    from onboard.core.trust import store as trust_store

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
JOURNAL_TIMEOUT = timedelta(minutes=1)
#: After the journal's retries are spent, the records wait this long and go again.
JOURNAL_RETRY_AFTER = timedelta(minutes=10)
#: How long a finished engagement waits for its journal before it completes anyway.
JOURNAL_DRAIN = timedelta(hours=1)

#: The patch that brought signed actions (docs/security.md): runs recorded before it
#: replay as they ran; every run begun since requires signatures, runs the Enable
#: steps as its own activities and chains and journals its audit records.
SIGNED_ACTIONS = "signed-actions"


@workflow.defn
class EngagementWorkflow:
    """One customer tenant onboarding one or more eligible services."""

    @workflow.init
    def __init__(self, inp: EngagementInput) -> None:
        # Updates can arrive before run() starts: all state is set up here.
        self._signed = workflow.patched(SIGNED_ACTIONS)
        carried = inp.state
        self._forged = ""
        if self._signed and carried is not None and not _continued_as_new(workflow.info()):
            # Anyone who can start a workflow can pass any input: only the
            # engagement's own continue-as-new may carry a state.
            self._forged = (
                "a fresh start cannot carry an engagement state (only the engagement's own "
                "continue-as-new does); start engagements with `onboard start`"
            )
            carried = None
        self.state: EngagementState = carried or EngagementState(
            spec=inp.spec, bundle=inp.spec.bundle, gates=rules.gate_states()
        )
        if self._signed:
            self.state.signed = True
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
        if self._forged:
            raise ApplicationError(self._forged, type="ForgedStart", non_retryable=True)
        if self._signed:
            self._journal_task = asyncio.create_task(self._journal_loop())
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
        if self._signed:
            try:
                await workflow.wait_condition(
                    lambda: not chain.unjournaled(s), timeout=JOURNAL_DRAIN, timeout_summary="audit journal"
                )
            except TimeoutError:
                workflow.logger.warning(
                    "engagement completes with audit records not journaled: %s", s.journal_problem
                )
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
            if steps and (service == CORE or self._signed):
                # Core capabilities come first and alone: they run here, so nothing
                # waits on a round trip to another workflow before the services start.
                # Signed engagements run every service's steps here: an activity's
                # result cannot be forged from outside, a signal between workflows can.
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
        closed = rules.merge_assessment(
            s, outcome.findings, outcome.items, workflow.now(), reopen_failing=self._signed
        )
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

    async def _journal_loop(self) -> None:
        """Copy each chained audit record to the journal outside Temporal, in order."""
        s = self.state
        while True:
            await workflow.wait_condition(lambda: bool(chain.unjournaled(s)))
            batch = chain.unjournaled(s)
            try:
                upto: int = await workflow.execute_activity_method(
                    EngagementActivities.journal,
                    JournalBatch(workflow.info().workflow_id, batch),
                    start_to_close_timeout=JOURNAL_TIMEOUT,
                    retry_policy=ACTIVITY_RETRY,
                )
            except ActivityError as err:
                # The engagement goes on; `onboard show` says the journal lags.
                s.journal_problem = (
                    f"audit journal unreachable since {workflow.now().isoformat()}: {_cause(err)}"
                )
                workflow.logger.warning("%s", s.journal_problem)
                await workflow.sleep(JOURNAL_RETRY_AFTER)
                continue
            s.journal_problem = ""
            s.journaled = max(s.journaled, upto)

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
    #
    # Each Update has a ``_check_*`` method with the rules of who and when; the
    # validator runs it with ``live=True`` (the workers' allowed-signers file is
    # asked too) before anything is written, the handler again with ``live=False``
    # (deterministic, so it replays), then applies and audits the action.

    def _signature(self, arg, person: Person, live: bool) -> authority.SignedBy:
        if not self._signed:
            return authority.UNSIGNED
        now = workflow.now()
        signed = authority.check_signature(self.state, workflow.info().workflow_id, arg, person, now)
        if live:
            store = trust_store.for_task_queue(workflow.info().task_queue)
            authority.check_signer(self.state, person, signed, now, store)
        return signed

    def _audit(self, arg, person: Person, signed: authority.SignedBy, comment: str = "") -> AuditRecord:
        """The audit record of an accepted action (chained and journaled when signed)."""
        s, now = self.state, workflow.now()
        action = actions.describe(workflow.info().workflow_id, arg)
        record = AuditRecord(
            now,
            person.id,
            person.party,
            action.action,
            action.subject,
            comment,
            engagement=action.engagement,
            content=action.content,
            signature=arg.signature,
            key=signed.key,
            principal=signed.principal,
        )
        if not self._signed:
            s.audit.append(record)
            return record
        authority.remember_nonce(s, arg, now)
        return chain.append(s, record)

    @workflow.update
    def decide(self, decision: GateDecision) -> GateState:
        """Approve or reject a gate (``onboard approve`` / ``onboard reject``)."""
        s = self.state
        with _refusals_fail_the_update():
            person, signed = self._check_decide(decision, live=False)
        self._audit(decision, person, signed, decision.comment)
        gate = rules.apply_decision(s, decision, person, workflow.now(), signed.key)
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
        self._check_decide(decision, live=True)

    def _check_decide(self, decision: GateDecision, live: bool) -> tuple[Person, authority.SignedBy]:
        s = self.state
        person = rules.validate_decision(s, decision)
        signed = self._signature(decision, person, live)
        if self._signed and decision.approve:
            gate = s.gates[decision.gate]
            rules.check_two_people(
                s, gate.approved_by, gate.approved_keys, person, signed.key, f"gate {gate.id!r}"
            )
        return person, signed

    @workflow.update
    def complete(self, completion: Completion) -> str:
        """Attest that a remediation item or a manual enable step is done."""
        s = self.state
        with _refusals_fail_the_update():
            person, signed = self._check_complete(completion, live=False)
        now = workflow.now()
        self._audit(completion, person, signed, completion.evidence)
        if not rules.apply_item_completion(s, completion, person, now):
            step = s.steps[completion.item]
            step.status, step.by, step.evidence, step.at = "done", person.id, completion.evidence, now
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
        self._check_complete(completion, live=True)

    def _check_complete(self, completion: Completion, live: bool) -> tuple[Person, authority.SignedBy]:
        person = rules.validate_completion(self.state, completion, signed=self._signed)
        return person, self._signature(completion, person, live)

    @workflow.update
    def waive(self, waiver: Waiver) -> ItemState:
        """One party waives a remediation item; it closes as waived once both parties have."""
        s = self.state
        with _refusals_fail_the_update():
            person, signed = self._check_waive(waiver, live=False)
        self._audit(waiver, person, signed, waiver.reason)
        item = rules.apply_waiver(s, waiver, person, workflow.now(), signed.key)
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info("%s waived by %s: %s", waiver.item, person.id, waiver.reason)
        return item

    @waive.validator
    def _validate_waive(self, waiver: Waiver) -> None:
        self._check_waive(waiver, live=True)

    def _check_waive(self, waiver: Waiver, live: bool) -> tuple[Person, authority.SignedBy]:
        s = self.state
        if not self._signed:
            raise rules.Rejected(
                "waivers need an engagement whose actions are signed (started since signing)"
            )
        person = rules.validate_waiver(s, waiver)
        signed = self._signature(waiver, person, live)
        item = next(i for i in s.items if i.item.id == waiver.item)
        rules.check_two_people(
            s, item.waivers, item.waiver_keys, person, signed.key, f"the waiver of {item.item.id!r}"
        )
        return person, signed

    @workflow.update
    def record_contact(self, contact: Contact) -> None:
        """The provider has contacted the customer (Initiate)."""
        s = self.state
        with _refusals_fail_the_update():
            person, signed = self._check_contact(contact, live=False)
        s.contact = self._audit(contact, person, signed, contact.note)
        workflow.logger.info("customer contacted, recorded by %s: %s", person.id, contact.note)
        rules.refresh_gates(s)
        self._publish()

    @record_contact.validator
    def _validate_contact(self, contact: Contact) -> None:
        self._check_contact(contact, live=True)

    def _check_contact(self, contact: Contact, live: bool) -> tuple[Person, authority.SignedBy]:
        s = self.state
        person = rules.roster_person(s, contact.person)
        if s.phase is not Phase.INITIATE or s.contact is not None:
            raise rules.Rejected("the customer's contact is already recorded")
        if person.party is not Party.PROVIDER:
            raise rules.Rejected(f"{person.id!r} is on the customer side; the provider records the contact")
        return person, self._signature(contact, person, live)

    @workflow.update
    async def reassess(self, request: Reassessment) -> ReassessResult:
        """Assess a new bundle; items whose checks now pass close."""
        with _refusals_fail_the_update():
            person, signed = self._check_reassess(request, live=False)
        self._audit(request, person, signed, request.bundle)
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
        self._check_reassess(request, live=True)

    def _check_reassess(self, request: Reassessment, live: bool) -> tuple[Person, authority.SignedBy]:
        s = self.state
        person = rules.roster_person(s, request.person)
        if s.phase not in (Phase.ASSESS, Phase.REMEDIATE):
            raise rules.Rejected(f"re-assessment happens in assess or remediate, not {s.phase.value}")
        if not request.bundle.strip():
            raise rules.Rejected("name the assessment bundle to assess")
        return person, self._signature(request, person, live)

    @workflow.update
    def resume(self, request: Resume) -> None:
        """A provider retries after fixing what blocked the engagement."""
        with _refusals_fail_the_update():
            person, signed = self._check_resume(request, live=False)
        self._audit(request, person, signed, request.note)
        self._resume = request
        workflow.logger.info("engagement resumed by %s: %s", person.id, request.note)

    @resume.validator
    def _validate_resume(self, request: Resume) -> None:
        self._check_resume(request, live=True)

    def _check_resume(self, request: Resume, live: bool) -> tuple[Person, authority.SignedBy]:
        s = self.state
        person = rules.roster_person(s, request.person)
        if not s.blocked:
            raise rules.Rejected("the engagement is not blocked")
        if person.party is not Party.PROVIDER:
            raise rules.Rejected("only the provider side can resume a blocked engagement")
        return person, self._signature(request, person, live)

    @workflow.signal
    def step_changed(self, change: StepChange) -> None:
        """A child reports an automated step: running, done, or awaiting a person.

        Only engagements from before signing have children that report this way;
        a signed engagement ignores the signal, which anyone could send.
        """
        if self._signed:
            workflow.logger.warning(
                "ignored a step_changed signal for %r: this engagement takes none", change.step
            )
            return
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


def _continued_as_new(info: workflow.Info) -> bool:
    """This run is the engagement's own continue-as-new (not a retry, cron run or fresh start)."""
    return info.continued_run_id is not None and info.attempt == 1 and not info.cron_schedule


@contextmanager
def _refusals_fail_the_update() -> Iterator[None]:
    """In a handler, a refusal fails the Update (a plain exception would fail the task)."""
    try:
        yield
    except rules.Rejected as exc:
        raise ApplicationError(str(exc), type="Rejected", non_retryable=True) from None


def _cause(err: ActivityError) -> str:
    """The message of what went wrong inside the activity, not Temporal's wrapper."""
    return getattr(err.cause, "message", None) or str(err.cause or err)


def _days(delta: timedelta) -> str:
    if delta >= timedelta(days=1) and delta.total_seconds() % 86400 == 0:
        return f"{delta.days} days"
    return f"{delta.total_seconds():g} seconds"
