"""Build an engagement's plan from the plugins: pure code, run in an activity or the CLI.

``onboard plan`` and the Initiate phase call the same :func:`build_plan`, so what a
person previews is what the engagement records.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import attrs
import structlog
from onboard.core.errors import PlanError
from onboard.core.gates import GATES
from onboard.core.limits import PATH_LIMIT
from onboard.core.models import (
    Eligibility,
    EnableStep,
    EngagementSpec,
    FactDefinition,
    FactKind,
    FactValue,
    Plan,
    Policy,
    Requirement,
    Responsibility,
    ScopeExclusion,
    ServiceInfo,
)
from onboard.core.plugins import ServicePluginManager

log = structlog.get_logger(__name__)

CORE = "core"


class FactConflictError(PlanError):
    """The engagement's facts contradict each other (a plugin's ``validate_facts`` said so)."""


def field_error(field: str, message: str, error_type: type[PlanError] = PlanError) -> PlanError:
    """A :class:`PlanError` about one field of the engagement (``error.field``, e.g. ``facts.identity``).

    The type stays ``PlanError`` (activities report failures by type name); the CLI
    reads ``field`` to point at the line of the engagement file.
    """
    error = error_type(message)
    error.field = field  # type: ignore[attr-defined]
    return error


def error_field(error: BaseException) -> str:
    """The field a planning error is about ("" when it is about no one field)."""
    return str(getattr(error, "field", ""))


def expand_services(requested: Sequence[str], registry: dict[str, ServiceInfo]) -> list[ServiceInfo]:
    """``core`` first, then each requested offer and its bundle members, each once."""
    unknown = [key for key in requested if key not in registry]
    if unknown:
        known = ", ".join(k for k in registry if k != CORE) or "none installed"
        raise field_error("services", f"unknown service {unknown[0]!r} (installed services: {known})")
    if not requested:
        raise field_error("services", "no service in scope: name at least one service")
    ordered: list[str] = [CORE] if CORE in registry else []
    for key in requested:
        for member in (*registry[key].bundles, key):
            if member not in registry:
                raise PlanError(f"offer {key!r} bundles {member!r}, which no plugin provides")
            if member not in ordered:
                ordered.append(member)
    return [registry[key] for key in ordered]


#: Where an engagement's own eligibility threshold is set (``[policy] min_licenses``).
POLICY_THRESHOLD = "policy.min_licenses"


def _best_offer(
    spec: EngagementSpec, info: ServiceInfo, registry: dict[str, ServiceInfo], override: int | None
) -> Eligibility:
    """``info``'s eligibility through its own licences or the best offer that bundles it."""
    offers = [info] + [o for o in registry.values() if info.key in o.bundles]
    candidates = [
        Eligibility(
            info.key,
            spec.licenses.get(o.key, 0),
            o.min_licenses if override is None else override,
            o.key,
            "" if override is None else POLICY_THRESHOLD,
        )
        for o in offers
    ]
    return max(candidates, key=lambda e: (e.eligible, e.licenses))


def check_eligibility(
    spec: EngagementSpec, services: list[ServiceInfo], registry: dict[str, ServiceInfo]
) -> list[Eligibility]:
    """Each service is eligible through its own licences or an offer that bundles it.

    The threshold is the engagement's ``policy.min_licenses`` when it sets one, else
    each offer's own :attr:`ServiceInfo.min_licenses` (150 for the built-in offers: a
    configurable default, see there for its source).
    """
    override = spec.policy.min_licenses
    results = [_best_offer(spec, info, registry, override) for info in services if info.key != CORE]
    missing = [e for e in results if not e.eligible]
    if missing:
        e = missing[0]
        whose = (
            f"the engagement's {POLICY_THRESHOLD}"
            if e.threshold_from
            else f"the threshold of {e.via!r}; [policy] min_licenses sets the engagement's own"
        )
        raise field_error(
            f"licenses.{e.via}",
            f"tenant {spec.tenant!r} is not eligible for {e.service!r}: {e.licenses} licences "
            f"of {e.via!r}, the FastTrack benefit needs at least {e.min_licenses} ({whose})",
        )
    return results


