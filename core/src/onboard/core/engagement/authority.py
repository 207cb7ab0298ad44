"""Whether an action was really signed by the person it names, and may be accepted.

Two halves, because Temporal re-runs Update *handlers* on replay but never their
*validators*:

- :func:`check_signature` is deterministic (state, the action and the workflow's
  clock): unsigned actions, the signing-time window, a used nonce, and the
  signature over the canonical statement.  Validator and handler both call it.
- :func:`check_signer` asks the workers' live allowed-signers file whether the key
  stands for that person, now; only the validator calls it.  Its answer is written
  into the audit record (key fingerprint and principal), so history explains it.

Each raises :class:`~onboard.core.engagement.rules.Rejected` with the reason the
person sees; nothing is written to history on a refusal.
"""

from datetime import datetime, timedelta

from attrs import frozen
from onboard.core.engagement.rules import AlreadyApplied, Rejected
from onboard.core.models import AuditRecord, EngagementState, Party, Person
from onboard.core.trust import actions, chain, sshsig
from onboard.core.trust.signers import SignersFileError, principal
from onboard.core.trust.store import TrustStore


@frozen
class SignedBy:
    """Who signed: the key's fingerprint and the principal it was accepted for."""

    key: str = ""  # "" for an unsigned action an engagement's policy allows
    principal: str = ""


UNSIGNED = SignedBy()


def check_signature(
    state: EngagementState, engagement_id: str, arg, person: Person, now: datetime
) -> SignedBy:
    """The cryptographic and replay checks; raises :class:`Rejected`."""
    signature = arg.signature
    action = actions.describe(engagement_id, arg)
    if signature is None:
        if state.spec.policy.allow_unsigned:
            return UNSIGNED
        raise Rejected(
            f"the {action.action} is not signed: engagement {engagement_id!r} accepts signed actions only "
            "(the onboard CLI signs with --key, $ONBOARD_KEY, ssh-agent or your default key)"
        )
    window = state.spec.policy.signature_window
    skew = abs(now - signature.signed_at)
    if skew > window:
        raise Rejected(
            f"the signature was made at {actions.format_time(signature.signed_at)}, "
            f"{_minutes(skew)} from the engagement's clock ({actions.format_time(now)}); "
            f"signatures are accepted within {_minutes(window)}: sign again (is your clock right?)"
        )
    if signature.nonce in state.nonces:
        check_repeat(state, arg)
        raise Rejected(
            f"this signature was already used (nonce {signature.nonce}): a signed action is accepted once"
        )
    try:
        key = sshsig.check(action.statement(signature.signed_at, signature.nonce), signature.armored)
    except sshsig.SignatureError as exc:
        raise Rejected(
            f"bad signature for {person.id!r}'s {action.action} of {action.subject!r}: {exc} "
            "(a signature covers engagement, action, subject, text, person, time and nonce)"
        ) from None
    return SignedBy(sshsig.fingerprint(key), principal(person))


def check_repeat(state: EngagementState, arg) -> None:
    """Raise :class:`AlreadyApplied` when ``arg``'s request id names an applied action."""
    signature = getattr(arg, "signature", None)
    if signature is None or signature.nonce not in state.nonces:
        return
    applied = applied_record(state, signature.nonce)
    if applied is not None:
        raise AlreadyApplied(
            f"this request was already applied: {describe_record(applied)}; nothing was done again"
        )


def applied_record(state: EngagementState, nonce: str) -> AuditRecord | None:
    """The audit record of the signed action whose nonce (request id) is ``nonce``."""
    if not nonce:
        return None
    carried = [*reversed(state.audit), *state.evidence]
    if state.contact is not None:
        carried.append(state.contact)
    return next((r for r in carried if r.signature is not None and r.signature.nonce == nonce), None)


def describe_record(record: AuditRecord) -> str:
    """``audit record 7 (approve kickoff by pat, 2026-12-01 09:30:00 UTC)``."""
    return (
        f"audit record {record.seq} ({record.action} {record.subject} by {record.person}, "
        f"{actions.format_time(record.at)})"
    )


def check_signer(
    state: EngagementState, person: Person, signed: SignedBy, now: datetime, store: TrustStore | None
) -> None:
    """Whether the workers' allowed-signers file gives the signing key to ``person`` now."""
    if signed is UNSIGNED:
        return
    if store is None:
        raise Rejected("this worker has no allowed-signers file, so it cannot accept a signed action")
    try:
        signers = store.current()
    except SignersFileError as exc:
        raise Rejected(
            f"the workers' allowed-signers file cannot be used, so nothing is accepted: {exc}"
        ) from None
    keys = signers.keys_for(signed.principal)
    if not keys:
        raise Rejected(
            f"{person.id!r} ({signed.principal}) has no key in the workers' allowed-signers file: "
            "ask operations to add it"
        )
    key = next((k for k in keys if k.fingerprint == signed.key), None)
    if key is None:
        raise Rejected(
            f"the action is signed with key {signed.key}, which the workers' allowed-signers file does not "
            f"give to {person.id!r} ({signed.principal}): a revoked key, or someone else's"
        )
    invalid = key.invalid_at(now)
    if invalid:
        raise Rejected(invalid)
    others = [
        p
        for p in state.spec.roster
        if p.party is not person.party and principal(p) != signed.principal and key.names(principal(p))
    ]
    if others:
        raise Rejected(
            f"key {signed.key} stands for {person.id!r} ({person.party.value}) and for "
            f"{others[0].id!r} ({others[0].party.value}): one key cannot act for both parties"
        )


