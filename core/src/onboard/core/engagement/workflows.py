"""The engagement workflow: one run per phase, orchestration only.

Plugins run in activities (:mod:`.activities`), rules live in :mod:`.rules`, the
people's actions (Updates) in :mod:`.actions`, and this module waits, records and
routes.  The workflow continues as new with its state when the server suggests it,
when its audit records pile up (:mod:`.carried`) and at a phase boundary once the
run's history is long (:data:`~onboard.core.models.Policy.new_run_after_events`),
so months-long engagements keep a small history without copying their state into
a run per phase (runs before the ``slim-histories`` patch had one per phase).

Enable is :mod:`.enabling`'s; reminders, escalations and the remediation
timeline's notices are :mod:`.reminders`'.
"""

import asyncio
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

import attrs
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import authority, carried, notices, rules, timeline
    from onboard.core.engagement.actions import EngagementActions
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.assessing import Assessments
    from onboard.core.engagement.enabling import EnableSteps
    from onboard.core.engagement.journaling import AuditJournaling
    from onboard.core.engagement.lifecycle import ENDED, LIFECYCLE, EngagementLifecycle
    from onboard.core.engagement.meeting_moves import MeetingMoves
    from onboard.core.engagement.messages import (
        EngagementInput,
        ReassessResult,
    )
    from onboard.core.engagement.options import (
        HEARTBEAT_TIMEOUT,
        JOURNAL_DRAIN,
        PLAN_TIMEOUT,
        QUICK_HEARTBEAT_TIMEOUT,
    )
    from onboard.core.engagement.outbox import PEOPLE_NOTICES, NoticeOutbox
    from onboard.core.engagement.publishing import Publishing
    from onboard.core.engagement.reminders import PeopleReminders, _days
    from onboard.core.engagement.rescope import ScopeChanges
    from onboard.core.engagement.roster import RosterChanges
    from onboard.core.gates import JOINT_VERIFICATION, KICKOFF, REMEDIATION_PLAN
    from onboard.core.meetings import checkpoint_id
    from onboard.core.models import (
        AuditRecord,
        EngagementProgress,
        EngagementState,
        EngagementStatus,
        Phase,
        PlanChange,
        Reassessment,
        Resume,
        ScopeChange,
    )
    from onboard.core.trust import chain

#: The patch that brought signed actions (docs/security.md): runs recorded before it
#: replay as they ran; every run begun since requires signatures, runs the Enable
#: steps as its own activities and chains and journals its audit records.
SIGNED_ACTIONS = "signed-actions"
#: Every activity heartbeats and has a short heartbeat timeout (planning, notices and
#: the journal had none; assessments and steps waited two minutes).
QUICK_HEARTBEATS = "quick-heartbeats"
#: The carried state stays bounded: journaled audit records are archived before
#: continuing as new, and a run continues early when its records pile up (.carried).
BOUNDED_STATE = "bounded-state"
#: Ready Enable steps are announced once per wave, gathered over policy.step_digest_wait.
STEPS_GATHERED = "steps-gathered"
#: The remediation timeline: items are due, their owners reminded (.timeline).
DUE_DATES = "due-dates"
#: Every run keeps a memo and details for `onboard list` and the Web UI (.summary),
#: and an ending run clears who it awaits.
RUN_SUMMARY = "run-summary"
#: Due dates of a day or more fall at the close of business in the engagement's region.
BUSINESS_DAYS = "business-days"
#: Slim histories: the next phase starts in the same run unless the run is long
#: (Policy.new_run_after_events); assessments get only the part of the plan they read.
SLIM_HISTORIES = "slim-histories"