def threshold_warnings(
    spec: EngagementSpec, services: list[ServiceInfo], registry: dict[str, ServiceInfo]
) -> list[str]:
    """Services that only the engagement's lower ``policy.min_licenses`` makes eligible."""
    if spec.policy.min_licenses is None:
        return []
    short: dict[tuple[str, int, int], list[str]] = {}  # (offer, licences, its threshold): services
    for info in services:
        own = _best_offer(spec, info, registry, None) if info.key != CORE else None
        if own is not None and not own.eligible:
            short.setdefault((own.via, own.licenses, own.min_licenses), []).append(info.key)
    return [
        f"{POLICY_THRESHOLD} = {spec.policy.min_licenses} makes {', '.join(keys)} eligible: "
        f"{licenses} licences of {offer!r}, below the {needs} {offer!r} itself needs "
        "(the engagement's own rule, not the programme's)"
        for (offer, licenses, needs), keys in short.items()
    ]


def resolve_facts(
    given: dict[str, FactValue], definitions: dict[str, FactDefinition]
) -> dict[str, FactValue]:
    """Declared defaults overlaid with the engagement's facts, each one checked."""
    for key, value in given.items():
        definition = definitions.get(key)
        if definition is None:
            raise field_error(
                f"facts.{key}",
                f"fact {key!r} is not declared by any plugin (known: {', '.join(definitions)})",
            )
        try:
            _check_fact(definition, value)
        except PlanError as exc:
            raise field_error(f"facts.{key}", str(exc)) from None
    resolved = {k: d.default for k, d in definitions.items() if d.default is not None}
    resolved.update(given)
    return dict(sorted(resolved.items()))


def _check_fact(definition: FactDefinition, value: FactValue) -> None:
    kind, key = definition.kind, definition.key
    if kind is FactKind.BOOL and not isinstance(value, bool):
        raise PlanError(f"fact {key!r} must be true or false, got {value!r}")
    if kind is FactKind.INT and (isinstance(value, bool) or not isinstance(value, int)):
        raise PlanError(f"fact {key!r} must be a whole number, got {value!r}")
    if kind in (FactKind.CHOICE, FactKind.TEXT) and not isinstance(value, str):
        raise PlanError(f"fact {key!r} must be text, got {value!r}")
    if kind is FactKind.CHOICE and value not in definition.choices:
        raise PlanError(f"fact {key!r} must be one of {', '.join(definition.choices)}; got {value!r}")


#: Sizes an engagement's own description stays within (its spec travels in every run).
NAME_LIMIT = 200
ROSTER_LIMIT = 100
SERVICES_LIMIT = 20
FACTS_LIMIT = 200


def check_sizes(spec: EngagementSpec) -> None:
    """Names, ids, the roster, services and facts are of a size people write."""
    # {name in the message: (the field's path, its text)}
    texts = {
        "engagement_id": ("engagement_id", spec.engagement_id),
        "tenant": ("tenant", spec.tenant),
        "customer": ("customer", spec.customer),
    }
    texts.update(
        {
            f"roster.{p.id[:40]}.{f}": (f"roster[{n}].{f}", getattr(p, f))
            for n, p in enumerate(spec.roster)
            for f in ("id", "name", "email")
        }
    )
    texts.update({f"facts.{k[:40]}": (f"facts.{k}", str(v)) for k, v in spec.facts.items()})
    texts.update(
        {
            f"policy.escalate_to[{n}]": (f"policy.escalate_to[{n}]", address)
            for n, address in enumerate(spec.policy.escalate_to)
        }
    )
    for name, (path, value) in texts.items():
        if len(value) > NAME_LIMIT:
            raise field_error(path, f"field {name!r} is {len(value):,} characters; the limit is {NAME_LIMIT}")
    if len(spec.bundle) > PATH_LIMIT:
        raise field_error(
            "bundle", f"field 'bundle' is {len(spec.bundle):,} characters; the limit is {PATH_LIMIT:,}"
        )
    for field, count, limit in (
        ("roster", len(spec.roster), ROSTER_LIMIT),
        ("services", len(spec.services), SERVICES_LIMIT),
        ("facts", len(spec.facts), FACTS_LIMIT),
        ("policy.escalate_to", len(spec.policy.escalate_to), ROSTER_LIMIT),
    ):
        if count > limit:
            raise field_error(field, f"field {field!r} has {count} entries; the limit is {limit}")


