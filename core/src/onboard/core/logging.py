"""structlog set-up: human-readable for the CLI, JSON lines for workers.

The worker variant also routes the stdlib loggers — including temporalio's
``temporalio.workflow`` and ``temporalio.activity`` loggers, which carry the
workflow/activity info in ``extra`` and stay silent during replay — through the
same JSON renderer, so one log stream has everything.
"""

import logging
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


def configure_json_logging(level: int = logging.INFO, stream=None) -> None:
    """JSON lines on ``stream`` (stderr by default) for structlog and stdlib loggers."""
    shared = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.make_filtering_bound_logger(level),
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.JSONRenderer(default=str),
        ],
    )
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
