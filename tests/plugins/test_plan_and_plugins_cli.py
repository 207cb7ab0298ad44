"""``onboard plan`` and ``onboard plugins``: readable output, JSON, and clear errors.

No Temporal server is needed: both commands only load plugins and plan.
"""

import json
import textwrap
from pathlib import Path

import pytest
from onboard.core.cli import run
from onboard.core.converter import from_json_value
from onboard.core.models import Plan
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec


def onboard(capsys: pytest.CaptureFixture, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def engagement_file(tmp_path: Path) -> Path:
    path = tmp_path / "contoso.toml"
    path.write_text(
        textwrap.dedent("""\
        engagement_id = "contoso-rms"
        tenant = "contoso.onmicrosoft.com"
        customer = "Contoso"
        services = ["azure_rms"]
        purchased_on = 2026-11-20T09:00:00Z

        [licenses]
        azure_rms = 400

        [facts]
        identity = "synchronized"
        exchange_onprem = "2010"

        [[roster]]
        id = "pat"
        name = "Pat"
        party = "provider"

        [[roster]]
        id = "casey"
        name = "Casey"
        party = "customer"
        """)
    )
    return path


# -- onboard plan ----------------------------------------------------------------


def test_the_plan_reads_by_phase_and_service_with_owners_and_dependencies(capsys) -> None:
    code, out, _ = onboard(
        capsys,
        "plan",
        "--services",
        "aad_premium",
        "--fact",
        "identity=federated",
        "--fact",
        "forest_count=3",
    )
    assert code == 0
    # Phases in order, each with its gate.
    positions = [
        out.index(heading)
        for heading in ("Initiate —", "Assess —", "Remediate —", "Enable —", "Throughout the engagement")
    ]
    assert positions == sorted(positions)
    assert "Kick-off meeting held" in out and "provider and customer" in out
    # Services in order, with what they wait for.
    assert "core (Core capabilities) — first" in out
    assert "aad_premium (Azure Active Directory Premium) — after core" in out
    # The AD FS exclusion and its reason.
    assert "core.scope.adfs-multi-forest" in out
    row = next(line for line in out.splitlines() if "core.scope.adfs-multi-forest" in line)
    assert "AD FS deployment" in row and "3 forests: for all" in row
    # Steps with owners and dependencies.
    line = next(line for line in out.splitlines() if "core.multi-forest-sync" in line and "│" in line)
    assert "customer" in line and "core.dirsync-multi-forest" in line
    assert "core.adfs " not in out
    # Only the facts of the services in scope.
    assert "forest_count=3" in out and "mdm_authority" not in out


def test_the_plan_as_json_is_the_planners_plan(capsys) -> None:
    code, out, _ = onboard(
        capsys,
        "plan",
        "--services",
        "intune",
        "--fact",
        "mdm_authority=none",
        "--fact",
        "mam_in_scope=true",
        "--json",
    )
    assert code == 0
    printed = from_json_value(json.loads(out), Plan)
    expected = build_plan(
        load_plugin_manager(), preview_spec(["intune"], {"mdm_authority": "none", "mam_in_scope": True})
    )
    assert printed == expected


def test_the_plan_of_an_engagement_file_takes_command_line_overrides(capsys, engagement_file: Path) -> None:
    code, out, _ = onboard(capsys, "plan", str(engagement_file), "--fact", "sharepoint_onprem=2013", "--json")
    assert code == 0
    plan = from_json_value(json.loads(out), Plan)
    assert plan.service_keys() == ("core", "azure_rms")
    assert plan.facts["exchange_onprem"] == "2010" and plan.facts["sharepoint_onprem"] == "2013"
    assert [(e.service, e.licenses) for e in plan.eligibility] == [("azure_rms", 400)]
    assert "azure_rms.connector-sharepoint" in {s.id for s in plan.enable_steps}
    code, out, _ = onboard(capsys, "plan", str(engagement_file))
    assert code == 0 and out.startswith("Plan for Contoso (contoso.onmicrosoft.com)")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "name the services to plan with --services"),
        (
            ("--services", "ems", "--license", "ems=lots"),
            "--license 'ems=lots': the count must be a whole number",
        ),
        (("--services", "ems", "--license", "ems=120"), "needs at least 150"),
        (("--services", "nosuch"), "unknown service 'nosuch'"),
        (("--services", "intune", "--fact", "colour=blue"), "fact 'colour' is not declared by any plugin"),
        (
            ("--services", "intune", "--fact", "mdm_authority=sometimes"),
            "fact 'mdm_authority' must be one of",
        ),
        (
            ("--services", "intune", "--fact", "third_party_mdm=true"),
            "conflicting facts: third_party_mdm=true",
        ),
        (
            ("--services", "ems", "--fact", "third_party_mdm=true", "--fact", "mam_in_scope=true"),
            "mdm_authority=intune would enrol them in a second MDM",
        ),
        (("--services", "intune", "--fact", "oops"), "fact 'oops' must look like key=value"),
    ],
)
def test_plan_errors_are_one_clear_line(capsys, args: tuple[str, ...], message: str) -> None:
    code, _, err = onboard(capsys, "plan", *args)
    assert code == 1
    assert message in err
    assert err.startswith("onboard: error:") and err.count("\n") == 1