def check_roster(spec: EngagementSpec) -> None:
    """One roster entry per human: ids and e-mails are unique, so nobody stands for both parties."""
    seen: dict[str, str] = {}
    for n, person in enumerate(spec.roster):
        if person.id in seen.values():
            raise field_error(f"roster[{n}].id", f"roster: person {person.id!r} is listed twice")
        email = person.email.strip().lower()
        if email and email in seen:
            raise field_error(
                f"roster[{n}].email",
                f"roster: {seen[email]!r} and {person.id!r} share the e-mail {person.email}: one person "
                "cannot be listed twice (or stand for both parties)",
            )
        seen[email or f"id:{person.id}"] = person.id


#: The longest policy duration and the oldest purchase an engagement may start with:
#: anything beyond is a typo, and date arithmetic on it would overflow.
MAX_DURATION = timedelta(days=10 * 365)
MAX_SIGNATURE_WINDOW = timedelta(days=1)


def check_dates(spec: EngagementSpec, now: datetime | None = None) -> None:
    """The purchase date and the policy's durations are in a range the engagement can run with."""
    now = now or datetime.now(UTC)
    if spec.purchased_on > now + timedelta(days=1):
        raise field_error("purchased_on", f"purchased_on {spec.purchased_on.isoformat()} is in the future")
    if spec.purchased_on < now - MAX_DURATION:
        raise field_error(
            "purchased_on", f"purchased_on {spec.purchased_on.isoformat()} is more than 10 years ago"
        )
    for field in attrs.fields(Policy):
        value = getattr(spec.policy, field.name)
        if isinstance(value, timedelta) and not timedelta(0) < value <= MAX_DURATION:
            raise field_error(
                f"policy.{field.name}", f"policy.{field.name} = {value} is not between 0 and 10 years"
            )
    if spec.policy.signature_window > MAX_SIGNATURE_WINDOW:
        raise field_error(
            "policy.signature_window",
            f"policy.signature_window = {spec.policy.signature_window} is longer than a day",
        )


def build_plan(manager: ServicePluginManager, spec: EngagementSpec) -> Plan:
    """The full plan for ``spec``; raises :class:`PlanError` naming what is wrong."""
    check_sizes(spec)
    check_roster(spec)
    check_dates(spec)
    registry = manager.services()
    try:
        services = expand_services(spec.services, registry)
    except PlanError as exc:  # often a plugin that failed to load: say which, and why
        failed = [r for r in manager.records.values() if r.status == "failed"]
        if not failed:
            raise
        names = ", ".join(f"{r.name!r} ({r.error})" for r in failed)
        raise PlanError(f"{exc}; note: plugin(s) failed to load: {names} (see `onboard plugins`)") from exc
    eligibility = check_eligibility(spec, services, registry)
    warnings = threshold_warnings(spec, services, registry)
    facts = resolve_facts(spec.facts, manager.facts())
    keys = [s.key for s in services]

    def collect(hook: str, item_type: type, **kwargs: object) -> list:
        items, errors = manager.collect(hook, item_type, keys, services=keys, facts=facts, **kwargs)
        if errors:
            raise PlanError(str(errors[0])) from errors[0]  # the cause names the plugin (metrics)
        return items

    conflicts: list[str] = collect("validate_facts", str)
    if conflicts:
        raise field_error("facts", "conflicting facts: " + "; ".join(conflicts), FactConflictError)
    exclusions: list[ScopeExclusion] = collect("scope_rules", ScopeExclusion)
    responsibilities: list[Responsibility] = collect("responsibilities", Responsibility)
    steps: list[EnableStep] = collect("enable_steps", EnableStep)
    requirements: list[Requirement] = collect("assess_requirements", Requirement)

    for kind, items in (
        ("scope rule", exclusions),
        ("responsibility", responsibilities),
        ("enable step", steps),
        ("requirement", requirements),
    ):
        _require_unique_ids(kind, items)
    order = {key: i for i, key in enumerate(keys)}
    steps.sort(key=lambda s: order[s.service])  # stable: each plugin's order kept
    check_step_graph(steps, services)
    check_service_order(services, steps)
    return Plan(
        services=tuple(services),
        facts=facts,
        eligibility=tuple(eligibility),
        requirements=tuple(sorted(requirements, key=lambda r: order[r.service])),
        enable_steps=tuple(steps),
        exclusions=tuple(exclusions),
        responsibilities=tuple(sorted(responsibilities, key=lambda r: order[r.service])),
        gates=GATES,
        plugin_versions=manager.versions(),
        warnings=tuple(warnings),
    )


