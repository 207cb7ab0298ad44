"""The plan, step by step, for the engagements the programme meets most.

Each scenario builds the plan exactly as ``onboard plan`` and the Initiate phase do
(the installed plugins, :func:`build_plan`) and asserts the Enable steps in order
with their owners and dependencies, the exclusions with their reasons, and the
requirements that the branch brings in.
"""

import pytest
from onboard.core.errors import PlanError
from onboard.core.models import EnableStep, Party, Plan, StepKind
from onboard.core.planning import FactConflictError, build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

CORE_NETWORK = ["core.activate-tenant", "core.firewall-ports", "core.dns", "core.validate-connectivity"]
CORE_ONE_FOREST = [*CORE_NETWORK, "core.dirsync-single-forest", "core.password-sync"]
CORE_MANY_FORESTS = [*CORE_NETWORK, "core.dirsync-multi-forest", "core.multi-forest-sync"]

AADP = [
    "aad_premium.add-admins-users",
    "aad_premium.management-prerequisites",
    "aad_premium.assign-licenses",
    "aad_premium.sspr",
    "aad_premium.mfa",
    "aad_premium.saas-application",
    "aad_premium.self-service-groups",
    "aad_premium.admin-reports",
    "aad_premium.test-users",
    "aad_premium.validate-use-cases",
]
INTUNE_BASE = [
    "intune.configure-identities",
    "intune.license-users",
    "intune.add-users",
    "intune.admin-roles",
    "intune.user-device-groups",
]
INTUNE_MDM = ["intune.mdm-test-groups", "intune.verify-dns-records", "intune.app-deployment"]
ENROLL_ALL = [
    "intune.enroll-ios",
    "intune.enroll-android",
    "intune.enroll-windows",
    "intune.enroll-windows-phone",
    "intune.enroll-macos",
]
RMS_ONLINE = [
    "azure_rms.activate",
    "azure_rms.security-admins",
    "azure_rms.super-user",
    "azure_rms.pilot-users",
    "azure_rms.test-groups",
    "azure_rms.custom-template",
    "azure_rms.exchange-online-irm",
    "azure_rms.exchange-online-rule",
    "azure_rms.sharepoint-online-irm",
    "azure_rms.sharepoint-online-library",
]
RMS_END = ["azure_rms.sharing-app-windows", "azure_rms.sharing-app-other", "azure_rms.validate-use-cases"]


@pytest.fixture(scope="module")
def manager():
    return load_plugin_manager()


def plan_for(manager, services: list[str], **facts) -> Plan:
    return build_plan(manager, preview_spec(services, facts))


def ids(plan: Plan, service: str) -> list[str]:
    return [s.id for s in plan.steps_for(service)]


def step(plan: Plan, step_id: str) -> EnableStep:
    return next(s for s in plan.enable_steps if s.id == step_id)


def assert_reading_order(plan: Plan) -> None:
    """A step never comes before a step of its own service that it waits for."""
    for service in plan.service_keys():
        seen: set[str] = set()
        for s in plan.steps_for(service):
            inside = [d for d in s.depends_on if not d.startswith("core.") or service == "core"]
            assert set(inside) <= seen, f"{s.id} is listed before {set(inside) - seen}"
            seen.add(s.id)


def test_cloud_identities_only(manager) -> None:
    plan = plan_for(manager, ["aad_premium"], identity="cloud")
    assert plan.service_keys() == ("core", "aad_premium")
    # No directory synchronization, no AD FS: the tenant and the network only.
    assert ids(plan, "core") == CORE_NETWORK
    assert ids(plan, "aad_premium") == AADP
    assert step(plan, "core.validate-connectivity").kind is StepKind.AUTOMATED
    assert step(plan, "aad_premium.validate-use-cases").owner is Party.PROVIDER
    assert step(plan, "aad_premium.sspr").depends_on == (
        "aad_premium.management-prerequisites",
        "aad_premium.assign-licenses",
    )
    requirement_ids = {r.id for r in plan.requirements}
    assert "core.forest-functional-level" not in requirement_ids  # no on-premises AD to assess
    assert "aad_premium.ad-prepared" not in requirement_ids
    assert {e.id for e in plan.exclusions if e.id.startswith("core.scope.adfs")} == set()
    assert_reading_order(plan)


