"""An Azure RMS plan assesses every area the RMS seed's Assess phase names.

"Microsoft will guide you through assessing your on-premises Active Directory, Internet
browsers, client devices' operating systems, DNS, network, infrastructure, and identity
system" [F-RMS].  An RMS-only plan used to leave out browsers and client operating
systems (only Intune's requirements covered them).
"""

import json
import shutil
from pathlib import Path

import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.cli import run
from onboard.core.models import Category, Outcome, Plan
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

ROOT = Path(__file__).parents[2]
CONTOSO = ROOT / "examples" / "bundles" / "contoso"
CLEAN = ROOT / "tests" / "assessment" / "bundles" / "clean"
SEED = Path(__file__).parent / "seeds" / "azure-rms-process.md"
AREAS = {
    "on-premises Active Directory": Category.ACTIVE_DIRECTORY,
    "Internet browsers": Category.BROWSERS,
    "client devices' operating systems": Category.CLIENT_OS,
    "DNS": Category.DNS,
    "network": Category.NETWORK,
    "infrastructure": Category.INFRASTRUCTURE,
    "identity system": Category.IDENTITY,
}


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager()


def rms_plan(manager, **facts: object) -> Plan:
    return build_plan(manager, preview_spec(["azure_rms"], facts))


def test_the_seed_names_these_areas() -> None:
    text = " ".join(SEED.read_text(encoding="utf-8").split())
    assert "assessing your " + ", ".join(list(AREAS)[:-1]) + ", and identity system" in text


@pytest.mark.parametrize("identity", ["synchronized", "federated", "cloud"])
def test_an_rms_only_plan_covers_every_area(manager, identity: str) -> None:
    plan = rms_plan(manager, identity=identity)
    covered = {r.category for r in plan.requirements}
    # A cloud-only tenant has no on-premises Active Directory to assess.
    wanted = {c for c in AREAS.values() if identity != "cloud" or c is not Category.ACTIVE_DIRECTORY}
    assert wanted <= covered, f"not assessed: {wanted - covered}"
    rms = {r.id: r for r in plan.requirements if r.service == "azure_rms"}
    assert rms["azure_rms.browsers"].category is Category.BROWSERS
    assert rms["azure_rms.client-devices"].category is Category.CLIENT_OS


def test_the_client_os_list_is_the_rms_client_devices_page(manager) -> None:
    devices = next(r for r in rms_plan(manager).requirements if r.id == "azure_rms.client-devices")
    assert devices.params["supported"] == {
        "Windows": "7",
        "macOS": "10.8",
        "Windows Phone": "8.1",
        "Android": "4.0.3",
        "iOS": "7.0",
        "Windows RT": "8.1",
    }
    assert "[RMS-DEV]" in devices.source


@pytest.mark.parametrize("bundle", [CONTOSO, CLEAN], ids=["contoso", "clean"])
def test_the_sample_bundles_pass(manager, bundle: Path) -> None:
    plan = rms_plan(manager)
    wanted = [r for r in plan.requirements if r.id in ("azure_rms.browsers", "azure_rms.client-devices")]
    with assess_bundle(bundle, wanted) as result:
        assert [f.outcome for f in result.findings] == [Outcome.PASS, Outcome.PASS]


def test_old_clients_and_browsers_fail_naming_the_lines(manager, tmp_path: Path) -> None:
    bundle = tmp_path / "contoso"
    shutil.copytree(CONTOSO, bundle)
    with (bundle / "devices.csv").open("a", encoding="utf-8") as devices:
        devices.write("Windows,6.0.6002,12\niOS,6.1.3,4\n")  # Vista, and iOS before 7.0
    environment = bundle / "environment.toml"
    environment.write_text(
        environment.read_text(encoding="utf-8").replace('version = "11"', 'version = "9"', 1),
        encoding="utf-8",
    )
    plan = rms_plan(manager)
    wanted = [r for r in plan.requirements if r.id in ("azure_rms.browsers", "azure_rms.client-devices")]
    with assess_bundle(bundle, wanted) as result:
        browsers, devices = result.findings
    assert browsers.outcome is Outcome.FAIL
    assert browsers.summary == "1 browser not supported: Internet Explorer 9"
    assert devices.outcome is Outcome.FAIL and devices.summary.startswith(
        "16 of 1,505 devices are not supported"
    )
    assert "line 10: Windows 6.0.6002: below Windows 7 (12 devices)" in devices.details
    assert "line 11: iOS 6.1.3: below iOS 7.0 (4 devices)" in devices.details


def test_onboard_plan_and_assess_show_them(capsys) -> None:
    assert run(["plan", "--services", "azure_rms", "--json"]) == 0
    planned = {r["id"]: r["category"] for r in json.loads(capsys.readouterr().out)["requirements"]}
    assert planned["azure_rms.browsers"] == "browsers" and planned["azure_rms.client-devices"] == "client_os"
    run(["assess", str(CONTOSO), "--services", "azure_rms", "--json"])
    findings = {f["requirement_id"]: f for f in json.loads(capsys.readouterr().out)["findings"]}
    assert findings["azure_rms.browsers"]["outcome"] == "pass"
    assert findings["azure_rms.client-devices"]["outcome"] == "pass"
