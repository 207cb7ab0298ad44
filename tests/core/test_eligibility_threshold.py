"""The eligibility threshold: the offers' own by default, the engagement's policy when it sets one.

The seeds give no number; 150 is the programme's published figure (its source is
``models.ELIGIBILITY_SOURCE``) and a configurable default, so an engagement file's
``[policy] min_licenses`` replaces it and ``onboard plan`` says what that changes.
"""

import json
import textwrap
from pathlib import Path

import attrs
import pytest
from onboard.core.cli import run
from onboard.core.converter import from_json_value, to_json_value
from onboard.core.errors import PlanError
from onboard.core.models import ELIGIBILITY_SOURCE, FASTTRACK_MIN_LICENSES, EngagementSpec, Plan, Policy
from onboard.core.planning import POLICY_THRESHOLD, build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager()


def ems(licences: int, min_licenses: int | None = None) -> EngagementSpec:
    spec = preview_spec(["ems"], {}, {"ems": licences})
    return attrs.evolve(spec, policy=Policy(min_licenses=min_licenses))


def test_the_default_is_the_programmes_figure_with_its_source_named(manager) -> None:
    registry = manager.services()
    for key in ("aad_premium", "intune", "azure_rms", "ems"):
        assert registry[key].min_licenses == FASTTRACK_MIN_LICENSES == 150
        assert ELIGIBILITY_SOURCE in registry[key].source
    assert "fasttrack-center-benefit-for-enterprise-mobility-suite-ems.md" in ELIGIBILITY_SOURCE
    assert "not in this repository" in ELIGIBILITY_SOURCE
    plan = build_plan(manager, ems(150))
    assert {(e.min_licenses, e.threshold_from) for e in plan.eligibility} == {(150, "")}
    assert plan.warnings == ()


def test_without_a_policy_the_refusal_names_the_offers_threshold_and_how_to_change_it(manager) -> None:
    with pytest.raises(
        PlanError, match=r"needs at least 150 \(the threshold of 'ems'; \[policy\] min_licenses"
    ):
        build_plan(manager, ems(149))


def test_a_higher_policy_threshold_refuses_and_says_it_is_the_engagements(manager) -> None:
    with pytest.raises(PlanError, match=r"needs at least 300 \(the engagement's policy.min_licenses\)"):
        build_plan(manager, ems(250, min_licenses=300))


def test_a_lower_policy_threshold_plans_but_warns_that_it_is_the_engagements_own_rule(manager) -> None:
    plan = build_plan(manager, ems(120, min_licenses=100))
    assert {(e.min_licenses, e.threshold_from) for e in plan.eligibility} == {(100, POLICY_THRESHOLD)}
    assert plan.warnings == (
        "policy.min_licenses = 100 makes aad_premium, intune, azure_rms, ems eligible: 120 licences of "
        "'ems', below the 150 'ems' itself needs (the engagement's own rule, not the programme's)",
    )
    # Enough licences for the programme's figure too: nothing to warn about.
    assert build_plan(manager, ems(500, min_licenses=100)).warnings == ()


def test_plans_and_policies_recorded_before_the_threshold_existed_still_load(manager) -> None:
    plan = build_plan(manager, ems(500))
    data = to_json_value(plan)
    del data["warnings"]
    for eligibility in data["eligibility"]:
        del eligibility["threshold_from"]
    assert from_json_value(data, Plan) == plan
    policy = to_json_value(Policy())
    del policy["min_licenses"]
    assert from_json_value(policy, Policy) == Policy()


ENGAGEMENT = """\
engagement_id = "fabrikam-ems"
tenant = "fabrikam.onmicrosoft.com"
customer = "Fabrikam"
services = ["ems"]
purchased_on = 2026-11-20T09:00:00Z

[licenses]
ems = 120

[policy]
min_licenses = {threshold}

[[roster]]
id = "pat"
name = "Pat"
party = "provider"

[[roster]]
id = "casey"
name = "Casey"
party = "customer"
"""


def write(tmp_path: Path, threshold: str) -> Path:
    path = tmp_path / "fabrikam.toml"
    path.write_text(textwrap.dedent(ENGAGEMENT).replace("{threshold}", threshold), encoding="utf-8")
    return path


def test_onboard_plan_prints_the_threshold_its_origin_and_the_warning(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "100")
    assert run(["plan", str(path)]) == 0
    out = " ".join(capsys.readouterr().out.split())  # the table may wrap long lines
    assert "intune: eligible with 120 licences of 'ems' (needs 100, policy.min_licenses)" in out
    assert "warning: policy.min_licenses = 100 makes aad_premium, intune, azure_rms, ems eligible" in out
    assert run(["plan", str(path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["warnings"] and plan["eligibility"][0]["threshold_from"] == POLICY_THRESHOLD


def test_onboard_plan_without_the_policy_refuses_120_licences(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "1")
    path.write_text(path.read_text().replace("[policy]\nmin_licenses = 1\n", ""))
    assert run(["plan", str(path)]) == 1
    err = capsys.readouterr().err  # the line of `ems = 120`
    assert f"{path}:8:" in err and "needs at least 150 (the threshold of 'ems'" in err


@pytest.mark.parametrize("bad", ['"100"', "true", "1.5", "0"])
def test_a_threshold_that_is_not_a_whole_number_names_the_field_and_line(
    tmp_path: Path, capsys, bad: str
) -> None:
    path = write(tmp_path, bad)
    assert run(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:11: field 'policy.min_licenses': must be a whole number" in err
