"""The shared plugin helpers: remediation items that say what to do, automated steps.

Automated steps verify their work against the engagement's assessment bundle (there
is no live tenant); without a bundle they say so and a person confirms the step.
"""

import attrs
import pytest
from onboard.core.capabilities.helpers import HOW_TO_COLLECT, manual, remediation_items_for
from onboard.core.conformance import BUILTIN_CHECKS
from onboard.core.models import Category, EnableStep, Finding, Outcome, Party, Requirement, Severity
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.remediation import plan_remediation
from onboard.core.specfile import preview_spec


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager()


def automated_step(manager, services: list[str], step_id: str, **facts) -> tuple[EnableStep, object]:
    spec = preview_spec(services, facts)
    plan = build_plan(manager, spec)
    step = next(s for s in plan.enable_steps if s.id == step_id)
    return step, spec


@pytest.mark.parametrize(
    ("services", "step_id"),
    [
        (["core"], "core.validate-connectivity"),
        (["intune"], "intune.verify-dns-records"),
    ],
)
def test_an_automated_step_without_a_bundle_asks_a_person(manager, services, step_id) -> None:
    step, spec = automated_step(manager, services, step_id)
    result = manager.call_owner(step.service, "run_step", step=step, spec=spec)
    assert result.ok is False
    assert result.summary.startswith("no assessment bundle to verify against")
    assert "onboard reassess" in result.summary


def test_run_step_answers_only_for_its_own_steps(manager) -> None:
    step, spec = automated_step(manager, ["intune"], "intune.mdm-test-groups")
    assert manager.call_owner("intune", "run_step", step=step, spec=spec) is None
    core_step, _ = automated_step(manager, ["core"], "core.dns")
    assert manager.call_owner("core", "run_step", step=core_step, spec=spec) is None


def test_only_checkable_steps_are_automated(manager) -> None:
    plan = build_plan(manager, preview_spec(["ems"]))
    automated = [s.id for s in plan.enable_steps if s.kind.value == "automated"]
    assert automated == ["core.validate-connectivity", "intune.verify-dns-records"]


def test_every_check_has_collection_guidance() -> None:
    assert set(HOW_TO_COLLECT) == set(BUILTIN_CHECKS) - {"manual"}


REQUIREMENT = Requirement(
    "core.forest-functional-level",
    "core",
    "Forest functional level is Windows Server 2008 or later",
    Category.ACTIVE_DIRECTORY,
    "ad.forest_functional_level",
    {"minimum": "Windows2008Forest"},
    remediation="Raise the forest functional level to Windows Server 2008 or later",
)


def test_an_input_that_is_missing_gets_the_command_that_collects_it() -> None:
    finding = Finding(
        REQUIREMENT.id, "core", Outcome.NOT_RUN, "forest.json is missing", location="forest.json"
    )
    [item] = remediation_items_for([finding], [REQUIREMENT])
    assert item.id == "fix.core.forest-functional-level"
    assert item.title == "Provide the input for: Forest functional level is Windows Server 2008 or later"
    assert "Get-ADForest | ConvertTo-Json > forest.json" in item.detail
    assert item.blocks == ("core",) and item.owner is Party.CUSTOMER and item.severity is Severity.BLOCKER


def test_a_failed_check_gets_the_fix_and_the_evidence() -> None:
    details = tuple(f"forest.json:{n} ForestMode: problem {n}" for n in range(1, 8))
    finding = Finding(
        REQUIREMENT.id, "core", Outcome.FAIL, "forest level is Windows2003Forest", details, total=7
    )
    [item] = remediation_items_for([finding], [REQUIREMENT])
    assert item.title == "Raise the forest functional level to Windows Server 2008 or later"
    assert item.detail.startswith("forest level is Windows2003Forest: forest.json:1 ForestMode: problem 1")
    assert item.detail.endswith("(and 2 more)")
    assert "problem 6" not in item.detail


