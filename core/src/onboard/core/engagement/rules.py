"""The engagement's rules as pure functions over :class:`EngagementState`.

The workflow calls these to validate and apply Updates and to say who is awaited;
they do no I/O and read no clock (the caller passes ``at``), so they are
deterministic and can be tested without a server.  A validator raises
:class:`Rejected` with a reason the approver sees.
"""

from datetime import datetime

from onboard.core.gates import GATES
from onboard.core.models import (
    Completion,
    EngagementProgress,
    EngagementState,
    EngagementStatus,
    Finding,
    GateDecision,
    GateState,
    ItemState,
    Outcome,
    Party,
    Person,
    Phase,
    Plan,
    RemediationItem,
    StepKind,
    StepState,
    Waiver,
)

PHASE_ORDER = (Phase.INITIATE, Phase.ASSESS, Phase.REMEDIATE, Phase.ENABLE, Phase.COMPLETED)


class Rejected(ValueError):
    """An Update the engagement refuses; nothing is written to history."""


class AlreadyApplied(Rejected):
    """A signed action sent again (same nonce) that the engagement already applied.

    Within one run Temporal answers a repeated Update id with the first outcome;
    after a continue-as-new the new run answers with this, naming the audit record.
    """


def next_phase(phase: Phase) -> Phase:
    return PHASE_ORDER[PHASE_ORDER.index(phase) + 1]


def roster_person(state: EngagementState, person_id: str) -> Person:
    person = next((p for p in state.spec.roster if p.id == person_id), None)
    if person is None:
        raise Rejected(f"{person_id!r} is not on the roster of engagement {state.spec.engagement_id!r}")
    return person


def gate_states() -> dict[str, GateState]:
    """The gates are the process's, not a plugin's: known before the plan is."""
    return {g.id: GateState(g.id, g.phase, g.title, g.parties) for g in GATES}


def gate_for_phase(state: EngagementState, phase: Phase) -> GateState:
    return next(g for g in state.gates.values() if g.phase is phase)


# ---------------------------------------------------------------------------
# Gates
# ---------------------------------------------------------------------------


def validate_decision(state: EngagementState, decision: GateDecision) -> Person:
    """Who may decide what, when; raises :class:`Rejected` with the reason."""
    gate = state.gates.get(decision.gate)
    if gate is None:
        known = ", ".join(state.gates)
        raise Rejected(f"unknown gate {decision.gate!r} (gates: {known})")
    person = roster_person(state, decision.person)
    if gate.passed:
        raise Rejected(f"gate {gate.id!r} has already passed")
    if not gate.open:
        raise Rejected(f"gate {gate.id!r} is not open yet ({why_closed(state, gate)})")
    if person.party not in gate.parties:
        needed = " and ".join(p.value for p in gate.parties)
        raise Rejected(
            f"{person.id!r} is on the {person.party.value} side; gate {gate.id!r} needs a {needed} decision"
        )
    if decision.person in gate.approved_by.values():
        raise Rejected(f"{person.id!r} has already approved gate {gate.id!r}")
    if person.party.value in gate.approved_by:
        other = gate.approved_by[person.party.value]
        raise Rejected(f"gate {gate.id!r} already has the {person.party.value} approval (from {other!r})")
    if not decision.approve and not decision.comment.strip():
        raise Rejected("a rejection needs a reason: pass a comment")
    if decision.reopen:
        if decision.approve or gate.phase is not Phase.REMEDIATE:
            raise Rejected("only a rejection of the joint verification gate can reopen remediation items")
        for item_id in decision.reopen:
            item = _item(state, item_id)
            if item is None:
                raise Rejected(f"engagement {state.spec.engagement_id!r} has no remediation item {item_id!r}")
            if not item.closed:
                raise Rejected(f"remediation item {item_id!r} is open already")
    return person


