"""Finding, loading, checking and calling service plugins.

Plugins come from the ``onboard.services`` entry-point group, the built-in core
capabilities included, so a plugin installed with pip is found exactly like ours.
Each entry point is loaded on its own: one that fails to import or to register is
recorded as ``failed`` with its error and the others go on (``onboard plugins``
shows it).  Environment variables, for operators:

``ONBOARD_LOAD_PLUGINS``
    comma-separated allow-list of entry-point names (empty: load none).
``ONBOARD_DISABLE_PLUGINS``
    comma-separated entry-point names to skip (shown as ``blocked``).
``ONBOARD_STRICT_PLUGINS=1``
    raise :class:`~onboard.core.errors.PluginLoadError` instead of recording.
"""

import importlib.metadata
import os
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import pluggy
import structlog
from attrs import define, field
from onboard.core import hookspecs
from onboard.core.errors import PluginHookError, PluginLoadError
from onboard.core.models import FactDefinition, ServiceInfo

ENTRY_POINT_GROUP = "onboard.services"

log = structlog.get_logger(__name__)

T = TypeVar("T")


@define
class PluginRecord:
    """What ``onboard plugins`` shows about one plugin."""

    name: str
    module: str = ""
    dist: str = ""
    version: str = ""
    status: str = "active"  # active | failed | blocked
    error: str = ""
    services: tuple[str, ...] = ()
    hooks: tuple[str, ...] = ()


