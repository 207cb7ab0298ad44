"""Scope changes on a running engagement: add or remove a service, correct a fact.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.  A
provider person asks (``onboard scope``; signed, audited); the engagement plans
again from the changed spec in an activity, re-assesses its last bundle against
the new requirements in another, and only when both succeed takes the result:

- what was done stays done (closed items, the audit trail, the gates passed);
- open items whose requirement the new scope no longer has close as
  ``scope change`` (out of scope, not fixed);
- the new requirements' findings open their items (with proposed due dates);
- the change is kept as data (:class:`~onboard.core.models.PlanChange`: services,
  facts, requirements, items and steps added and removed) and everyone is told.

Scope is changed in Initiate, Assess and Remediate; once Enable has begun, its
steps are under way and the scope stays.  The request waits in the same queue as
re-assessments, so the phase code runs it between its waits, as the determinism
rules want.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

import attrs
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import authority, notices, rules, timeline
    from onboard.core.engagement.activities import EngagementActivities
    from onboard.core.engagement.messages import AssessInput, AssessOutcome, ReassessResult
    from onboard.core.engagement.options import ACTIVITY_RETRY, ASSESS_TIMEOUT, PLAN_TIMEOUT, cause
    from onboard.core.engagement.refusals import refusals_fail_the_update, refusing
    from onboard.core.models import (
        AuditRecord,
        EngagementSpec,
        EngagementState,
        Notification,
        Party,
        Person,
        Phase,
        Plan,
        PlanChange,
        Reassessment,
        ScopeChange,
        is_id,
    )

#: Scope changes ``onboard show`` and the state keep (the audit trail has them all).
CHANGES_KEPT = 10
#: Facts one change may correct, and the longest value.
FACTS_LIMIT, VALUE_LIMIT = 50, 200
OUT_OF_SCOPE = "scope change"


def check_scope(state: EngagementState, change: ScopeChange) -> Person:
    """The provider person asking, or :class:`~.rules.Rejected` saying why not."""
    person = rules.roster_person(state, change.person)
    if person.party is not Party.PROVIDER:
        raise rules.Rejected(
            "the provider side changes the scope (the customer agrees the plan at its gates)"
        )
    if state.phase not in (Phase.INITIATE, Phase.ASSESS, Phase.REMEDIATE):
        raise rules.Rejected(
            f"the scope changes before Enable, not in {state.phase.value} (its steps are under way)"
        )
    if state.plan is None:
        raise rules.Rejected("the engagement is still being planned; change its scope once it is")
    if not (change.add or change.remove or change.facts or change.licenses):
        raise rules.Rejected("say what changes: a service to add or remove, a fact or a licence count")
    offers = set(state.spec.services)
    planned = set(state.plan.service_keys())
    for key in (*change.add, *change.remove, *change.facts, *change.licenses):
        if not is_id(key):
            raise rules.Rejected(f"{key[:60]!r} is not a service or fact name")
    for key in change.add:
        if key in offers:
            raise rules.Rejected(f"{key!r} is already in the engagement's services")
    for key in change.remove:
        if key not in offers:
            comes_with = (
                " (it comes with an offer: remove that offer and add what you keep)" if key in planned else ""
            )
            raise rules.Rejected(
                f"{key!r} is not one of the engagement's services {sorted(offers)}{comes_with}"
            )
    if not (offers - set(change.remove)) | set(change.add):
        raise rules.Rejected("an engagement keeps at least one service (cancel it to end it)")
    if len(change.facts) > FACTS_LIMIT or any(
        not isinstance(v, str | int | bool) or len(str(v)) > VALUE_LIMIT for v in change.facts.values()
    ):
        raise rules.Rejected(f"facts are at most {FACTS_LIMIT} values of text, numbers or true/false")
    if any(not isinstance(n, int) or isinstance(n, bool) or n < 0 for n in change.licenses.values()):
        raise rules.Rejected("licence counts are whole numbers, 0 or more")
    return person


def changed_spec(spec: EngagementSpec, change: ScopeChange) -> EngagementSpec:
    services = tuple(s for s in spec.services if s not in change.remove) + change.add
    return attrs.evolve(
        spec,
        services=services,
        facts={**spec.facts, **change.facts},
        licenses={**spec.licenses, **change.licenses},
    )


def plan_change(
    state: EngagementState, new_spec: EngagementSpec, new_plan: Plan, change: ScopeChange, at: datetime
) -> PlanChange:
    """What taking ``new_plan`` changes (before its re-assessment's items)."""
    old = state.plan
    assert old is not None
    old_services, new_services = set(old.service_keys()), set(new_plan.service_keys())
    old_reqs, new_reqs = {r.id for r in old.requirements}, {r.id for r in new_plan.requirements}
    old_steps, new_steps = {s.id for s in old.enable_steps}, {s.id for s in new_plan.enable_steps}
    facts = [
        f"{key}: {state.spec.facts.get(key, '(unset)')} -> {value}"
        for key, value in sorted(change.facts.items())
        if state.spec.facts.get(key) != value
    ]
    closed = [i.item.id for i in rules.open_items(state) if i.item.requirement_id not in new_reqs]
    return PlanChange(
        at,
        change.person,
        change.reason,
        services_added=sorted(new_services - old_services),
        services_removed=sorted(old_services - new_services),
        facts_changed=facts,
        requirements_added=sorted(new_reqs - old_reqs),
        requirements_removed=sorted(old_reqs - new_reqs),
        items_closed=closed,
        steps_added=sorted(new_steps - old_steps),
        steps_removed=sorted(old_steps - new_steps),
    )


def close_out_of_scope(state: EngagementState, record: PlanChange, at: datetime) -> None:
    for item in state.items:
        if item.item.id in record.items_closed:
            item.closed, item.closed_by, item.closed_at = True, OUT_OF_SCOPE, at
            item.evidence = f"out of scope since {at.date().isoformat()} ({record.by}: {record.reason})"


class ScopeChanges:
    """The change_scope Update and its work in the phase loop."""

    state: EngagementState
    _outbox: bool
    _timeline: bool  # the due-dates patch
    _business_days: bool  # the business-days patch
    _light_heartbeat: Any
    _work_heartbeat: Any
    _tickets: int
    _bundles: list[tuple[int, Reassessment | ScopeChange]]
    _reassessed: dict[int, ReassessResult | PlanChange | str]
    _queue: Callable[[Notification], None]
    _publish: Callable[[], None]
    _signature: Callable[..., authority.SignedBy]
    _audit: Callable[..., AuditRecord]
    _take_assessment: Callable[[str, AssessOutcome], ReassessResult]
    _assessed_part: Callable[[Plan], Plan]

    @workflow.update
    async def change_scope(self, change: ScopeChange) -> PlanChange:
        """Add or remove services, correct facts (``onboard scope``); what the plan gained and lost."""
        with refusals_fail_the_update():
            person, signed = self._check_scope(change, live=False)
        self._audit(change, person, signed, change.reason)
        self._tickets += 1
        ticket = self._tickets
        self._bundles.append((ticket, change))
        await workflow.wait_condition(lambda: ticket in self._reassessed)
        result = self._reassessed.pop(ticket)
        if isinstance(result, str):
            raise ApplicationError(
                f"the scope change was not applied: {result}", type="ScopeNotChanged", non_retryable=True
            )
        assert isinstance(result, PlanChange)
        return result

    @change_scope.validator
    @refusing
    def _validate_change_scope(self, change: ScopeChange) -> None:
        self._check_scope(change, live=True)

    def _check_scope(self, change: ScopeChange, live: bool) -> tuple[Person, authority.SignedBy]:
        if not self._outbox:
            raise rules.Rejected(
                "this run of the engagement began before scope changes; its next run has them"
            )
        if any(isinstance(request, ScopeChange) for _, request in self._bundles):
            raise rules.Rejected("another scope change is being applied; send yours once it is done")
        person = check_scope(self.state, change)
        return person, self._signature(change, person, live)

    async def _rescope(self, change: ScopeChange) -> PlanChange | str:
        """Plan and assess the changed scope; take both (what changed), or nothing (why not)."""
        s = self.state
        new_spec = changed_spec(s.spec, change)
        try:
            new_plan: Plan = await workflow.execute_activity_method(
                EngagementActivities.plan_engagement,
                new_spec,
                start_to_close_timeout=PLAN_TIMEOUT,
                heartbeat_timeout=self._light_heartbeat,
                retry_policy=ACTIVITY_RETRY,
            )
            outcome: AssessOutcome | None = None
            if s.phase in (Phase.ASSESS, Phase.REMEDIATE) and s.assessment_round > 0:
                outcome = await workflow.execute_activity_method(
                    EngagementActivities.assess,
                    AssessInput(
                        new_spec, self._assessed_part(new_plan), s.bundle, reassessment=bool(s.bundle)
                    ),
                    task_queue=new_spec.collector_queue or None,
                    start_to_close_timeout=ASSESS_TIMEOUT,
                    heartbeat_timeout=self._work_heartbeat,
                    retry_policy=ACTIVITY_RETRY,
                )
        except ActivityError as err:
            s.history.append(
                f"{workflow.now().isoformat()} scope change by {change.person} not applied: {cause(err)}"
            )
            return cause(err)
        now = workflow.now()
        record = plan_change(s, new_spec, new_plan, change, now)
        close_out_of_scope(s, record, now)
        s.spec, s.plan = new_spec, new_plan
        if outcome is not None:
            before = {i.item.id for i in s.items}
            self._take_assessment(s.bundle, outcome)
            record = attrs.evolve(record, items_added=[i.item.id for i in s.items if i.item.id not in before])
        if self._timeline:
            timeline.propose(s, now, business_days=self._business_days)
        s.plan_changes.append(record)
        del s.plan_changes[:-CHANGES_KEPT]
        s.history.append(
            f"{now.isoformat()} scope changed by {change.person}: {', '.join(s.plan.service_keys())}"
        )
        rules.refresh_gates(s)
        self._publish()
        self._queue(notices.scope_changed(s, record))
        return record
