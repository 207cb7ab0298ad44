"""structlog set-up: human-readable for the CLI; for workers JSON lines or console lines.

The worker variant also routes the stdlib loggers — including temporalio's
``temporalio.workflow`` and ``temporalio.activity`` loggers, which carry the
workflow/activity info in ``extra`` and stay silent during replay — through the
same renderer, so one log stream has everything.  It writes JSON lines for log
collectors and, on a terminal (``onboard dev``), readable console lines.

structlog is imported by the functions that use it, not here: most CLI commands
never log through it, and importing it (it brings rich's tracebacks) is a tenth of
what ``onboard approve`` spends starting.
"""

import importlib.machinery
import importlib.util
import logging
import os
import sys
from collections.abc import Callable
from types import ModuleType
from typing import Any, TextIO


class _CurrentStderr:
    """Writes to whatever ``sys.stderr`` is *now* (tests and tools swap it)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def _stderr() -> TextIO:
    return _CurrentStderr()  # type: ignore[return-value]


def configure_cli_logging(verbose: bool = False) -> None:
    """Log lines on stderr, warnings and worse (everything with ``verbose``).

    stdlib logging is set up at once; structlog when it is first imported, if it has
    not been yet (unconfigured, it would print every level to stdout)."""
    level = logging.DEBUG if verbose else logging.WARNING
    logging.basicConfig(level=level, stream=_stderr(), format="%(levelname)s %(name)s: %(message)s")
    if verbose or "structlog" in sys.modules:
        _configure_structlog_for_cli(level)
    else:
        when_imported("structlog", lambda _: _configure_structlog_for_cli(level))


def _configure_structlog_for_cli(level: int) -> None:
    import structlog

    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.dev.ConsoleRenderer(colors=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(_stderr()),
        cache_logger_on_first_use=False,
    )


class _AfterImport:
    """Finds module ``name`` as the other finders do, and calls ``then(module)`` once it
    has run; then leaves ``sys.meta_path``.

    A finder and a loader by its methods alone, not by importlib.abc's base classes: that
    module imports importlib.resources, some milliseconds of every command's start.
    """

    def __init__(self, name: str, then: Callable[[ModuleType], None]) -> None:
        self.name, self.then, self.loader = name, then, None

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != self.name:
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.loader is None:
            return spec
        self.loader, spec.loader = spec.loader, self
        return spec

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return self.loader.create_module(spec)  # type: ignore[union-attr]

    def exec_module(self, module: ModuleType) -> None:
        self.loader.exec_module(module)  # type: ignore[union-attr]
        self.then(module)


def when_imported(name: str, then: Callable[[ModuleType], None]) -> None:
    """Call ``then(module)`` right after top-level module ``name`` is first imported
    (at once if it already is)."""
    if name in sys.modules:
        then(sys.modules[name])
    elif not any(isinstance(f, _AfterImport) and f.name == name for f in sys.meta_path):
        sys.meta_path.insert(0, _AfterImport(name, then))


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
    import structlog

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
