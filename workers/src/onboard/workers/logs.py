"""JSON-lines logging for the worker, temporalio's workflow and activity loggers included."""

import logging
from typing import TextIO

from onboard.core.logging import configure_json_logging
from temporalio import activity, workflow


def configure_worker_logging(level: str = "info", stream: TextIO | None = None) -> None:
    """One JSON object per line on ``stream`` (stderr by default).

    ``workflow.logger`` and ``activity.logger`` put the workflow or activity info
    into the ``temporal_workflow`` / ``temporal_activity`` field of each line (and
    ``workflow.logger`` stays silent during replay), so the copy they would also
    append to the message text is switched off.
    """
    configure_json_logging(getattr(logging, level.upper()), stream)
    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
