"""The collector against a real Samba AD DC: the bundle, the manual export, the live path.

The DC holds one object per IdFix error kind (see data/objects.ldif): a UPN with a
space and one with an umlaut (Character), a ``.local`` UPN (TopLevelDomain), one on
``contoso_x.com`` (DomainPart), one with two dots in a row (LocalPart), a proxy
address without ``@`` (Format), a shared proxy address and a shared mail
(Duplicate), a 110-character UPN, a 25-character sAMAccountName, a 64-character
givenName and a 256-character displayName (Length), a user with no displayName
(Blank), a leading-period mailNickname and a colon in a targetAddress; a contact,
a distribution group, and objects IdFix skips.  A sAMAccountName with characters
IdFix flags cannot be stored: Samba refuses them as Windows does.
"""

import json
import subprocess
from pathlib import Path

import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.collect import collect
from onboard.core.collect.live import assess_live, plan_records
from onboard.core.models import Outcome
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

from tests.collect.conftest import BIND_PORT, DATA, Lab
from tests.collect.samba import ADMIN, ADMIN_PASSWORD, DOMAIN_DN

KINDS = {"Format", "Blank", "Duplicate", "Character", "TopLevelDomain", "DomainPart", "LocalPart", "Length"}


@pytest.fixture(scope="module")
def plan():
    manager = load_plugin_manager()
    return manager, build_plan(manager, preview_spec(("ems",), {}))


@pytest.fixture(scope="module")
def collected(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("collected") / "bundle"
    result = lab.netns.call(collect, lab.config(), out)
    assert result.complete, result.problems
    return out


def _manual_export(lab: Lab, folder: Path) -> Path:
    """The bundle a person makes by hand: ldapsearch for the LDIF, the JSON and zone as exported."""
    folder.mkdir()
    secret = folder.parent / "pw"
    secret.write_text(ADMIN_PASSWORD)
    secret.chmod(0o600)
    attrs = "cn displayName distinguishedName givenName groupType homeMDB isCriticalSystemObject mail mailNickname"
    attrs += (
        " msExchHideFromAddressLists msExchRecipientTypeDetails objectCategory objectClass proxyAddresses"
    )
    attrs += " sAMAccountName targetAddress userPrincipalName"
    export = subprocess.run(
        lab.netns.command(
            [
                "ldapsearch",
                "-x",
                "-H",
                "ldap://127.0.0.1",
                "-D",
                ADMIN,
                "-y",
                str(secret),
                "-b",
                DOMAIN_DN,
                "-E",
                "pr=100/noprompt",
                "(|(objectCategory=person)(objectCategory=group))",
                *attrs.split(),
            ]
        ),
        capture_output=True,
        check=True,
    )
    (folder / "directory.ldf").write_bytes(export.stdout)
    forest = {
        "Name": "corp.test",
        "RootDomain": "corp.test",
        "ForestMode": "Windows2008R2Forest",
        "Domains": ["corp.test"],
        "UPNSuffixes": ["contoso.com", "contoso.local"],
    }
    domain = {
        "DNSRoot": "corp.test",
        "DomainMode": "Windows2008R2Domain",
        "NetBIOSName": "CORP",
        "Forest": "corp.test",
    }
    (folder / "forest.json").write_text(json.dumps(forest))
    (folder / "domains.json").write_text(json.dumps([domain]))
    (folder / "dns").mkdir()
    (folder / "dns" / "contoso.com.zone").write_text((DATA / "contoso.com.zone").read_text())
    return folder


def _rows(result) -> set[tuple]:
    return {(r.dn.lower(), r.attribute, r.value, r.errors, r.action, r.update) for r in result.idfix.rows()}


def test_collected_bundle_assesses_as_the_manual_export(
    lab: Lab, collected: Path, plan, tmp_path: Path
) -> None:
    manager, the_plan = plan
    manual = _manual_export(lab, tmp_path / "manual")
    with (
        assess_bundle(collected, the_plan.requirements, manager=manager) as ours,
        assess_bundle(manual, the_plan.requirements, manager=manager) as theirs,
    ):
        assert [(f.requirement_id, f.outcome, f.summary) for f in ours.findings] == [
            (f.requirement_id, f.outcome, f.summary) for f in theirs.findings
        ]
        assert _rows(ours) == _rows(theirs)
        assert set(ours.idfix.by_kind) == KINDS  # every IdFix error kind is in the directory
        assert ours.idfix.skip_reasons.get("hidden MSOL account") == 1
        by_id = {f.requirement_id: f for f in ours.findings}
        assert by_id["core.upn-suffixes-routable"].outcome is Outcome.FAIL  # contoso.local
        assert "enterpriseregistration.contoso.com has no CNAME" in by_id["intune.enrollment-dns"].summary
    manifest = json.loads((collected / "collection.json").read_text())
    assert manifest["complete"] and manifest["zones"][0]["method"] == "queries"
    assert manifest["schema_lacks"] == ["homeMDB", "msExchRecipientTypeDetails"]


def test_live_assessment_equals_the_bundle_assessment(lab: Lab, collected: Path, plan) -> None:
    manager, the_plan = plan
    config = lab.config(records=plan_records(the_plan.requirements))
    with (
        lab.netns.call(assess_live, config, the_plan.requirements, manager=manager) as live,
        assess_bundle(collected, the_plan.requirements, manager=manager) as bundle,
    ):
        assert live.findings == bundle.findings  # summaries, details with line numbers, locations
        assert list(live.idfix.rows()) == list(bundle.idfix.rows())
        assert live.idfix.summary() == bundle.idfix.summary()


def test_zone_transfer_where_allowed(lab: Lab, bind_server: str, tmp_path: Path) -> None:
    import dns.zone

    config = lab.config(dns_servers=(bind_server,), dns_port=BIND_PORT)
    result = lab.netns.call(collect, config, tmp_path / "b")
    assert [z.method for z in result.zones] == ["axfr"]
    got = dns.zone.from_file(
        str(tmp_path / "b" / "dns" / "contoso.com.zone"), "contoso.com", relativize=False
    )
    want = dns.zone.from_file(str(DATA / "contoso.com.zone"), "contoso.com", relativize=False)
    assert got == want


def test_ldaps_with_the_dc_certificate(lab: Lab, tmp_path: Path) -> None:
    from onboard.core.collect import parse_server

    config = lab.config(servers=(parse_server("ldaps://127.0.0.1"),), dns=False)
    result = lab.netns.call(collect, config, tmp_path / "b")
    assert result.complete and result.objects > 20
    assert not (tmp_path / "b" / "dns").exists()
