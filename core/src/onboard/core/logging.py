"""structlog set-up: human-readable for the CLI; for workers JSON lines or console lines.

The worker variant also routes the stdlib loggers — including temporalio's
``temporalio.workflow`` and ``temporalio.activity`` loggers, which carry the
workflow/activity info in ``extra`` and stay silent during replay — through the
same renderer, so one log stream has everything.  It writes JSON lines for log
collectors and, on a terminal (``onboard dev``), readable console lines.
"""

import logging
import os
import sys
from typing import TextIO

import structlog


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now* (tests and tools swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _stderr() -> TextIO:
    return _CurrentStderr()  # type: ignore[return-value]


def configure_cli_logging(verbose: bool = False) -> None:
    level = logging.DEBUG if verbose else logging.WARNING
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(_stderr()),
        cache_logger_on_first_use=False,
    )
    logging.basicConfig(level=level, stream=_stderr(), format="%(levelname)s %(name)s: %(message)s")


#: ``--log-format`` values: ``auto`` is console lines on a terminal, JSON lines otherwise.
LOG_FORMATS = ("auto", "json", "console")


def resolve_log_format(log_format: str, stream: TextIO | None = None) -> str:
    """``json`` or ``console``: ``auto`` picks console only when ``stream`` is a terminal."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"log format {log_format!r}: expected one of {', '.join(LOG_FORMATS)}")
    if log_format != "auto":
        return log_format
    isatty = getattr(stream or sys.stderr, "isatty", None)
    try:
        return "console" if isatty is not None and isatty() else "json"
    except ValueError:  # a closed stream
        return "json"


def configure_json_logging(level: int = logging.INFO, stream=None) -> None:
    """JSON lines on ``stream`` (stderr by default) for structlog and stdlib loggers."""
    configure_stream_logging(level, stream, "json")


def configure_stream_logging(level: int = logging.INFO, stream=None, log_format: str = "auto") -> None:
    """Every structlog and stdlib log line on ``stream`` (stderr by default), in one format.

    :param log_format: ``json`` (one object per line), ``console`` (aligned,
        readable lines, coloured on a terminal) or ``auto`` (:func:`resolve_log_format`).
    """
    stream = stream or sys.stderr
    chosen = resolve_log_format(log_format, stream)
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        # Collectors want UTC ISO stamps; a person at a terminal reads local time.
        structlog.processors.TimeStamper(
            fmt="iso" if chosen == "json" else "%Y-%m-%d %H:%M:%S", utc=chosen == "json"
        ),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )
    if chosen == "json":
        final = [structlog.processors.format_exc_info, structlog.processors.JSONRenderer(default=str)]
    else:
        # The console renderer prints tracebacks itself (format_exc_info would flatten them).
        final = [structlog.dev.ConsoleRenderer(colors=_colours(stream))]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)


def _colours(stream: TextIO) -> bool:
    """Colour only a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    if "NO_COLOR" in os.environ:
        return False
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False
