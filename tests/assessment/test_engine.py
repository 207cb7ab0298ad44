"""assess_bundle and run_check: one finding per requirement, whatever the bundle holds."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from onboard.core.assessment import BUILTIN_CHECKS, assess_bundle, registry, run_check
from onboard.core.assessment.problems import InputState
from onboard.core.assessment.report import build_report, render_html, render_markdown
from onboard.core.engagement import rules
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Category, EngagementState, Finding, Outcome, Requirement
from onboard.core.planning import build_plan
from onboard.core.plugins import ServicePluginManager
from onboard.core.remediation import plan_remediation
from onboard.core.specfile import preview_spec

from .catalogue import every_check

ROOT = Path(__file__).parents[2]
CONTOSO = ROOT / "examples" / "bundles" / "contoso"
CONTOSO_FIXED = ROOT / "examples" / "bundles" / "contoso-fixed"
BUNDLES = Path(__file__).parent / "bundles"


def outcomes(bundle: Path, requirements: list[Requirement] | None = None) -> dict[str, Outcome]:
    requirements = requirements or every_check()
    with assess_bundle(bundle, requirements) as result:
        assert [f.requirement_id for f in result.findings] == [r.id for r in requirements]
        return {f.requirement_id: f.outcome for f in result.findings}


def test_the_catalogue_is_complete() -> None:
    assert {r.check for r in every_check()} == set(BUILTIN_CHECKS)


def test_contoso_has_a_few_findings() -> None:
    found = outcomes(CONTOSO)
    assert {k for k, v in found.items() if v is Outcome.FAIL} == {"t.idfix", "t.cnames"}
    assert {k for k, v in found.items() if v is Outcome.NOT_RUN} == {"t.manual"}


@pytest.mark.parametrize(
    ("bundle", "contradicts"),
    # Fabrikam's bundle (clean) has no Exchange, so Contoso's exchange_onprem=2013 fails there.
    [(CONTOSO_FIXED, set()), (BUNDLES / "clean", {"t.exchange-declared"})],
    ids=["contoso-fixed", "clean"],
)
def test_clean_bundles_pass(bundle: Path, contradicts: set[str]) -> None:
    found = outcomes(bundle)
    assert {k for k, v in found.items() if v is not Outcome.PASS} == {"t.manual", *contradicts}


def test_malformed_files_become_findings_naming_file_line_and_field() -> None:
    with assess_bundle(BUNDLES / "malformed", every_check()) as result:
        by_id = {f.requirement_id: f for f in result.findings}
        states = {i.name: i.state for i in result.inputs}
    assert all(f.outcome is Outcome.NOT_RUN for f in by_id.values())
    assert by_id["t.ffl"].summary == "forest.json:5: not valid JSON: Expecting ',' delimiter"
    assert by_id["t.dfl"].summary.startswith("domains.json:4: field 'DomainMode': unknown functional level")
    assert by_id["t.dfl"].location == "domains.json:4 DomainMode"
    assert by_id["t.idfix"].summary.startswith(
        "directory.ldf: no LDIF record could be read (directory.ldf:1: field 'dn'"
    )
    assert (
        by_id["t.cnames"].summary
        == "dns/contoso.com.zone:5: not a valid zone file: unknown rdatatype 'CNAMEE'"
    )
    assert by_id["t.devices"].summary == "devices.csv:3: field 'count': 'many' is not a whole number"
    assert by_id["t.rms"].summary == (
        "environment.toml:16: field 'rms_connector_servers[1].memory_gb': expected a number, got 'lots'"
    )
    assert set(states.values()) == {InputState.INVALID}


def test_missing_bundle_and_missing_files() -> None:
    with assess_bundle(BUNDLES / "does-not-exist", every_check()) as result:
        assert len(result.findings) == len(every_check())
        assert all(f.outcome is Outcome.NOT_RUN for f in result.findings)
        assert "does not exist" in result.findings[0].summary
    only_forest = [r for r in every_check() if r.check.startswith("ad.forest")]
    with assess_bundle(CONTOSO, only_forest) as result:
        states = {i.name: i.state for i in result.inputs}
    assert states["forest"] is InputState.OK and states["directory"] is InputState.NOT_USED


def test_partial_ldif_fails_with_the_problems(tmp_path: Path) -> None:
    (tmp_path / "directory.ldf").write_text(
        "dn: CN=A,DC=x\nobjectClass: user\ncn: A\ndisplayName: A\nuserPrincipalName: a@contoso.com\n"
        "objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=x\n\nthis is not ldif\n"
    )
    requirement = next(r for r in every_check() if r.check == "directory.idfix")
    with assess_bundle(tmp_path, [requirement]) as result:
        (finding,) = result.findings
        (status,) = [i for i in result.inputs if i.name == "directory"]
    assert finding.outcome is Outcome.FAIL
    assert "1 malformed record" in finding.summary
    assert finding.details[0].startswith("malformed LDIF: directory.ldf:8:")
    assert status.state is InputState.INVALID


def test_bad_params_unknown_checks_and_broken_checks_do_not_crash() -> None:
    requirements = [
        Requirement(
            "x.params",
            "core",
            "bad params",
            Category.ACTIVE_DIRECTORY,
            "ad.forest_functional_level",
            {"minimum": "Windows2099Forest"},
        ),
        Requirement("x.unknown", "core", "unknown", Category.SERVICE, "no.such_check"),
        Requirement(
            "x.mode", "core", "dedicated", Category.IDENTITY, "directory.idfix", {"mode": "dedicated"}
        ),
        Requirement(
            "x.records", "core", "records", Category.DNS, "dns.records", {"records": [{"type": "CNAME"}]}
        ),
    ]
    with assess_bundle(CONTOSO, requirements) as result:
        summaries = [f.summary for f in result.findings]
    assert all(f.outcome is Outcome.NOT_RUN for f in result.findings)
    assert "invalid params" in summaries[0] and "Windows2099Forest" in summaries[0]
    assert summaries[1] == "unknown check 'no.such_check': no installed plugin provides it"
    assert "not supported" in summaries[2]
    assert "records[0] must be a table with a 'name'" in summaries[3]


class ChecksPlugin:
    """A plugin that adds a check, and one that breaks."""

    @hookimpl
    def register_checks(self, register):
        def always_pass(context, requirement):
            return Finding(
                requirement.id, requirement.service, Outcome.PASS, f"{len(context.forests())} forest"
            )

        def broken(context, requirement):
            raise RuntimeError("boom")

        register("custom.forest_exists", always_pass, "a forest exists")
        register("custom.broken", broken, "always raises")


def test_plugins_add_checks() -> None:
    manager = ServicePluginManager()
    manager.register(ChecksPlugin(), "checks-plugin")
    assert registry(manager)["custom.forest_exists"].provider == "checks-plugin"
    requirements = [
        Requirement("p.ok", "core", "plugin check", Category.SERVICE, "custom.forest_exists"),
        Requirement("p.broken", "core", "broken plugin check", Category.SERVICE, "custom.broken"),
    ]
    with assess_bundle(CONTOSO, requirements, manager=manager) as result:
        ok, broken = result.findings
    assert (ok.outcome, ok.summary) == (Outcome.PASS, "1 forest")
    assert broken.outcome is Outcome.NOT_RUN and "RuntimeError('boom')" in broken.summary


def test_run_check_verifies_one_requirement() -> None:
    cnames = next(r for r in every_check() if r.check == "dns.records")
    assert run_check(CONTOSO, cnames).outcome is Outcome.FAIL
    assert run_check(CONTOSO_FIXED, cnames).outcome is Outcome.PASS


def test_progress_is_reported() -> None:
    seen: list[tuple[str, int, int]] = []
    with assess_bundle(CONTOSO, every_check(), progress=lambda *event: seen.append(event)):
        pass
    stages = {stage for stage, _, _ in seen}
    assert stages == {"directory", "checks"}
    directory = [e for e in seen if e[0] == "directory"]
    assert directory[-1][1] == directory[-1][2] == (CONTOSO / "directory.ldf").stat().st_size


def test_reassessment_closes_the_items_whose_checks_now_pass(plugin_manager) -> None:
    """The engagement's own merge: a new bundle closes what now passes, inside a running engagement."""
    # Contoso's facts: the bundles' Exchange and SharePoint 2013 (facts left at none contradict them).
    spec = preview_spec(("ems",), {"exchange_onprem": "2013", "sharepoint_onprem": "2013"})
    plan = build_plan(plugin_manager, spec)
    state = EngagementState(spec=spec, plan=plan)

    def assess(bundle: Path) -> list[str]:
        with assess_bundle(bundle, plan.requirements, manager=plugin_manager) as result:
            items = plan_remediation(
                plugin_manager, plan.services, plan.requirements, result.findings, plan.facts
            )
            return rules.merge_assessment(state, result.findings, items, datetime.now(UTC))

    assert assess(CONTOSO) == []
    automated_failures = {
        i.item.requirement_id
        for i in rules.open_items(state)
        if plan.requirement(i.item.requirement_id).check != "manual"
    }
    assert automated_failures == {"core.directory-readiness", "intune.enrollment-dns"}
    closed = assess(CONTOSO_FIXED)
    assert {
        next(i.item.requirement_id for i in state.items if i.item.id == c) for c in closed
    } == automated_failures
    assert all(plan.requirement(i.item.requirement_id).check == "manual" for i in rules.open_items(state))


