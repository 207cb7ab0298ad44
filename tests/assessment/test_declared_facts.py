"""Facts that contradict the bundle are findings; a bundle without the data is not a pass.

The requirements come from real plans (the installed plugins, :func:`build_plan`) and
run against the real bundles, or against copies of them with one table or one file
changed the way a customer's export would differ.
"""

import json
import shutil
from pathlib import Path

import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.cli import run
from onboard.core.cli.assess_cmd import BLOCKED_EXIT
from onboard.core.models import Finding, Outcome, Plan, Requirement, Severity
from onboard.core.planning import FactConflictError, build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.remediation import plan_remediation
from onboard.core.specfile import preview_spec

ROOT = Path(__file__).parents[2]
CONTOSO = ROOT / "examples" / "bundles" / "contoso"  # one forest; Exchange and SharePoint 2013; no AD FS
CLEAN = Path(__file__).parent / "bundles" / "clean"  # Fabrikam: no Exchange, SharePoint 2010, AD FS 3.0
NO_ENVIRONMENT = Path(__file__).parent / "bundles" / "idfix-errors"  # a directory export only
CONTOSO_FACTS = {"exchange_onprem": "2013", "sharepoint_onprem": "2013"}


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager()


def plan_for(manager, services: list[str], **facts: object) -> Plan:
    return build_plan(manager, preview_spec(services, facts))


def assess(manager, bundle: Path, requirement_id: str, **facts: object) -> tuple[Requirement, Finding]:
    plan = plan_for(manager, ["core"], **facts)
    requirement = next(r for r in plan.requirements if r.id == requirement_id)
    with assess_bundle(bundle, [requirement]) as result:
        return requirement, result.findings[0]


def copy(bundle: Path, tmp_path: Path) -> Path:
    target = tmp_path / bundle.name
    shutil.copytree(bundle, target)
    return target


def without_table(text: str, table: str) -> str:
    """The TOML text with ``[table]`` and its keys left out."""
    lines, out, skipping = text.splitlines(keepends=True), [], False
    for line in lines:
        if line.startswith("["):
            skipping = line.strip() == f"[{table}]"
        if not skipping:
            out.append(line)
    return "".join(out)


# -- the forest count, both ways --------------------------------------------------


def test_two_forests_declared_against_a_bundle_with_one_fail(manager) -> None:
    requirement, finding = assess(manager, CONTOSO, "core.forest-count", forest_count=2)
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.BLOCKER
    assert finding.summary == "forest_count = 2 declared, but forest.json lists 1 forest (contoso.com)"
    assert finding.location == "forest.json"


def test_one_forest_declared_against_a_bundle_with_two_fails(manager, tmp_path: Path) -> None:
    bundle = copy(CONTOSO, tmp_path)
    contoso = json.loads((CONTOSO / "forest.json").read_text(encoding="utf-8-sig"))
    fabrikam = json.loads((CLEAN / "forest.json").read_text(encoding="utf-8"))
    (bundle / "forest.json").write_text(json.dumps([contoso, *fabrikam], indent=2), encoding="utf-8")
    _, finding = assess(manager, bundle, "core.forest-count", forest_count=1)
    assert finding.outcome is Outcome.FAIL
    assert finding.summary == (
        "forest_count = 1 declared, but forest.json lists 2 forests (contoso.com, fabrikam.com)"
    )
    _, finding = assess(manager, bundle, "core.forest-count", forest_count=2)
    assert finding.outcome is Outcome.PASS


def test_the_declared_forest_count_matching_the_bundle_passes(manager) -> None:
    _, finding = assess(manager, CONTOSO, "core.forest-count", forest_count=1)
    assert finding.outcome is Outcome.PASS
    assert finding.summary == "forest_count = 1 declared, and forest.json lists 1 forest (contoso.com)"


def test_no_forest_json_is_not_a_pass(manager) -> None:
    _, finding = assess(manager, CLEAN.parent / "idfix-errors", "core.forest-count", forest_count=2)
    assert finding.outcome is Outcome.NOT_RUN and finding.location == "forest.json"


# -- on-premises Exchange and SharePoint --------------------------------------------


def test_exchange_2010_declared_while_the_bundle_says_2013_is_a_blocker_naming_everything(manager) -> None:
    requirement, finding = assess(manager, CONTOSO, "core.exchange-onprem-declared", exchange_onprem="2010")
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.BLOCKER
    assert finding.summary == (
        'exchange_onprem = 2010 declared, but environment.toml [exchange] says version = "2013 CU14"'
    )
    assert finding.location == "environment.toml exchange.version"


def test_the_example_engagements_facts_agree_with_its_bundle(manager) -> None:
    plan = plan_for(manager, ["ems"], **CONTOSO_FACTS)
    declared = [r for r in plan.requirements if r.check.startswith("facts.")]
    assert [r.id for r in declared] == [
        "core.exchange-onprem-declared",
        "core.sharepoint-onprem-declared",
        "core.forest-count",
    ]
    with assess_bundle(CONTOSO, declared) as result:
        assert [f.outcome for f in result.findings] == [Outcome.PASS] * 3


def test_none_declared_while_the_bundle_shows_the_product_is_a_warning(manager) -> None:
    requirement, finding = assess(manager, CONTOSO, "core.sharepoint-onprem-declared")
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.WARNING
    assert finding.summary == (
        'sharepoint_onprem = none declared, but environment.toml [sharepoint] says version = "2013 SP1": '
        "SharePoint runs on premises"
    )


def test_a_version_declared_while_the_bundle_says_not_present_fails(manager) -> None:
    _, finding = assess(manager, CLEAN, "core.exchange-onprem-declared", exchange_onprem="2013")
    assert finding.outcome is Outcome.FAIL
    assert finding.summary == (
        "exchange_onprem = 2013 declared, but environment.yaml [exchange] says present = false "
        "(no Exchange on premises)"
    )
    _, finding = assess(manager, CLEAN, "core.exchange-onprem-declared")
    assert finding.outcome is Outcome.PASS


