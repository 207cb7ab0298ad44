"""The conformance kit catches what it promises to catch.

Each test registers a small plugin beside the real core capabilities, breaks one
rule, and checks that :func:`check_plugin` reports it under the right check (and
that the unbroken plugin conforms, so the kit raises no false alarm).
"""

from pathlib import Path

import pytest
from onboard.core import capabilities
from onboard.core.conformance import (
    ConformanceReport,
    check_plugin,
    fact_combinations,
    read_id_lock,
)
from onboard.core.hookspecs import hookimpl
from onboard.core.models import (
    Category,
    EnableStep,
    FactDefinition,
    FactKind,
    Party,
    RemediationItem,
    Requirement,
    Responsibility,
    ServiceInfo,
    StepKind,
)
from onboard.core.plugins import ServicePluginManager

pytest_plugins = ["pytester"]

W = "widget"


class Widget:
    """A small plugin that conforms; subclasses break one rule each."""

    @hookimpl
    def register_services(self):
        return [ServiceInfo(W, "Widget")]

    @hookimpl
    def fact_definitions(self):
        return [
            FactDefinition(
                "widget_mode", W, "How the widget runs", FactKind.CHOICE, ("simple", "fancy"), "simple"
            )
        ]

    @hookimpl
    def enable_steps(self, services, facts):
        steps = [
            EnableStep("widget.activate", W, "Activate"),
            EnableStep("widget.check", W, "Check", depends_on=("widget.activate",)),
        ]
        if facts["widget_mode"] == "fancy":
            steps.append(
                EnableStep(
                    "widget.decorate", W, "Decorate", depends_on=("widget.check",), branch="widget_mode=fancy"
                )
            )
        return steps

    @hookimpl
    def assess_requirements(self, services, facts):
        return [
            Requirement("widget.admin", W, "An admin", Category.IDENTITY, "manual", {"question": "Admin?"})
        ]

    @hookimpl
    def responsibilities(self, services):
        return [Responsibility("widget.resp.provider.enable.guide", W, "enable", Party.PROVIDER, "Guide")]


def report_for(plugin: object, **kwargs) -> ConformanceReport:
    manager = ServicePluginManager()
    manager.register(capabilities, "core")
    return check_plugin(plugin, manager=manager, **kwargs)


def messages(report: ConformanceReport, check: str) -> str:
    return "\n".join(p.message for p in report.problems_of(check))


def test_a_conforming_plugin_has_no_problem() -> None:
    report = report_for(Widget())
    assert report.ok, str(report)
    assert report.plans > 50  # every combination of core's facts and the widget's, pairwise


def test_fact_combinations_cover_every_option_and_every_pair() -> None:
    facts = [
        FactDefinition("a", W, "a", FactKind.BOOL, default=False),
        FactDefinition("b", W, "b", FactKind.CHOICE, ("x", "y", "z"), "x"),
        FactDefinition("n", W, "n", FactKind.INT, default=1, examples=(1, 4)),
    ]
    combos = fact_combinations(facts)
    assert {} in combos and {"a": True} in combos and {"n": 4} in combos
    assert {"a": True, "b": "z"} in combos and {"b": "y", "n": 4} in combos
    assert len(combos) == 1 + 4 + (1 * 2 + 1 * 1 + 2 * 1)


def test_a_plugin_that_cannot_register_fails_to_load() -> None:
    class Broken(Widget):
        @hookimpl
        def register_services(self):
            raise RuntimeError("no licence server")

    report = report_for(Broken())
    assert "no licence server" in messages(report, "loads")


