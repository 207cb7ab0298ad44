"""How the engagement's Updates refuse: every validator's common checks, and a refusal
as a non-retryable ``Rejected`` failure (what the Go CLI shows too)."""

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from onboard.core import limits
    from onboard.core.engagement import authority, carried, rules
    from onboard.core.models import Cancellation, EngagementState, Pause, Phase, Unpause


def refusing(validator: Callable[..., None]) -> Callable[..., None]:
    """Every validator: the limits first, and a refusal as a non-retryable ``Rejected``
    failure (what the Go CLI shows too)."""

    @functools.wraps(validator)
    def checked(self: Any, arg: Any) -> None:
        with refusals_fail_the_update():
            _within_limits(arg)
            authority.check_repeat(self.state, arg)  # a resend: say it was done, whatever changed since
            carried.check_room(self.state, arg)
            if getattr(self, "_lifecycle", False):  # validators only: handlers replay what was accepted
                problem = lifecycle_refusal(self.state, arg)
                if problem:
                    raise rules.Rejected(problem)
            validator(self, arg)

    return checked


def _within_limits(arg: Any) -> None:
    """Validators only: a handler replays actions accepted before a limit existed."""
    problem = limits.action_problem(arg)
    if problem:
        raise rules.Rejected(f"{problem}: shorten it (the engagement keeps every action it accepts)")


@contextmanager
def refusals_fail_the_update() -> Iterator[None]:
    """In a handler, a refusal fails the Update (a plain exception would fail the task)."""
    try:
        yield
    except rules.Rejected as exc:
        kind = "AlreadyApplied" if isinstance(exc, rules.AlreadyApplied) else "Rejected"
        raise ApplicationError(str(exc), type=kind, non_retryable=True) from None


def lifecycle_refusal(state: EngagementState, arg: Any) -> str:
    """Why an action cannot be taken now: the engagement is cancelled or paused ("" if it can)."""
    if state.phase is Phase.CANCELLED and not isinstance(arg, Cancellation):
        return f"the engagement was cancelled by {state.cancelled_by}: {state.cancelled_reason}"
    if state.phase is Phase.COMPLETED:
        return "the engagement is completed" + (
            f" (closed: {state.closed_reason})" if state.closed_reason else ""
        )
    if state.paused_at is not None and not isinstance(arg, Pause | Unpause | Cancellation):
        return (
            f"the engagement is paused (since {state.paused_at:%Y-%m-%d %H:%M} UTC, by {state.paused_by}: "
            f"{state.paused_reason}); resume it first: onboard resume {state.spec.engagement_id} --as …"
        )
    return ""
