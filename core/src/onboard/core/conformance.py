"""The conformance kit for onboard service plugins, shipped as a pytest plugin.

Installing ``onboard-core`` registers this module in pytest's ``pytest11`` group, so
a plugin's own test suite gets it with nothing to configure.  One line runs the
whole suite on a plugin (each check is its own test)::

    from onboard.core.conformance import conformance_suite

    TestConformance = conformance_suite("onboard.plugins.my_service")

What it checks, for every fact combination worth planning (all defaults; each
choice, boolean and example value on its own; every pair of them):

``loads``        the plugin loads from its entry point and registers a service
``types``        every hook returns the documented types; enums are enums; every item
                 survives the JSON round trip the engagement's history makes; checks
                 and their params are known
``ids``          ids are unique within a plan and start with their service's key
``id_lock``      ids are *stable*: every id the plugin ever produced is still produced
                 (the id lock file, ``onboard-ids.lock`` beside the test, records them)
``graph``        the Enable steps form an acyclic graph with no dangling dependency,
                 and every ``branch`` label names a declared fact
``branches``     every option of every fact leads to a complete plan (contradictions a
                 plugin reports through ``validate_facts`` are fine, as long as the
                 option works with some other choice)
``remediation``  every remediation item points at a requirement of its own service,
                 with the same id whether the check failed or could not run
``run_step``     every automated step has a ``run_step`` that answers with a StepResult

``pytest --onboard-update-ids`` adds new ids to the lock file.  An id is never
removed from it: running engagements may refer to it.  To retire one, keep its line
and append ``retired``; the plugin must then never produce it again.

Outside pytest, :func:`check_plugin` returns a :class:`ConformanceReport`.
"""

import importlib
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
from attrs import define, field
from onboard.core.errors import PlanError, PluginHookError
from onboard.core.models import (
    EnableStep,
    EngagementSpec,
    FactDefinition,
    FactKind,
    FactValue,
    Finding,
    Outcome,
    Party,
    Person,
    Phase,
    Plan,
    RemediationItem,
    Requirement,
    Responsibility,
    ScopeExclusion,
    StepKind,
    StepResult,
)
from onboard.core.planning import (
    FactConflictError,
    build_plan,
    check_step_graph,
    expand_services,
    resolve_facts,
)
from onboard.core.plugins import ServicePluginManager
from onboard.core.remediation import plan_remediation

try:  # the kit is a pytest plugin, but check_plugin() works without pytest
    import pytest
except ImportError:  # pragma: no cover - pytest is how the kit is normally used
    pytest = None  # type: ignore[assignment]

CHECKS = ("loads", "types", "ids", "id_lock", "graph", "branches", "remediation", "run_step")

#: The assessment engine's checks and the params each must have (the check
#: catalogue in onboard.core.assessment); plugins add more via ``register_checks``.
BUILTIN_CHECKS: dict[str, tuple[str, ...]] = {
    "ad.forest_functional_level": ("minimum",),
    "ad.domain_functional_level": ("minimum",),
    "ad.forest_count": (),
    "ad.upn_suffixes_routable": (),
    "directory.idfix": (),
    "dns.zones_present": (),
    "dns.records": ("records",),
    "devices.platforms": ("supported",),
    "environment.browsers": ("supported",),
    "environment.exchange_onprem": ("versions",),
    "environment.sharepoint_onprem": ("versions",),
    "environment.rms_connector_servers": ("min_count",),
    "environment.proxy": (),
    "environment.adfs": ("min_version",),
    "environment.value": ("path", "op"),
    "facts.forest_count": ("fact", "declared"),
    "facts.on_premises": ("fact", "declared", "product"),
    "manual": ("question",),
}