def check_two_people(
    state: EngagementState,
    people: dict[str, str],
    keys: dict[str, str],
    person: Person,
    key: str,
    what: str,
) -> None:
    """One human stands for one party: a second approval of ``what`` must come from
    someone else, by person, e-mail and signing key."""
    for party, other_id in people.items():
        if party == person.party.value:
            continue
        other = roster_person(state, other_id)
        if other.id == person.id:
            raise Rejected(f"{person.id!r} has already approved {what}")
        if person.email and other.email.strip().lower() == person.email.strip().lower():
            raise Rejected(
                f"{person.id!r} and {other.id!r} share the e-mail {person.email}: one person cannot "
                f"stand for both parties of {what}"
            )
        if key and keys.get(party) == key:
            raise Rejected(
                f"{what} was already approved with key {key} (by {other.id!r}): one person cannot stand "
                "for both parties"
            )


def refresh_gates(state: EngagementState) -> None:
    """Open the current phase's gate once its work allows a decision."""
    for gate in state.gates.values():
        was_open = gate.open
        _set_open(state, gate)
        if was_open and not gate.open and not gate.passed:
            # Closed again (new remediation items, a block): approvals given on other
            # facts no longer count.
            gate.approved_by.clear()
            gate.approved_keys.clear()


def _set_open(state: EngagementState, gate: GateState) -> None:
    if gate.passed or gate.phase is not state.phase or state.blocked or state.plan is None:
        gate.open = False
    elif gate.phase is Phase.INITIATE:
        gate.open = state.contact is not None
    elif gate.phase is Phase.ASSESS:
        gate.open = state.assessment_round > 0
    elif gate.phase is Phase.REMEDIATE:
        gate.open = not open_items(state)


def why_closed(state: EngagementState, gate: GateState) -> str:
    if state.phase is not gate.phase:
        return f"the engagement is in {state.phase.value}, the gate closes {gate.phase.value}"
    if state.plan is None:
        return "the engagement's plan is not ready yet"
    if gate.phase is Phase.INITIATE and state.contact is None:
        return "the customer has not been contacted yet"
    if gate.phase is Phase.REMEDIATE:
        left = [i.item.id for i in state.items if not i.closed]
        if left:
            return f"{len(left)} remediation item(s) still open: {', '.join(left[:5])}"
    if state.blocked:
        return f"the engagement is blocked: {state.blocked}"
    return "its phase's work is not finished"


def apply_decision(
    state: EngagementState, decision: GateDecision, person: Person, at: datetime, key: str = ""
) -> GateState:
    """Apply the decision (the caller audits it); a gate passes when every party it needs has approved."""
    gate = state.gates[decision.gate]
    if decision.approve:
        gate.approved_by[person.party.value] = person.id
        if key:
            gate.approved_keys[person.party.value] = key
        gate.passed = all(p.value in gate.approved_by for p in gate.parties)
        if gate.passed:
            gate.open = False
    else:
        # Sent back: earlier approvals no longer count; the phase's work goes on.
        gate.approved_by.clear()
        gate.approved_keys.clear()
        gate.rejections.append(f"{person.id}: {decision.comment}")
        for item_id in decision.reopen:
            reopen(state, item_id, f"reopened by {person.id}'s rejection of {gate.id}: {decision.comment}")
    return gate


# ---------------------------------------------------------------------------
# Remediation items and enable steps
# ---------------------------------------------------------------------------


def validate_completion(state: EngagementState, completion: Completion, *, signed: bool = False) -> Person:
    """Who may attest what; ``signed`` engagements also keep the rules of who.

    Those rules: only the owning party attests, and an item backed by an automated
    check closes by a passing re-assessment or by a waiver, never by one attestation.
    """
    person = roster_person(state, completion.person)
    item = _item(state, completion.item)
    if item is not None:
        if state.phase not in (Phase.ASSESS, Phase.REMEDIATE):
            raise Rejected(f"remediation items are completed in assess or remediate, not {state.phase.value}")
        if item.closed:
            raise Rejected(f"remediation item {item.item.id!r} is already closed (by {item.closed_by})")
        if signed:
            _owner_only(person, item.item.owner, f"remediation item {item.item.id!r}")
            check = backed_by_check(state, item)
            if check:
                raise Rejected(
                    f"remediation item {item.item.id!r} is backed by the automated check {check!r}: it closes "
                    f"when a re-assessment passes (onboard reassess), or by a waiver both parties sign "
                    f"(onboard waive {state.spec.engagement_id} {item.item.id} --reason ...)"
                )
        return person
    step = state.steps.get(completion.item)
    if step is not None:
        if step.status == "done":
            raise Rejected(f"enable step {step.step.id!r} is already done (by {step.by})")
        if step.status != "awaiting":
            raise Rejected(
                f"enable step {step.step.id!r} is not waiting for a person yet (status {step.status})"
            )
        if signed:
            _owner_only(person, step.step.owner, f"enable step {step.step.id!r}")
        return person
    raise Rejected(
        f"engagement {state.spec.engagement_id!r} has no remediation item or enable step {completion.item!r}"
    )


