"""Worker logging: JSON lines or console lines, temporalio's workflow and activity loggers included."""

import logging
from typing import TextIO

from onboard.core.logging import configure_stream_logging
from temporalio import activity, workflow


def configure_worker_logging(
    level: str = "info", stream: TextIO | None = None, log_format: str = "json"
) -> None:
    """Every log line on ``stream`` (stderr by default), as JSON or for people.

    :param log_format: ``json`` (one object per line, for log collectors),
        ``console`` (readable lines) or ``auto`` (console on a terminal, else JSON).

    ``workflow.logger`` and ``activity.logger`` put the workflow or activity info
    into the ``temporal_workflow`` / ``temporal_activity`` field of each line (and
    ``workflow.logger`` stays silent during replay), so the copy they would also
    append to the message text is switched off.
    """
    configure_stream_logging(getattr(logging, level.upper()), stream, log_format)
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
