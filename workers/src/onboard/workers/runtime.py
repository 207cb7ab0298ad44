"""The temporalio Runtime for a worker: Prometheus metrics (the SDK's and onboard's) and Core logs.

A Runtime owns the SDK's native thread pool, its metrics exporter and its logging.
The worker builds one with :func:`worker_runtime` and connects its client with it
(``connect(..., runtime=...)``): the worker inherits the client's runtime.
"""

import logging

from onboard.core.errors import OnboardError
from onboard.core.metrics import HISTOGRAM_BUCKETS
from temporalio.runtime import (
    LogForwardingConfig,
    LoggingConfig,
    PrometheusConfig,
    Runtime,
    TelemetryConfig,
    TelemetryFilter,
)

#: Where the SDK's native (Rust) Core logs arrive in Python logging.
CORE_LOGGER_NAME = "temporalio.core"


def parse_bind_address(value: str, flag: str = "--metrics-bind", example: int = 9464) -> str:
    """Check a ``HOST:PORT`` bind address; ``:PORT`` means every interface.

    :raises OnboardError: naming the flag, the value and the expected form.
    """
    host, sep, port = value.strip().rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise OnboardError(f"{flag} {value!r}: expected HOST:PORT, e.g. 0.0.0.0:{example}")
    return f"{host or '0.0.0.0'}:{int(port)}"


def worker_runtime(metrics_bind: str | None = None) -> Runtime:
    """A Runtime that forwards Core logs to Python logging and, if asked, serves metrics.

    :param metrics_bind: ``HOST:PORT`` for a Prometheus ``/metrics`` endpoint
        (scraped over plain HTTP); ``None`` for no metrics.
    :raises OnboardError: the address is malformed or the port is taken.
    """
    metrics = (
        PrometheusConfig(
            bind_address=parse_bind_address(metrics_bind),
            # onboard's histograms are in seconds, from seconds to months (onboard.core.metrics).
            histogram_bucket_overrides={k: list(v) for k, v in HISTOGRAM_BUCKETS.items()},
        )
        if metrics_bind
        else None
    )
    core_logger = logging.getLogger(CORE_LOGGER_NAME)
    if not any(isinstance(f, _CoreLogFields) for f in core_logger.filters):
        core_logger.addFilter(_CoreLogFields())
    telemetry = TelemetryConfig(
        # Without forwarding, Core prints its own plain-text lines to stderr, which
        # would break a JSON-lines log stream.
        logging=LoggingConfig(
            filter=TelemetryFilter(core_level="WARN", other_level="ERROR"),
            forwarding=LogForwardingConfig(
                logger=core_logger,
                append_target_to_name=False,
                prepend_target_on_message=False,
                append_log_fields_to_message=False,
            ),
        ),
        metrics=metrics,
    )
    try:
        return Runtime(telemetry=telemetry)
    except ValueError as exc:  # the SDK reports bind failures as ValueError
        raise OnboardError(f"--metrics-bind {metrics_bind}: {exc}") from exc


class _CoreLogFields(logging.Filter):
    """Turn the native log entry the SDK attaches into plain JSON-friendly fields."""

    def filter(self, record: logging.LogRecord) -> bool:
        entry = record.__dict__.pop("temporal_log", None)
        if entry is not None:
            record.core_target = entry.target
            try:
                record.core_fields = entry.fields
            except Exception:  # the SDK itself guards this conversion the same way
                record.core_fields = {}
        return True