def test_one_forest_synchronized_with_password_sync(manager) -> None:
    plan = plan_for(manager, ["aad_premium"], identity="synchronized", forest_count=1, writeback="password")
    assert ids(plan, "core") == CORE_ONE_FOREST
    assert step(plan, "core.dirsync-single-forest").depends_on == ("core.validate-connectivity",)
    assert step(plan, "core.password-sync").depends_on == ("core.dirsync-single-forest",)
    assert step(plan, "core.password-sync").branch == "forest_count=1"
    # SSPR writes passwords back on premises: one more step, and SSPR waits for it.
    assert ids(plan, "aad_premium") == [*AADP[:3], "aad_premium.password-writeback", *AADP[3:]]
    assert "aad_premium.password-writeback" in step(plan, "aad_premium.sspr").depends_on
    requirement_ids = [r.id for r in plan.requirements]
    for expected in (
        "core.forest-functional-level",
        "core.forest-count",
        "core.directory-readiness",
        "core.upn-suffixes-routable",
        "core.aad-connect-server",
        "core.password-writeback-dcs",
        "aad_premium.ad-prepared",
        "aad_premium.sign-in-method",
    ):
        assert expected in requirement_ids
    assert next(r for r in plan.requirements if r.id == "core.forest-count").params == {
        "fact": "forest_count",
        "declared": 1,
    }
    assert_reading_order(plan)


def test_one_forest_federated_with_adfs(manager) -> None:
    plan = plan_for(manager, ["aad_premium"], identity="federated", forest_count=1)
    assert ids(plan, "core") == [*CORE_ONE_FOREST, "core.adfs", "core.test-sso"]
    assert step(plan, "core.adfs").depends_on == ("core.password-sync",)
    assert step(plan, "core.adfs").owner is Party.CUSTOMER
    assert step(plan, "core.test-sso").depends_on == ("core.adfs",)
    assert step(plan, "core.test-sso").owner is Party.PROVIDER
    adfs = [r.id for r in plan.requirements if r.id.startswith("core.adfs")]
    assert adfs == [
        "core.adfs-version",
        "core.adfs-version-declared",
        "core.adfs-servers",
        "core.adfs-certificate",
        "core.adfs-dns",
    ]
    assert next(r for r in plan.requirements if r.id == "core.adfs-version").params == {"min_version": "2.0"}
    assert not [e for e in plan.exclusions if e.id == "core.scope.adfs-multi-forest"]
    assert_reading_order(plan)


def test_three_forests_exclude_adfs_and_say_why(manager) -> None:
    plan = plan_for(manager, ["aad_premium"], identity="federated", forest_count=3, writeback="group")
    assert ids(plan, "core") == CORE_MANY_FORESTS
    assert "core.adfs" not in [s.id for s in plan.enable_steps]
    assert "core.test-sso" not in [s.id for s in plan.enable_steps]
    exclusions = {e.id: e for e in plan.exclusions}
    adfs = exclusions["core.scope.adfs-multi-forest"]
    assert adfs.subject == "AD FS deployment"
    assert adfs.reason.startswith(
        "3 forests: for all multiple-forest configurations, AD FS deployment is out of scope"
    )
    assert "[F-RMS]" in adfs.source
    writeback = exclusions["core.scope.writeback-multi-forest"]
    assert "only password hash sync and password writeback" in writeback.reason
    requirement_ids = [r.id for r in plan.requirements]
    assert "core.multi-forest-topology" in requirement_ids
    assert not [r for r in requirement_ids if r.startswith("core.adfs")]
    assert next(r for r in plan.requirements if r.id == "core.forest-count").params == {
        "fact": "forest_count",
        "declared": 3,
    }
    assert_reading_order(plan)


def test_intune_with_configuration_manager_as_authority(manager) -> None:
    plan = plan_for(
        manager, ["intune"], mdm_authority="configmgr", exchange_onprem="2013", mdm_platforms="ios,android"
    )
    assert ids(plan, "intune") == [
        *INTUNE_BASE,
        "intune.mdm-authority-configmgr",
        *INTUNE_MDM,
        "intune.conditional-access",
        "intune.email-profiles",
        "intune.enroll-ios",
        "intune.enroll-android",
        "intune.inventory-reports",
        "intune.adoption-guidance",
    ]
    authority = step(plan, "intune.mdm-authority-configmgr")
    assert authority.branch == "mdm_authority=configmgr"
    assert authority.depends_on == ("intune.admin-roles", "intune.user-device-groups")
    assert (
        step(plan, "intune.enroll-ios").title
        == "Enrol up to two iOS test devices into Configuration Manager with Intune"
    )
    assert step(plan, "intune.verify-dns-records").depends_on == ("core.dns",)
    assert step(plan, "intune.verify-dns-records").kind is StepKind.AUTOMATED
    # The Intune Exchange connector needs Intune as authority: excluded, with the reason.
    exclusions = {e.id: e for e in plan.exclusions}
    assert (
        "Configuration Manager's own Exchange Server connector"
        in exclusions["intune.scope.exchange-connector-configmgr"].reason
    )
    assert "intune.scope.configmgr-setup" in exclusions
    requirement_ids = [r.id for r in plan.requirements]
    assert "intune.configmgr-ready" in requirement_ids
    assert "intune.exchange-connector-server" not in requirement_ids
    platforms = next(r for r in plan.requirements if r.id == "intune.device-platforms")
    assert platforms.params == {"supported": {"iOS": "8.0", "Android": "4.0"}, "forbid": ["Windows Server"]}
    assert_reading_order(plan)


