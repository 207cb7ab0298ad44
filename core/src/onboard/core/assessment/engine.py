"""Run requirements' checks against a bundle: the entry points activities and the CLI call.

:func:`assess_bundle` never raises for bad customer input: a missing, unreadable or
malformed file becomes a ``not_run`` finding naming file, line and field, and a
check that breaks (a plugin's bug) becomes a ``not_run`` finding saying so.  So a
running engagement always gets exactly one finding per requirement.
"""

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import structlog
from attrs import define, field
from onboard.core.assessment.checks import CheckInfo, ParamsError, registry
from onboard.core.assessment.context import CheckContext
from onboard.core.assessment.idfix import IdfixResult
from onboard.core.assessment.problems import InputProblem, InputStatus
from onboard.core.models import Finding, Outcome, Requirement

log = structlog.get_logger(__name__)

ProgressCallback = Callable[[str, int, int], None]


@define
class AssessmentResult:
    """Findings (one per requirement, same order) and what the report shows besides."""

    bundle: str
    findings: list[Finding]
    inputs: list[InputStatus] = field(factory=list)
    idfix: IdfixResult | None = None
    started_at: datetime = field(factory=lambda: datetime.now(UTC))
    seconds: float = 0.0

    def counts(self) -> dict[str, int]:
        """How many findings per outcome (pass, fail, not_run)."""
        counts = {outcome.value: 0 for outcome in Outcome}
        for item in self.findings:
            counts[item.outcome.value] += 1
        return counts

    def close(self) -> None:
        """Remove the directory scan's work files (its rows are gone afterwards)."""
        if self.idfix is not None:
            self.idfix.close()

    def __enter__(self) -> "AssessmentResult":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _not_run(requirement: Requirement, summary: str, location: str = "") -> Finding:
    return Finding(requirement.id, requirement.service, Outcome.NOT_RUN, summary, location=location)


def _run_one(checks: dict[str, CheckInfo], context: CheckContext, requirement: Requirement) -> Finding:
    info = checks.get(requirement.check)
    if info is None:
        return _not_run(requirement, f"unknown check {requirement.check!r}: no installed plugin provides it")
    try:
        result = info.function(context, requirement)
    except InputProblem as problem:
        return _not_run(requirement, problem.describe(), problem.location)
    except ParamsError as exc:
        return _not_run(
            requirement, f"requirement {requirement.id!r} has invalid params for {info.name}: {exc}"
        )
    except Exception as exc:  # a broken check must not stop the assessment
        log.warning("check_failed", check=info.name, requirement=requirement.id, error=repr(exc))
        log.debug("check_failed_traceback", check=info.name, exc_info=True)  # with -v
        return _not_run(requirement, f"check {info.name!r} ({info.provider}) failed: {exc!r}")
    if not isinstance(result, Finding) or result.requirement_id != requirement.id:
        return _not_run(
            requirement, f"check {info.name!r} ({info.provider}) returned {result!r}, not its Finding"
        )
    return result


def assess_bundle(
    bundle: Path,
    requirements: Sequence[Requirement],
    *,
    manager: Any = None,
    progress: ProgressCallback | None = None,
) -> AssessmentResult:
    """Check every requirement against the bundle folder; one finding per requirement.

    ``manager`` (a :class:`~onboard.core.plugins.ServicePluginManager`) adds the
    plugins' checks.  ``progress(stage, done, total)`` is called as work advances:
    ``("directory", bytes_read, bytes_total)`` during the directory scan and
    ``("checks", n, len(requirements))`` between checks.  Call
    :meth:`AssessmentResult.close` when done with the IdFix rows.
    """
    context = CheckContext(Path(bundle), progress)
    return assess_context(context, requirements, manager=manager, progress=progress, label=str(bundle))


def assess_context(
    context: CheckContext,
    requirements: Sequence[Requirement],
    *,
    manager: Any = None,
    progress: ProgressCallback | None = None,
    label: str = "",
) -> AssessmentResult:
    """:func:`assess_bundle` on inputs a :class:`CheckContext` gives (a bundle, or a live
    collection: :func:`onboard.core.collect.live.assess_live`)."""
    start = time.perf_counter()
    started = datetime.now(UTC)
    checks = registry(manager)
    findings = []
    for n, requirement in enumerate(requirements):
        if progress is not None:
            progress("checks", n, len(requirements))
        findings.append(_run_one(checks, context, requirement))
    if progress is not None:
        progress("checks", len(requirements), len(requirements))
    directories = context.directory_scans()
    for extra in directories[1:]:
        extra.close()  # several IdFix settings in one plan: the report shows the first
    return AssessmentResult(
        bundle=label or str(context.bundle),
        findings=findings,
        inputs=context.input_statuses(),
        idfix=directories[0] if directories else None,
        started_at=started,
        seconds=time.perf_counter() - start,
    )


def run_check(bundle: Path, requirement: Requirement) -> Finding:
    """Run one requirement's check (automated enable steps verify their work with it).

    Built-in checks run directly; an unknown name is looked up among the installed
    plugins' checks.
    """
    checks = registry()
    if requirement.check not in checks:
        from onboard.core.plugins import default_plugin_manager

        checks = registry(default_plugin_manager())
    context = CheckContext(Path(bundle))
    try:
        return _run_one(checks, context, requirement)
    finally:
        context.close()