def _owner_only(person: Person, owner: Party, what: str) -> None:
    if person.party is not owner:
        raise Rejected(
            f"{what} belongs to the {owner.value} side; {person.id!r} is on the {person.party.value} side"
        )


def backed_by_check(state: EngagementState, item: ItemState) -> str:
    """The automated check behind ``item`` ("" when a person confirms it)."""
    requirement = state.plan.requirement(item.item.requirement_id) if state.plan else None
    if requirement is None or requirement.check == "manual":
        return ""
    return requirement.check


def apply_item_completion(
    state: EngagementState, completion: Completion, person: Person, at: datetime
) -> bool:
    """Close an item by attestation; ``False`` if ``completion`` names a step instead."""
    item = _item(state, completion.item)
    if item is None:
        return False
    item.closed, item.closed_by, item.evidence, item.closed_at = True, person.id, completion.evidence, at
    return True


def reopen(state: EngagementState, item_id: str, why: str) -> None:
    item = _item(state, item_id)
    if item is None or not item.closed:
        return
    item.closed, item.closed_by, item.closed_at, item.evidence = False, "", None, why
    item.waived = False
    item.waivers.clear()
    item.waiver_keys.clear()
    item.reopened += 1


# ---------------------------------------------------------------------------
# Waivers
# ---------------------------------------------------------------------------


def validate_waiver(state: EngagementState, waiver: Waiver) -> Person:
    person = roster_person(state, waiver.person)
    item = _item(state, waiver.item)
    if item is None:
        raise Rejected(f"engagement {state.spec.engagement_id!r} has no remediation item {waiver.item!r}")
    if state.phase not in (Phase.ASSESS, Phase.REMEDIATE):
        raise Rejected(f"remediation items are waived in assess or remediate, not {state.phase.value}")
    if item.closed:
        raise Rejected(f"remediation item {item.item.id!r} is already closed (by {item.closed_by})")
    if person.party.value in item.waivers:
        raise Rejected(
            f"the {person.party.value} side has already waived {item.item.id!r} "
            f"(by {item.waivers[person.party.value]!r}); the other side must waive it too"
        )
    return person


def apply_waiver(state: EngagementState, waiver: Waiver, person: Person, at: datetime, key: str) -> ItemState:
    """Record one side's waiver; the item closes as waived when both sides have."""
    item = _item(state, waiver.item)
    assert item is not None
    item.waivers[person.party.value] = person.id
    if key:
        item.waiver_keys[person.party.value] = key
    reason = f"{person.party.value} {person.id}: {waiver.reason}"
    item.evidence = reason if len(item.waivers) == 1 else f"{item.evidence}; {reason}"
    if all(p.value in item.waivers for p in Party):
        item.closed, item.closed_by, item.closed_at, item.waived = True, "waiver", at, True
        item.evidence = f"waived: {item.evidence}"
    return item


def _item(state: EngagementState, item_id: str) -> ItemState | None:
    return next((i for i in state.items if i.item.id == item_id), None)


