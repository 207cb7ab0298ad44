"""The data that crosses a boundary: plugin results, workflow inputs, updates and status.

Every class here is an attrs class serialized by :mod:`onboard.core.converter`, so it
can travel through Temporal (workflow input, activity results, updates, queries) and
be printed as JSON by the CLI.  Plugins build the *plan* classes (``ServiceInfo``,
``Requirement``, ``RemediationItem``, ``EnableStep`` …); the workflow builds the
*state* classes (``GateState``, ``StepState``, ``AuditRecord`` …) from them.

Ids (requirement, remediation, step, scope-rule and gate ids) are part of the
contract with running engagements: a recorded plan refers to them, so a plugin keeps
an id stable across releases and adds a new id rather than reusing an old one.

This module deliberately avoids ``from __future__ import annotations`` so that
cattrs sees real types, not strings, inside the Temporal workflow sandbox.
"""

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import attrs
from attrs import define, field, frozen
from onboard.core import region

#: A fact value: facts describe the customer's environment ("forest_count": 3).
FactValue = str | int | bool

_ID = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")


def is_id(value: object) -> bool:
    """Whether ``value`` is an onboard id (engagements, people, gates, items, steps)."""
    return isinstance(value, str) and bool(_ID.match(value)) and len(value) <= 200


def _valid_id(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be a lower-case id "
            f"(letters, digits, '.', '_', ':', '-'), got {value!r}"
        )