def test_a_bundle_that_does_not_describe_the_product_is_not_run_and_says_how_to_fix_it(
    manager, tmp_path: Path
) -> None:
    bundle = copy(CONTOSO, tmp_path)
    environment = bundle / "environment.toml"
    environment.write_text(without_table(environment.read_text(encoding="utf-8"), "exchange"))
    requirement, finding = assess(manager, bundle, "core.exchange-onprem-declared", exchange_onprem="2013")
    assert finding.outcome is Outcome.NOT_RUN
    assert finding.summary == (
        "environment.toml: field 'exchange': has no [exchange] table, so it does not say whether Exchange "
        "runs on premises (exchange_onprem = 2013 declared): write present = false, or its version"
    )
    plan = plan_for(manager, ["core"], exchange_onprem="2013")
    items = plan_remediation(manager, plan.services, [requirement], [finding], plan.facts)
    assert "[exchange], [sharepoint] and [adfs] in environment.toml" in items[0].detail


def test_a_product_present_without_its_version_is_not_run(manager, tmp_path: Path) -> None:
    bundle = copy(CONTOSO, tmp_path)
    environment = bundle / "environment.toml"
    environment.write_text(environment.read_text(encoding="utf-8").replace('version = "2013 SP1"\n', ""))
    _, finding = assess(manager, bundle, "core.sharepoint-onprem-declared", sharepoint_onprem="2013")
    assert finding.outcome is Outcome.NOT_RUN
    assert "says SharePoint runs on premises but not its version" in finding.summary
    assert finding.location == "environment.toml sharepoint.version"


def test_a_bundle_without_an_environment_file_is_not_run(manager) -> None:
    _, finding = assess(manager, NO_ENVIRONMENT, "core.exchange-onprem-declared", exchange_onprem="2013")
    assert finding.outcome is Outcome.NOT_RUN and finding.location == "environment.toml"


# -- AD FS ---------------------------------------------------------------------------


def test_adfs_is_checked_only_for_federated_identities(manager) -> None:
    ids = {r.id for r in plan_for(manager, ["core"], adfs_version="3.0").requirements}
    assert "core.adfs-version-declared" not in ids
    ids = {r.id for r in plan_for(manager, ["core"], identity="federated").requirements}
    assert {"core.adfs-version", "core.adfs-version-declared"} <= ids


def test_the_declared_adfs_version_is_compared_with_the_bundle(manager) -> None:
    federated = {"identity": "federated"}
    requirement, finding = assess(
        manager, CLEAN, "core.adfs-version-declared", adfs_version="2.0", **federated
    )
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.BLOCKER
    assert finding.summary == 'adfs_version = 2.0 declared, but environment.yaml [adfs] says version = "3.0"'
    _, finding = assess(manager, CLEAN, "core.adfs-version-declared", adfs_version="3.0", **federated)
    assert finding.outcome is Outcome.PASS
    requirement, finding = assess(manager, CLEAN, "core.adfs-version-declared", **federated)
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.WARNING
    _, finding = assess(manager, CONTOSO, "core.adfs-version-declared", **federated)
    assert finding.outcome is Outcome.PASS  # adfs_version = none, and [adfs] present = false


def test_adfs_older_than_2_in_the_bundle_is_a_blocker(manager, tmp_path: Path) -> None:
    bundle = copy(CLEAN, tmp_path)
    environment = bundle / "environment.yaml"
    environment.write_text(
        environment.read_text(encoding="utf-8").replace('version: "3.0"', 'version: "1.1"')
    )
    requirement, finding = assess(manager, bundle, "core.adfs-version", identity="federated")
    assert finding.outcome is Outcome.FAIL and requirement.severity is Severity.BLOCKER
    assert finding.summary == "AD FS 1.1 is older than 2.0"


def test_federation_with_a_declared_adfs_older_than_2_is_refused_at_planning(manager) -> None:
    with pytest.raises(
        FactConflictError, match=r"identity=federated needs AD FS 2.0 or later .*adfs_version=1.1"
    ):
        plan_for(manager, ["aad_premium"], identity="federated", adfs_version="1.1")
    # Without federation the old AD FS is nobody's concern.
    assert plan_for(manager, ["aad_premium"], identity="synchronized", adfs_version="1.1")


# -- the command line ------------------------------------------------------------------


def test_onboard_assess_reports_the_contradiction_and_exits_blocked(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    args = ["assess", str(CONTOSO), "--services", "azure_rms", "--json"]
    code = run([*args, "--fact", "exchange_onprem=2010", "--fact", "sharepoint_onprem=2013"])
    report = json.loads(capsys.readouterr().out)
    assert code == BLOCKED_EXIT
    finding = next(f for f in report["findings"] if f["requirement_id"] == "core.exchange-onprem-declared")
    assert finding["outcome"] == "fail" and "exchange_onprem = 2010 declared" in finding["summary"]
    code = run([*args, "--fact", "forest_count=2"])
    report = json.loads(capsys.readouterr().out)
    finding = next(f for f in report["findings"] if f["requirement_id"] == "core.forest-count")
    assert finding["outcome"] == "fail" and finding["summary"].startswith("forest_count = 2 declared")


def test_onboard_plan_refuses_federation_with_adfs_1(capsys: pytest.CaptureFixture) -> None:
    code = run(
        ["plan", "--services", "aad_premium", "--fact", "identity=federated", "--fact", "adfs_version=1.0"]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert "conflicting facts: identity=federated needs AD FS 2.0 or later" in err