@define
class ServicePluginManager:
    """A pluggy manager plus what onboard knows about each plugin.

    Use :func:`load_plugin_manager` for the usual set-up; tests build an empty one
    and :meth:`register` plugins by hand.
    """

    pm: pluggy.PluginManager = field(factory=lambda: _new_pluggy())
    records: dict[str, PluginRecord] = field(factory=dict)
    _services: dict[str, tuple[ServiceInfo, str]] = field(factory=dict)
    _facts: dict[str, FactDefinition] = field(factory=dict)

    # -- loading -----------------------------------------------------------

    def load_entrypoints(self, group: str = ENTRY_POINT_GROUP) -> None:
        """Load every entry point of ``group``, each on its own (see module docs)."""
        allow = _env_list("ONBOARD_LOAD_PLUGINS")
        blocked = _env_list("ONBOARD_DISABLE_PLUGINS") or set()
        for ep in sorted(importlib.metadata.entry_points(group=group), key=lambda e: e.name):
            dist = ep.dist.name if ep.dist else ""
            version = ep.dist.version if ep.dist else ""
            if ep.name in self.records:
                continue
            if ep.name in blocked or (allow is not None and ep.name not in allow):
                self.records[ep.name] = PluginRecord(ep.name, ep.value, dist, version, status="blocked")
                continue
            try:
                plugin = ep.load()
            except Exception as exc:
                self._fail(PluginRecord(ep.name, ep.value, dist, version), f"import failed: {exc!r}")
                continue
            self.register(plugin, ep.name, module=ep.value, dist=dist, version=version)

    def register(
        self, plugin: object, name: str, *, module: str = "", dist: str = "", version: str = ""
    ) -> PluginRecord:
        """Register one plugin and its services; on any problem record it as failed."""
        record = PluginRecord(name, module or getattr(plugin, "__name__", ""), dist, version)
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # pluggy validation: bad hook signature, unknown hook
            return self._fail(record, f"registration failed: {exc}")
        unknown = [h.name for h in self.pm.get_hookcallers(plugin) or () if not h.has_spec()]
        if unknown:
            self.pm.unregister(plugin)
            return self._fail(record, f"implements unknown hooks: {', '.join(unknown)}")
        try:
            services = self._registered_services(plugin, name)
            facts = self._declared_facts(plugin, name, {s.key for s in services})
        except PluginHookError as exc:
            self.pm.unregister(plugin)
            return self._fail(record, exc.problem)
        for info in services:
            self._services[info.key] = (info, name)
        for fact in facts:
            self._facts[fact.key] = fact
        record.services = tuple(s.key for s in services)
        record.hooks = tuple(sorted(h.name for h in self.pm.get_hookcallers(plugin) or ()))
        self.records[name] = record
        log.debug("plugin_loaded", plugin=name, services=record.services)
        return record

    def _fail(self, record: PluginRecord, error: str) -> PluginRecord:
        if os.environ.get("ONBOARD_STRICT_PLUGINS") == "1":
            raise PluginLoadError(f"plugin {record.name!r}: {error}")
        record.status, record.error = "failed", error
        self.records[record.name] = record
        log.warning("plugin_load_failed", plugin=record.name, dist=record.dist, error=error)
        return record

    def _registered_services(self, plugin: object, name: str) -> list[ServiceInfo]:
        impl = self._impl_of(plugin, "register_services")
        if impl is None:
            return []
        services = self._checked(name, "register_services", impl, ServiceInfo, {})
        for info in services:
            if info.key in self._services:
                owner = self._services[info.key][1]
                raise PluginHookError(
                    name, "register_services", f"service {info.key!r} is already provided by {owner!r}"
                )
        return services

    def _declared_facts(self, plugin: object, name: str, owned: set[str]) -> list[FactDefinition]:
        impl = self._impl_of(plugin, "fact_definitions")
        if impl is None:
            return []
        facts = self._checked(name, "fact_definitions", impl, FactDefinition, {})
        for fact in facts:
            if fact.service not in owned:
                raise PluginHookError(
                    name,
                    "fact_definitions",
                    f"fact {fact.key!r} claims service {fact.service!r}, not its own",
                )
            if fact.key in self._facts:
                raise PluginHookError(name, "fact_definitions", f"fact {fact.key!r} is declared twice")
        return facts

    # -- what is loaded ----------------------------------------------------

    def services(self) -> dict[str, ServiceInfo]:
        """Every registered service by key."""
        return {key: info for key, (info, _) in sorted(self._services.items())}

    def owner(self, service: str) -> str:
        """The name of the plugin that registered ``service``.

        :raises PluginLoadError: naming the service when no loaded plugin provides it
            (a recorded plan may name a service whose plugin is missing on this worker).
        """
        if service not in self._services:
            failed = [
                f"{r.name} ({r.status}: {r.error or 'not loaded'})"
                for r in self.records.values()
                if r.status != "active"
            ]
            raise PluginLoadError(
                f"no loaded plugin provides service {service!r} on this worker"
                + (f"; not loaded here: {', '.join(failed)}" if failed else "")
            )
        return self._services[service][1]

    def facts(self) -> dict[str, FactDefinition]:
        return dict(sorted(self._facts.items()))

    def versions(self) -> dict[str, str]:
        return {r.name: r.version for r in self.records.values() if r.status == "active"}

    # -- calling hooks -----------------------------------------------------

    def collect(
        self,
        hook: str,
        item_type: type[T],
        owners_of: Iterable[str],
        **kwargs: Any,
    ) -> tuple[list[T], list[PluginHookError]]:
        """Call ``hook`` on every plugin owning one of ``owners_of``; check the items.

        Returns the items (in plugin-name order, each plugin's order kept) and the
        errors, one per failing plugin; a failing plugin contributes no items.
        """
        wanted = set(owners_of)
        items: list[T] = []
        errors: list[PluginHookError] = []
        for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: np[0]):
            owned = {k for k, (_, owner) in self._services.items() if owner == name}
            if not owned & wanted:
                continue
            impl = self._impl_of(plugin, hook)
            if impl is None:
                continue
            try:
                result = self._checked(name, hook, impl, item_type, kwargs)
                for item in result:
                    service = getattr(item, "service", None)
                    if service is not None and service not in owned:
                        raise PluginHookError(
                            name, hook, f"returned an item for service {service!r}, not its own"
                        )
                items.extend(result)
            except PluginHookError as exc:
                errors.append(exc)
        return items, errors

    def call_owner(self, service: str, hook: str, **kwargs: Any) -> Any:
        """Call ``hook`` on the plugin that owns ``service`` only; ``None`` if absent."""
        name = self.owner(service)
        impl = self._impl_of(self.pm.get_plugin(name), hook)
        if impl is None:
            return None
        try:
            return impl.function(**{a: kwargs[a] for a in impl.argnames})
        except Exception as exc:
            raise PluginHookError(name, hook, f"raised {exc!r}") from exc

    def broadcast(self, hook: str, **kwargs: Any) -> list[PluginHookError]:
        """Call ``hook`` on every plugin (notifications, check registration)."""
        return [error for name in self.implementers(hook) if (error := self.call_one(name, hook, **kwargs))]

    def implementers(self, hook: str) -> list[str]:
        """Names of the plugins that implement ``hook``, in name order."""
        return [
            name
            for name, plugin in sorted(self.pm.list_name_plugin(), key=lambda np: np[0])
            if self._impl_of(plugin, hook) is not None
        ]

    def call_one(self, name: str, hook: str, **kwargs: Any) -> PluginHookError | None:
        """Call one plugin's ``hook``; its error (named) instead of raising it."""
        return self.answer_of(name, hook, **kwargs)[1]

    def answer_of(self, name: str, hook: str, **kwargs: Any) -> tuple[Any, PluginHookError | None]:
        """Call one plugin's ``hook``: ``(what it returned, None)`` or ``(None, its error)``."""
        impl = self._impl_of(self.pm.get_plugin(name), hook)
        if impl is None:
            return None, None
        try:
            return impl.function(**{a: kwargs[a] for a in impl.argnames}), None
        except Exception as exc:
            return None, PluginHookError(name, hook, f"raised {exc!r}")

    def _impl_of(self, plugin: object, hook: str) -> pluggy.HookImpl | None:
        caller = getattr(self.pm.hook, hook)
        return next((i for i in caller.get_hookimpls() if i.plugin is plugin), None)

    def _checked(
        self, name: str, hook: str, impl: pluggy.HookImpl, item_type: type[T], kwargs: dict
    ) -> list[T]:
        try:
            result = impl.function(**{a: kwargs[a] for a in impl.argnames})
        except Exception as exc:
            raise PluginHookError(name, hook, f"raised {exc!r}") from exc
        if result is None or isinstance(result, str | bytes) or not isinstance(result, Iterable):
            raise PluginHookError(
                name, hook, f"must return a list of {item_type.__name__}, got {type(result).__name__}"
            )
        items = list(result)
        for item in items:
            if not isinstance(item, item_type):
                raise PluginHookError(
                    name, hook, f"returned {type(item).__name__} {item!r}, expected {item_type.__name__}"
                )
        return items


