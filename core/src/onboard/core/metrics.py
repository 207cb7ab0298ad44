"""onboard's own metrics, on the worker's Prometheus endpoint beside the SDK's.

Every instrument is made from a temporalio :class:`~temporalio.common.MetricMeter`,
so the series appear on the same ``/metrics`` endpoint (``onboard worker
--metrics-bind``) as Temporal's; without an endpoint the meter is a no-op.

========================================  =========  =====================================
series                                    type       labels (besides the meter's own)
========================================  =========  =====================================
``onboard_engagements``                   gauge      ``phase``, ``task_queue``
``onboard_engagements_blocked``           gauge      ``task_queue``
``onboard_open_blockers``                 gauge      ``task_queue``
``onboard_plugin_failures_total``         counter    ``plugin``, ``hook``
``onboard_assessment_duration_seconds``   histogram  ``kind`` (initial / reassessment), ``outcome``
``onboard_gate_wait_seconds``             histogram  ``gate``
========================================  =========  =====================================

The gauges are counts over the running engagements of a task queue, set by every
worker from visibility queries (``onboard.workers.gauges``): all workers report the
same numbers, so aggregate them with ``max``, not ``sum``.  The activity meters add
``namespace``, ``task_queue`` and ``activity_type``; the workflow meter adds
``namespace``, ``task_queue`` and ``workflow_type``.

**Gate wait time from workflow code.**  This module imports only temporalio's
metric types, so the workflow may import it (inside
``workflow.unsafe.imports_passed_through()``) and record when a gate is decided::

    from onboard.core import metrics

    metrics.record_gate_wait(workflow.metric_meter(), gate.id, workflow.now() - gate.opened_at)

``workflow.metric_meter()`` records nothing while a history is replayed, so a
worker restart does not count a wait twice; recording is not a workflow command,
so adding the call changes no history (no patch needed).
"""

from collections.abc import Iterable, Mapping
from datetime import timedelta

from onboard.core.errors import PluginHookError
from temporalio import activity
from temporalio.common import MetricMeter

ENGAGEMENTS = "onboard_engagements"
BLOCKED = "onboard_engagements_blocked"
OPEN_BLOCKERS = "onboard_open_blockers"
PLUGIN_FAILURES = "onboard_plugin_failures_total"
ASSESSMENT_DURATION = "onboard_assessment_duration_seconds"
GATE_WAIT = "onboard_gate_wait_seconds"

DESCRIPTIONS: Mapping[str, str] = {
    ENGAGEMENTS: "Running engagements by phase",
    BLOCKED: "Running engagements blocked until `onboard resume` (an activity failed for good)",
    OPEN_BLOCKERS: "Open remediation items of blocker severity, over all running engagements",
    PLUGIN_FAILURES: "Plugin hook calls that raised or returned something invalid, in activities",
    ASSESSMENT_DURATION: "How long an assessment of a bundle took (checks and remediation plan)",
    GATE_WAIT: "How long a gate waited from opening to its decision",
}

#: Bucket bounds (seconds) for onboard's histograms; the SDK's defaults (50 … 10000)
#: are milliseconds for its own latencies and would put every gate wait in +Inf.
HISTOGRAM_BUCKETS: Mapping[str, tuple[float, ...]] = {
    ASSESSMENT_DURATION: (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 1800),
    # An hour to three months: gates wait for meetings and people, not milliseconds.
    GATE_WAIT: tuple(float(h * 3600) for h in (1, 4, 8, 24, 72, 168, 336, 720, 1440, 2160)),
}


def record_gate_wait(meter: MetricMeter, gate: str, waited: timedelta) -> None:
    """Record that ``gate`` was decided after waiting ``waited`` (workflow code: ``workflow.metric_meter()``)."""
    histogram = meter.create_histogram_float(GATE_WAIT, DESCRIPTIONS[GATE_WAIT], "s")
    histogram.record(max(waited.total_seconds(), 0.0), {"gate": gate})


def record_assessment(meter: MetricMeter, seconds: float, *, reassessment: bool, ok: bool) -> None:
    """Record one assessment's duration."""
    histogram = meter.create_histogram_float(ASSESSMENT_DURATION, DESCRIPTIONS[ASSESSMENT_DURATION], "s")
    histogram.record(
        max(seconds, 0.0),
        {"kind": "reassessment" if reassessment else "initial", "outcome": "ok" if ok else "error"},
    )


def count_plugin_failures(errors: Iterable[BaseException | object], meter: MetricMeter | None = None) -> int:
    """Count the plugin failures among ``errors`` (those a plugin caused); return how many.

    An error counts when it, or an exception it was raised from, is a
    :class:`~onboard.core.errors.PluginHookError` (which names plugin and hook).
    ``meter`` defaults to the running activity's; outside an activity nothing is
    recorded (the CLI runs plugins too).
    """
    if meter is None:
        if not activity.in_activity():
            return 0
        meter = activity.metric_meter()
    counter = meter.create_counter(PLUGIN_FAILURES, DESCRIPTIONS[PLUGIN_FAILURES])
    counted = 0
    for error in errors:
        hook_error = _hook_error(error)
        if hook_error is not None:
            counter.add(1, {"plugin": hook_error.plugin, "hook": hook_error.hook})
            counted += 1
    return counted


def _hook_error(error: object) -> PluginHookError | None:
    """``error`` or the first exception in its ``__cause__``/``__context__`` chain that a hook raised."""
    seen: set[int] = set()
    current = error if isinstance(error, BaseException) else None
    while current is not None and id(current) not in seen:
        if isinstance(current, PluginHookError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
