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
adds no second line.  The check and the write are one step under an exclusive
``flock``.  Each worker process remembers the ids it has read and reads only what was
appended since its last look (by it or by another process), so a notice costs the
same with 40 lines in the file as with 40,000; a file replaced or cut shorter is read
again from the start.  (Before, every notice read the whole file: at 10,000
engagements, tens of megabytes per notice; benchmarks/README.md, "scale".)
"""

import fcntl
import json
import os
import threading
from pathlib import Path
from typing import BinaryIO

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


def _delivered(sink: BinaryIO, notice_id: str) -> bool:
    """Whether a line of the (locked) file has ``notice_id``."""
    with _seen_lock:
        seen = _seen.setdefault(os.path.realpath(sink.name), SeenIds())
    return seen.has(sink, notice_id)


class SeenIds:
    """The notice ids in one notifications file, read as the file grows.

    Writers only append whole lines (one ``write`` each, ``O_APPEND``, under the lock),
    so what was read stays true, and each look reads only the bytes added since the
    last one.  The file is read again from the start when it is not the one read
    before: another file at the path (rotated, replaced), a shorter one, or one whose
    last :data:`CHECKED` bytes read are no longer what they were (cut short and written
    again, as ``copytruncate`` does).
    """

    def __init__(self) -> None:
        self._start(None)

    def _start(self, file: tuple[int, int] | None) -> None:
        """Know nothing yet of ``file`` (its device and inode)."""
        self._file = file
        self._read_to = 0
        self._end = b""  # the last bytes read, up to CHECKED of them
        self._ids: set[str] = set()
        self._tail = b""  # a last line without its newline (yet)

    def has(self, sink: BinaryIO, notice_id: str) -> bool:
        """Whether ``sink`` (open, locked) has a line whose ``id`` is ``notice_id``."""
        stat = os.fstat(sink.fileno())
        if not self._still_the_file_read(sink, stat):
            self._start((stat.st_dev, stat.st_ino))
        if stat.st_size > self._read_to:
            sink.seek(self._read_to)
            added = sink.read(stat.st_size - self._read_to)
            self._read_to += len(added)
            self._end = (self._end + added)[-CHECKED:]
            *lines, self._tail = (self._tail + added).split(b"\n")
            self._ids.update(filter(None, map(_line_id, lines)))
        return notice_id in self._ids or (bool(self._tail) and _line_id(self._tail) == notice_id)

    def _still_the_file_read(self, sink: BinaryIO, stat: os.stat_result) -> bool:
        if (stat.st_dev, stat.st_ino) != self._file or stat.st_size < self._read_to:
            return False
        return os.pread(sink.fileno(), len(self._end), self._read_to - len(self._end)) == self._end


def _line_id(raw: bytes) -> str | None:
    """The ``id`` of one line, or None for a damaged line (which is not a delivery)."""
    try:
        record = json.loads(raw)
    except ValueError:
        return None
    notice_id = record.get("id") if isinstance(record, dict) else None
    return notice_id if isinstance(notice_id, str) and notice_id else None


#: How many of the last bytes read are read again to tell the file is the same one
#: (more than a notice's line: its id is in them).
CHECKED = 4096
#: What each notifications file (by real path) is known to hold, for this process.
_seen: dict[str, SeenIds] = {}
_seen_lock = threading.Lock()
