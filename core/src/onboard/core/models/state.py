"""The engagement's state and what it sends: notices, audit records, the state of
items and steps, and the answers of the ``status`` and ``progress`` queries.

No ``from __future__ import annotations``: cattrs must see real types, not
strings, inside the Temporal workflow sandbox.
"""

from datetime import datetime, timedelta

from attrs import define, field, frozen
from onboard.core.models.actions import MovedMeeting, PlanChange, RosterChange
from onboard.core.models.base import Party, Phase, _str_tuple
from onboard.core.models.decisions import GateState, Signature
from onboard.core.models.plan import EnableStep, EngagementSpec, Finding, Plan, RemediationItem


@frozen
class Recipient:
    """Someone a notice is for: a roster person, or an address from the policy's
    escalation list (``id`` empty).  Channels are the workers' to choose."""

    id: str = ""
    name: str = ""
    email: str = ""
    party: str = ""  # "provider" | "customer" | "" (an escalation address)


@frozen
class Notification:
    """A reminder, escalation or transition sent through the ``notify`` hook.

    ``to`` names the roster ids it is for and ``recipients`` the same people with
    their e-mail (plus escalation addresses); ``subject`` is one line; ``details``
    are lines for the body (the open items, the steps of a wave); ``commands`` are
    what the recipient runs, with ``{person}`` standing for the recipient's id
    (``onboard approve contoso-ems kickoff --as {person}``).

    ``id`` is the notice's idempotency key, ``<engagement>/<n>/<kind>`` with ``n``
    counting the engagement's notices: the same on every retry of the activity,
    after a worker crash and after a reset that replays it, so a sink that keeps
    the ids it has delivered shows each notice once.  Notices of runs recorded
    before ids existed have ``""``.
    """

    engagement_id: str
    kind: str  # "escalation", "checkpoint", "transition", "gate-open", ...
    message: str
    at: datetime
    to: tuple[str, ...] = field(default=(), converter=_str_tuple)
    id: str = ""
    subject: str = ""
    recipients: tuple[Recipient, ...] = field(default=(), converter=tuple)
    details: tuple[str, ...] = field(default=(), converter=_str_tuple)
    commands: tuple[str, ...] = field(default=(), converter=_str_tuple)
    #: An iCalendar text (one meeting: :func:`onboard.core.meetings.meeting_ics`) the
    #: channels attach as ``invite.ics``; "" for none.
    calendar: str = ""


# ---------------------------------------------------------------------------
# Workflow state (what `onboard show` prints)
# ---------------------------------------------------------------------------


@frozen
class AuditRecord:
    """Who did what, in which role, when. Every decision and attestation is one.

    Records of signed engagements form a hash chain (``onboard.core.trust.chain``):
    ``seq`` counts from 1, ``prev`` is the hash of the record before it, and the
    signed statement can be rebuilt from ``engagement``, ``action``, ``subject``,
    ``content``, ``person`` and ``signature``.  Records from before signing have
    ``seq`` 0 and no chain.
    """

    at: datetime
    person: str
    party: Party
    action: str  # "approve", "reject", "complete", "contact", "reassess", "resume", "waive"
    subject: str  # gate id, item id, step id
    comment: str = ""
    seq: int = 0
    prev: str = ""
    engagement: str = ""
    content: dict[str, str] = field(factory=dict)
    signature: Signature | None = None
    key: str = ""  # the signing key's fingerprint (SHA256:…)
    principal: str = ""  # the allowed-signers principal the key was accepted for
    #: Set on evidence kept without its texts (``comment`` and ``content`` emptied,
    #: the journal has them): the SHA-256 the signature covers, so it still verifies.
    content_sha256: str = ""


@define
class ItemState:
    item: RemediationItem
    closed: bool = False
    closed_by: str = ""  # a person id, "reassessment" or "waiver"
    evidence: str = ""
    closed_at: datetime | None = None
    #: Backed by an automated check: closes by a passing re-assessment or a waiver.
    automated: bool = False
    waived: bool = False
    waivers: dict[str, str] = field(factory=dict)  # party -> person id, until both have
    waiver_keys: dict[str, str] = field(factory=dict)  # party -> signing key fingerprint
    reopened: int = 0  # times a re-assessment or a rejection reopened it
    #: When it should be done: proposed from its severity and owner when it appears
    #: (:func:`onboard.core.engagement.timeline.due_within`), agreed with the
    #: remediation plan, moved by a provider person (``onboard due``).
    due: datetime | None = None
    due_moved_by: str = ""  # the person who last moved it ("": as proposed)
    due_reminded: str = ""  # "" | "soon" | "overdue": the due reminders its owners had

    def overdue(self, now: datetime) -> bool:
        """Open past its due date."""
        return not self.closed and self.due is not None and self.due < now


