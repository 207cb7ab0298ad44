"""What an engagement carries into its next run, and how it stays within Temporal's limits.

A run hands its whole state to the next one through continue-as-new, and Temporal
refuses a payload over 2 MB (``PAYLOADS_TOO_LARGE``): past that, the engagement
could never start its next run.  The plan, items and steps are bounded by the
planning limits; what grows with every action is the audit trail, its free text
above all.  So:

- **Archiving.** Before continuing as new, :func:`compact` moves the audit records
  the journal has confirmed out of the state, except the latest few
  (:data:`KEPT_RECORDS`, :data:`KEPT_TEXT`) and the evidence behind passed gates,
  closed items and attested steps (:func:`.authority.evidence`; kept in
  ``state.evidence``, bounded by the plan, their comments left to the journal).
  ``archived`` and ``archived_head`` say where the carried chain starts; ``onboard
  audit verify`` checks the rest in the journal.
- **A budget.** Validators refuse an action that would take the carried text past
  :data:`TEXT_BUDGET`, or the records past :data:`RECORD_LIMIT`, with the reason
  (the journal is down, so nothing can be archived) and the way out.
- **Early runs.** A run continues as new once its records reach :data:`COMPACT_AT`
  or their text :data:`COMPACT_TEXT`, not only when the server suggests it.

Older runs (before the ``bounded-state`` patch) replay as they ran.  The
thresholds of :func:`wants_compaction` decide when a run continues as new, so they
are part of the workflow's commands: changing them needs a new patch.
"""

from itertools import takewhile

import attrs
from onboard.core.engagement import authority
from onboard.core.engagement.rules import Rejected
from onboard.core.models import AuditRecord, EngagementState
from onboard.core.trust import chain

#: Audit records a run hands on in full however much the journal holds: the
#: latest ones, at most this many and this much text.
KEPT_RECORDS = 50
KEPT_TEXT = 64 * 1024
#: A run continues as new (and archives) once it holds this many records.
COMPACT_AT = 200
COMPACT_TEXT = 256 * 1024
#: No action is accepted past this many carried records (only a journal that is
#: down, so that nothing can be archived, gets there).
RECORD_LIMIT = 400
#: UTF-8 bytes of free text (comments, evidence, reasons) the state may carry.
TEXT_BUDGET = 768 * 1024
#: Rejection reasons a gate shows; every one of them is in the audit trail.
REJECTIONS_KEPT = 5


def record_text(record: AuditRecord) -> int:
    """UTF-8 bytes of a record's texts: its comment, and the signed content beside it."""
    return len(record.comment.encode()) + sum(len(v.encode()) for v in record.content.values())


def carried_text(state: EngagementState) -> int:
    """UTF-8 bytes of the free text in the state (what the budget counts)."""
    recorded = sum(record_text(r) for r in [*state.audit, *state.evidence])
    texts = [i.evidence for i in state.items]
    texts += [s.evidence for s in state.steps.values()]
    texts += [reason for g in state.gates.values() for reason in g.rejections]
    if state.contact is not None:
        recorded += record_text(state.contact)
    return recorded + sum(len(t.encode()) for t in texts)


def _text_of(arg: object) -> int:
    return sum(
        len(value.encode())
        for name in ("comment", "evidence", "note", "reason")
        if isinstance(value := getattr(arg, name, None), str)
    )


def check_room(state: EngagementState, arg: object) -> None:
    """Validators: refuse an action the carried state has no room for (:class:`Rejected`)."""
    records = len(state.audit) + len(state.evidence)
    lag = state.journal_problem or "the audit journal has not confirmed them yet"
    if records >= RECORD_LIMIT:
        raise Rejected(
            f"the engagement carries {records} audit records, its limit ({RECORD_LIMIT}) until the "
            f"journal takes the older ones ({lag}); an operator fixes the journal "
            "(docs/operations.md), then the action can be sent again"
        )
    text = carried_text(state) + _text_of(arg)
    if text > TEXT_BUDGET:
        raise Rejected(
            f"the engagement would carry {text:,} bytes of comments and evidence, over its budget of "
            f"{TEXT_BUDGET:,} ({lag}); send a shorter text, or again once older records are archived"
        )


def wants_compaction(state: EngagementState) -> bool:
    """Whether this run should continue as new now, to archive (there are records to move)."""
    if not state.signed or state.journaled <= state.archived or len(state.audit) <= 1:
        return False
    # Comments only (not the signed content beside them), as recorded in bounded-core.
    if len(state.audit) < COMPACT_AT and sum(len(r.comment.encode()) for r in state.audit) < COMPACT_TEXT:
        return False
    return _archivable(state) is not None


def compact(state: EngagementState) -> None:
    """Archive journaled records and trim rejection reasons before continuing as new."""
    for gate in state.gates.values():
        del gate.rejections[:-REJECTIONS_KEPT]
    archivable = _archivable(state) if state.signed else None
    if archivable is None:
        return
    legacy, movable, evidence = archivable
    keep = {id(r) for r in evidence}
    # Evidence no longer needed (a gate rejected since it was approved) leaves too.
    # Its comment goes to the journal only: the signature covers the content's
    # digests, so the record still proves who decided, and items keep their evidence.
    state.evidence = [attrs.evolve(r, comment="") for r in [*state.evidence, *movable] if id(r) in keep]
    state.audit = legacy + state.audit[len(legacy) + len(movable) :]
    last = movable[-1]
    state.archived, state.archived_head = last.seq, chain.record_hash(last)


def _without_texts(record: AuditRecord) -> AuditRecord:
    if record.content_sha256 or record.signature is None:
        return attrs.evolve(record, comment="")
    digest = chain.record_action(record).content_sha256()
    return attrs.evolve(record, comment="", content={}, content_sha256=digest)


def _kept(state: EngagementState) -> int:
    """How many of the latest records stay in full: :data:`KEPT_RECORDS`, fewer when
    their text passes :data:`KEPT_TEXT` (the newest always stays)."""
    text = 0
    for n, record in enumerate(reversed(state.audit[-KEPT_RECORDS:])):
        text += record_text(record)
        if text > KEPT_TEXT:
            return max(n, 1)
    return min(len(state.audit), KEPT_RECORDS)


def _archivable(state: EngagementState) -> tuple[list, list, list] | None:
    """The records from before signing (never archived), the journaled ones that may
    leave, and the evidence to keep; None when nothing may leave."""
    older = state.audit[: len(state.audit) - _kept(state)]
    legacy = list(takewhile(lambda r: r.seq == 0, older))
    movable = list(takewhile(lambda r: 0 < r.seq <= state.journaled, older[len(legacy) :]))
    if not movable:
        return None
    found = authority.evidence(state)
    if isinstance(found, str):
        return None  # a state whose evidence is amiss is the next run's to report, untouched
    return legacy, movable, found
