"""Activities: the only place where plugins run and files are read.

What they return is recorded in the workflow's history, so the workflow acts on data
and a plugin upgrade cannot break the replay of a running engagement.  Problems that
retrying cannot fix (a plugin error, an ineligible tenant) are raised as
non-retryable ``ApplicationError`` with the plugin's or the input's name; the
workflow then waits for a person instead of failing.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import TypeVar

import attrs
import structlog
from onboard.core.converter import to_json_value
from onboard.core.engagement.messages import AssessInput, AssessOutcome, JournalBatch, RunStepInput
from onboard.core.errors import OnboardError, PluginLoadError, SpecError
from onboard.core.metrics import count_plugin_failures, record_assessment
from onboard.core.models import (
    LIVE_BUNDLE,
    EngagementSpec,
    Finding,
    Notification,
    Outcome,
    Plan,
    Reach,
    StepResult,
)
from onboard.core.planning import build_plan
from onboard.core.plugins import ServicePluginManager, default_plugin_manager
from onboard.core.remediation import plan_remediation
from onboard.core.trust.signers import SignersFileError
from onboard.core.trust.store import TrustStore
from temporalio import activity
from temporalio.exceptions import ApplicationError

T = TypeVar("T")

log = structlog.get_logger(__name__)

#: Activities heartbeat this often, so a worker that died is noticed within the
#: workflow's heartbeat timeout (20 s), not at the end of a five-minute or two-hour one.
HEARTBEAT_EVERY = 5.0


async def while_heartbeating(work: Awaitable[T], *details: object) -> T:
    """Await ``work`` (a thread doing the job), heartbeating (with ``details``) meanwhile."""
    task = asyncio.ensure_future(work)
    while True:
        done, _ = await asyncio.wait({task}, timeout=HEARTBEAT_EVERY)
        if done:
            return task.result()
        activity.heartbeat(*details)


async def call_each_once(
    manager: ServicePluginManager,
    hook: str,
    served: list[str],
    key: str = "",
    answers: dict[str, object] | None = None,
    **kwargs: object,
) -> list[object]:
    """Call ``hook`` on every plugin that has it and has not served ``key`` yet; the errors.

    ``served`` holds ``key + plugin name`` for each plugin that succeeded; it is the
    activity's heartbeat details, which the next attempt reads, so a working sink or
    journal is never called twice for the same thing.  With ``answers``, what each
    plugin returned (as JSON values) is kept there too, and heartbeated beside
    ``served``: a retry still knows what the plugins it skips said.
    """
    errors: list[object] = []
    details: tuple[object, ...] = (served,) if answers is None else (served, answers)
    for name in manager.implementers(hook):
        if key + name in served:
            continue
        work = asyncio.to_thread(manager.answer_of, name, hook, **kwargs)
        answer, error = await while_heartbeating(work, *details)
        if error is None:
            served.append(key + name)
            if answers is not None and answer is not None:
                answers[key + name] = to_json_value(answer)
            activity.heartbeat(*details)
        else:
            errors.append(error)
    count_plugin_failures(errors)
    return errors


class PluginActivities:
    """Activities bound to one plugin manager (one per worker; the default when none)."""

    def __init__(self, manager: ServicePluginManager | None = None) -> None:
        self._manager = manager

    @property
    def manager(self) -> ServicePluginManager:
        if self._manager is None:
            self._manager = default_plugin_manager()
        return self._manager


class EngagementActivities(PluginActivities):
    """The engagement's activities, bound to one plugin manager (one per worker)."""

    def __init__(self, manager: ServicePluginManager | None = None, trust: TrustStore | None = None) -> None:
        super().__init__(manager)
        self._trust = trust

    def all(self) -> list[Callable]:
        return [self.plan_engagement, self.assess, self.run_step, self.notify, self.journal]

    @activity.defn
    async def plan_engagement(self, spec: EngagementSpec) -> Plan:
        """Initiate: eligibility, scope and the whole plan from the plugins.

        The plan records which roster people have a key in this worker's
        allowed-signers file (the trust anchor is the workers', never the input's).
        """
        try:
            plan = await while_heartbeating(asyncio.to_thread(build_plan, self.manager, spec))
        except OnboardError as exc:
            count_plugin_failures([exc])
            where = f"engagement file {spec.source}" if spec.source else "the engagement as started (no file)"
            raise ApplicationError(
                f"{where}: {exc} (the workers' plugins decide; `onboard plugins` on a worker lists them)",
                type=type(exc).__name__,
                non_retryable=True,
            ) from exc
        if self._trust is None:
            return plan
        try:
            snapshot = self._trust.current().snapshot(spec.roster)
        except SignersFileError as exc:
            log.warning("allowed_signers_unreadable", error=str(exc))
            return plan
        if snapshot.unkeyed():
            log.warning("roster_without_keys", engagement=spec.engagement_id, people=snapshot.unkeyed())
        return attrs.evolve(plan, signers=snapshot)

    @activity.defn
    async def assess(self, inp: AssessInput) -> AssessOutcome:
        """Assess: run every requirement's check on the bundle, then the remediation plan."""
        started, ok = time.monotonic(), False
        try:
            outcome = await while_heartbeating(asyncio.to_thread(self._assess, inp))
            ok = True
            return outcome
        except OnboardError as exc:
            count_plugin_failures([exc])
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
        finally:
            record_assessment(
                activity.metric_meter(), time.monotonic() - started, reassessment=inp.reassessment, ok=ok
            )

    def _assess(self, inp: AssessInput) -> AssessOutcome:
        plan = inp.plan
        if inp.bundle == LIVE_BUNDLE:
            return self._assess_live(inp)
        if inp.reassessment and not Path(inp.bundle).is_dir():
            raise SpecError(f"assessment bundle {inp.bundle!r} is not a folder this worker can read")
        if inp.bundle:
            from onboard.core.assessment import assess_bundle

            with assess_bundle(Path(inp.bundle), plan.requirements, manager=self.manager) as result:
                findings = result.findings
        else:
            findings = [
                Finding(r.id, r.service, Outcome.NOT_RUN, "no assessment bundle has been submitted yet")
                for r in plan.requirements
            ]
        items = plan_remediation(self.manager, plan.services, plan.requirements, findings, plan.facts)
        return AssessOutcome(findings=list(findings), items=items)

    def _assess_live(self, inp: AssessInput) -> AssessOutcome:
        """A customer-side worker's (:class:`~onboard.core.collect.worker.CollectorActivities`)."""
        where = (
            f"its customer-side worker's queue {inp.spec.collector_queue!r}"
            if inp.spec.collector_queue
            else ("a customer-side worker: give the engagement a collector_queue")
        )
        raise SpecError(
            f"engagement {inp.spec.engagement_id!r} assesses the live directory, which this worker cannot "
            f"reach (it has no collector configuration); that runs on {where} (onboard worker --collector)"
        )

    @activity.defn
    async def run_step(self, inp: RunStepInput) -> StepResult:
        """Enable: do or verify one automated step through its service's plugin."""
        try:
            result = await while_heartbeating(
                asyncio.to_thread(
                    self.manager.call_owner,
                    inp.step.service,
                    "run_step",
                    step=inp.step,
                    spec=inp.spec,
                    idempotency_key=inp.idempotency_key or f"{inp.spec.engagement_id}/{inp.step.id}",
                )
            )
        except PluginLoadError as exc:  # the plugin is not here; retrying will not bring it
            raise ApplicationError(str(exc), type=type(exc).__name__, non_retryable=True) from exc
        except OnboardError as exc:
            count_plugin_failures([exc])
            # Retried with backoff: a plugin may fail on something transient.
            raise ApplicationError(str(exc), type=type(exc).__name__) from exc
        if result is None:
            return StepResult(False, f"no plugin automates step {inp.step.id!r}; a person must confirm it")
        if not isinstance(result, StepResult):
            raise ApplicationError(
                f"plugin for {inp.step.service!r} returned {type(result).__name__} from run_step, "
                "expected StepResult",
                non_retryable=True,
            )
        return result

    @activity.defn
    async def notify(self, notification: Notification) -> Reach | None:
        """Deliver through every ``notify`` hook; only the sinks that failed are retried.

        Returns whom the notice reached and whom no channel could (None when no sink
        says: the JSON-lines sink reaches files, not people).
        """
        answers = await self._deliver("notify", notification=notification)
        return combined_reach(answers.values())

    @activity.defn
    async def journal(self, batch: JournalBatch) -> int:
        """Append accepted actions to every ``record_audit`` journal; the last seq kept."""
        if not self.manager.implementers("record_audit"):
            raise ApplicationError(
                "no audit journal is installed on this worker (the built-in plugin is 'journal')",
                type="PluginLoadError",
                non_retryable=True,
            )
        await self._deliver("record_audit", engagement_id=batch.engagement_id, records=batch.records)
        return max((r.seq for r in batch.records), default=0)

    async def _deliver(self, hook: str, **kwargs: object) -> dict[str, object]:
        """Call ``hook`` on every plugin that has it; raise (to be retried) if any failed.

        The plugins already served are kept in the heartbeat details, which the next
        attempt reads, so a working sink or journal is not called twice; what they
        returned, by plugin.
        """
        details = activity.info().heartbeat_details
        delivered: list[str] = list(details[0]) if details else []
        answers: dict[str, object] = (
            dict(details[1]) if len(details) > 1 and isinstance(details[1], dict) else {}
        )
        errors = await call_each_once(self.manager, hook, delivered, answers=answers, **kwargs)
        if errors:
            raise ApplicationError("; ".join(str(e) for e in errors), type="PluginHookError")
        return answers


def combined_reach(answers: Iterable[object]) -> Reach | None:
    """The plugins' :class:`Reach` answers as one: reached by any, else unreachable by one."""
    reaches = [a for a in answers if isinstance(a, dict) and ("reached" in a or "unreachable" in a)]
    if not reaches:
        return None
    reached = {k for r in reaches for k in r.get("reached", ())}
    missed = {k for r in reaches for k in r.get("unreachable", ())} - reached
    return Reach(tuple(sorted(reached)), tuple(sorted(missed)))