def test_reports_say_the_same_in_every_format() -> None:
    requirements = every_check()
    with assess_bundle(BUNDLES / "idfix-errors", requirements) as result:
        report = build_report(result, requirements, [], ("core",), {"idfix.csv": "idfix.csv"})
    markdown, page = render_markdown(report), render_html(report)
    assert report["idfix"]["errors"] == 13 and len(report["idfix"]["sample"]) == 13
    assert "char upn@contoso.com" in markdown and "char upn@contoso.com" in page
    assert 'ou="First Site"' in markdown and "ou=&#34;First Site&#34;" in page  # escaped in HTML
    assert "| t.idfix | core | identity | **FAIL** |" in markdown


def test_an_empty_zone_file_is_not_a_zone_and_no_domains_is_not_a_pass(tmp_path: Path) -> None:
    import shutil

    zones = next(r for r in every_check() if r.check == "dns.zones_present")
    bundle = tmp_path / "bundle"
    shutil.copytree(CONTOSO_FIXED, bundle)
    assert outcomes(bundle, [zones])[zones.id] is Outcome.PASS
    emptied = next((bundle / "dns").iterdir())
    emptied.write_bytes(b"")
    with assess_bundle(bundle, [zones]) as result:
        (finding,) = result.findings
    assert finding.outcome is not Outcome.PASS
    assert "holds no records" in finding.summary + " ".join(finding.details)

    nothing = tmp_path / "nothing"
    (nothing / "dns").mkdir(parents=True)
    with assess_bundle(nothing, [zones]) as result:
        (finding,) = result.findings
    assert finding.outcome is Outcome.NOT_RUN and "no customer domain is known" in finding.summary


def test_an_empty_directory_export_is_not_a_pass(tmp_path: Path) -> None:
    (tmp_path / "directory.ldf").write_bytes(b"")
    requirement = next(r for r in every_check() if r.check == "directory.idfix")
    with assess_bundle(tmp_path, [requirement]) as result:
        (finding,) = result.findings
    assert finding.outcome is not Outcome.PASS
    assert "no person or group object to check" in finding.summary or "empty" in finding.summary


def test_an_ldif_export_cut_off_mid_line_is_not_a_pass(tmp_path: Path) -> None:
    data = (CONTOSO_FIXED / "directory.ldf").read_bytes()
    requirement = next(r for r in every_check() if r.check == "directory.idfix")
    assert outcomes(CONTOSO_FIXED, [requirement])[requirement.id] is Outcome.PASS
    (tmp_path / "directory.ldf").write_bytes(data[: len(data) // 2].rstrip(b"\n") + b"xx")
    with assess_bundle(tmp_path, [requirement]) as result:
        (finding,) = result.findings
    assert finding.outcome is Outcome.FAIL
    assert any("ends in the middle of a line (cut off?)" in d for d in finding.details)
