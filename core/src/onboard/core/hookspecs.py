"""The hooks a service plugin implements: the reference for plugin authors.

A plugin is a module (or object) with functions marked ``@onboard.core.hookimpl``,
registered through the ``onboard.services`` entry-point group::

    [project.entry-points."onboard.services"]
    my_service = "my_package.my_service"

All hooks are plain pluggy hooks except :func:`run_step` (first result wins).  Call
them with keyword arguments only; a hookimpl may accept fewer arguments than the spec
(pluggy passes only those it names) but must not give its arguments defaults (pluggy
ignores them).

Every hook that returns a list returns items *for the plugin's own services only*
(the keys it registered with :func:`register_services`) and only for services in
``services``; the host checks the type of every item and that its ``service`` is the
plugin's own.  A plugin that raises, returns the wrong type or claims another
plugin's service is reported by name (:class:`~onboard.core.errors.PluginHookError`);
the other plugins go on.

Plugins run **only inside activities**.  What they return is recorded in the
engagement's history as data, so ids must stay stable across releases: a running
engagement may refer to a requirement, item or step id produced by an older version
of your plugin.

The call order within a phase:

1. :func:`register_services` and :func:`fact_definitions` when the plugin is loaded;
2. Initiate: :func:`validate_facts` refuses contradicting facts, then
   :func:`scope_rules`, :func:`responsibilities`, :func:`enable_steps` and
   :func:`assess_requirements` build the plan (``onboard plan`` shows the same);
3. Assess (and every re-assessment): the requirements' checks run against the
   assessment bundle, then :func:`remediation_items` turns findings into the plan;
4. Enable: :func:`run_step` for every automated step, in dependency order;
5. any time: :func:`notify` for reminders, escalations and transitions, and
   :func:`record_audit` for every accepted (signed) action.
"""

from collections.abc import Callable, Mapping, Sequence

import pluggy
from onboard.core.models import (
    AuditRecord,
    EnableStep,
    EngagementSpec,
    FactDefinition,
    FactValue,
    Finding,
    Notification,
    Reach,
    RemediationItem,
    Requirement,
    Responsibility,
    ScopeExclusion,
    ServiceInfo,
    StepResult,
)

PROJECT_NAME = "onboard"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)

#: Decorator that marks a function as an onboard hook implementation.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)


# ---------------------------------------------------------------------------
# Registration
# ---------------------------------------------------------------------------


@hookspec
def register_services() -> Sequence[ServiceInfo]:
    """Declare the eligible services (or bundle offers) this plugin provides.

    Called once when the plugin is loaded.  A service key may be registered by one
    plugin only; a second plugin registering the same key fails to load, and the
    first keeps it.

    :returns: one :class:`~onboard.core.models.ServiceInfo` per service.  A bundle
        offer (EMS) sets ``bundles`` to its member keys and ``min_licenses`` to its
        own eligibility threshold.

    **Example**::

        @hookimpl
        def register_services():
            return [ServiceInfo(key="intune", name="Microsoft Intune", min_licenses=150)]
    """


@hookspec
def fact_definitions() -> Sequence[FactDefinition]:
    """Declare the facts about the customer's environment this plugin's plan reads.

    Facts pick plan branches (``identity``: cloud, synchronized, federated;
    ``mdm_authority``: intune, configmgr, none).  An engagement that gives a fact no
    plugin declared, or a value outside a choice fact's ``choices``, is rejected with
    the fact's name.  A key may be declared once (by the plugin that owns it); other
    plugins may read any declared fact.

    :returns: :class:`~onboard.core.models.FactDefinition` items whose ``service``
        is one of this plugin's services.
    """


@hookspec
def validate_facts(services: Sequence[str], facts: Mapping[str, FactValue]) -> Sequence[str]:
    """Report facts that contradict each other for this plugin's services.

    Called when the plan is built, after every fact has been checked against its
    definition and before any other plan hook.  A contradiction is a combination no
    plan can honour (``third_party_mdm=true`` with ``mdm_authority=intune``: the devices
    would be enrolled in a second MDM); something merely out of scope is a
    :func:`scope_rules` exclusion instead.  An option that plans only beside other
    facts names them in its definition's ``companions``, so the conformance kit plans
    it with them.  The planner rejects the engagement with
    :class:`~onboard.core.planning.FactConflictError` carrying every message.

    :param services: the in-scope service keys, bundles expanded, ``core`` first.
    :param facts: every declared fact, defaults filled in.
    :returns: one message per contradiction, naming the facts and their values
        (``"third_party_mdm=true needs mam_in_scope=true: ..."``); empty when the
        facts agree.

    **Example**::

        @hookimpl
        def validate_facts(services, facts):
            if facts["mdm_authority"] == "none" and not facts["mam_in_scope"]:
                return ["mdm_authority=none leaves nothing to manage: set mam_in_scope=true"]
            return []
    """


# ---------------------------------------------------------------------------
# Initiate: the plan
# ---------------------------------------------------------------------------


@hookspec
def scope_rules(services: Sequence[str], facts: Mapping[str, FactValue]) -> Sequence[ScopeExclusion]:
    """Say what is out of scope for this engagement, and why.

    Called when the plan is built.  Return an exclusion for every rule that fires
    (AD FS with several forests; custom sync-rule extensions), so the plan shows the
    reason.  The plugin's :func:`enable_steps` must already leave excluded work out.

    :param services: the in-scope service keys, bundles expanded, ``core`` first.
    :param facts: every declared fact, defaults filled in.
    :returns: :class:`~onboard.core.models.ScopeExclusion` items.
    """