def _non_empty(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must not be empty")


def _str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # a lone string is one item, not its characters
        return (value,)
    return tuple(value)


def _positive(instance: object, attribute: attrs.Attribute, value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be longer than zero, got {value}")


def _positive_count(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be a whole number of at least 1")


def _non_negative_count(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be a whole number of at least 0")


def _optional_count(instance: object, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None:
        _positive_count(instance, attribute, value)


def _pairs(value: Any) -> tuple[tuple[str, Any], ...]:
    """``{"a": 1}`` (or pairs) as sorted ``(key, value)`` pairs: hashable, stable in order."""
    items = value.items() if isinstance(value, dict) else value
    return tuple(sorted((str(k), v) for k, v in items))


def _aware(value: datetime) -> datetime:
    """Timestamps without a zone are UTC: workflow time is always zone-aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _region(check: Any) -> Any:
    """An attrs validator from one of :mod:`onboard.core.region`'s parsers."""

    def validate(instance: object, attribute: attrs.Attribute, value: str) -> None:
        try:
            check(value)
        except ValueError as exc:  # "EngagementSpec.timezone ...": the spec file names the field
            raise ValueError(f"{type(instance).__name__}.{attribute.name} {exc}") from None

    return validate


def _language(value: Any) -> Any:
    """A support language in the seed's spelling (``pt-br`` is ``pt-BR``); others as given."""
    try:
        return region.support_language(value)
    except ValueError:
        return value  # the validator says why


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------


class Phase(StrEnum):
    """The four phases of the FastTrack process, plus the end states."""

    INITIATE = "initiate"
    ASSESS = "assess"
    REMEDIATE = "remediate"
    ENABLE = "enable"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # ended by a person before completion (``onboard cancel``)


class Party(StrEnum):
    """Who does or approves something: the FastTrack provider or the customer."""

    PROVIDER = "provider"
    CUSTOMER = "customer"


class Severity(StrEnum):
    """How much a failed requirement matters. Blockers must be closed before Enable."""

    BLOCKER = "blocker"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    """What the Assess phase looks at (the seeds' list, plus licensing and services)."""

    ACTIVE_DIRECTORY = "active_directory"
    BROWSERS = "browsers"
    CLIENT_OS = "client_os"
    DNS = "dns"
    NETWORK = "network"
    INFRASTRUCTURE = "infrastructure"
    IDENTITY = "identity"
    LICENSING = "licensing"
    SERVICE = "service"


class Outcome(StrEnum):
    """Result of one requirement check."""

    PASS = "pass"
    FAIL = "fail"
    #: The check could not run (its input is missing or unreadable); treated as open.
    NOT_RUN = "not_run"


class StepKind(StrEnum):
    """An automated step is an activity; a manual step waits for an attested completion."""

    AUTOMATED = "automated"
    MANUAL = "manual"


class FactKind(StrEnum):
    CHOICE = "choice"
    BOOL = "bool"
    INT = "int"
    TEXT = "text"


# ---------------------------------------------------------------------------
# What plugins return
# ---------------------------------------------------------------------------

#: The FastTrack programme's eligibility threshold, the default of
#: :attr:`ServiceInfo.min_licenses`.  The seeds give no number (they say only "after
#: you have purchased the appropriate number of licenses"); the figure is the FastTrack
#: Center Benefit for EMS page's "at least 150 licenses for EMS or any of its
#: individual cloud services" (:data:`ELIGIBILITY_SOURCE`).  An engagement sets its
#: own with ``[policy] min_licenses``.
FASTTRACK_MIN_LICENSES = 150
#: Where :data:`FASTTRACK_MIN_LICENSES` comes from, for ``ServiceInfo.source``: the page
#: the EMS phases seed links to, which this repository does not hold.
ELIGIBILITY_SOURCE = (
    "[F-ELIG] MicrosoftDocs/EMDocs EMDocs/Solutions/fasttrack-center-benefit-for-enterprise-mobility-suite-ems.md "
    "(2016; linked from the EMS phases seed, not in this repository)"
)


@frozen
class ServiceInfo:
    """An eligible service (or, with ``bundles``, an offer that bundles services).

    ``key`` is the name used on the command line and in every id the plugin returns.
    ``min_licenses`` is the offer's own eligibility threshold: the licences of it an
    engagement needs (an engagement's ``[policy] min_licenses`` replaces it).  The
    default, :data:`FASTTRACK_MIN_LICENSES` (150), is the programme's published figure,
    not the seeds' (they give none): see :data:`ELIGIBILITY_SOURCE`.
    ``bundles`` lists member service keys: an engagement for the bundle onboards each
    member once.  ``after`` lists services whose Enable work must finish first; every
    eligible service runs after ``core``.
    """

    key: str = field(validator=_valid_id)
    name: str = field(validator=_non_empty)
    description: str = ""
    min_licenses: int = FASTTRACK_MIN_LICENSES
    bundles: tuple[str, ...] = field(default=(), converter=_str_tuple)
    after: tuple[str, ...] = field(default=("core",), converter=_str_tuple)
    source: str = ""


@frozen
class FactDefinition:
    """A fact about the customer's environment that a plugin's plan depends on.

    Facts choose the branches of a plan (``mdm_authority``: intune, configmgr, none).
    A ``choice`` fact lists its ``choices``; ``default`` is used when the engagement
    does not say.
    """

    key: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    description: str = field(validator=_non_empty)
    kind: FactKind = FactKind.TEXT
    choices: tuple[str, ...] = field(default=(), converter=_str_tuple)
    default: FactValue | None = None
    #: Values worth planning with besides ``default`` (the branch points of an ``int``
    #: or ``text`` fact, e.g. ``forest_count``: 1 and 3); the conformance kit plans
    #: every choice of a ``choice``/``bool`` fact and every example of the others.
    examples: tuple[FactValue, ...] = field(default=(), converter=tuple)
    #: Other facts this fact's non-default options only make sense with, as
    #: ``{fact: value}`` (stored as sorted pairs): ``third_party_mdm=true`` plans with
    #: ``mdm_authority=none`` and ``mam_in_scope=true`` and is refused otherwise.  The
    #: conformance kit plans each non-default option with them too, since pairs of
    #: options alone never reach such a plan.
    companions: tuple[tuple[str, FactValue], ...] = field(default=(), converter=_pairs)


@frozen
class Requirement:
    """Something the source environment must satisfy before a service can be enabled.

    ``check`` names an assessment check (see :mod:`onboard.core.assessment`) and
    ``params`` configures it; a requirement with ``check="manual"`` is confirmed by a
    person.  ``remediation`` says what to do when the check fails and ``owner`` who
    does it.  ``source`` cites where the requirement comes from.
    """

    id: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    title: str = field(validator=_non_empty)
    category: Category
    check: str = field(validator=_valid_id)
    params: dict[str, Any] = field(factory=dict)
    severity: Severity = Severity.BLOCKER
    owner: Party = Party.CUSTOMER
    remediation: str = ""
    source: str = ""


@frozen
class Finding:
    """The outcome of one requirement check against an assessment bundle.

    ``location`` names where the evidence is (``bundle/forest.json:3 ForestMode``);
    ``details`` carries the individual problems (capped; ``total`` has the full count).
    """

    requirement_id: str
    service: str
    outcome: Outcome
    summary: str
    details: tuple[str, ...] = field(default=(), converter=_str_tuple)
    total: int = 0
    location: str = ""


@frozen
class RemediationItem:
    """One task of the remediation plan, derived from a failed (or unrun) finding."""

    id: str = field(validator=_valid_id)
    requirement_id: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    title: str = field(validator=_non_empty)
    owner: Party = Party.CUSTOMER
    severity: Severity = Severity.BLOCKER
    blocks: tuple[str, ...] = field(default=(), converter=_str_tuple)
    detail: str = ""


@frozen
class EnableStep:
    """One step of the Enable phase for a service.

    Steps form a graph through ``depends_on`` (ids of steps of the same service or of
    ``core``).  ``branch`` labels the fact choice that put the step in the plan
    (``"mdm_authority=configmgr"``), so a reader sees why it is there.
    """

    id: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    title: str = field(validator=_non_empty)
    kind: StepKind = StepKind.MANUAL
    owner: Party = Party.PROVIDER
    depends_on: tuple[str, ...] = field(default=(), converter=_str_tuple)
    branch: str = ""
    source: str = ""


@frozen
class ScopeExclusion:
    """Something the engagement does not cover, and why (a scope rule that fired)."""

    id: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    subject: str = field(validator=_non_empty)
    reason: str = field(validator=_non_empty)
    source: str = ""


@frozen
class Responsibility:
    """What one party does in one phase (the seeds' responsibility lists)."""

    id: str = field(validator=_valid_id)
    service: str = field(validator=_valid_id)
    phase: str  # a Phase value, or "general"
    party: Party
    text: str = field(validator=_non_empty)


@frozen
class StepResult:
    """What an automated step reports: done, or not (with the reason)."""

    ok: bool
    summary: str
    evidence: str = ""


# ---------------------------------------------------------------------------
# The engagement: input, plan and people
# ---------------------------------------------------------------------------


@frozen
class Person:
    """Someone on the engagement roster who may decide gates and attest work."""

    id: str = field(validator=_valid_id)
    name: str
    party: Party
    email: str = ""


@frozen
class Policy:
    """Durations of the process, with the seeds' defaults, and the signing rules.

    ``contact_within``: the provider contacts the customer within 30 days of purchase.
    ``checkpoint_every``: checkpoint calls during Remediate.
    ``escalate_every``: how often a missed contact is escalated again.
    ``signature_window``: how far a signature's signing time may be from the
    engagement's clock when it arrives (either way: clock skew, a slow network).
    ``allow_unsigned``: accept actions that carry no signature. Off by default; an
    engagement that allows them says so, in red, in ``onboard show``.
    ``min_licenses``: the eligibility threshold for every offer of this engagement;
    unset, each offer's own (:attr:`ServiceInfo.min_licenses`, 150 for the built-in
    ones, a configurable default: see there for where the figure comes from).
    Tests shrink the durations to seconds; the server then runs the real timers.
    """

    contact_within: timedelta = field(default=timedelta(days=30), validator=_positive)
    checkpoint_every: timedelta = field(default=timedelta(days=7), validator=_positive)
    escalate_every: timedelta = field(default=timedelta(days=7), validator=_positive)
    signature_window: timedelta = field(default=timedelta(minutes=10), validator=_positive)
    allow_unsigned: bool = False
    #: Who hears of a missed contact beyond the provider people (e-mail addresses,
    #: e.g. the onboarding centre's manager), from the ``escalate_after``-th notice on.
    escalate_to: tuple[str, ...] = field(default=(), converter=_str_tuple)
    escalate_after: int = field(default=2, validator=_positive_count)
    #: Enable steps that become ready within this time of the first come in one
    #: notice per side (a wave), not one notice per step.
    step_digest_wait: timedelta = field(default=timedelta(minutes=10), validator=_positive)
    #: The remediation timeline the provider proposes (the seed: "establish the
    #: timeline for remediation activities"; the customer confirms it by approving
    #: the remediation plan): customer blockers, warnings and notes by severity,
    #: the provider's own items sooner whatever their severity.
    blocker_due_within: timedelta = field(default=timedelta(days=14), validator=_positive)
    warning_due_within: timedelta = field(default=timedelta(days=28), validator=_positive)
    info_due_within: timedelta = field(default=timedelta(days=42), validator=_positive)
    provider_due_within: timedelta = field(default=timedelta(days=7), validator=_positive)
    #: An item's owners are reminded this long before it is due, and once when it is overdue.
    due_reminder_before: timedelta = field(default=timedelta(days=2), validator=_positive)
    min_licenses: int | None = field(default=None, validator=_optional_count)
    #: A phase that ends starts the next in the same run unless the run's history has
    #: this many events; then the state goes to a new run (continue-as-new). 0: every
    #: phase a run of its own. Within a phase a run also ends when Temporal suggests
    #: it or its audit records pile up. Fewer runs, fewer copies of the state.
    new_run_after_events: int = field(default=1000, validator=_non_negative_count)


#: The bundle that means "collect from the live directory and DNS" (a customer-side
#: worker's collector configuration says where they are).
LIVE_BUNDLE = "live:"


def _queue_name(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if value and (len(value) > 200 or not value.strip() or any(c.isspace() for c in value)):
        raise ValueError(
            f"EngagementSpec.{attribute.name} must be a task queue name without spaces (at most 200)"
        )


@frozen
class EngagementSpec:
    """Everything needed to start an engagement (``onboard start`` reads it from TOML).

    ``services`` are the offers in scope (``ems`` expands to its members).
    ``licenses`` maps an offer to its purchased licence count.  ``bundle`` is the path
    to the assessment bundle as the *worker* sees it (may be empty before Assess).
    ``source`` is the engagement file it was read from, as the client named it (for
    messages only: a worker's planning error names the file to fix).

    The region it is supported in (an engagement file's ``[region]`` table; the seed:
    "normal business hours for a given region", in one of its support languages;
    :mod:`onboard.core.region`):
    ``timezone`` is an IANA name (``Europe/Berlin``), ``business_hours`` the local
    hours and days meetings are placed in (``"09:00-17:00"`` is Monday to Friday;
    ``"Sun-Thu 08:00-16:00"``), ``language`` one of
    :data:`~onboard.core.region.SUPPORT_LANGUAGES` (``de``).  Specs recorded before
    them load with the defaults: UTC, 09:00-17:00, English.
    """

    engagement_id: str = field(validator=_valid_id)
    tenant: str = field(validator=_non_empty)
    customer: str = field(validator=_non_empty)
    services: tuple[str, ...] = field(converter=_str_tuple)
    licenses: dict[str, int]
    purchased_on: datetime = field(converter=_aware)
    roster: tuple[Person, ...]
    facts: dict[str, FactValue] = field(factory=dict)
    policy: Policy = Policy()
    bundle: str = ""
    source: str = ""
    #: The task queue of the engagement's customer-side worker (``onboard worker
    #: --collector``), inside the customer's network: its assessments and automated
    #: steps run there, and only findings travel back ("" runs them on the provider's).
    collector_queue: str = field(default="", validator=_queue_name)
    timezone: str = field(default="UTC", validator=_region(region.time_zone))
    business_hours: str = field(default="09:00-17:00", validator=_region(region.business_hours))
    language: str = field(default="en", converter=_language, validator=_region(region.support_language))


@frozen
class GateDefinition:
    """A human sign-off between phases. ``parties`` lists the approvals it needs."""

    id: str = field(validator=_valid_id)
    phase: Phase
    title: str
    parties: tuple[Party, ...]


@frozen
class Eligibility:
    """Whether one service is eligible, through which offer, and against what threshold."""

    service: str
    licenses: int
    min_licenses: int
    via: str  # the offer whose licences count (e.g. "ems" for intune)
    #: Where ``min_licenses`` comes from: ``"policy.min_licenses"`` (the engagement's
    #: own), else "" (the offer's :attr:`ServiceInfo.min_licenses`).
    threshold_from: str = ""

    @property
    def eligible(self) -> bool:
        return self.licenses >= self.min_licenses


@frozen
class SignerKey:
    """One roster person's keys in the workers' allowed-signers file."""

    person: str
    principal: str  # what the file names them by: their e-mail, else their id
    fingerprints: tuple[str, ...] = field(default=(), converter=_str_tuple)


@frozen
class SignerSnapshot:
    """The allowed-signers file as one activity read it (recorded in the plan)."""

    path: str
    sha256: str
    keys: tuple[SignerKey, ...] = ()

    def unkeyed(self) -> tuple[str, ...]:
        return tuple(k.person for k in self.keys if not k.fingerprints)


@frozen
class Plan:
    """The whole plan for one engagement, as the plugins produced it.

    Recorded in workflow history as data: the workflow never calls a plugin, so a
    plugin upgrade cannot change a running engagement's plan.
    """

    services: tuple[ServiceInfo, ...]
    facts: dict[str, FactValue]
    eligibility: tuple[Eligibility, ...]
    requirements: tuple[Requirement, ...]
    enable_steps: tuple[EnableStep, ...]
    exclusions: tuple[ScopeExclusion, ...]
    responsibilities: tuple[Responsibility, ...]
    gates: tuple[GateDefinition, ...]
    plugin_versions: dict[str, str] = field(factory=dict)
    #: The workers' allowed-signers file as the planning activity read it: each
    #: roster person's key fingerprints (none: that person cannot act yet).
    signers: SignerSnapshot | None = None
    #: What a person should know before agreeing to this plan though nothing refuses
    #: it (e.g. an eligibility threshold below the programme's); ``onboard plan``
    #: prints them under the header.
    warnings: tuple[str, ...] = field(default=(), converter=_str_tuple)

    def service_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.services)

    def steps_for(self, service: str) -> tuple[EnableStep, ...]:
        return tuple(s for s in self.enable_steps if s.service == service)

    def requirement(self, requirement_id: str) -> Requirement | None:
        return next((r for r in self.requirements if r.id == requirement_id), None)


# ---------------------------------------------------------------------------
# Signatures (see onboard.core.trust)
# ---------------------------------------------------------------------------


@frozen
class Signature:
    """A person's SSH signature over one action (``onboard.core.trust.actions``).

    The signed statement binds engagement, action, subject, content, person,
    ``signed_at`` and ``nonce``; the nonce is also the Update id, and an engagement
    accepts it once.
    """

    signed_at: datetime = field(converter=_aware)
    nonce: str = field(validator=_non_empty)
    armored: str = field(validator=_non_empty)  # -----BEGIN SSH SIGNATURE-----


# ---------------------------------------------------------------------------
# Decisions and attestations (Update arguments)
# ---------------------------------------------------------------------------


@frozen
class GateDecision:
    """An approver's decision on a gate (the argument of the ``decide`` Update).

    ``reopen`` (rejections of the joint gate only) names closed remediation items
    that go back to open.
    """

    gate: str
    person: str
    approve: bool
    comment: str = ""
    signature: Signature | None = None
    reopen: tuple[str, ...] = field(default=(), converter=_str_tuple)


@frozen
class Completion:
    """An attested completion of a remediation item or a manual enable step."""

    item: str  # a remediation item id or an enable step id
    person: str
    evidence: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Contact:
    """The provider records that it contacted the customer (Initiate)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class Reassessment:
    """A new assessment bundle for the engagement (path as the worker sees it)."""

    person: str
    bundle: str
    signature: Signature | None = None


@frozen
class Cancellation:
    """A roster person ends the engagement before it completes (``onboard cancel``).

    Its timers stop, its open work is left as it is (the record stays), and
    everyone on the roster is told why.
    """

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Closure:
    """One side agrees to close the engagement in Enable (``onboard close``): the steps
    still open are not needed.  It completes once a provider and a customer person
    have both closed it."""

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Pause:
    """A roster person pauses the engagement (``onboard pause``): no timer fires, no
    action is taken, until someone resumes it; due dates and the next checkpoint
    then move by the time it was paused."""

    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class Unpause:
    """A roster person resumes a paused engagement (``onboard resume``)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class RosterChange:
    """Add, replace or remove a person on the roster (``onboard roster``).

    ``change`` is ``add`` (``new`` joins), ``replace`` (``subject`` leaves, ``new``
    of the same side takes their place) or ``remove`` (``subject`` leaves).  Each
    side changes its own people; a provider's change to the customer side waits
    until a customer person acknowledges it (:class:`RosterAck`).
    """

    person: str
    change: str  # add | replace | remove
    subject: str  # the person id joining, leaving or being replaced
    reason: str = field(validator=_non_empty)
    new: Person | None = None
    signature: Signature | None = None


@frozen
class RosterAck:
    """A customer person acknowledges a provider's pending change to the customer side."""

    person: str
    subject: str  # the pending change's subject (a person id)
    note: str = ""
    signature: Signature | None = None


@frozen
class ScopeChange:
    """A provider person changes a running engagement's scope (``onboard scope``).

    Services are added or removed (``licenses`` gives the added offers' counts),
    facts corrected.  The engagement plans again from the changed spec, keeps what
    was done, closes the items the new scope no longer needs, and re-assesses the
    last bundle for the requirements it now has.
    """

    person: str
    reason: str = field(validator=_non_empty)
    add: tuple[str, ...] = field(default=(), converter=_str_tuple)
    remove: tuple[str, ...] = field(default=(), converter=_str_tuple)
    facts: dict[str, FactValue] = field(factory=dict)
    licenses: dict[str, int] = field(factory=dict)
    signature: Signature | None = None


@frozen
class PlanChange:
    """What a scope change did to the plan (kept in the state, answered to the asker)."""

    at: datetime
    by: str
    reason: str
    services_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    services_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)
    facts_changed: tuple[str, ...] = field(default=(), converter=_str_tuple)  # "key: old -> new"
    requirements_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    requirements_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)
    items_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    items_closed: tuple[str, ...] = field(default=(), converter=_str_tuple)  # out of scope now
    steps_added: tuple[str, ...] = field(default=(), converter=_str_tuple)
    steps_removed: tuple[str, ...] = field(default=(), converter=_str_tuple)

    def lines(self) -> list[str]:
        """What changed, one line per kind ("services added: intune"), for people."""
        kinds = (
            ("services added", self.services_added),
            ("services removed", self.services_removed),
            ("facts corrected", self.facts_changed),
            ("requirements added", self.requirements_added),
            ("requirements removed", self.requirements_removed),
            ("items opened", self.items_added),
            ("items closed as out of scope", self.items_closed),
            ("enable steps added", self.steps_added),
            ("enable steps removed", self.steps_removed),
        )
        return [f"{label} ({len(values)}): {', '.join(values)}" for label, values in kinds if values]


@frozen
class Resume:
    """A provider asks a blocked engagement to try again (after fixing the cause)."""

    person: str
    note: str = ""
    signature: Signature | None = None


@frozen
class Waiver:
    """One party's signed consent to close an automated-check item without a pass.

    The item closes as *waived* once a provider and a customer person, two
    different people, have both waived it with a reason.
    """

    item: str
    person: str
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class DueChange:
    """A provider person moves a remediation item's due date (``onboard due``).

    The provider establishes the remediation timeline, the customer confirms it
    (the seed's responsibilities): the customer people hear of every move.
    """

    item: str
    person: str
    due: datetime = field(converter=_aware)
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


@frozen
class MeetingMove:
    """A roster person moves one of the engagement's meetings (:mod:`onboard.core.meetings`).

    ``meeting`` is a meeting id (``kickoff``, ``checkpoint-3``, ``joint-verification``);
    ``start`` the new start, inside the engagement's business hours.  Who may move
    which meeting, and when: :func:`onboard.core.meetings.check_move`.
    """

    meeting: str
    person: str
    start: datetime = field(converter=_aware)
    reason: str = field(validator=_non_empty)
    signature: Signature | None = None


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
class GateState:
    id: str
    phase: Phase
    title: str
    parties: tuple[Party, ...]
    open: bool = False
    approved_by: dict[str, str] = field(factory=dict)  # party -> person id
    approved_keys: dict[str, str] = field(factory=dict)  # party -> signing key fingerprint
    passed: bool = False
    rejections: list[str] = field(factory=list)  # reasons, newest last
    notified: bool = False  # the approvers were told it is open (once, across runs)
    opened_at: datetime | None = None  # when they were told (the gate-wait metric)


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


@frozen
class MovedMeeting:
    """Where a moved meeting is now (:attr:`EngagementState.meetings`).

    ``sequence`` counts its moves: the invite's iCalendar SEQUENCE, so a calendar
    takes the newer invite for the same meeting; ``at`` is when it was moved (the
    invite's DTSTAMP).
    """

    start: datetime = field(converter=_aware)
    by: str
    reason: str
    at: datetime = field(converter=_aware)
    sequence: int = 1


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