def _require_unique_ids(kind: str, items: Sequence) -> None:
    seen: dict[str, str] = {}
    for item in items:
        if item.id in seen:
            raise PlanError(
                f"{kind} id {item.id!r} is returned twice (services {seen[item.id]!r} and {item.service!r})"
            )
        seen[item.id] = item.service


def check_step_graph(steps: Sequence[EnableStep], services: Sequence[ServiceInfo]) -> None:
    """Dependencies exist, stay within the service or point at core, and form no cycle."""
    by_id = {s.id: s for s in steps}
    for step in steps:
        for dep in step.depends_on:
            target = by_id.get(dep)
            if target is None:
                raise PlanError(f"enable step {step.id!r} ({step.service}) depends on unknown step {dep!r}")
            if target.service not in (step.service, CORE):
                raise PlanError(
                    f"enable step {step.id!r} ({step.service}) depends on {dep!r} of another service "
                    f"({target.service}); order services with ServiceInfo.after instead"
                )
    state: dict[str, int] = {}  # 1 = visiting, 2 = done

    def visit(step_id: str, path: list[str]) -> None:
        if state.get(step_id) == 2:
            return
        if state.get(step_id) == 1:
            cycle = " -> ".join([*path[path.index(step_id) :], step_id])
            raise PlanError(f"enable steps form a cycle: {cycle}")
        state[step_id] = 1
        for dep in by_id[step_id].depends_on:
            visit(dep, [*path, step_id])
        state[step_id] = 2

    for step in steps:
        visit(step.id, [])


def check_service_order(services: Sequence[ServiceInfo], steps: Sequence[EnableStep]) -> None:
    """``after`` forms no cycle, and a step that needs a core step runs after core."""
    keys = {s.key for s in services}
    after = {s.key: [a for a in s.after if a in keys and a != s.key] for s in services}
    state: dict[str, int] = {}

    def visit(key: str, path: list[str]) -> None:
        if state.get(key) == 2:
            return
        if state.get(key) == 1:
            cycle = " -> ".join([*path[path.index(key) :], key])
            raise PlanError(f"services wait for each other (ServiceInfo.after): {cycle}")
        state[key] = 1
        for before in after[key]:
            visit(before, [*path, key])
        state[key] = 2

    for key in after:
        visit(key, [])
    by_id = {s.id: s for s in steps}
    for step in steps:
        needs_core = any(by_id[d].service == CORE for d in step.depends_on if d in by_id)
        if step.service != CORE and needs_core and CORE not in after.get(step.service, ()):
            raise PlanError(
                f"enable step {step.id!r} depends on a core step, but service {step.service!r} "
                "does not run after core (ServiceInfo.after)"
            )
