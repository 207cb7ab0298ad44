"""The engagement's reminders: escalations, checkpoint calls, gates and steps that wait.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`, whose
state and outbox (:class:`~onboard.core.engagement.outbox.NoticeOutbox`) they use;
what each notice says is :mod:`.notices`'.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import notices, rules, timeline
    from onboard.core.meetings import checkpoint_id
    from onboard.core.models import EngagementState, Notification, Party


class PeopleReminders:
    """Escalate a missed contact, call checkpoints, remind of due dates, announce gates and steps."""

    state: EngagementState
    _outbox: bool
    _gathered: bool  # the steps-gathered patch
    _timeline: bool  # the due-dates patch
    # The outbox's (.outbox.NoticeOutbox) and the workflow's:
    _send: Callable[[Notification], Awaitable[None]]
    _queue: Callable[[Notification], None]
    _publish: Callable[[], None]

    async def _escalate_contact(self) -> None:
        """One notice, however many periods have passed (a backdated purchase, a long outage)."""
        s, policy = self.state, self.state.spec.policy
        due = s.spec.purchased_on + policy.contact_within + s.escalations * policy.escalate_every
        s.escalations += 1 + max(0, int((workflow.now() - due) / policy.escalate_every))
        s.escalation_notices += 1
        # Numbered by notices sent (runs before the outbox numbered by periods passed).
        number = s.escalation_notices if self._outbox else s.escalations
        due = s.spec.purchased_on + s.spec.policy.contact_within
        message = (
            f"{s.spec.customer} ({s.spec.tenant}) has not been contacted; contact was due "
            f"{_days(s.spec.policy.contact_within)} after purchase, on {due.date().isoformat()} "
            f"(escalation {number})"
        )
        await self._send(notices.escalation(s, number, message))
        self._publish()

    async def _checkpoint(self) -> None:
        s = self.state
        assert s.next_checkpoint_at is not None
        s.checkpoints += 1
        while s.next_checkpoint_at <= workflow.now():  # one call, even after a long outage
            s.next_checkpoint_at += s.spec.policy.checkpoint_every
        now = workflow.now() if self._timeline else None  # overdue items named, first
        notice = notices.checkpoint(s, s.checkpoints, rules.open_items(s), now)
        await self._send(notices.with_invite(s, notice, checkpoint_id(s.checkpoints + 1)))  # the next call

    async def _remind_due(self) -> None:
        """Tell each side of its items falling due soon, and of those now overdue (once each)."""
        s, now = self.state, workflow.now()
        soon, late = timeline.reminders(s, now)
        for party in Party:
            mine = [i for i in soon if i.item.owner is party]
            if mine:
                await self._send(notices.due_soon(s, party, mine, now))
            mine = [i for i in late if i.item.owner is party]
            if mine:
                await self._send(notices.overdue(s, party, mine, now))
        for item in soon:
            item.due_reminded = timeline.SOON
        for item in late:
            item.due_reminded = timeline.OVERDUE
        self._publish()  # the overdue count is in the memo

    async def _notify_gate(self, gate_id: str) -> None:
        gate = self.state.gates[gate_id]
        if gate.open and not gate.notified:
            gate.notified, gate.opened_at = True, workflow.now()
            notice = notices.gate_open(self.state, gate)
            # The kick-off and the joint verification are meetings: their invite comes along.
            await self._send(notices.with_invite(self.state, notice, gate.id))

    async def _announce_ready_steps(self) -> None:
        """One notice per wave and side: the steps that became ready for people together."""
        s = self.state
        while True:
            await workflow.wait_condition(
                lambda: any(st.status == "awaiting" and not st.announced for st in s.steps.values())
            )
            if self._gathered:
                # The rest of the wave: people attest in bursts, each attestation
                # releasing the next steps; steps done meanwhile need no notice.
                await workflow.sleep(s.spec.policy.step_digest_wait, summary="gather ready steps")
            ready = [st for st in s.steps.values() if st.status == "awaiting" and not st.announced]
            for party in Party:
                wave = [st for st in ready if st.step.owner is party]
                if wave:
                    self._queue(notices.steps_ready(s, party, wave))
            for st in ready:
                st.announced = True


def _days(delta: timedelta) -> str:
    if delta >= timedelta(days=1) and delta.total_seconds() % 86400 == 0:
        return f"{delta.days} days"
    return f"{delta.total_seconds():g} seconds"
