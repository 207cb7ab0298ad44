"""The people's actions on an engagement: the Updates (and the legacy signal).

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`, whose
state (``self.state``) and helpers (``self._publish``, ``self._started``,
``self._children`` …) they use.  Each Update has a ``_check_*`` method with the
rules of who and when; the validator runs it with ``live=True`` (the workers'
allowed-signers file is asked too) before anything is written, the handler again
with ``live=False`` (deterministic, so it replays), then applies and audits the
action.  A refusal raises :class:`~onboard.core.engagement.rules.Rejected`.
"""

import asyncio
from collections.abc import Callable
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import attrs
from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core import metrics
    from onboard.core.engagement import authority, carried, notices, rules, timeline
    from onboard.core.engagement.children import ServiceEnablementWorkflow
    from onboard.core.engagement.messages import ReassessResult, StepAttestation, StepChange
    from onboard.core.engagement.refusals import refusals_fail_the_update, refusing
    from onboard.core.models import (
        LIVE_BUNDLE,
        AuditRecord,
        Completion,
        Contact,
        DueChange,
        EngagementState,
        GateDecision,
        GateState,
        ItemState,
        Notification,
        Party,
        Person,
        Phase,
        Reassessment,
        Resume,
        Waiver,
    )
    from onboard.core.trust import actions, chain
    from onboard.core.trust import store as trust_store