def test_intune_as_authority_with_exchange_on_premises_gets_the_connector(manager) -> None:
    plan = plan_for(manager, ["intune"], exchange_onprem="2010")
    assert ids(plan, "intune") == [
        *INTUNE_BASE,
        "intune.mdm-authority-intune",
        *INTUNE_MDM,
        "intune.exchange-connector",
        "intune.conditional-access",
        "intune.email-profiles",
        *ENROLL_ALL,
        "intune.inventory-reports",
        "intune.adoption-guidance",
    ]
    assert "intune.exchange-connector" in step(plan, "intune.conditional-access").depends_on
    assert {
        "intune.exchange-version",
        "intune.exchange-connector-server",
        "intune.exchange-connector-account",
    } <= {r.id for r in plan.requirements}


def test_mam_only(manager) -> None:
    plan = plan_for(manager, ["intune"], mdm_authority="none", mam_in_scope=True)
    assert ids(plan, "intune") == [
        *INTUNE_BASE,
        "intune.mam-policy-ios",
        "intune.mam-policy-android",
        "intune.mam-conditional-access",
        "intune.mam-target-groups",
        "intune.mam-usage-reports",
        "intune.adoption-guidance",
    ]
    assert all(
        s.branch == "mam_in_scope=true" for s in plan.steps_for("intune") if s.id.startswith("intune.mam")
    )
    assert step(plan, "intune.mam-usage-reports").depends_on == (
        "intune.mam-conditional-access",
        "intune.mam-target-groups",
    )
    mdm = next(e for e in plan.exclusions if e.id == "intune.scope.mdm")
    assert "needs no MDM authority" in mdm.reason
    requirement_ids = [r.id for r in plan.requirements]
    assert "intune.enrollment-dns" not in requirement_ids
    assert "intune.apns-certificate" not in requirement_ids
    platforms = next(r for r in plan.requirements if r.id == "intune.device-platforms")
    assert platforms.params["supported"] == {"iOS": "8.0", "Android": "4.0"}
    assert_reading_order(plan)


def test_mam_beside_a_third_party_mdm(manager) -> None:
    plan = plan_for(manager, ["intune"], mdm_authority="none", mam_in_scope=True, third_party_mdm=True)
    assert (
        step(plan, "intune.mam-policy-ios").title
        == "Configure MAM policies for iOS beside the third-party MDM"
    )
    assert "intune.scope.third-party-mdm-devices" in {e.id for e in plan.exclusions}
    assert not [s for s in plan.steps_for("intune") if s.id.startswith(("intune.enroll-", "intune.mdm-"))]


@pytest.mark.parametrize("authority", [None, "intune", "configmgr"])
def test_a_third_party_mdm_beside_an_mdm_authority_is_refused(manager, authority: str | None) -> None:
    # The default authority (intune) is the trap: devices enrolled beside the other MDM.
    facts = {"mam_in_scope": True, "third_party_mdm": True}
    if authority:
        facts["mdm_authority"] = authority
    shown = authority or "intune"
    with pytest.raises(
        FactConflictError,
        match=rf"third_party_mdm=true: the third-party MDM manages the devices, so mdm_authority={shown} "
        r"would enrol them in a second MDM .*set mdm_authority=none",
    ):
        plan_for(manager, ["intune"], **facts)