#: When every stand-in engagement was "purchased" (the date matters to no check).
_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
_VALUE_OPS = ("==", "!=", ">=", "<=", "in", "present")
_PHASES = (*(p.value for p in Phase if p is not Phase.COMPLETED), "general")
ID_LOCK_NAME = "onboard-ids.lock"
#: A condition in an EnableStep.branch label: a fact key, then an operator.
_BRANCH_CONDITION = re.compile(r"\b([a-z][a-z0-9_]*)\s*(?:=|!=|>=|<=|>|<|\bin\b|\bhas\b)")


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


@define
class Problem:
    """One way a plugin does not conform: which check, and what to fix."""

    check: str
    message: str

    def __str__(self) -> str:
        return f"[{self.check}] {self.message}"


@define
class ConformanceReport:
    """What :func:`check_plugin` found about one plugin."""

    plugin: str
    services: tuple[str, ...] = ()
    plans: int = 0  # plans built (fact combinations x services)
    rejected: int = 0  # combinations the plugins reported as contradictions
    problems: list[Problem] = field(factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def problems_of(self, check: str) -> list[Problem]:
        """The problems one check found."""
        return [p for p in self.problems if p.check == check]

    def add(self, check: str, message: str) -> None:
        """Record a problem once (the same one found in many plans is one problem)."""
        problem = Problem(check, message)
        if problem not in self.problems:
            self.problems.append(problem)

    def __str__(self) -> str:
        head = (
            f"plugin {self.plugin!r} (services: {', '.join(self.services) or 'none'}; "
            f"{self.plans} plans, {self.rejected} rejected combinations)"
        )
        if self.ok:
            return f"{head}: conforms"
        return "\n".join([f"{head}: {len(self.problems)} problem(s)", *(f"  {p}" for p in self.problems)])


# ---------------------------------------------------------------------------
# Entry point
# ---------------------------------------------------------------------------


def check_plugin(
    plugin: str | ModuleType | object,
    *,
    ids_file: str | Path | None = None,
    update_ids: bool = False,
    manager: ServicePluginManager | None = None,
) -> ConformanceReport:
    """Run every conformance check on ``plugin`` and report the problems.

    :param plugin: the plugin's module name (``"onboard.plugins.intune"``), its
        entry-point name (``"intune"``) or the plugin object itself.
    :param ids_file: the id lock file; ``None`` skips the ``id_lock`` check.
    :param update_ids: add ids missing from the lock file (creating it if needed).
    :param manager: the plugins to plan with; default: every installed plugin.
    """
    manager = manager or _installed_plugins()
    name, obj = _find_or_register(manager, plugin)
    record = manager.records.get(name)
    report = ConformanceReport(name, record.services if record else ())
    if record is None or record.status != "active":
        report.add("loads", f"plugin {name!r} did not load: {record.error if record else 'not found'}")
        return report
    if not record.services:
        report.add("loads", f"plugin {name!r} registers no service (register_services returned nothing)")
        return report
    subject = _Subject(manager, name, obj, report)
    subject.run()
    if ids_file is not None:
        check_id_lock(report, subject.inventory, Path(ids_file), update=update_ids)
    return report


def _installed_plugins() -> ServicePluginManager:
    manager = ServicePluginManager()
    manager.load_entrypoints()
    return manager


def _find_or_register(manager: ServicePluginManager, plugin: str | ModuleType | object) -> tuple[str, object]:
    if isinstance(plugin, str):
        for record in manager.records.values():
            if plugin in (record.name, record.module) and record.status == "active":
                return record.name, manager.pm.get_plugin(record.name)
        module = importlib.import_module(plugin)
        name = plugin.rsplit(".", 1)[-1]
        obj: object = module
    else:
        for registered_name, registered in manager.pm.list_name_plugin():
            if registered is plugin:
                return registered_name, registered
        obj = plugin
        name = getattr(plugin, "__name__", type(plugin).__name__).rsplit(".", 1)[-1]
    if name in manager.records:  # a different object under the same name: keep both
        name = f"{name}-under-test"
    manager.register(obj, name)
    return name, obj


# ---------------------------------------------------------------------------
# The checks over every fact combination
# ---------------------------------------------------------------------------


_PLAN_HOOKS: tuple[tuple[str, type], ...] = (
    ("scope_rules", ScopeExclusion),
    ("responsibilities", Responsibility),
    ("enable_steps", EnableStep),
    ("assess_requirements", Requirement),
)
_ID_KINDS = {
    ScopeExclusion: "scope",
    Responsibility: "responsibility",
    EnableStep: "step",
    Requirement: "requirement",
    RemediationItem: "remediation",
}


@define
class _Subject:
    """The plugin under test, planned with every fact combination worth trying."""

    manager: ServicePluginManager
    name: str
    plugin: object
    report: ConformanceReport
    inventory: set[str] = field(factory=set)  # "kind id" for every id the plugin produced
    _options_that_planned: set[tuple[str, FactValue]] = field(factory=set)
    _rejections: dict[tuple[str, FactValue], str] = field(factory=dict)
    _checked_steps: set[str] = field(factory=set)
    _blocked: bool = False  # a plan could not be built because of a types/ids/graph problem

    @property
    def services(self) -> tuple[str, ...]:
        return self.report.services

    def run(self) -> None:
        registry = self.manager.services()
        definitions = self.manager.facts()
        self._check_registration(registry, definitions)
        known_checks = self._known_checks()
        for facts in fact_combinations(definitions.values()):
            for service in self.services:
                spec = preview(service, facts, registry)
                plan = self._plan(spec, registry, known_checks)
                if plan is None:
                    continue
                self._check_remediation(plan)
                self._check_run_step(plan, spec)
                self._options_that_planned.update(plan.facts.items())
        self._check_every_option_planned(definitions)

    # -- registration ------------------------------------------------------

    def _check_registration(self, registry: dict, definitions: dict[str, FactDefinition]) -> None:
        for key in self.services:
            info = registry[key]
            self.inventory.add(f"service {key}")
            for member in (*info.bundles, *info.after):
                if member not in registry:
                    self.report.add(
                        "types",
                        f"service {key!r} names {member!r} in bundles/after, "
                        "which no installed plugin provides",
                    )
        for fact in definitions.values():
            if fact.service in self.services:
                self.inventory.add(f"fact {fact.key}")
                if (
                    fact.kind is FactKind.CHOICE
                    and fact.default is not None
                    and fact.default not in fact.choices
                ):
                    self.report.add(
                        "types",
                        f"fact {fact.key!r}: default {fact.default!r} is not one of "
                        f"its choices {fact.choices}",
                    )
                for key, _ in fact.companions:
                    if key not in definitions:
                        self.report.add(
                            "types", f"fact {fact.key!r}: companion {key!r} is not a declared fact"
                        )

    def _known_checks(self) -> set[str]:
        names = set(BUILTIN_CHECKS)
        try:  # the assessment engine's own registry, when it is installed
            from onboard.core.assessment.checks import registry
        except ImportError:
            pass
        else:
            names.update(registry())

        def register(name: str, *args: Any, **kwargs: Any) -> None:
            names.add(name)

        for error in self.manager.broadcast("register_checks", register=register):
            if error.plugin == self.name:
                self.report.add("types", str(error))
        return names

    # -- planning ----------------------------------------------------------

    def _plan(self, spec: EngagementSpec, registry: dict, known_checks: set[str]) -> Plan | None:
        """The plan for ``spec``, or ``None`` with the reason recorded.

        The hooks are called one by one first, so a bad result is reported against the
        hook (``types``), the id (``ids``) or the step graph (``graph``) it breaks
        rather than as one planning error; :func:`build_plan` then runs as in an
        engagement.  Like the planner, no plan hook is called for facts that
        ``validate_facts`` rejects.
        """
        service, facts = spec.services[0], spec.facts
        keys = [s.key for s in expand_services([service], registry)]
        resolved = resolve_facts(dict(facts), self.manager.facts())
        conflicts, errors = self.manager.collect("validate_facts", str, keys, services=keys, facts=resolved)
        if not errors and conflicts:
            self._reject(facts, "conflicting facts: " + "; ".join(conflicts))
            return None
        collected: dict[type, list[Any]] = {}
        for hook, item_type in _PLAN_HOOKS:
            collected[item_type], found = self.manager.collect(
                hook, item_type, keys, services=keys, facts=resolved
            )
            errors += found
        for error in errors:
            self.report.add("types", str(error))
        sound = self._check_items(collected, known_checks) and self._check_graph(collected, registry, keys)
        if errors or not sound:
            self._blocked = True
            return None
        try:
            plan = build_plan(self.manager, spec)
        except FactConflictError as exc:
            self._reject(facts, str(exc))
            return None
        except PlanError as exc:
            self.report.add("branches", f"{_describe(service, facts)}: no plan: {exc}")
            return None
        self.report.plans += 1
        for info in plan.services:
            if info.key in self.services and not info.bundles and not plan.steps_for(info.key):
                self.report.add(
                    "branches",
                    f"{_describe(service, facts)}: service {info.key!r} has no "
                    "Enable step, so its plan is not complete",
                )
        return plan

    def _reject(self, facts: Mapping[str, FactValue], reason: str) -> None:
        self.report.rejected += 1
        for option in facts.items():
            self._rejections.setdefault(option, reason)

    # -- item checks -------------------------------------------------------

    def _own(self, items: Iterable[Any]) -> list[Any]:
        return [i for i in items if i.service in self.services]

    def _check_items(self, collected: Mapping[type, Sequence[Any]], known_checks: set[str]) -> bool:
        """Ids, types, phases and checks of the plugin's items; False if ids collide."""
        unique = True
        for item_type, items in collected.items():
            kind = _ID_KINDS[item_type]
            seen: set[str] = set()
            for item in items:
                if item.id in seen and item.service in self.services:
                    self.report.add("ids", f"{kind} id {item.id!r} is returned twice in one plan")
                    unique = False
                seen.add(item.id)
            for item in self._own(items):
                self.inventory.add(f"{kind} {item.id}")
                if not item.id.startswith(f"{item.service}."):
                    self.report.add(
                        "ids",
                        f"{kind} id {item.id!r} must start with its service's key "
                        f"({item.service}.), so ids never collide across plugins",
                    )
                for message in type_problems(item):
                    self.report.add("types", f"{kind} {item.id!r}: {message}")
        for responsibility in self._own(collected[Responsibility]):
            if responsibility.phase not in _PHASES:
                self.report.add(
                    "types",
                    f"responsibility {responsibility.id!r}: phase "
                    f"{responsibility.phase!r} is not one of {', '.join(_PHASES)}",
                )
        for requirement in self._own(collected[Requirement]):
            for message in check_problems(requirement, known_checks):
                self.report.add("types", f"requirement {requirement.id!r}: {message}")
        return unique

    def _check_graph(
        self, collected: Mapping[type, Sequence[Any]], registry: Mapping, keys: list[str]
    ) -> bool:
        """Acyclic, no dangling dependency, branch labels name declared facts; False if unsound."""
        sound = True
        try:
            check_step_graph(collected[EnableStep], [registry[k] for k in keys])
        except PlanError as exc:
            self.report.add("graph", str(exc))
            sound = False
        definitions = self.manager.facts()
        for step in self._own(collected[EnableStep]):
            names = _BRANCH_CONDITION.findall(step.branch)
            if step.branch and not names:
                self.report.add(
                    "graph",
                    f"step {step.id!r}: branch {step.branch!r} names no fact "
                    "(write it as conditions like 'mdm_authority=intune')",
                )
            for name in names:
                if name not in definitions:
                    self.report.add(
                        "graph",
                        f"step {step.id!r}: branch {step.branch!r} names {name!r}, "
                        "which is not a declared fact",
                    )
        return sound

    # -- remediation -------------------------------------------------------

    def _check_remediation(self, plan: Plan) -> None:
        requirements = self._own(plan.requirements)
        if not requirements:
            return
        step_ids = {s.id for s in plan.enable_steps}
        ids_by_outcome: dict[Outcome, dict[str, set[str]]] = {}
        for outcome in (Outcome.FAIL, Outcome.NOT_RUN):
            findings = [synthetic_finding(r, outcome) for r in requirements]
            items, errors = self.manager.collect(
                "remediation_items",
                RemediationItem,
                self.services,
                findings=findings,
                requirements=requirements,
                facts=plan.facts,
            )
            for error in errors:
                self.report.add("remediation", str(error))
            again, _ = self.manager.collect(
                "remediation_items",
                RemediationItem,
                self.services,
                findings=findings,
                requirements=requirements,
                facts=plan.facts,
            )
            if [i.id for i in again] != [i.id for i in items]:
                self.report.add(
                    "remediation",
                    "remediation item ids change between two calls with the "
                    "same findings; re-assessment could not close them",
                )
            by_requirement: dict[str, set[str]] = {}
            by_id = {r.id: r for r in requirements}
            seen: set[str] = set()
            for item in items:
                self.inventory.add(f"remediation {item.id}")
                requirement = by_id.get(item.requirement_id)
                if requirement is None:
                    self.report.add(
                        "remediation",
                        f"remediation item {item.id!r} points at "
                        f"{item.requirement_id!r}, which is not one of the plugin's requirements",
                    )
                elif requirement.service != item.service:
                    self.report.add(
                        "remediation",
                        f"remediation item {item.id!r} is for service "
                        f"{item.service!r} but its requirement is {requirement.service!r}'s",
                    )
                if item.id in seen:
                    self.report.add("remediation", f"remediation item id {item.id!r} is returned twice")
                if item.id in step_ids:
                    self.report.add(
                        "ids",
                        f"remediation item id {item.id!r} is also an Enable step id; "
                        "a completion could not tell them apart",
                    )
                seen.add(item.id)
                for message in type_problems(item):
                    self.report.add("types", f"remediation item {item.id!r}: {message}")
                by_requirement.setdefault(item.requirement_id, set()).add(item.id)
            ids_by_outcome[outcome] = by_requirement
            # What an engagement records: the plugin's items plus the planner's defaults.
            try:
                recorded = plan_remediation(
                    self.manager, plan.services, plan.requirements, findings, plan.facts
                )
            except PlanError as exc:
                self.report.add("remediation", str(exc))
            else:
                self.inventory.update(f"remediation {i.id}" for i in recorded if i.service in self.services)
        failed, not_run = ids_by_outcome.get(Outcome.FAIL, {}), ids_by_outcome.get(Outcome.NOT_RUN, {})
        for requirement_id in set(failed) & set(not_run):
            if failed[requirement_id] != not_run[requirement_id]:
                self.report.add(
                    "remediation",
                    f"requirement {requirement_id!r}: item ids differ when the "
                    f"check fails ({sorted(failed[requirement_id])}) and when it cannot run "
                    f"({sorted(not_run[requirement_id])}); re-assessment closes items by id",
                )

    # -- automated steps ---------------------------------------------------

    def _check_run_step(self, plan: Plan, spec: EngagementSpec) -> None:
        for step in self._own(plan.enable_steps):
            if step.kind is not StepKind.AUTOMATED or step.id in self._checked_steps:
                continue
            self._checked_steps.add(step.id)
            try:
                result = self.manager.call_owner(step.service, "run_step", step=step, spec=spec)
            except PluginHookError as exc:
                self.report.add("run_step", f"automated step {step.id!r}: {exc}")
                continue
            if not isinstance(result, StepResult):
                self.report.add(
                    "run_step",
                    f"automated step {step.id!r}: run_step returned "
                    f"{type(result).__name__}, expected a StepResult (the engagement would wait "
                    "for a person with 'no plugin automates this step')",
                )

    # -- branches ----------------------------------------------------------

    def _check_every_option_planned(self, definitions: Mapping[str, FactDefinition]) -> None:
        if self._blocked:  # those problems stop the plans of many options: report them alone
            return
        for fact in definitions.values():
            for value in fact_options(fact):
                if (fact.key, value) in self._options_that_planned:
                    continue
                why = self._rejections.get((fact.key, value), "every plan with it failed")
                self.report.add(
                    "branches",
                    f"{fact.key}={_show(value)} never leads to a complete plan "
                    f"for {', '.join(self.services)}: {why}",
                )


# ---------------------------------------------------------------------------
# Building blocks (usable on their own in a plugin's tests)
# ---------------------------------------------------------------------------


def fact_options(fact: FactDefinition) -> list[FactValue]:
    """The values of ``fact`` worth planning with: its default first, then the others."""
    if fact.kind is FactKind.CHOICE:
        values: list[FactValue] = list(fact.choices)
    elif fact.kind is FactKind.BOOL:
        values = [False, True]
    else:
        values = list(fact.examples)
    if fact.default is not None:
        values = [fact.default, *(v for v in values if v != fact.default)]
    return values


def fact_combinations(definitions: Iterable[FactDefinition]) -> list[dict[str, FactValue]]:
    """All defaults; every non-default option alone; every pair of them (pairwise coverage);
    and every non-default option of a fact with ``companions`` together with them (an
    option that plans only beside two or more others is never reached by pairs)."""
    ordered = sorted(definitions, key=lambda f: f.key)
    choices = [
        [(fact.key, value) for value in fact_options(fact)[1 if fact.default is not None else 0 :]]
        for fact in ordered
    ]
    combinations: list[dict[str, FactValue]] = [{}]
    combinations += [dict([option]) for options in choices for option in options]
    for first, second in itertools.combinations(choices, 2):
        combinations += [dict([a, b]) for a in first for b in second]
    for fact, options in zip(ordered, choices, strict=True):
        if fact.companions:
            combinations += [{**dict(fact.companions), key: value} for key, value in options]
    return combinations


def preview(service: str, facts: Mapping[str, FactValue], registry: Mapping) -> EngagementSpec:
    """A stand-in engagement for ``service`` with just enough licences to be eligible."""
    info = registry[service]
    return EngagementSpec(
        engagement_id="conformance",
        tenant="conformance.onmicrosoft.com",
        customer="Conformance",
        services=(service,),
        licenses={service: max(info.min_licenses, 1)},
        purchased_on=_EPOCH,
        roster=(
            Person("provider", "Provider", Party.PROVIDER),
            Person("customer", "Customer", Party.CUSTOMER),
        ),
        facts=dict(facts),
    )


def synthetic_finding(requirement: Requirement, outcome: Outcome) -> Finding:
    """A finding as the assessment engine would write it for ``requirement``."""
    if outcome is Outcome.NOT_RUN:
        return Finding(
            requirement.id,
            requirement.service,
            outcome,
            "input file missing: conformance/example.json",
            location="conformance/example.json",
        )
    return Finding(
        requirement.id,
        requirement.service,
        outcome,
        "2 problems found",
        (
            "conformance/example.json:3 Field: first problem",
            "conformance/example.json:9 Field: second problem",
        ),
        total=2,
        location="conformance/example.json:3",
    )


def type_problems(item: object) -> list[str]:
    """Why ``item`` would not travel through the engagement's history unchanged."""
    problems = []
    for attribute in attrs.fields(type(item)):
        value = getattr(item, attribute.name)
        expected = attribute.type
        if isinstance(expected, type) and issubclass(expected, Enum) and not isinstance(value, expected):
            problems.append(f"{attribute.name} is {value!r}, not a {expected.__name__} member")
    if problems:
        return problems
    from onboard.core.converter import from_json_value, to_json_value  # loads temporalio: only when used

    try:
        data = to_json_value(item)
        json.dumps(data)
        back = from_json_value(json.loads(json.dumps(data)), type(item))
    except Exception as exc:  # whatever cattrs or json raise, the item cannot be recorded
        return [f"cannot be serialized as JSON: {exc}"]
    if back != item:
        problems.append(f"changes in the JSON round trip: {item!r} came back as {back!r}")
    return problems


def check_problems(requirement: Requirement, known_checks: set[str]) -> list[str]:
    """Whether ``requirement`` names a known check with the params it needs."""
    if requirement.check not in known_checks:
        return [f"check {requirement.check!r} is not known (known: {', '.join(sorted(known_checks))})"]
    problems = [
        f"check {requirement.check!r} needs param {name!r}"
        for name in BUILTIN_CHECKS.get(requirement.check, ())
        if name not in requirement.params
    ]
    params = requirement.params
    if requirement.check == "manual" and not str(params.get("question", "")).strip():
        problems.append("a manual check needs a non-empty 'question'")
    if requirement.check == "environment.value" and params.get("op") not in _VALUE_OPS:
        problems.append(f"environment.value op must be one of {', '.join(_VALUE_OPS)}")
    if requirement.check == "dns.records":
        for record in params.get("records", []):
            if not isinstance(record, dict) or not {"name", "type", "target"} <= set(record):
                problems.append(f"dns.records entry {record!r} needs name, type and target")
    return problems


# ---------------------------------------------------------------------------
# The id lock file
# ---------------------------------------------------------------------------

_LOCK_HEADER = """\
# onboard id lock for plugin {plugin!r}: every id it produces, one "kind id" a line.
# Running engagements refer to these ids, so a line is never removed or renamed.
# Add new ids with `pytest --onboard-update-ids`.  To retire an id, keep its line
# and append " retired": the plugin must then never produce it again.
"""


def read_id_lock(path: Path) -> tuple[set[str], set[str]]:
    """The active and the retired entries (``"kind id"``) of an id lock file."""
    active, retired = set(), set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) == 3 and parts[2] == "retired":
            retired.add(f"{parts[0]} {parts[1]}")
        elif len(parts) == 2:
            active.add(line)
        else:
            raise ValueError(f"{path}:{number}: expected 'kind id' or 'kind id retired', got {raw!r}")
    return active, retired