def test_wrong_return_types_are_reported_against_the_hook() -> None:
    class Broken(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return "widget.activate"

    assert "hook enable_steps: must return a list of EnableStep, got str" in messages(
        report_for(Broken()), "types"
    )


def test_a_plain_string_where_an_enum_belongs_is_a_type_problem() -> None:
    class Broken(Widget):
        @hookimpl
        def assess_requirements(self, services, facts):
            return [Requirement("widget.admin", W, "An admin", "identity", "manual", {"question": "Admin?"})]

    assert "category is 'identity', not a Category member" in messages(report_for(Broken()), "types")


def test_params_that_do_not_survive_the_json_round_trip_are_reported() -> None:
    class Broken(Widget):
        @hookimpl
        def assess_requirements(self, services, facts):
            return [
                Requirement(
                    "widget.admin",
                    W,
                    "An admin",
                    Category.IDENTITY,
                    "manual",
                    {"question": "Admin?", "when": {1, 2}},
                )
            ]

    assert "changes in the JSON round trip" in messages(report_for(Broken()), "types")


def test_unknown_checks_and_missing_params_are_reported() -> None:
    class Broken(Widget):
        @hookimpl
        def assess_requirements(self, services, facts):
            return [
                Requirement("widget.dns", W, "DNS", Category.DNS, "dns.records", {}),
                Requirement("widget.magic", W, "Magic", Category.DNS, "dns.magic"),
            ]

    found = messages(report_for(Broken()), "types")
    assert "check 'dns.records' needs param 'records'" in found
    assert "check 'dns.magic' is not known" in found


def test_an_item_for_another_service_is_refused() -> None:
    class Broken(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [EnableStep("core.sneaky", "core", "Sneak into core")]

    assert "returned an item for service 'core', not its own" in messages(report_for(Broken()), "types")


def test_a_responsibility_in_no_phase_is_reported() -> None:
    class Broken(Widget):
        @hookimpl
        def responsibilities(self, services):
            return [Responsibility("widget.resp.provider.later.guide", W, "later", Party.PROVIDER, "Guide")]

    assert "phase 'later' is not one of" in messages(report_for(Broken()), "types")


def test_duplicate_and_unprefixed_ids_are_reported() -> None:
    class Broken(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [
                EnableStep("widget.activate", W, "Activate"),
                EnableStep("widget.activate", W, "Again"),
                EnableStep("activate-gadget", W, "Unprefixed"),
            ]

    found = messages(report_for(Broken()), "ids")
    assert "step id 'widget.activate' is returned twice in one plan" in found
    assert "step id 'activate-gadget' must start with its service's key (widget.)" in found


def test_cycles_dangling_dependencies_and_unknown_branch_facts_are_graph_problems() -> None:
    class Cycle(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [
                EnableStep("widget.a", W, "A", depends_on=("widget.b",)),
                EnableStep("widget.b", W, "B", depends_on=("widget.a",)),
            ]

    class Dangling(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [EnableStep("widget.a", W, "A", depends_on=("widget.missing",), branch="colour=blue")]

    assert "cycle" in " ".join(p.message for p in report_for(Cycle()).problems)
    dangling = report_for(Dangling())
    assert "depends on unknown step 'widget.missing'" in str(dangling)
    assert "names 'colour', which is not a declared fact" in messages(dangling, "graph")


def test_an_option_that_never_plans_is_reported_with_the_reason() -> None:
    class Broken(Widget):
        @hookimpl
        def validate_facts(self, services, facts):
            return ["widget_mode=fancy is not sold any more"] if facts["widget_mode"] == "fancy" else []

    found = messages(report_for(Broken()), "branches")
    assert "widget_mode=fancy never leads to a complete plan for widget" in found
    assert "is not sold any more" in found


def test_an_option_that_works_with_another_choice_is_fine() -> None:
    class Picky(Widget):
        @hookimpl
        def validate_facts(self, services, facts):
            if facts["widget_mode"] == "fancy" and facts["identity"] != "cloud":
                return ["widget_mode=fancy needs identity=cloud"]
            return []

    report = report_for(Picky())
    assert report.ok, str(report)
    assert report.rejected > 0


def test_a_service_without_steps_has_no_complete_plan() -> None:
    class Broken(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return []

    assert "service 'widget' has no Enable step" in messages(report_for(Broken()), "branches")


def test_remediation_items_must_point_at_the_plugins_requirements() -> None:
    class Broken(Widget):
        @hookimpl
        def remediation_items(self, findings, requirements, facts):
            return [RemediationItem("fix.widget.ghost", "widget.ghost", W, "Fix a ghost")]

    assert "points at 'widget.ghost', which is not one of the plugin's requirements" in messages(
        report_for(Broken()), "remediation"
    )


def test_remediation_ids_must_not_depend_on_the_outcome() -> None:
    class Broken(Widget):
        @hookimpl
        def remediation_items(self, findings, requirements, facts):
            return [
                RemediationItem(f"fix.{f.requirement_id}.{f.outcome.value}", f.requirement_id, W, "Fix")
                for f in findings
            ]

    assert "item ids differ when the check fails" in messages(report_for(Broken()), "remediation")


def test_an_automated_step_needs_a_run_step() -> None:
    class Broken(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [EnableStep("widget.verify", W, "Verify", StepKind.AUTOMATED)]

    assert "run_step returned NoneType, expected a StepResult" in messages(report_for(Broken()), "run_step")


# -- the id lock file --------------------------------------------------------


def test_the_id_lock_is_written_on_request_and_then_holds(tmp_path: Path) -> None:
    lock = tmp_path / "onboard-ids.lock"
    missing = report_for(Widget(), ids_file=lock)
    assert "no id lock file" in messages(missing, "id_lock")
    assert report_for(Widget(), ids_file=lock, update_ids=True).ok
    active, retired = read_id_lock(lock)
    assert {
        "service widget",
        "fact widget_mode",
        "step widget.decorate",
        "requirement widget.admin",
        "remediation fix.widget.admin",
        "responsibility widget.resp.provider.enable.guide",
    } <= active
    assert retired == set()
    assert report_for(Widget(), ids_file=lock).ok


def test_an_id_that_disappears_breaks_the_lock(tmp_path: Path) -> None:
    lock = tmp_path / "onboard-ids.lock"
    report_for(Widget(), ids_file=lock, update_ids=True)

    class Renamed(Widget):
        @hookimpl
        def enable_steps(self, services, facts):
            return [
                EnableStep("widget.switch-on", W, "Activate"),
                EnableStep("widget.check", W, "Check", depends_on=("widget.switch-on",)),
            ]

    found = messages(report_for(Renamed(), ids_file=lock, update_ids=True), "id_lock")
    assert "step widget.activate is in onboard-ids.lock but the plugin no longer produces it" in found
    # Updating adds the new id but never drops the old one.
    assert (
        "step widget.activate" in read_id_lock(lock)[0] and "step widget.switch-on" in read_id_lock(lock)[0]
    )


def test_a_retired_id_may_not_come_back_and_new_ids_must_be_recorded(tmp_path: Path) -> None:
    lock = tmp_path / "onboard-ids.lock"
    report_for(Widget(), ids_file=lock, update_ids=True)
    lock.write_text(lock.read_text().replace("step widget.decorate\n", "step widget.decorate retired\n"))
    assert "step widget.decorate is retired" in messages(report_for(Widget(), ids_file=lock), "id_lock")

    class Grown(Widget):
        @hookimpl
        def assess_requirements(self, services, facts):
            return [
                *super().assess_requirements(services, facts),
                Requirement(
                    "widget.backup", W, "A backup", Category.SERVICE, "manual", {"question": "Backup?"}
                ),
            ]

    lock.write_text(lock.read_text().replace("step widget.decorate retired\n", "step widget.decorate\n"))
    assert "not in onboard-ids.lock yet (e.g. remediation fix.widget.backup)" in messages(
        report_for(Grown(), ids_file=lock), "id_lock"
    )


def test_a_malformed_lock_line_names_the_file_and_line(tmp_path: Path) -> None:
    lock = tmp_path / "onboard-ids.lock"
    lock.write_text("# comment\nstep widget.activate\nstep\n")
    assert f"{lock}:3: expected 'kind id'" in messages(report_for(Widget(), ids_file=lock), "id_lock")


# -- the pytest suite ----------------------------------------------------------


def test_the_suite_reports_each_check_as_its_own_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_widget="""
        from onboard.core.conformance import conformance_suite
        from onboard.core.hookspecs import hookimpl
        from onboard.core.models import EnableStep, ServiceInfo

        class Widget:
            @hookimpl
            def register_services(self):
                return [ServiceInfo("widget", "Widget")]

            @hookimpl
            def enable_steps(self, services, facts):
                return [EnableStep("widget.a", "widget", "A"), EnableStep("widget.a", "widget", "A again")]

        TestWidget = conformance_suite(Widget(), ids_file=None)
    """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-o", "asyncio_default_fixture_loop_scope=function")
    result.assert_outcomes(passed=6, failed=1, skipped=1)
    result.stdout.fnmatch_lines(
        ["*step id 'widget.a' is returned twice*", "FAILED *TestWidget::test_ids_are_unique*"]
    )
