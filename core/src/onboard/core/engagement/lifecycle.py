"""Cancel, pause and resume an engagement: signed, audited Updates like the gate decisions.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.

- **cancel** (either side, with a reason): the phase becomes ``cancelled``; the
  workflow stops its phase work (timers, activities) and ends once the journal and
  the last notices are out; everyone on the roster is told why.
- **pause** (either side, with a reason): no timer fires and no other action is
  accepted until someone resumes it; everyone is told.
- **close** (in Enable, both sides, each with a reason): the steps still open are
  not needed; once a provider and a customer person have closed it, it completes;
- **unpause** (``onboard resume`` on a paused engagement): the contact deadline,
  every open item's due date and the next checkpoint call move by the time it was
  paused, and work goes on where it stood.

Runs from before the ``lifecycle`` patch refuse these (their next run accepts them).
"""

from collections.abc import Callable

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import authority, notices, rules
    from onboard.core.engagement.refusals import refusals_fail_the_update, refusing
    from onboard.core.models import (
        AuditRecord,
        Cancellation,
        Closure,
        EngagementState,
        Notification,
        Party,
        Pause,
        Person,
        Phase,
        Unpause,
    )

#: The patch that brought cancel, pause and resume (and refusing other actions while paused).
LIFECYCLE = "lifecycle"
ENDED = (Phase.COMPLETED, Phase.CANCELLED)


class EngagementLifecycle:
    """The cancel, pause and unpause Updates."""

    state: EngagementState
    _lifecycle: bool
    _queue: Callable[[Notification], None]
    _publish: Callable[[], None]
    _signature: Callable[..., authority.SignedBy]
    _audit: Callable[..., AuditRecord]

    def _check_lifecycle(
        self, arg: Cancellation | Pause | Unpause, live: bool
    ) -> tuple[Person, authority.SignedBy]:
        s = self.state
        if not self._lifecycle:
            raise rules.Rejected(
                "this run of the engagement began before cancel and pause existed; its next run has them"
            )
        person = rules.roster_person(s, arg.person)
        if s.phase in ENDED:
            raise rules.Rejected(f"the engagement is {s.phase.value}")
        if isinstance(arg, Pause) and s.paused_at is not None:
            raise rules.Rejected(f"the engagement is already paused (by {s.paused_by}: {s.paused_reason})")
        if isinstance(arg, Unpause) and s.paused_at is None:
            raise rules.Rejected("the engagement is not paused")
        if isinstance(arg, Closure):
            if s.phase is not Phase.ENABLE:
                raise rules.Rejected(
                    f"an engagement closes in enable, once its remaining steps are not needed; "
                    f"in {s.phase.value}, cancel it instead (onboard cancel)"
                )
            if person.party.value in s.closing:
                raise rules.Rejected(
                    f"the {person.party.value} side has already agreed to close it (by {s.closing[person.party.value]}); "
                    "the other side closes it too"
                )
        return person, self._signature(arg, person, live)

    def _cancel(self, cancellation: Cancellation) -> None:
        s = self.state
        person, signed = self._check_lifecycle(cancellation, live=False)
        self._audit(cancellation, person, signed, cancellation.reason)
        previous = s.phase
        s.phase, s.cancelled_by, s.cancelled_reason = Phase.CANCELLED, person.id, cancellation.reason
        s.paused_at = None
        s.history.append(f"{workflow.now().isoformat()} {previous.value} -> cancelled by {person.id}")
        self._publish()
        self._queue(notices.lifecycle(s, "cancelled", person, cancellation.reason))
        workflow.logger.info("engagement cancelled by %s: %s", person.id, cancellation.reason)

    def _close(self, closure: Closure) -> None:
        s = self.state
        person, signed = self._check_lifecycle(closure, live=False)
        self._audit(closure, person, signed, closure.reason)
        s.closing[person.party.value] = person.id
        if len(s.closing) < len(Party):
            self._queue(notices.lifecycle(s, "closing", person, closure.reason))
            return
        s.closed_reason = closure.reason
        s.history.append(
            f"{workflow.now().isoformat()} enable -> completed, closed by {' and '.join(s.closing.values())}"
        )
        s.phase = Phase.COMPLETED
        self._publish()
        self._queue(notices.lifecycle(s, "closed", person, closure.reason))
        workflow.logger.info("engagement closed by %s: %s", ", ".join(s.closing.values()), closure.reason)

    def _pause(self, pause: Pause) -> None:
        s = self.state
        person, signed = self._check_lifecycle(pause, live=False)
        self._audit(pause, person, signed, pause.reason)
        s.paused_at, s.paused_by, s.paused_reason = workflow.now(), person.id, pause.reason
        s.history.append(f"{workflow.now().isoformat()} paused by {person.id}")
        self._publish()
        self._queue(notices.lifecycle(s, "paused", person, pause.reason))
        workflow.logger.info("engagement paused by %s: %s", person.id, pause.reason)

    def _unpause(self, unpause: Unpause) -> None:
        s = self.state
        person, signed = self._check_lifecycle(unpause, live=False)
        self._audit(unpause, person, signed, unpause.note)
        assert s.paused_at is not None
        paused = workflow.now() - s.paused_at
        s.paused_for += paused
        for item in rules.open_items(s):  # the owners lost that time
            if item.due is not None:
                item.due += paused
        if s.next_checkpoint_at is not None:
            s.next_checkpoint_at += paused
        s.paused_at, s.paused_by, s.paused_reason = None, "", ""
        s.history.append(f"{workflow.now().isoformat()} resumed by {person.id} after {paused}")
        self._publish()
        self._queue(notices.lifecycle(s, "resumed", person, unpause.note or f"paused for {paused}"))
        workflow.logger.info("engagement resumed by %s after %s", person.id, paused)

    @workflow.update
    def cancel(self, cancellation: Cancellation) -> None:
        """End the engagement before it completes (``onboard cancel``)."""
        with refusals_fail_the_update():
            self._cancel(cancellation)

    @cancel.validator
    @refusing
    def _validate_cancel(self, cancellation: Cancellation) -> None:
        self._check_lifecycle(cancellation, live=True)

    @workflow.update
    def close(self, closure: Closure) -> None:
        """Agree to close the engagement in Enable; it completes once both sides have (``onboard close``)."""
        with refusals_fail_the_update():
            self._close(closure)

    @close.validator
    @refusing
    def _validate_close(self, closure: Closure) -> None:
        self._check_lifecycle(closure, live=True)

    @workflow.update
    def pause(self, pause: Pause) -> None:
        """Stop the engagement's clocks until it is resumed (``onboard pause``)."""
        with refusals_fail_the_update():
            self._pause(pause)

    @pause.validator
    @refusing
    def _validate_pause(self, pause: Pause) -> None:
        self._check_lifecycle(pause, live=True)

    @workflow.update
    def unpause(self, unpause: Unpause) -> None:
        """Resume a paused engagement (``onboard resume``)."""
        with refusals_fail_the_update():
            self._unpause(unpause)

    @unpause.validator
    @refusing
    def _validate_unpause(self, unpause: Unpause) -> None:
        self._check_lifecycle(unpause, live=True)