def check_id_lock(report: ConformanceReport, inventory: set[str], path: Path, *, update: bool) -> None:
    """Compare the ids the plugin produced with its lock file (see the module docs)."""
    if not path.exists():
        if update:
            _write_id_lock(path, report.plugin, inventory, set())
            return
        report.add("id_lock", f"no id lock file at {path}; create it with `pytest --onboard-update-ids`")
        return
    try:
        active, retired = read_id_lock(path)
    except ValueError as exc:
        report.add("id_lock", str(exc))
        return
    for entry in sorted(active - inventory):
        report.add(
            "id_lock",
            f"{entry} is in {path.name} but the plugin no longer produces it; running "
            "engagements may refer to it: restore it, or mark its line 'retired'",
        )
    for entry in sorted(retired & inventory):
        report.add(
            "id_lock", f"{entry} is retired in {path.name} but produced again; give the new meaning a new id"
        )
    new = inventory - active - retired
    if new and update:
        _write_id_lock(path, report.plugin, active | new, retired)
    elif new:
        report.add(
            "id_lock",
            f"{len(new)} id(s) not in {path.name} yet (e.g. {sorted(new)[0]}); record them "
            "with `pytest --onboard-update-ids` and commit the file",
        )


def _write_id_lock(path: Path, plugin: str, active: set[str], retired: set[str]) -> None:
    lines = [*(f"{e}" for e in active), *(f"{e} retired" for e in retired)]
    order = {
        "service": 0,
        "fact": 1,
        "requirement": 2,
        "remediation": 3,
        "scope": 4,
        "step": 5,
        "responsibility": 6,
    }
    lines.sort(key=lambda line: (order.get(line.split()[0], 9), line))
    path.write_text(_LOCK_HEADER.format(plugin=plugin) + "\n".join(lines) + "\n", encoding="utf-8")


