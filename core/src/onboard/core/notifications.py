"""The built-in notification sink: one JSON line per notification, plus a log event.

Reminders, escalations and transitions reach every ``notify`` hook (see
:func:`onboard.core.hookspecs.notify`).  This plugin appends each one to
``$ONBOARD_HOME/notifications.jsonl`` — or the file named by
``$ONBOARD_NOTIFICATIONS`` — and logs it, so a local run and an operator's log
pipeline both see them without any other plugin installed.  It is registered like
any plugin (entry point ``notifications`` in the ``onboard.services`` group) and
provides no service; ``ONBOARD_DISABLE_PLUGINS=notifications`` turns it off.

Each notice is written once: a notice whose ``id`` (its idempotency key, see
:class:`~onboard.core.models.Notification`) is already in the file is dropped, so a
retried activity, a worker that died before it heartbeated, or a reset history
adds no second line.  The file is read under an exclusive ``flock`` to check, which
costs a scan of the file per notice: fine for the local sink it is; a sink for many
engagements keeps its ids in a store with an index.
"""

import fcntl
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
    """Append ``notification`` as one JSON object on its own line (once per id), then log it."""
    record = to_json_value(notification)
    line = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
    path = notifications_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One write() to a file opened with O_APPEND: lines from several worker
        # processes sharing the file land whole, never interleaved; the lock makes
        # "is this id there yet?" and the write one step.
        with open(path, "a+b") as sink:
            fcntl.flock(sink, fcntl.LOCK_EX)
            if notification.id and _delivered(sink, notification.id):
                log.debug("notification already delivered", id=notification.id)
                return
            os.write(sink.fileno(), line)
    except OSError as exc:
        raise OnboardError(f"cannot append notification to {path}: {exc.strerror}") from exc
    log.info("notification", **record)


def _delivered(sink, notice_id: str) -> bool:
    """Whether a line of the (locked) file has ``notice_id``."""
    needle = json.dumps(notice_id, ensure_ascii=False).encode()
    sink.seek(0)
    for raw in sink:
        if needle not in raw:  # most lines: no JSON parse
            continue
        try:
            if json.loads(raw).get("id") == notice_id:
                return True
        except (ValueError, AttributeError):
            continue  # a damaged line is not a delivery
    return False