def merge_assessment(
    state: EngagementState,
    findings: list[Finding],
    items: list[RemediationItem],
    at: datetime,
    *,
    reopen_failing: bool = False,
) -> list[str]:
    """Take a (re-)assessment: new items open, items whose check now passes close.

    Returns the ids of the items this assessment closed.  With ``reopen_failing``
    (signed engagements), a closed item whose check fails again reopens, unless both
    parties waived it; otherwise a person's attestation stays the record.
    """
    state.assessment_round += 1
    state.findings = list(findings)
    passed = {f.requirement_id for f in findings if f.outcome is Outcome.PASS}
    if reopen_failing:
        failing = {f.requirement_id for f in findings if f.outcome is Outcome.FAIL}
        for existing in state.items:
            if existing.closed and not existing.waived and existing.item.requirement_id in failing:
                reopen(
                    state,
                    existing.item.id,
                    f"reopened by assessment round {state.assessment_round}: the check fails again",
                )
    closed = []
    for existing in state.items:
        if not existing.closed and existing.item.requirement_id in passed:
            existing.closed, existing.closed_by, existing.closed_at = True, "reassessment", at
            existing.evidence = f"assessment round {state.assessment_round}: check passes"
            closed.append(existing.item.id)
    known = {i.item.id for i in state.items}
    state.items.extend(ItemState(item) for item in items if item.id not in known)
    return closed


def open_items(state: EngagementState) -> list[ItemState]:
    return [i for i in state.items if not i.closed]


def step_states(plan: Plan) -> dict[str, StepState]:
    return {s.id: StepState(s) for s in plan.enable_steps}


def child_needs(state: EngagementState, step_id: str) -> bool:
    """Whether a service's child workflow waits for this step's attestation.

    It does for an automated step a person confirmed, and for any step an automated
    step depends on; the engagement records the other manual steps on its own.
    """
    step = state.steps[step_id].step
    return step.kind is StepKind.AUTOMATED or any(
        st.step.kind is StepKind.AUTOMATED and step_id in st.step.depends_on for st in state.steps.values()
    )


def refresh_steps(state: EngagementState, started: set[str]) -> None:
    """Open the manual steps of started services whose dependencies are done.

    Automated steps are the Enable children's business: they report them.
    """
    done = {step_id for step_id, st in state.steps.items() if st.status == "done"}
    for st in state.steps.values():
        if (
            st.status == "pending"
            and st.step.kind is StepKind.MANUAL
            and st.step.service in started
            and all(dep in done for dep in st.step.depends_on)
        ):
            st.status = "awaiting"


# ---------------------------------------------------------------------------
# Who is awaited
# ---------------------------------------------------------------------------


def awaiting(state: EngagementState) -> tuple[str, ...]:
    """Person ids and ``party:<party>`` tags whose action the engagement waits for
    (nobody, once it has ended or while it is paused)."""
    parties: set[Party] = set()
    if state.phase in (Phase.COMPLETED, Phase.CANCELLED) or state.paused_at is not None:
        return ()
    if state.blocked or state.plan is None:
        parties.add(Party.PROVIDER)
    elif state.phase is Phase.INITIATE:
        parties.add(Party.PROVIDER)  # contact, then the kick-off gate
    elif state.phase in (Phase.ASSESS, Phase.REMEDIATE):
        gate = gate_for_phase(state, state.phase)
        items = open_items(state)
        if state.phase is Phase.REMEDIATE and items:
            parties.update(i.item.owner for i in items)
        elif gate.open:
            parties.update(p for p in gate.parties if p.value not in gate.approved_by)
    elif state.phase is Phase.ENABLE:
        parties.update(s.step.owner for s in state.steps.values() if s.status == "awaiting")
    people = [p.id for p in state.spec.roster if p.party in parties]
    return tuple(sorted(people) + sorted(f"party:{p.value}" for p in parties))


def status(state: EngagementState) -> EngagementStatus:
    services = state.plan.service_keys() if state.plan else state.spec.services
    return EngagementStatus(
        engagement_id=state.spec.engagement_id,
        tenant=state.spec.tenant,
        phase=state.phase,
        services=tuple(services),
        awaiting=awaiting(state),
        state=state,
    )


def progress(state: EngagementState) -> EngagementProgress:
    return EngagementProgress(
        phase=state.phase,
        planned=state.plan is not None,
        awaiting=awaiting(state),
        open_gates=tuple(g.id for g in state.gates.values() if g.open),
        open_items=tuple(i.item.id for i in open_items(state)),
        awaiting_steps=tuple(s.step.id for s in state.steps.values() if s.status == "awaiting"),
        assessment_round=state.assessment_round,
        blocked=state.blocked,
        paused=f"by {state.paused_by}: {state.paused_reason}" if state.paused_at is not None else "",
    )
