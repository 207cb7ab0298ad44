"""What plugins return and what an engagement starts from: services, requirements,
findings, steps, the policy, the spec and the plan.

No ``from __future__ import annotations``: cattrs must see real types, not
strings, inside the Temporal workflow sandbox.
"""

from datetime import datetime, timedelta
from typing import Any

import attrs
from attrs import field, frozen
from onboard.core import region
from onboard.core.models.base import (
    Category,
    FactKind,
    FactValue,
    Outcome,
    Party,
    Person,
    Phase,
    Severity,
    StepKind,
    _aware,
    _non_empty,
    _non_negative_count,
    _optional_count,
    _pairs,
    _positive,
    _positive_count,
    _str_tuple,
    _valid_id,
)


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