@workflow.defn
class EngagementWorkflow(
    EngagementActions,
    EngagementLifecycle,
    RosterChanges,
    ScopeChanges,
    MeetingMoves,
    EnableSteps,
    PeopleReminders,
    AuditJournaling,
    NoticeOutbox,
    Publishing,
    Assessments,
):
    """One customer tenant onboarding one or more eligible services.

    Its Updates (the people's actions) and signals are in :class:`.actions.EngagementActions`.
    """

    @workflow.init
    def __init__(self, inp: EngagementInput) -> None:
        # Updates can arrive before run() starts: all state is set up here.
        self._signed = workflow.patched(SIGNED_ACTIONS)
        quick = workflow.patched(QUICK_HEARTBEATS)
        self._bounded = workflow.patched(BOUNDED_STATE)
        self._outbox = workflow.patched(PEOPLE_NOTICES)
        self._gathered = self._outbox and workflow.patched(STEPS_GATHERED)
        self._timeline = self._outbox and workflow.patched(DUE_DATES)
        self._summarised = self._outbox and workflow.patched(RUN_SUMMARY)
        self._lifecycle = self._summarised and workflow.patched(LIFECYCLE)
        self._business_days = self._lifecycle and workflow.patched(BUSINESS_DAYS)
        self._slim = self._business_days and workflow.patched(SLIM_HISTORIES)
        #: Heartbeat timeouts of planning, notices and the journal; of assessments and steps.
        self._light_heartbeat = QUICK_HEARTBEAT_TIMEOUT if quick else None
        self._work_heartbeat = QUICK_HEARTBEAT_TIMEOUT if quick else HEARTBEAT_TIMEOUT
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
        elif self._signed and carried is not None and carried.signed:
            problem = authority.carried_state_problem(carried)
            if problem:
                self._forged = (
                    f"the carried engagement state does not follow from its signed audit chain: {problem}"
                )
                carried = None
        self.state: EngagementState = carried or EngagementState(
            spec=inp.spec, bundle=inp.spec.bundle, gates=rules.gate_states()
        )
        if self._signed:
            self.state.signed = True
        self._bundles: list[tuple[int, Reassessment | ScopeChange]] = []  # (ticket, request), in order
        self._tickets = 0
        self._resume: Resume | None = None
        self._validated: tuple[Any, authority.SignedBy] | None = None
        self._children: dict[str, workflow.ChildWorkflowHandle] = {}
        self._started: set[str] = set()  # services whose Enable child is running
        self._forwards: list[asyncio.Task] = []  # attestations on their way to children
        self._services_done: set[str] = set()
        self._published: tuple | None = None
        self._memo_published: dict | None = None
        self._reassessed: dict[int, ReassessResult | PlanChange | str] = {}  # by ticket; str: why not

    # -- run ------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: EngagementInput) -> EngagementStatus:
        s = self.state
        if self._forged:
            raise ApplicationError(self._forged, type="ForgedStart", non_retryable=True)
        if self._signed:
            self._journal_task = asyncio.create_task(self._journal_loop())
        if self._outbox:
            self._notice_task = asyncio.create_task(self._notice_loop())
        if self._summarised and s.started_at is None:
            s.started_at = workflow.now()
        self._publish()
        while True:
            phase = s.phase
            if self._lifecycle:  # a cancellation stops the phase's work wherever it is
                await self._until_cancelled(self._phase_work())
            else:
                await self._phase_work()
            if s.phase in ENDED or s.phase is phase or not self._next_phase_in_this_run():
                break
        if s.phase not in ENDED:
            await self._settle()
            # A re-assessment can arrive after the phase changed but before this run
            # ends; its handler waits for the result, so assess it here, not later.
            while True:
                await self._run_pending_assessments()
                await workflow.wait_condition(lambda: bool(self._bundles) or workflow.all_handlers_finished())
                if not self._bundles:
                    break
            if self._bounded:
                carried.compact(s)
            self._publish_ended()
            workflow.continue_as_new(EngagementInput(s.spec, s))
        if self._signed:
            try:
                await workflow.wait_condition(
                    lambda: not chain.has_unjournaled(s),
                    timeout=JOURNAL_DRAIN,
                    timeout_summary="audit journal",
                )
            except TimeoutError:
                workflow.logger.warning(
                    "engagement completes with audit records not journaled: %s", s.journal_problem
                )
        await self._drain_outbox()
        self._publish_ended()
        return rules.status(s)

    # -- phases -----------------------------------------------------------------

    async def _phase_work(self) -> None:
        """Plan (once), then the current phase's work, up to its end or a continue-as-new."""
        s = self.state
        if s.plan is None:
            s.plan = await self._activity(
                "planning the engagement",
                EngagementActivities.plan_engagement,
                s.spec,
                timeout=PLAN_TIMEOUT,
                heartbeat=self._light_heartbeat,
            )
            s.history.append(f"{workflow.now().isoformat()} planned: {', '.join(s.plan.service_keys())}")
        if self._timeline:  # items carried from runs before the timeline get their dates
            timeline.propose(s, workflow.now(), business_days=self._business_days)
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

    async def _until_cancelled(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        s = self.state
        ended_by_people = lambda: s.phase is Phase.CANCELLED or bool(s.closed_reason)  # noqa: E731
        await workflow.wait_condition(lambda: task.done() or ended_by_people())
        if not task.done():
            task.cancel()  # its timers and activities are cancelled with it
        try:
            await task
        except asyncio.CancelledError:
            if not ended_by_people():
                raise

    def _paused(self) -> bool:
        return self._lifecycle and self.state.paused_at is not None

    async def _while_paused(self) -> bool:
        """Wait out a pause; False: still paused, the run should continue as new."""
        await workflow.wait_condition(lambda: not self._paused() or self._continue_suggested())
        return not self._paused()

    async def _initiate(self) -> None:
        s, policy = self.state, self.state.spec.policy
        while s.contact is None:
            if self._paused():
                if not await self._while_paused():
                    return
                continue
            deadline = s.spec.purchased_on + policy.contact_within + s.escalations * policy.escalate_every
            remaining = deadline + s.paused_for - workflow.now()
            if remaining <= timedelta(0):
                await self._escalate_contact()
                continue
            try:
                await workflow.wait_condition(
                    lambda: (
                        s.contact is not None
                        or self._continue_suggested()
                        or self._paused()
                        or bool(self._bundles)  # a scope change (re-assessments wait for Assess)
                    ),
                    timeout=remaining,
                    timeout_summary="contact within policy",
                )
            except TimeoutError:
                continue  # overdue now: the branch above escalates
            if self._bundles:
                await self._run_pending_assessments()
                continue
            if s.contact is None and not self._paused():
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
            schedule = notices.plain(
                s,
                "checkpoints",
                f"remediation checkpoint calls every {_days(s.spec.policy.checkpoint_every)}; "
                f"first on {s.next_checkpoint_at.date().isoformat()}",
                notices.recipients(s),
            )
            # The first call is Remediate's, which this run enters next.
            remediating = attrs.evolve(s, phase=Phase.REMEDIATE)
            await self._send(notices.with_invite(remediating, schedule, checkpoint_id(1)))
            await self._enter(Phase.REMEDIATE)

    async def _remediate(self) -> None:
        s = self.state
        gate = s.gates[JOINT_VERIFICATION]
        while not gate.passed:
            if self._paused():
                if not await self._while_paused():
                    return
                continue
            rules.refresh_gates(s)
            self._publish()
            await self._notify_gate(JOINT_VERIFICATION)  # also when nothing was left to fix
            was_open = gate.open
            assert s.next_checkpoint_at is not None
            # Whichever comes first: the next checkpoint call or the next due reminder.
            reminder = timeline.next_reminder_at(s) if self._timeline else None
            due_first = reminder is not None and reminder < s.next_checkpoint_at
            wake_up = self._remind_due if due_first else self._checkpoint
            remaining = (reminder if due_first else s.next_checkpoint_at) - workflow.now()
            if remaining <= timedelta(0):
                await wake_up()
                continue
            try:
                await workflow.wait_condition(
                    lambda was_open=was_open, reminder=reminder, call=s.next_checkpoint_at: (
                        gate.passed
                        or s.next_checkpoint_at != call  # the call was moved
                        or bool(self._bundles)
                        or self._continue_suggested()
                        or (not was_open and not rules.open_items(s))
                        or (self._timeline and timeline.next_reminder_at(s) != reminder)  # a date moved
                        or self._paused()
                    ),
                    timeout=remaining,
                    timeout_summary="next due reminder" if due_first else "next checkpoint call",
                )
            except TimeoutError:
                await wake_up()
                continue
            if self._bundles:
                await self._run_pending_assessments()
            elif not was_open and not rules.open_items(s):
                rules.refresh_gates(s)
                await self._notify_gate(JOINT_VERIFICATION)
            elif not gate.passed and self._continue_suggested() and not self._paused():
                return
        await self._enter(Phase.ENABLE)

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
        if s.phase is Phase.CANCELLED or s.closed_reason:  # ended meanwhile: the phase's work is over
            return
        previous = s.phase
        s.phase = phase
        s.history.append(f"{workflow.now().isoformat()} {previous.value} -> {phase.value}")
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info("phase %s -> %s", previous.value, phase.value)
        await self._send(notices.transition(s, previous.value, phase.value))

    @workflow.query
    def status(self) -> EngagementStatus:
        """Everything: plan, findings, gates, items, steps, audit trail."""
        return rules.status(self.state)

    @workflow.query
    def request(self, request_id: str) -> AuditRecord | None:
        """The audit record of the signed action with this request id (its nonce), if applied."""
        return authority.applied_record(self.state, request_id)

    @workflow.query
    def progress(self) -> EngagementProgress:
        """Who is awaited and what is open, for tools that poll."""
        return rules.progress(self.state)

    # -- helpers -------------------------------------------------------------------

    def _next_phase_in_this_run(self) -> bool:
        """A phase has ended: go on in this run, or hand the state to a new one."""
        if not self._slim or self._continue_suggested():
            return False
        return workflow.info().get_current_history_length() < self.state.spec.policy.new_run_after_events

    def _continue_suggested(self) -> bool:
        if self.state.phase is Phase.ENABLE:
            return False
        return workflow.info().is_continue_as_new_suggested() or (
            self._bounded and carried.wants_compaction(self.state)
        )


def _continued_as_new(info: workflow.Info) -> bool:
    """This run is the engagement's own continue-as-new (not a retry, cron run or fresh start)."""
    return info.continued_run_id is not None and info.attempt == 1 and not info.cron_schedule
