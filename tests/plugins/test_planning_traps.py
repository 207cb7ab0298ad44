"""Planning traps are refused by ``onboard plan``, naming the file, the facts and the fix.

A third-party MDM with the default MDM authority used to plan Intune as authority and
enrol the devices beside the other MDM; the engagement must now say
``mdm_authority = "none"`` (the seed's "complement your existing ... third-party MDM
solution with MAM").  Federation with an AD FS older than 2.0 is refused too.
"""

import json
import textwrap
from pathlib import Path

import pytest
from onboard.core.cli import run
from onboard.core.conformance import fact_combinations
from onboard.core.plugins import load_plugin_manager

ENGAGEMENT = """\
engagement_id = "northwind-intune"
tenant = "northwind.onmicrosoft.com"
customer = "Northwind"
services = ["intune"]
purchased_on = 2026-11-20T09:00:00Z

[licenses]
intune = 300

[facts]
{facts}

[[roster]]
id = "pat"
name = "Pat"
party = "provider"

[[roster]]
id = "casey"
name = "Casey"
party = "customer"
"""


def engagement(tmp_path: Path, facts: str) -> Path:
    path = tmp_path / "northwind.toml"
    path.write_text(textwrap.dedent(ENGAGEMENT).replace("{facts}", facts), encoding="utf-8")
    return path


def test_a_third_party_mdm_with_the_default_authority_is_refused(tmp_path: Path, capsys) -> None:
    path = engagement(tmp_path, "third_party_mdm = true\nmam_in_scope = true")
    assert run(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{path}:10: conflicting facts: third_party_mdm=true" in err
    assert "mdm_authority=intune would enrol them in a second MDM" in err
    assert "set mdm_authority=none to complement the third-party MDM with MAM" in err


def test_saying_mdm_authority_none_plans_mam_beside_the_third_party_mdm(tmp_path: Path, capsys) -> None:
    path = engagement(tmp_path, 'third_party_mdm = true\nmam_in_scope = true\nmdm_authority = "none"')
    assert run(["plan", str(path), "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    steps = {s["id"]: s["title"] for s in plan["enable_steps"]}
    assert steps["intune.mam-policy-ios"] == "Configure MAM policies for iOS beside the third-party MDM"
    assert not [s for s in steps if s.startswith(("intune.enroll-", "intune.mdm-"))]
    excluded = {e["id"]: e["subject"] for e in plan["exclusions"]}
    assert excluded["intune.scope.third-party-mdm-devices"] == "Devices managed by the third-party MDM"


def test_the_conformance_kit_plans_the_third_party_option_with_its_companions() -> None:
    combinations = fact_combinations(load_plugin_manager().facts().values())
    assert {"third_party_mdm": True, "mdm_authority": "none", "mam_in_scope": True} in combinations


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_federation_with_adfs_older_than_2_is_refused(tmp_path: Path, capsys, version: str) -> None:
    path = engagement(tmp_path, f'identity = "federated"\nadfs_version = "{version}"')
    assert run(["plan", str(path)]) == 1
    err = capsys.readouterr().err
    assert "identity=federated needs AD FS 2.0 or later" in err and f"adfs_version={version}" in err
    path = engagement(tmp_path, 'identity = "federated"\nadfs_version = "3.0"')
    assert run(["plan", str(path)]) == 0
    capsys.readouterr()
