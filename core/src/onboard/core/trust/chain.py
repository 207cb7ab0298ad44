"""Audit records as a hash chain.

Each record of a signed engagement carries ``seq`` (1, 2, …) and ``prev``, the hash
of the record before it (:data:`GENESIS` for the first).  A record's hash is the
SHA-256 of the RFC 8785 canonical JSON of the whole record, signature included, so
editing, dropping, inserting or reordering a record breaks every link after it.
The engagement keeps the hash of its last record (``audit_head``); the journal
(:mod:`onboard.core.journal`) keeps a copy of every record outside Temporal.

:mod:`.audit_verify` checks an exported chain or a journal offline.
"""

import hashlib

import attrs
import rfc8785
from onboard.core.converter import to_json_value
from onboard.core.models import AuditRecord, EngagementState
from onboard.core.trust import sshsig
from onboard.core.trust.actions import Action

GENESIS = "0" * 64

#: The fields a record's hash covers. Fixed, so that a field added to
#: :class:`AuditRecord` later does not change the hash of records already chained.
HASHED_FIELDS = (
    "seq", "prev", "engagement", "at", "person", "party", "action", "subject",
    "comment", "content", "signature", "key", "principal",
)  # fmt: skip


def record_hash(record: AuditRecord) -> str:
    data = to_json_value(record)
    return hashlib.sha256(rfc8785.dumps({k: data[k] for k in HASHED_FIELDS})).hexdigest()


def append(state: EngagementState, record: AuditRecord) -> AuditRecord:
    """Chain ``record`` after the state's last record and add it to the audit."""
    seq = max((r.seq for r in state.audit), default=state.archived) + 1
    chained = attrs.evolve(record, seq=seq, prev=state.audit_head or GENESIS)
    state.audit.append(chained)
    state.audit_head = record_hash(chained)
    return chained


def unjournaled(state: EngagementState) -> list[AuditRecord]:
    """Chained records the journal has not confirmed yet, in order."""
    return [r for r in state.audit if r.seq > state.journaled]


def has_unjournaled(state: EngagementState) -> bool:
    """Whether :func:`unjournaled` has any (seqs only grow: the last record says)."""
    return bool(state.audit) and state.audit[-1].seq > state.journaled


def record_action(record: AuditRecord) -> Action:
    """The :class:`Action` a record's signature covers."""
    return Action(
        record.engagement, record.action, record.subject, record.person, record.content, record.content_sha256
    )


def signing_key(record: AuditRecord) -> str:
    """The fingerprint of the key that signed ``record``'s statement (rebuilt from the record).

    Raises :class:`~onboard.core.trust.sshsig.SignatureError` when it does not verify.
    """
    assert record.signature is not None
    statement = record_action(record).statement(record.signature.signed_at, record.signature.nonce)
    return sshsig.fingerprint(sshsig.check(statement, record.signature.armored))
