"""The record of what reached whom: once per (notice, recipient, channel).

Temporal delivers a notice *at least* once: the activity is retried after a
failure, after a worker died before it reported, and a reset replays it.  People
should see it once, so every send is looked up here first and recorded right after
apprise reports success.  The record is an SQLite file (stdlib ``sqlite3``) in WAL
mode, so several worker processes on one host share it safely: readers never block
the writer and each claim is one short ``BEGIN IMMEDIATE`` transaction.

A send is *claimed* before it starts and the claim becomes *sent* on success (or is
dropped on failure).  Two attempts of the same activity running at once (the old one
not yet noticed dead) therefore cannot both send: the second sees a live claim and
reports "busy", which fails its attempt so it is retried — by then the record says
sent.  A claim whose process is gone (the record is per host, so that can be
checked) or older than its lease is taken over at once: the retries after a crash
come within seconds, and must not all find the dead worker's claim.  At-least-once
is all anyone can promise across a crash mid-send, but never twice otherwise.
"""

import os
import socket
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from enum import Enum
from pathlib import Path

from onboard.core.errors import OnboardError

_HOST = socket.gethostname()

_SCHEMA = """
CREATE TABLE IF NOT EXISTS delivered (
    notice     TEXT NOT NULL,
    recipient  TEXT NOT NULL,
    channel    TEXT NOT NULL,
    state      TEXT NOT NULL,      -- 'sending' (claimed) | 'sent'
    since      REAL NOT NULL,      -- time.time() of the claim or of the success
    owner      INTEGER NOT NULL DEFAULT 0,  -- pid of the claiming process
    host       TEXT NOT NULL DEFAULT '',    -- its host name (containers sharing a volume differ)
    label      TEXT NOT NULL DEFAULT '',   -- apprise's privacy-masked URL, for people
    PRIMARY KEY (notice, recipient, channel)
) WITHOUT ROWID
"""


class Claim(Enum):
    """What :meth:`DeliveredRecord.claim` found."""

    CLAIMED = "claimed"  # yours to send
    SENT = "sent"  # delivered before: skip
    BUSY = "busy"  # another attempt is sending it right now


class DeliveredRecord:
    """The SQLite record at ``path`` (created on first use, parents included).

    Each call opens its own connection: the hook runs in worker threads, and a
    connection per call is the simple way to be safe in threads and processes.
    """

    def __init__(self, path: Path, lease: float = 60.0) -> None:
        self.path = path
        self.lease = lease
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with self._connection() as db:
                db.execute("PRAGMA journal_mode=WAL")
                db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise OnboardError(f"cannot open the delivered-notices record {path}: {exc}") from exc

    def claim(self, notice: str, recipient: str, channel: str, label: str = "") -> Claim:
        """Claim the send of ``notice`` to ``recipient`` on ``channel``, unless it was
        sent or is being sent; a stale claim (its process gone, or older than the
        lease) is taken over."""
        now = time.time()
        with self._transaction() as db:
            row = db.execute(
                "SELECT state, since, owner, host FROM delivered WHERE notice=? AND recipient=? AND channel=?",
                (notice, recipient, channel),
            ).fetchone()
            if row is not None:
                state, since, owner, host = row
                if state == "sent":
                    return Claim.SENT
                if now - since < self.lease and (host != _HOST or _alive(owner)):
                    return Claim.BUSY
            db.execute(
                "INSERT OR REPLACE INTO delivered "
                "(notice, recipient, channel, state, since, owner, host, label) "
                "VALUES (?, ?, ?, 'sending', ?, ?, ?, ?)",
                (notice, recipient, channel, now, os.getpid(), _HOST, label),
            )
        return Claim.CLAIMED

    def sent(self, notice: str, recipient: str, channel: str) -> None:
        """Mark a claimed send as delivered (apprise reported success)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE delivered SET state='sent', since=? WHERE notice=? AND recipient=? AND channel=?",
                (time.time(), notice, recipient, channel),
            )

    def release(self, notice: str, recipient: str, channel: str) -> None:
        """Drop a claim whose send failed, so the retry may send again at once."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM delivered WHERE notice=? AND recipient=? AND channel=? AND state='sending'",
                (notice, recipient, channel),
            )

    def is_sent(self, notice: str, recipient: str, channel: str) -> bool:
        """Whether the send was recorded as delivered (for tests and operators)."""
        with self._connection() as db:
            row = db.execute(
                "SELECT 1 FROM delivered WHERE notice=? AND recipient=? AND channel=? AND state='sent'",
                (notice, recipient, channel),
            ).fetchone()
        return row is not None

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        """Every (notice, recipient, channel, state, label), for tests and operators."""
        with self._connection() as db:
            return db.execute(
                "SELECT notice, recipient, channel, state, label FROM delivered ORDER BY notice, recipient"
            ).fetchall()

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        # isolation_level=None: we say BEGIN ourselves; timeout: wait out another
        # process's write instead of failing with "database is locked".
        with closing(sqlite3.connect(self.path, timeout=30.0, isolation_level=None)) as db:
            db.execute("PRAGMA busy_timeout=30000")
            yield db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        try:
            with self._connection() as db:
                db.execute("BEGIN IMMEDIATE")
                try:
                    yield db
                except BaseException:
                    db.execute("ROLLBACK")
                    raise
                db.execute("COMMIT")
        except sqlite3.Error as exc:
            raise OnboardError(f"delivered-notices record {self.path}: {exc}") from exc


def _alive(pid: int) -> bool:
    """Whether process ``pid`` exists on this host (a reused pid errs towards "busy",
    which only delays the retry until the lease ends)."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
