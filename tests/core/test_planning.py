"""The planner: what it refuses, and how it orders and expands services."""

import pytest
from onboard.core.errors import PlanError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import EnableStep, ServiceInfo
from onboard.core.planning import build_plan, check_service_order, check_step_graph
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec


class Suite:
    """A bundle offer and two members, one of which must wait for the other."""

    @hookimpl
    def register_services(self):
        return [
            ServiceInfo("alpha", "Alpha"),
            ServiceInfo("beta", "Beta", after=("core", "alpha")),
            ServiceInfo("suite", "The suite", bundles=("alpha", "beta"), min_licenses=200),
        ]

    @hookimpl
    def enable_steps(self, services, facts):
        steps = []
        if "alpha" in services:
            steps += [
                EnableStep("alpha.one", "alpha", "One", depends_on=("core.activate-tenant",)),
                EnableStep("alpha.two", "alpha", "Two", depends_on=("alpha.one",)),
            ]
        if "beta" in services:
            steps.append(EnableStep("beta.one", "beta", "One"))
        return steps


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager(extra=[("suite", Suite())])


def test_a_bundle_expands_to_each_member_once_after_core(manager):
    plan = build_plan(manager, preview_spec(["suite", "alpha"], licenses={"suite": 250}))
    assert plan.service_keys() == ("core", "alpha", "beta", "suite")
    assert {e.service: e.via for e in plan.eligibility} == {
        "alpha": "suite",
        "beta": "suite",
        "suite": "suite",
    }
    core_steps = [s.id for s in plan.enable_steps if s.service == "core"]
    assert [s.id for s in plan.enable_steps][: len(core_steps)] == core_steps, "core's steps come first"


def test_refusals_name_what_is_wrong(manager):
    with pytest.raises(PlanError, match="unknown service 'gamma'"):
        build_plan(manager, preview_spec(["gamma"]))
    with pytest.raises(PlanError, match="not eligible for 'alpha': 149 licences of 'alpha'.*at least 150"):
        build_plan(manager, preview_spec(["alpha"], licenses={"alpha": 149}))
    with pytest.raises(PlanError, match="fact 'colour' is not declared"):
        build_plan(manager, preview_spec(["alpha"], facts={"colour": "blue"}))
    with pytest.raises(PlanError, match="fact 'identity' must be one of cloud, synchronized, federated"):
        build_plan(manager, preview_spec(["alpha"], facts={"identity": "magic"}))
    with pytest.raises(PlanError, match="fact 'forest_count' must be a whole number"):
        build_plan(manager, preview_spec(["alpha"], facts={"forest_count": "two"}))


def test_the_step_graph_must_be_acyclic_and_closed():
    services = [ServiceInfo("core", "Core", after=()), ServiceInfo("alpha", "Alpha")]
    with pytest.raises(PlanError, match="depends on unknown step 'alpha.ghost'"):
        check_step_graph([EnableStep("alpha.one", "alpha", "One", depends_on=("alpha.ghost",))], services)
    cycle = [
        EnableStep("alpha.one", "alpha", "One", depends_on=("alpha.two",)),
        EnableStep("alpha.two", "alpha", "Two", depends_on=("alpha.one",)),
    ]
    with pytest.raises(PlanError, match="cycle: alpha.one -> alpha.two -> alpha.one"):
        check_step_graph(cycle, services)
    across = [
        EnableStep("beta.one", "beta", "One"),
        EnableStep("alpha.one", "alpha", "One", depends_on=("beta.one",)),
    ]
    with pytest.raises(PlanError, match="of another service"):
        check_step_graph(across, [*services, ServiceInfo("beta", "Beta")])


def test_services_may_not_wait_for_each_other_in_a_circle():
    services = [
        ServiceInfo("core", "Core", after=()),
        ServiceInfo("alpha", "Alpha", after=("core", "beta")),
        ServiceInfo("beta", "Beta", after=("alpha",)),
    ]
    with pytest.raises(PlanError, match="services wait for each other .*alpha -> beta -> alpha"):
        check_service_order(services, [])
    loose = [ServiceInfo("core", "Core", after=()), ServiceInfo("alpha", "Alpha", after=())]
    steps = [
        EnableStep("core.one", "core", "One"),
        EnableStep("alpha.one", "alpha", "One", depends_on=("core.one",)),
    ]
    with pytest.raises(PlanError, match="does not run after core"):
        check_service_order(loose, steps)


def test_the_plan_shows_the_engagement_timeline():
    from datetime import timedelta

    from onboard.core.models import Policy
    from onboard.core.render import timeline_table
    from rich.console import Console

    console = Console(width=120, record=True)
    console.print(timeline_table(Policy(checkpoint_every=timedelta(days=1))))
    text = console.export_text()
    assert "within 30 days of purchase; escalated every 7 days" in text
    assert "every 1 day during Remediate" in text and "due 14 days after" in text
