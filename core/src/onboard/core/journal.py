"""The built-in audit journal: one append-only JSON-lines file per engagement.

Every accepted action of a signed engagement reaches the :func:`record_audit` hook
(:func:`onboard.core.hookspecs.record_audit`); this plugin appends each record to
``<folder>/<engagement>.jsonl``, where the folder is ``$ONBOARD_AUDIT_JOURNAL`` or
``$ONBOARD_HOME/audit``.  A line is ``{"hash": ..., "record": {...}}``, the record
as ``onboard audit ID`` exports it, so ``onboard audit verify`` reads both.

Records already in the file (same seq and hash) are skipped, so retries write
nothing twice; a record with a known seq but another hash is appended, because
that is the trace a ``temporal workflow reset`` leaves.  Writes take an exclusive
``flock`` and are fsync'd.  On several hosts, point the folder at shared storage
or use a plugin that writes to a shared store; entry point ``journal``,
``ONBOARD_DISABLE_PLUGINS=journal`` turns it off.
"""

import fcntl
import json
import os
import re
from collections.abc import Sequence
from pathlib import Path

from onboard.core.converter import to_json_value
from onboard.core.errors import OnboardError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import AuditRecord
from onboard.core.settings import onboard_home
from onboard.core.trust.chain import record_hash

JOURNAL_ENV = "ONBOARD_AUDIT_JOURNAL"


def journal_folder() -> Path:
    configured = os.environ.get(JOURNAL_ENV)
    return Path(configured).expanduser() if configured else onboard_home() / "audit"


def journal_path(engagement_id: str) -> Path:
    """The engagement's journal file (an id that is not a plain name is made one)."""
    name = re.sub(r"[^A-Za-z0-9_.:-]", "_", engagement_id).lstrip(".") or "_"
    return journal_folder() / f"{name}.jsonl"


def journal_line(record: AuditRecord) -> dict:
    return {"hash": record_hash(record), "record": to_json_value(record)}


def journal_text(line: dict) -> str:
    """One journal line as written (compact JSON and a newline); exports are the same."""
    return json.dumps(line, ensure_ascii=False, separators=(",", ":")) + "\n"


@hookimpl
def record_audit(engagement_id: str, records: Sequence[AuditRecord]) -> None:
    path = journal_path(engagement_id)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+b") as journal:
            fcntl.flock(journal, fcntl.LOCK_EX)
            journal.seek(0)
            known = set()
            for raw in journal:
                try:
                    line = json.loads(raw)
                    known.add((line["record"]["seq"], line["hash"]))
                except (ValueError, KeyError, TypeError):
                    continue  # a damaged line is verify's to report, not ours to drop
            new = [journal_line(r) for r in records]
            out = b"".join(
                journal_text(line).encode()
                for line in new
                if (line["record"]["seq"], line["hash"]) not in known
            )
            if out:
                journal.write(out)
                journal.flush()
                os.fsync(journal.fileno())
    except OSError as exc:
        raise OnboardError(f"cannot append to the audit journal {path}: {exc.strerror}") from exc