@define
class StepState:
    step: EnableStep
    status: str = "pending"  # pending | running | awaiting | done | failed
    by: str = ""
    evidence: str = ""
    at: datetime | None = None
    announced: bool = False  # its owners were told it is ready (steps-ready)


@frozen
class Reach:
    """What a ``notify`` implementation says of one notice: whom it reached (or had
    reached before: a repeat), and the recipients it has no channel for.

    Recipients are named by roster id, else by e-mail (an escalation address).
    """

    reached: tuple[str, ...] = field(default=(), converter=_str_tuple)
    unreachable: tuple[str, ...] = field(default=(), converter=_str_tuple)


@frozen
class Undelivered:
    """A notice every channel gave up on (shown by ``onboard show``)."""

    id: str
    kind: str
    subject: str
    at: datetime
    reason: str


@define
class EngagementState:
    """The engagement's durable state, carried across continue-as-new."""

    spec: EngagementSpec
    phase: Phase = Phase.INITIATE
    plan: Plan | None = None
    contact: AuditRecord | None = None
    escalations: int = 0
    assessment_round: int = 0
    findings: list[Finding] = field(factory=list)
    items: list[ItemState] = field(factory=list)
    gates: dict[str, GateState] = field(factory=dict)
    steps: dict[str, StepState] = field(factory=dict)
    audit: list[AuditRecord] = field(factory=list)
    checkpoints: int = 0
    next_checkpoint_at: datetime | None = None
    bundle: str = ""  # the assessment bundle last assessed (spec.bundle at first)
    blocked: str = ""  # why the engagement cannot go on (an activity failed for good)
    history: list[str] = field(factory=list)  # phase transitions, for people
    #: Signed engagements (started since signing landed): actions must be signed.
    signed: bool = False
    audit_head: str = ""  # hash of the last chained audit record
    journaled: int = 0  # the highest audit seq the journal has confirmed
    journal_problem: str = ""  # why the journal lags, while it does
    nonces: dict[str, datetime] = field(factory=dict)  # used within the signature window
    notices: int = 0  # notices sent so far; numbers each notice's idempotency key
    #: Records 1..archived are in the journal and left the carried state
    #: (:mod:`onboard.core.engagement.carried`), except those kept as ``evidence``.
    archived: int = 0
    archived_head: str = ""  # hash of record ``archived``: the next record's prev
    evidence: list[AuditRecord] = field(factory=list)
    #: Notices queued for delivery, oldest first (sent by the notice loop, carried on).
    outbox: list[Notification] = field(factory=list)
    undelivered: list[Undelivered] = field(factory=list)  # the latest few
    #: Recipients the latest notices for them reached nobody (no channel on the
    #: workers); one that a later notice reaches leaves the list.
    unreached: list[str] = field(factory=list)
    escalation_notices: int = 0  # escalation notices actually queued (their number)
    #: The pause in force (``paused_at`` None: not paused) and the time paused so far,
    #: by which the contact deadline, due dates and checkpoints have moved.
    paused_at: datetime | None = None
    paused_by: str = ""
    paused_reason: str = ""
    paused_for: timedelta = timedelta(0)
    closing: dict[str, str] = field(factory=dict)  # party -> person who agreed to close it
    closed_reason: str = ""  # set when both sides closed it: completed without the open steps
    cancelled_by: str = ""  # who cancelled it (the phase is then ``cancelled``)
    cancelled_reason: str = ""
    #: Provider changes to the customer side awaiting a customer's acknowledgement.
    roster_pending: list[RosterChange] = field(factory=list)
    #: What scope changes did to the plan, oldest first (the latest few).
    plan_changes: list[PlanChange] = field(factory=list)
    #: When the engagement's first run began (for runs from before it was kept: the
    #: first run that knew it).  The age ``onboard list`` shows.
    started_at: datetime | None = None
    #: Meetings moved from where the engagement placed them, by meeting id
    #: (:mod:`onboard.core.meetings`); the others are where their rules put them.
    meetings: dict[str, MovedMeeting] = field(factory=dict)


@frozen
class EngagementStatus:
    """The answer of the ``status`` query: the state plus who is awaited now."""

    engagement_id: str
    tenant: str
    phase: Phase
    services: tuple[str, ...]
    awaiting: tuple[str, ...]
    state: EngagementState


@frozen
class EngagementProgress:
    """The answer of the ``progress`` query: what an approver's tool polls.

    A few ids instead of the whole state, so that waiting for "my turn" stays cheap
    for the worker however large the plan is.
    """

    phase: Phase
    planned: bool
    awaiting: tuple[str, ...]
    open_gates: tuple[str, ...]
    open_items: tuple[str, ...]
    awaiting_steps: tuple[str, ...]
    assessment_round: int
    blocked: str
    paused: str = ""  # why, while the engagement is paused