def test_a_bad_engagement_file_names_the_file(capsys, tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('engagement_id = "x"\nservices = [\n')
    code, _, err = onboard(capsys, "plan", str(path))
    assert code == 1 and f"{path}: not valid TOML" in err


# -- onboard plugins ---------------------------------------------------------------


def test_plugins_lists_every_plugin_with_its_services_and_hooks(capsys) -> None:
    code, out, _ = onboard(capsys, "plugins", "--json")
    assert code == 0
    records = {r["name"]: r for r in json.loads(out)}
    assert {"core", "aad_premium", "intune", "azure_rms", "ems"} <= set(records)
    intune = records["intune"]
    assert (
        intune["status"] == "active"
        and intune["dist"] == "onboard-intune"
        and intune["services"] == ["intune"]
    )
    assert {"enable_steps", "run_step", "validate_facts"} <= set(intune["hooks"])
    assert records["core"]["module"] == "onboard.core.capabilities"
    code, out, _ = onboard(capsys, "plugins")
    assert code == 0 and "onboard-azure-rms" in out and "active" in out


def test_plugins_facts_lists_what_an_engagement_file_may_set(capsys) -> None:
    code, out, _ = onboard(capsys, "plugins", "--facts", "--json")
    assert code == 0
    facts = {f["key"]: f for f in json.loads(out)}
    assert facts["mdm_authority"]["service"] == "intune"
    assert facts["mdm_authority"]["choices"] == ["intune", "configmgr", "none"]
    assert facts["forest_count"]["default"] == 1 and facts["identity"]["service"] == "core"
    code, out, _ = onboard(capsys, "plugins", "--facts")
    row = next(line for line in out.splitlines() if line.startswith("│ exchange_onprem"))
    assert "core" in row and "none, 2010, 2013, 2016" in row


@pytest.fixture
def broken_plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An installed distribution whose onboard.services entry point cannot be imported."""
    dist = tmp_path / "onboard_broken-0.1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: onboard-broken\nVersion: 0.1.0\n")
    (dist / "entry_points.txt").write_text("[onboard.services]\nbroken = onboard_broken_plugin\n")
    (tmp_path / "onboard_broken_plugin.py").write_text("import a_module_that_is_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    return "broken"


def test_plugins_still_lists_when_a_plugin_is_broken(capsys, broken_plugin: str) -> None:
    code, out, _ = onboard(capsys, "plugins", "--json")
    assert code == 0
    records = {r["name"]: r for r in json.loads(out)}
    broken = records[broken_plugin]
    assert (
        broken["status"] == "failed" and broken["dist"] == "onboard-broken" and broken["version"] == "0.1.0"
    )
    assert "import failed" in broken["error"] and "a_module_that_is_not_installed" in broken["error"]
    assert records["intune"]["status"] == "active"
    code, out, _ = onboard(capsys, "plugins")
    assert code == 0 and "failed" in out and "a_module_that_is_not_installed" in " ".join(out.split())


def test_plan_works_beside_a_broken_plugin_and_names_it_when_it_matters(capsys, broken_plugin: str) -> None:
    code, _, _ = onboard(capsys, "plan", "--services", "intune")
    assert code == 0
    code, _, err = onboard(capsys, "plan", "--services", "broken")
    assert code == 1
    assert "unknown service 'broken'" in err and "plugin(s) failed to load: 'broken'" in err


def test_plugins_new_refuses_bad_names_taken_names_and_existing_folders(capsys, tmp_path: Path) -> None:
    code, _, err = onboard(capsys, "plugins", "new", "Not-A-Name", "--dir", str(tmp_path))
    assert code == 1 and "must be a lower-case Python identifier" in err
    code, _, err = onboard(capsys, "plugins", "new", "intune", "--dir", str(tmp_path))
    assert code == 1 and "a service 'intune' is already installed" in err
    assert onboard(capsys, "plugins", "new", "contoso_dlp", "--dir", str(tmp_path))[0] == 0
    code, _, err = onboard(capsys, "plugins", "new", "contoso_dlp", "--dir", str(tmp_path))
    assert code == 1 and "already exists" in err