# ---------------------------------------------------------------------------
# pytest integration
# ---------------------------------------------------------------------------


def pytest_addoption(parser: Any) -> None:
    """``--onboard-update-ids``: record new plugin ids in the id lock files."""
    group = parser.getgroup("onboard", "onboard plugin conformance")
    group.addoption(
        "--onboard-update-ids",
        action="store_true",
        default=False,
        help="add ids a plugin produces to its onboard id lock file (never removes any)",
    )


if pytest is not None:

    @pytest.fixture
    def onboard_conformance(request: Any) -> Callable[..., ConformanceReport]:
        """``onboard_conformance(plugin, ids_file=None)``: the report for one plugin.

        A relative ``ids_file`` is resolved beside the requesting test module.
        """
        update = bool(request.config.getoption("onboard_update_ids", False))

        def run(plugin: str | object, ids_file: str | Path | None = None) -> ConformanceReport:
            path = None if ids_file is None else request.path.parent / ids_file
            return check_plugin(plugin, ids_file=path, update_ids=update)

        return run


def conformance_suite(plugin: str | object, *, ids_file: str | Path | None = ID_LOCK_NAME) -> type:
    """A test class with one test per conformance check of ``plugin``.

    Assign it to a ``Test*`` name in a test module::

        TestConformance = conformance_suite("onboard.plugins.my_service")

    ``ids_file`` (relative to the test module; ``None`` to skip the ``id_lock``
    check) is the plugin's id lock file.
    """
    if pytest is None:  # pragma: no cover
        raise RuntimeError("conformance_suite needs pytest")
    label = plugin if isinstance(plugin, str) else getattr(plugin, "__name__", repr(plugin))

    class OnboardConformance:
        __doc__ = f"onboard conformance of plugin {label!r}"

        @pytest.fixture(scope="class")
        @classmethod
        def onboard_report(cls, request: Any) -> ConformanceReport:
            update = bool(request.config.getoption("onboard_update_ids", False))
            path = None if ids_file is None else request.path.parent / ids_file
            return check_plugin(plugin, ids_file=path, update_ids=update)

        def test_plugin_loads(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "loads")

        def test_hooks_return_valid_types(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "types")

        def test_ids_are_unique(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "ids")

        def test_ids_are_stable(self, onboard_report: ConformanceReport) -> None:
            if ids_file is None:
                pytest.skip("no id lock file given (ids_file=None)")
            _assert_check(onboard_report, "id_lock")

        def test_step_graph_is_sound(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "graph")

        def test_every_branch_option_plans(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "branches")

        def test_remediation_items_point_at_requirements(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "remediation")

        def test_automated_steps_have_run_step(self, onboard_report: ConformanceReport) -> None:
            _assert_check(onboard_report, "run_step")

    OnboardConformance.__name__ = OnboardConformance.__qualname__ = "TestOnboardConformance"
    return OnboardConformance


def _assert_check(report: ConformanceReport, check: str) -> None:
    problems = report.problems_of(check)
    if check != "loads" and report.problems_of("loads"):
        problems = report.problems_of("loads")
    if problems:
        listing = "\n".join(f"  - {p.message}" for p in problems)
        raise AssertionError(f"plugin {report.plugin!r} fails the {check!r} check:\n{listing}")


# ---------------------------------------------------------------------------


def _describe(service: str, facts: Mapping[str, FactValue]) -> str:
    given = ", ".join(f"{k}={_show(v)}" for k, v in facts.items()) or "all defaults"
    return f"services={service}, {given}"


def _show(value: FactValue) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)