class EngagementActions:
    """Gate decisions, completions, waivers, due dates, contact, re-assessment and resume."""

    state: EngagementState
    _signed: bool
    _bounded: bool
    _outbox: bool
    _timeline: bool  # the due-dates patch
    _queue: Callable[[Notification], None]  # the outbox's (.outbox.NoticeOutbox)
    _started: set[str]
    _children: dict[str, Any]
    _forwards: list[asyncio.Task]
    _tickets: int
    _bundles: list[tuple[int, Reassessment]]
    _reassessed: dict[int, ReassessResult | str]
    _resume: Resume | None
    _validated: tuple[Any, authority.SignedBy] | None  # the argument the last validator passed
    _publish: Callable[[], None]  # .publishing.Publishing's

    def _signature(self, arg, person: Person, live: bool) -> authority.SignedBy:
        """The signature checks: the validator's (``live``: the workers' allowed signers
        too) and the handler's, which on replay is the only one (validators do not run).

        The SDK runs a handler right after its validator (no await between them, so
        on the state the validator saw), with the argument decoded again: when that
        equals what the validator just passed, the handler takes the validator's
        answer (``_validated``) instead of building the statement and checking it
        again, since the checks depend on nothing else.  On replay there is no such
        answer, and it checks.
        """
        if not self._signed:
            return authority.UNSIGNED
        validated, self._validated = self._validated, None
        if not live and validated is not None and validated[0] == arg:
            return validated[1]
        now = workflow.now()
        signed = authority.check_signature(self.state, workflow.info().workflow_id, arg, person, now)
        if live:
            store = trust_store.for_task_queue(workflow.info().task_queue)
            authority.check_signer(self.state, person, signed, now, store)
            self._validated = (arg, signed)
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
        with refusals_fail_the_update():
            person, signed = self._check_decide(decision, live=False)
        self._audit(decision, person, signed, decision.comment)
        gate = rules.apply_decision(s, decision, person, workflow.now(), signed.key)
        if gate.passed and gate.opened_at is not None:  # not recorded on replay
            metrics.record_gate_wait(workflow.metric_meter(), gate.id, workflow.now() - gate.opened_at)
        rules.refresh_gates(s)
        self._publish()
        if self._outbox:  # the side that must act next hears of it
            if not decision.approve:
                self._queue(
                    notices.rejected(s, gate, person.id, person.party, decision.comment, decision.reopen)
                )
            elif not gate.passed:
                self._queue(notices.gate_half_approved(s, gate, person.id))
        workflow.logger.info(
            "gate %s %s by %s (%s): %s",
            gate.id,
            "approved" if decision.approve else "rejected",
            person.id,
            person.party.value,
            decision.comment,
        )
        if not self._bounded:
            return gate
        # Every answer is recorded in history: the gate with its newest reason only
        # (the others are in the audit trail), not the whole growing list each time.
        del gate.rejections[: -carried.REJECTIONS_KEPT]
        return attrs.evolve(gate, rejections=gate.rejections[-1:])

    @decide.validator
    @refusing
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
        with refusals_fail_the_update():
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
    @refusing
    def _validate_complete(self, completion: Completion) -> None:
        self._check_complete(completion, live=True)

    def _check_complete(self, completion: Completion, live: bool) -> tuple[Person, authority.SignedBy]:
        person = rules.validate_completion(self.state, completion, signed=self._signed)
        return person, self._signature(completion, person, live)

    @workflow.update
    def waive(self, waiver: Waiver) -> ItemState:
        """One party waives a remediation item; it closes as waived once both parties have."""
        s = self.state
        with refusals_fail_the_update():
            person, signed = self._check_waive(waiver, live=False)
        self._audit(waiver, person, signed, waiver.reason)
        item = rules.apply_waiver(s, waiver, person, workflow.now(), signed.key)
        rules.refresh_gates(s)
        self._publish()
        workflow.logger.info("%s waived by %s: %s", waiver.item, person.id, waiver.reason)
        return item

    @waive.validator
    @refusing
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
    def move_due(self, change: DueChange) -> ItemState:
        """A provider person moves a remediation item's due date (``onboard due``)."""
        s = self.state
        with refusals_fail_the_update():
            person, signed = self._check_move_due(change, live=False)
        self._audit(change, person, signed, change.reason)
        item = timeline.apply_move(s, change, person)
        self._publish()
        self._queue(notices.due_moved(s, item, person.id, change.reason))
        workflow.logger.info("%s due %s, moved by %s: %s", change.item, change.due, person.id, change.reason)
        return item

    @move_due.validator
    @refusing
    def _validate_move_due(self, change: DueChange) -> None:
        self._check_move_due(change, live=True)

    def _check_move_due(self, change: DueChange, live: bool) -> tuple[Person, authority.SignedBy]:
        if not self._timeline:
            raise rules.Rejected(
                "this run of the engagement has no remediation timeline (it began before due "
                "dates existed); its next run has one"
            )
        person, _ = timeline.check_move(self.state, change, workflow.now())
        return person, self._signature(change, person, live)

    @workflow.update
    def record_contact(self, contact: Contact) -> None:
        """The provider has contacted the customer (Initiate)."""
        s = self.state
        with refusals_fail_the_update():
            person, signed = self._check_contact(contact, live=False)
        s.contact = self._audit(contact, person, signed, contact.note)
        workflow.logger.info("customer contacted, recorded by %s: %s", person.id, contact.note)
        rules.refresh_gates(s)
        self._publish()

    @record_contact.validator
    @refusing
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
        with refusals_fail_the_update():
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
    @refusing
    def _validate_reassess(self, request: Reassessment) -> None:
        # Validator only: a handler replays re-assessments accepted before this rule.
        if (
            request.bundle.strip()
            and request.bundle != LIVE_BUNDLE  # the customer-side worker collects it
            and not (
                PurePosixPath(request.bundle).is_absolute() or PureWindowsPath(request.bundle).is_absolute()
            )
        ):
            raise rules.Rejected(
                f"the bundle path {request.bundle!r} is relative; send the absolute path the workers can read"
            )
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
        with refusals_fail_the_update():
            person, signed = self._check_resume(request, live=False)
        self._audit(request, person, signed, request.note)
        self._resume = request
        workflow.logger.info("engagement resumed by %s: %s", person.id, request.note)

    @resume.validator
    @refusing
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