@hookspec
def responsibilities(services: Sequence[str]) -> Sequence[Responsibility]:
    """List what the provider and the customer are responsible for, per phase.

    :param services: the in-scope service keys.
    :returns: :class:`~onboard.core.models.Responsibility` items; ``phase`` is a
        :class:`~onboard.core.models.Phase` value or ``"general"``.
    """


@hookspec
def enable_steps(services: Sequence[str], facts: Mapping[str, FactValue]) -> Sequence[EnableStep]:
    """Return the Enable-phase steps for this plugin's in-scope services.

    Return only the steps that apply to ``facts`` (branches chosen), with
    ``depends_on`` naming steps of the same service or of ``core``; the graph must be
    acyclic.  Every service's steps start after ``core``'s last steps, and a step
    with no dependency inside its service starts as soon as its service starts.

    :param services: the in-scope service keys.
    :param facts: every declared fact, defaults filled in.
    :returns: :class:`~onboard.core.models.EnableStep` items in reading order.
    """


@hookspec
def assess_requirements(services: Sequence[str], facts: Mapping[str, FactValue]) -> Sequence[Requirement]:
    """Return what the source environment must satisfy for this plugin's services.

    Each :class:`~onboard.core.models.Requirement` names an assessment ``check``
    (``onboard checks`` lists them) with ``params``; the Assess phase runs it against
    the customer's assessment bundle and records a
    :class:`~onboard.core.models.Finding`.

    :param services: the in-scope service keys.
    :param facts: every declared fact, defaults filled in.
    :returns: requirements with ids unique across all plugins (prefix them with the
        service key).
    """


# ---------------------------------------------------------------------------
# Assess: the remediation plan
# ---------------------------------------------------------------------------


@hookspec
def remediation_items(
    findings: Sequence[Finding],
    requirements: Sequence[Requirement],
    facts: Mapping[str, FactValue],
) -> Sequence[RemediationItem]:
    """Turn this plugin's open findings into remediation items.

    Called after every assessment with the findings that did not pass (outcome
    ``fail`` or ``not_run``) for requirements of this plugin's services, and those
    requirements.  Every item's ``requirement_id`` must name one of them; a finding
    the plugin returns no item for gets a default item built from its requirement's
    ``remediation`` text.

    :returns: :class:`~onboard.core.models.RemediationItem` items; their ids must be
        stable for the same requirement so that re-assessment can close them.
    """


# ---------------------------------------------------------------------------
# Enable
# ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def run_step(step: EnableStep, spec: EngagementSpec, idempotency_key: str) -> StepResult | None:
    """Do or verify an automated Enable step.

    Called in an activity for every step with ``kind="automated"``, in dependency
    order.  Return ``None`` when the step is not yours; the first non-``None`` result
    wins.  Raise to have the activity retried (transient trouble); return
    ``StepResult(ok=False, …)`` when the step cannot succeed as things stand (the
    engagement then waits for a person).

    The same step can run more than once: a retry, or a worker that died before it
    reported.  ``idempotency_key`` (``<engagement>/<step id>``) is the same every
    time: pass it to the system you change (a request id, a tag on what you create)
    so that a second run finds the first one's work instead of doing it again.
    """


# ---------------------------------------------------------------------------
# Assessment checks and notifications
# ---------------------------------------------------------------------------


@hookspec
def register_checks(register: Callable[..., None]) -> None:
    """Add assessment checks that requirements can name in ``check``.

    ``register(name, function, description)``: ``function(context, requirement)``
    returns a :class:`~onboard.core.models.Finding`; ``context`` gives the parsed
    assessment bundle (see :mod:`onboard.core.assessment`).
    """


@hookspec
def notify(notification: Notification) -> Reach | None:
    """Deliver a reminder, escalation or transition notice.

    Called in an activity; every implementation receives every notification (the
    built-in one writes JSON lines to ``$ONBOARD_HOME/notifications.jsonl``).  Raise
    to have the delivery retried: only the implementations that raised are called
    again.

    ``notification.id`` is its idempotency key (``<engagement>/<n>/<kind>``): the same
    notice can still reach you twice (the worker died after you delivered it but
    before the activity recorded that), so keep the ids you have delivered and
    drop a repeat, as the built-in sink does.  ``""`` (runs from before ids) is no key.

    Return a :class:`~onboard.core.models.Reach` to say whom the notice reached
    (a repeat you dropped counts as reached) and which recipients you have no
    channel for; the engagement keeps those no implementation reached and
    ``onboard show`` names them.  Return ``None`` if you do not reach people (a
    file, a log pipeline): you then count neither way.
    """


@hookspec
def record_audit(engagement_id: str, records: Sequence[AuditRecord]) -> None:
    """Keep accepted actions in an append-only journal outside Temporal.

    Called in an activity, oldest record first, for the audit records of signed
    engagements (each has ``seq``, ``prev`` and its signature; see
    :mod:`onboard.core.trust.chain`).  Every implementation receives every record.
    The same records can come again (a retried activity, a new run after
    continue-as-new): keep one copy per ``(seq, hash)``, and keep a *different*
    record with a seq you already have as well, because that is what a reset of the
    history looks like and ``onboard audit verify`` reports it.  Raise to have the
    delivery retried; the engagement does not wait for it.

    The built-in implementation (:mod:`onboard.core.journal`) writes one JSON-lines
    file per engagement; a plugin can add a database, an object store with
    retention locks, or a transparency log.
    """