def remember_nonce(state: EngagementState, arg, now: datetime) -> None:
    """Record the nonce; forget those too old to be accepted anyway (state stays small)."""
    if arg.signature is None:
        return
    horizon = now - state.spec.policy.signature_window - timedelta(minutes=1)
    state.nonces = {n: at for n, at in state.nonces.items() if at >= horizon}
    state.nonces[arg.signature.nonce] = arg.signature.signed_at


def _minutes(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 120:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"


#: How many of the latest audit records a new run re-links (see carried_state_problem).
LINKS_CHECKED = 300


def carried_state_problem(state: EngagementState) -> str:
    """Why a carried state does not follow from its own signed audit chain ("" if it does).

    A new run checks the state its previous run handed on: anything that can answer
    workflow tasks (a worker, or a client allowed to poll) could hand on any state.
    The chain must link up, and every passed gate, person-closed item, waiver and
    attested step must have its records, whose signatures must verify.  Only those
    records' signatures are checked (their number is bounded by the plan, not by how
    long the engagement runs; each run's handlers checked the others as they came).
    Records moved to the journal (:mod:`.carried`) are linked through
    ``archived_head``; the evidence among them stays in ``state.evidence``.
    Records from before signing (``seq`` 0) count as evidence unchecked: whoever can
    write a state can write those too, which is why the journal, outside Temporal,
    is the record of truth (docs/security.md).
    """
    chained = [r for r in state.audit if r.seq]
    first = chained[0].seq if chained else state.archived + 1
    if any(r.seq != n for n, r in enumerate(chained, start=first)) or (
        state.archived and first != state.archived + 1
    ):
        return "the audit records' sequence numbers have a gap or repeat"
    if any(r.seq > state.archived or not r.seq for r in state.evidence):
        return "the kept evidence holds a record that was never moved to the journal"
    # The links of the latest records (hashing is the costly part, and a workflow
    # task must stay well under the SDK's 2 s deadlock detector however long the
    # engagement runs); the evidence below is checked whatever its age.
    recent = chained[-LINKS_CHECKED:]
    if recent and recent[0].seq == first and state.archived:
        previous = state.archived_head
    else:
        previous = recent[0].prev if recent and recent[0].seq > 1 else chain.GENESIS
    for record in recent:
        if record.prev != previous:
            return f"audit record {record.seq} does not follow record {record.seq - 1}"
        previous = chain.record_hash(record)
    if recent and previous != state.audit_head:
        return "the audit chain head does not match the last record"
    found = evidence(state)
    if isinstance(found, str):
        return found
    for record in found:
        problem = _signature_problem(record)
        if problem:
            return problem
    return ""


def evidence(state: EngagementState) -> list[AuditRecord] | str:
    """The records behind what the state says was decided, or what lacks one.

    Each passed gate's approvals since its last rejection (and that rejection),
    each waived item's waivers, each item or step a person closed, its completion:
    looked up among the kept evidence and the audit, newest first.
    """
    records = [*state.evidence, *state.audit]
    found: dict[int, AuditRecord] = {}

    def find(action: str, subject: str, *, person: str = "", party: Party | None = None, among=None) -> bool:
        for record in reversed(among if among is not None else records):
            if (
                record.action == action
                and record.subject == subject
                and (record.person == person if person else record.party is party)
            ):
                found[id(record)] = record
                return True
        return False

    for gate in state.gates.values():
        if gate.passed:
            since = _since_last_reject(records, gate.id)
            missing = [p.value for p in gate.parties if not find("approve", gate.id, party=p, among=since)]
            if missing:
                return f"gate {gate.id!r} is passed without a signed {' and '.join(missing)} approval"
            rejection = next(
                (r for r in reversed(records) if r.action == "reject" and r.subject == gate.id), None
            )
            if rejection is not None:  # so that approvals from before it never count again
                found[id(rejection)] = rejection
    for item in state.items:
        if item.waived and not all(find("waive", item.item.id, party=p) for p in Party):
            return f"item {item.item.id!r} is waived without both parties' signed waivers"
        if item.closed and item.closed_by == "scope change":
            if not find("rescope", "scope", party=Party.PROVIDER):
                return f"item {item.item.id!r} is closed as out of scope without a signed scope change"
            continue
        if (
            item.closed
            and item.closed_by not in ("reassessment", "waiver")
            and not find("complete", item.item.id, person=item.closed_by)
        ):
            return f"item {item.item.id!r} is closed by {item.closed_by!r} without a signed completion"
    for step in state.steps.values():
        if (
            step.status == "done"
            and step.by != "automation"
            and not find("complete", step.step.id, person=step.by)
        ):
            return f"step {step.step.id!r} is done by {step.by!r} without a signed completion"
    return list(found.values())


def _signature_problem(record: AuditRecord) -> str:
    if record.signature is None:
        return ""  # unsigned: from before signing, or an engagement whose policy allows it
    try:
        key = chain.signing_key(record)
    except sshsig.SignatureError as exc:
        return f"audit record {record.seq} ({record.action} {record.subject}): {exc}"
    if key != record.key:
        return f"audit record {record.seq} names key {record.key} but was signed with another"
    return ""


def _since_last_reject(records: list, gate_id: str) -> list:
    last = max(
        (i for i, r in enumerate(records) if r.action == "reject" and r.subject == gate_id), default=-1
    )
    return [r for r in records[last + 1 :] if r.subject == gate_id]