def test_exchange_2010_and_sharepoint_2013_use_the_rms_connector(manager) -> None:
    plan = plan_for(manager, ["azure_rms"], exchange_onprem="2010", sharepoint_onprem="2013", rms_region="eu")
    assert ids(plan, "azure_rms") == [
        *RMS_ONLINE,
        "azure_rms.connector-install",
        "azure_rms.connector-authorize",
        "azure_rms.connector-exchange",
        "azure_rms.connector-exchange-rule",
        "azure_rms.connector-sharepoint",
        *RMS_END,
    ]
    assert step(plan, "azure_rms.connector-exchange").title.startswith("Configure and validate Exchange 2010")
    assert step(plan, "azure_rms.connector-exchange").depends_on == (
        "azure_rms.connector-authorize",
        "azure_rms.custom-template",
    )
    assert step(plan, "azure_rms.connector-sharepoint").branch == "sharepoint_onprem=2013"
    assert (
        "https://sp-rms.eu.aadrm.com/TenantManagement/ServicePartner.svc"
        in step(plan, "azure_rms.exchange-online-irm").title
    )
    final = step(plan, "azure_rms.validate-use-cases")
    assert {"azure_rms.connector-exchange-rule", "azure_rms.connector-sharepoint"} <= set(final.depends_on)
    assert final.owner is Party.PROVIDER
    requirements = {r.id: r for r in plan.requirements}
    assert requirements["azure_rms.connector-server"].params == {
        "min_count": 1,
        "os": ["Windows Server 2012 R2", "Windows Server 2012", "Windows Server 2008 R2"],
        "min_memory_gb": 1,
        "min_disk_gb": 64,
        "forbidden_roles": ["exchange", "sharepoint", "fci", "domain_controller"],
        "require_64bit": True,
    }
    assert requirements["azure_rms.exchange-version"].params == {"versions": ["2010", "2013"]}
    assert requirements["azure_rms.sharepoint-version"].params == {"versions": ["2010", "2013"]}
    assert "azure_rms.scope.connector-high-availability" in {e.id for e in plan.exclusions}
    assert_reading_order(plan)


def test_exchange_2016_is_outside_the_connector_scope(manager) -> None:
    plan = plan_for(manager, ["azure_rms"], exchange_onprem="2016")
    assert ids(plan, "azure_rms") == [*RMS_ONLINE, *RMS_END]
    exclusion = next(e for e in plan.exclusions if e.id == "azure_rms.scope.connector-exchange-2016")
    assert "not part of the benefit" in exclusion.reason


def test_the_full_ems_suite_onboards_each_service_once(manager) -> None:
    plan = build_plan(manager, preview_spec(["ems"], {}, {"ems": 500}))
    assert plan.service_keys() == ("core", "aad_premium", "intune", "azure_rms", "ems")
    assert [(e.service, e.via, e.licenses) for e in plan.eligibility] == [
        ("aad_premium", "ems", 500),
        ("intune", "ems", 500),
        ("azure_rms", "ems", 500),
        ("ems", "ems", 500),
    ]
    assert ids(plan, "core") == CORE_ONE_FOREST
    assert ids(plan, "aad_premium") == AADP
    assert ids(plan, "intune") == [
        *INTUNE_BASE,
        "intune.mdm-authority-intune",
        *INTUNE_MDM,
        "intune.conditional-access",
        "intune.email-profiles",
        *ENROLL_ALL,
        "intune.inventory-reports",
        "intune.adoption-guidance",
    ]
    assert ids(plan, "azure_rms") == [*RMS_ONLINE, *RMS_END]
    assert ids(plan, "ems") == ["ems.adoption-guidance"]
    ems = next(s for s in plan.services if s.key == "ems")
    assert ems.after == ("core", "aad_premium", "intune", "azure_rms")
    step_ids = [s.id for s in plan.enable_steps]
    assert len(step_ids) == len(set(step_ids)), "a service was planned twice"
    # Naming a member next to the suite does not onboard it twice either.
    again = build_plan(manager, preview_spec(["ems", "intune"], {}, {"ems": 500}))
    assert [s.id for s in again.enable_steps] == step_ids
    assert_reading_order(plan)


def test_ems_needs_150_licences_of_the_suite(manager) -> None:
    with pytest.raises(PlanError, match="needs at least 150"):
        build_plan(manager, preview_spec(["ems"], {}, {"ems": 149}))


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"mdm_authority": "none"}, "leaves nothing for Intune to manage"),
        ({"third_party_mdm": True}, "third_party_mdm=true means Intune complements"),
        ({"mdm_platforms": "ios,blackberry"}, "mdm_platforms lists 'blackberry'"),
        ({"mdm_platforms": ""}, "mdm_platforms is empty"),
        ({"identity": "cloud", "writeback": "password"}, "writeback=password writes to on-premises AD"),
        ({"identity": "cloud", "custom_sync_rules": True}, "custom_sync_rules=true describes directory"),
        ({"forest_count": 0}, "forest_count must be at least 1"),
    ],
)
def test_contradicting_facts_are_refused_with_the_facts_named(manager, facts: dict, message: str) -> None:
    with pytest.raises(FactConflictError, match=message):
        plan_for(manager, ["intune"], **facts)


def test_a_cloud_tenant_cannot_use_the_rms_connector_and_is_told_why(manager) -> None:
    plan = plan_for(manager, ["azure_rms"], identity="cloud", exchange_onprem="2013")
    assert "azure_rms.connector-install" not in ids(plan, "azure_rms")
    exclusion = next(e for e in plan.exclusions if e.id == "azure_rms.scope.connector-cloud-identities")
    assert "needs directory synchronization" in exclusion.reason
