"""Loading and calling plugins: a broken plugin is named and does not take others down."""

import sys
import textwrap
from pathlib import Path

import pytest
from onboard.core.errors import PluginLoadError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, EnableStep, Requirement, ServiceInfo
from onboard.core.plugins import ServicePluginManager


class GoodPlugin:
    @hookimpl
    def register_services(self):
        return [ServiceInfo("good", "Good service", min_licenses=0)]

    @hookimpl
    def enable_steps(self, services, facts):
        return [EnableStep("good.step", "good", "Do the good thing")]


class RaisingPlugin:
    @hookimpl
    def register_services(self):
        return [ServiceInfo("raising", "Raising service", min_licenses=0)]

    @hookimpl
    def enable_steps(self, services, facts):
        raise RuntimeError("boom")


class WrongTypePlugin:
    @hookimpl
    def register_services(self):
        return [ServiceInfo("wrong", "Wrong service", min_licenses=0)]

    @hookimpl
    def enable_steps(self, services, facts):
        return [{"id": "wrong.step"}]


class ThiefPlugin:
    @hookimpl
    def register_services(self):
        return [ServiceInfo("thief", "Thief service", min_licenses=0)]

    @hookimpl
    def assess_requirements(self, services, facts):
        return [Requirement("good.stolen", "good", "Claims another service", Category.SERVICE, "manual")]


def manager_with(*plugins: tuple[str, object]) -> ServicePluginManager:
    manager = ServicePluginManager()
    for name, plugin in plugins:
        manager.register(plugin, name)
    return manager


def test_a_raising_or_mistyped_plugin_is_named_and_the_others_go_on():
    manager = manager_with(("good", GoodPlugin()), ("raising", RaisingPlugin()), ("wrong", WrongTypePlugin()))
    items, errors = manager.collect(
        "enable_steps", EnableStep, ["good", "raising", "wrong"], services=[], facts={}
    )
    assert [i.id for i in items] == ["good.step"]
    messages = sorted(str(e) for e in errors)
    assert messages[0].startswith("plugin 'raising', hook enable_steps: raised RuntimeError('boom')")
    assert messages[1].startswith("plugin 'wrong', hook enable_steps: returned dict")


def test_a_plugin_may_not_answer_for_another_plugins_service():
    manager = manager_with(("good", GoodPlugin()), ("thief", ThiefPlugin()))
    items, errors = manager.collect("assess_requirements", Requirement, ["thief"], services=[], facts={})
    assert items == []
    assert "returned an item for service 'good', not its own" in str(errors[0])


def test_a_duplicate_service_key_fails_the_second_plugin_only():
    manager = manager_with(("first", GoodPlugin()), ("second", GoodPlugin()))
    assert manager.records["first"].status == "active"
    assert manager.records["second"].status == "failed"
    assert "service 'good' is already provided by 'first'" in manager.records["second"].error
    assert manager.owner("good") == "first"


def test_unknown_hooks_and_bad_registration_are_recorded():
    class Typo:
        @hookimpl
        def enable_step(self, services, facts):  # not a hook
            return []

    manager = manager_with(("typo", Typo()), ("good", GoodPlugin()))
    assert manager.records["typo"].status == "failed"
    assert "unknown hooks: enable_step" in manager.records["typo"].error
    assert manager.records["good"].status == "active"


@pytest.fixture
def fake_distributions(tmp_path: Path, monkeypatch):
    """Two installed distributions with entry points: one imports, one does not."""
    (tmp_path / "fine_plugin.py").write_text(
        textwrap.dedent(
            """\
            from onboard.core.hookspecs import hookimpl
            from onboard.core.models import ServiceInfo

            @hookimpl
            def register_services():
                return [ServiceInfo("fine", "Fine service", min_licenses=0)]
            """
        )
    )
    (tmp_path / "broken_plugin.py").write_text("import does_not_exist\n")
    for dist, module in (("fine_dist", "fine_plugin"), ("broken_dist", "broken_plugin")):
        info = tmp_path / f"{dist}-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[test.onboard.services]\n{module} = {module}\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield
    for module in ("fine_plugin", "broken_plugin"):
        sys.modules.pop(module, None)


def test_entry_points_load_one_by_one(fake_distributions):
    manager = ServicePluginManager()
    manager.load_entrypoints("test.onboard.services")
    assert manager.records["fine_plugin"].status == "active"
    assert manager.records["fine_plugin"].dist == "fine_dist"
    broken = manager.records["broken_plugin"]
    assert broken.status == "failed" and "No module named 'does_not_exist'" in broken.error
    assert "fine" in manager.services()


def test_operators_can_disable_allow_list_or_go_strict(fake_distributions, monkeypatch):
    monkeypatch.setenv("ONBOARD_DISABLE_PLUGINS", "broken_plugin")
    manager = ServicePluginManager()
    manager.load_entrypoints("test.onboard.services")
    assert manager.records["broken_plugin"].status == "blocked"

    monkeypatch.delenv("ONBOARD_DISABLE_PLUGINS")
    monkeypatch.setenv("ONBOARD_LOAD_PLUGINS", "")
    manager = ServicePluginManager()
    manager.load_entrypoints("test.onboard.services")
    assert {r.status for r in manager.records.values()} == {"blocked"}

    monkeypatch.delenv("ONBOARD_LOAD_PLUGINS")
    monkeypatch.setenv("ONBOARD_STRICT_PLUGINS", "1")
    with pytest.raises(PluginLoadError, match="plugin 'broken_plugin': import failed"):
        ServicePluginManager().load_entrypoints("test.onboard.services")