def _new_pluggy() -> pluggy.PluginManager:
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    if os.environ.get("ONBOARD_TRACE_PLUGINS") == "1":
        pm.add_hookcall_monitoring(
            lambda hook, impls, kw: log.debug("hook_call", hook=hook, plugins=[i.plugin_name for i in impls]),
            lambda outcome, hook, impls, kw: log.debug("hook_done", hook=hook),
        )
    return pm


def _env_list(name: str) -> set[str] | None:
    value = os.environ.get(name)
    if value is None:
        return None
    return {part.strip() for part in value.split(",") if part.strip()}


def load_plugin_manager(extra: Sequence[tuple[str, object]] = ()) -> ServicePluginManager:
    """A manager with every installed plugin loaded (and ``extra`` ones, for tests)."""
    manager = ServicePluginManager()
    manager.load_entrypoints()
    for name, plugin in extra:
        manager.register(plugin, name)
    return manager


_default: ServicePluginManager | None = None


def default_plugin_manager() -> ServicePluginManager:
    """The process-wide manager used by activities and the CLI (loaded once)."""
    global _default
    if _default is None:
        _default = load_plugin_manager()
    return _default


def reset_default_plugin_manager(manager: ServicePluginManager | None = None) -> None:
    """Replace the process-wide manager (tests register extra plugins this way)."""
    global _default
    _default = manager