def test_a_manual_requirement_asks_to_confirm_its_question() -> None:
    question = manual(
        "intune.test-devices",
        "intune",
        "Test devices",
        "Are two test devices ready?",
        Category.CLIENT_OS,
        "[F-INT]",
        owner=Party.CUSTOMER,
    )
    finding = Finding(question.id, "intune", Outcome.NOT_RUN, "to be confirmed by a person")
    [item] = remediation_items_for([finding], [question])
    assert item.title == "Confirm: Are two test devices ready?"
    assert item.blocks == ("intune",)


def test_the_planner_keeps_plugin_items_and_their_ids_stable(manager) -> None:
    plan = build_plan(manager, preview_spec(["azure_rms"], {"exchange_onprem": "2013"}))
    findings = [Finding(r.id, r.service, Outcome.NOT_RUN, "input missing") for r in plan.requirements]
    first = plan_remediation(manager, plan.services, plan.requirements, findings, plan.facts)
    failed = [attrs.evolve(f, outcome=Outcome.FAIL, summary="1 problem") for f in findings]
    second = plan_remediation(manager, plan.services, plan.requirements, failed, plan.facts)
    assert [i.id for i in first] == [i.id for i in second] == [f"fix.{r.id}" for r in plan.requirements]
    connector = next(i for i in first if i.requirement_id == "azure_rms.connector-server")
    assert "[[rms_connector_servers]] in environment.toml" in connector.detail


# -- automated steps against a real assessment bundle ----------------------------

ZONE = """\
$ORIGIN contoso.com.
$TTL 3600
@                       IN SOA   ns1.contoso.com. hostmaster.contoso.com. ( 1 3600 600 86400 3600 )
@                       IN NS    ns1.contoso.com.
enterpriseenrollment    IN CNAME enterpriseenrollment-s.manage.microsoft.com.
enterpriseregistration  IN CNAME enterpriseregistration.windows.net.
"""


def bundle(tmp_path, proxy_authentication: str = "none", zone: str | None = ZONE):
    (tmp_path / "environment.toml").write_text(
        f'[proxy]\naddress = "proxy.contoso.com:8080"\nauthentication = "{proxy_authentication}"\n'
        "tls_inspection = false\n"
    )
    if zone is not None:
        (tmp_path / "dns").mkdir()
        (tmp_path / "dns" / "contoso.com.zone").write_text(zone)
    return tmp_path


def verify(manager, services: list[str], step_id: str, bundle_path) -> object:
    step, spec = automated_step(manager, services, step_id)
    return manager.call_owner(
        step.service, "run_step", step=step, spec=attrs.evolve(spec, bundle=str(bundle_path))
    )


def test_connectivity_is_verified_from_the_proxy_facts(manager, tmp_path) -> None:
    result = verify(manager, ["core"], "core.validate-connectivity", bundle(tmp_path))
    assert result.ok is True and result.summary.startswith("verified: proxy")
    assert "environment.toml" in result.evidence


def test_an_unsupported_proxy_leaves_connectivity_to_a_person(manager, tmp_path) -> None:
    result = verify(manager, ["core"], "core.validate-connectivity", bundle(tmp_path, "basic"))
    assert result.ok is False
    assert result.summary.startswith("not done yet: proxy authentication 'basic' is not supported")


def test_the_enrollment_records_are_verified_in_every_customer_zone(manager, tmp_path) -> None:
    result = verify(manager, ["intune"], "intune.verify-dns-records", bundle(tmp_path))
    assert result.ok is True and result.summary == "verified: 2 records in place in 1 zone"


def test_a_missing_registration_record_is_named(manager, tmp_path) -> None:
    zone = "\n".join(line for line in ZONE.splitlines() if not line.startswith("enterpriseregistration"))
    result = verify(manager, ["intune"], "intune.verify-dns-records", bundle(tmp_path, zone=zone + "\n"))
    assert result.ok is False
    assert "enterpriseregistration.contoso.com has no CNAME record" in result.summary


def test_without_zone_files_the_records_cannot_be_verified(manager, tmp_path) -> None:
    result = verify(manager, ["intune"], "intune.verify-dns-records", bundle(tmp_path, zone=None))
    assert result.ok is False and result.summary.startswith("could not verify:")
