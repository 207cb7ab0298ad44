"""The built-in notification sink: one JSON line per notification, plus a log event.

Reminders, escalations and transitions reach every ``notify`` hook (see
:func:`onboard.core.hookspecs.notify`).  This plugin appends each one to
``$ONBOARD_HOME/notifications.jsonl`` — or the file named by
``$ONBOARD_NOTIFICATIONS`` — and logs it, so a local run and an operator's log
pipeline both see them without any other plugin installed.  It is registered like
any plugin (entry point ``notifications`` in the ``onboard.services`` group) and
provides no service; ``ONBOARD_DISABLE_PLUGINS=notifications`` turns it off.

Delivery is at least once: when any sink raises, the notify activity is retried
and every sink sees the notification again, so a line can repeat.
"""

import json
import os
from pathlib import Path

import structlog
from onboard.core.converter import to_json_value
from onboard.core.errors import OnboardError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Notification
from onboard.core.settings import onboard_home

#: Environment variable that overrides where the JSON lines go.
NOTIFICATIONS_ENV = "ONBOARD_NOTIFICATIONS"

log = structlog.get_logger(__name__)


def notifications_path() -> Path:
    """The JSON-lines file: ``$ONBOARD_NOTIFICATIONS``, else ``$ONBOARD_HOME/notifications.jsonl``."""
    configured = os.environ.get(NOTIFICATIONS_ENV)
    return Path(configured) if configured else onboard_home() / "notifications.jsonl"


@hookimpl
def notify(notification: Notification) -> None:
    """Append ``notification`` as one JSON object on its own line, then log it."""
    record = to_json_value(notification)
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path = notifications_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write() to a file opened with O_APPEND: lines from several worker
        # processes sharing the file land whole, never interleaved.
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)
    except OSError as exc:
        raise OnboardError(f"cannot append notification to {path}: {exc.strerror}") from exc
    log.info("notification", **record)
