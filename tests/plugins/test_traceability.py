"""Every list in the seed documents is traceable to ids the plugins produce.

``seeds/`` holds the two source documents as the programme published them (the
EMS phases page [F-PH] and the Azure RMS process page [F-RMS]).  The tests read
every bullet and every note of every list in them and check that each one is mapped
below to requirement, remediation, step, scope-rule, responsibility, gate, fact or
service ids, and that each of those ids is produced by some plan.  A bullet added
to a seed, a mapping left over, or an id a plugin stopped producing fails a test.
"""

import re
from pathlib import Path

import pytest
from onboard.core.conformance import fact_combinations, preview
from onboard.core.models import Category
from onboard.core.planning import FactConflictError, build_plan
from onboard.core.plugins import load_plugin_manager

SEEDS = Path(__file__).parent / "seeds"
EMS_PHASES = SEEDS / "ems-phases.md"
RMS_PROCESS = SEEDS / "azure-rms-process.md"

# Section paths: the level-2 heading (or the title), then " > " and the level-3 one.
RMS_TITLE = "FastTrack Center Benefit Process for Azure Rights Management"
RMS_OVERVIEW = "Overview of the onboarding process"
RMS_PHASES = "Phases of the onboarding process"
RMS_ENABLE = "Phases of the onboarding process > Enable phase"
MS = "Microsoft responsibilities"
YOU = "Your responsibilities"
EMS_AADP = "Enable phase > Enable phase - Azure Active Directory Premium"
EMS_INTUNE = "Enable phase > Enable phase - Microsoft Intune"
EMS_RMS = "Enable phase > Enable phase - Azure Right Management Premium"


def resp(service: str, party: str, phase: str, slug: str) -> str:
    return f"responsibility {service}.resp.{party}.{phase}.{slug}"


def core_ms(phase: str, slug: str) -> str:
    return resp("core", "provider", phase, slug)


def core_you(phase: str, slug: str) -> str:
    return resp("core", "customer", phase, slug)


def rms_ms(slug: str) -> str:
    return resp("azure_rms", "provider", "enable", slug)


#: (section, the bullet's first words, ids that realize it).  Bullets under a
#: table-of-contents are navigation, not requirements: SKIPPED lists them.
TRACE: list[tuple[str, str, list[str]]] = [
    # --- Azure RMS process: what the customer can expect when onboarding is complete
    (
        RMS_TITLE,
        "Your Microsoft Azure RMS tenant is created",
        ["step azure_rms.activate", "step core.activate-tenant"],
    ),
    (
        RMS_TITLE,
        "Licensed users can access Azure RMS services",
        ["fact identity", "step azure_rms.pilot-users"],
    ),
    (RMS_TITLE, "Cloud Identities", ["fact identity=cloud"]),
    (
        RMS_TITLE,
        "Synchronized Identities",
        ["fact identity=synchronized", "step core.dirsync-single-forest", "step core.dirsync-multi-forest"],
    ),
    (RMS_TITLE, "Federated Identities", ["fact identity=federated", "step core.adfs"]),
    (
        RMS_TITLE,
        "Synchronized from Active Directory with the Microsoft Azure AD Connect tool",
        ["step core.password-sync", "scope core.scope.adfs-multi-forest"],
    ),
    (
        RMS_TITLE,
        "Federated with Active Directory Federation Services (AD FS) 2.0 or later",
        [
            "fact adfs_version",
            "requirement core.adfs-version",
            "requirement core.adfs-version-declared",
            "step core.adfs",
            "step core.test-sso",
        ],
    ),
    # --- overview: components, basic process, remote support
    (RMS_OVERVIEW, "Core capabilities - tasks required", ["service core"]),
    (RMS_OVERVIEW, "Service onboarding - tasks required", ["service azure_rms", "step azure_rms.activate"]),
    (
        RMS_OVERVIEW,
        "Microsoft will attempt to contact you within 30 days",
        [core_ms("initiate", "contact-30-days")],
    ),
    (
        RMS_OVERVIEW,
        "The Microsoft team will help you with core capabilities",
        [core_ms("general", "once-per-service"), "service ems"],
    ),
    (
        RMS_OVERVIEW,
        "Microsoft will remotely assist you",
        [core_ms("general", "remote-assistance"), core_ms("general", "access-optional")],
    ),
    (
        RMS_OVERVIEW,
        "Onboarding support is provided by the FastTrack Center",
        [core_ms("general", "remote-business-hours")],
    ),
    (
        RMS_OVERVIEW,
        "Onboarding support is available in Traditional Chinese",
        [core_ms("general", "languages")],
    ),
    (RMS_OVERVIEW, "The Microsoft team can work directly with you", [core_ms("general", "representative")]),
    # --- the four phases and their gates
    (RMS_PHASES, "Initiate", ["gate kickoff"]),
    (RMS_PHASES, "Assess", ["gate remediation-plan"]),
    (RMS_PHASES, "Remediate", ["gate joint-verification"]),
    (RMS_PHASES, "Enable", ["step core.activate-tenant"]),
    # --- the Azure RMS features enabled
    (RMS_ENABLE, "RMS Service Enablement", ["step azure_rms.activate"]),
    (
        RMS_ENABLE,
        "IRM Configuration for Exchange Online",
        ["step azure_rms.exchange-online-irm", "step azure_rms.sharepoint-online-irm"],
    ),
    (
        RMS_ENABLE,
        "Rights Management Connector with Exchange on-premise",
        ["step azure_rms.connector-install"],
    ),
    (
        RMS_ENABLE,
        "RMS Sharing Application",
        ["step azure_rms.sharing-app-windows", "step azure_rms.sharing-app-other"],
    ),
    # --- Microsoft responsibilities
    (f"{MS} > General", "Provide remote support assistance", [core_ms("general", "remote-assistance")]),
    (f"{MS} > General", "Provide available documentation", [core_ms("general", "tools")]),
    (f"{MS} > Initiate phase", "Contact you within 30 days", [core_ms("initiate", "contact-30-days")]),
    (f"{MS} > Initiate phase", "Define which eligible services", [core_ms("initiate", "define-services")]),
    (f"{MS} > Assess phase", "Provide an administrative overview", [core_ms("assess", "admin-overview")]),
    (f"{MS} > Assess phase", "Provide guidance with", [core_ms("assess", "guidance-dns-network")]),
    (
        f"{MS} > Assess phase",
        "DNS, network, and infrastructure needs",
        [core_ms("assess", "guidance-dns-network"), "requirement core.dns-records", "requirement core.proxy"],
    ),
    (
        f"{MS} > Assess phase",
        "Client needs",
        [
            core_ms("assess", "guidance-client"),
            "requirement intune.browsers",
            "requirement intune.device-platforms",
            "requirement azure_rms.browsers",
            "requirement azure_rms.client-devices",
        ],
    ),
    (f"{MS} > Assess phase", "User identity and provisioning", [core_ms("assess", "guidance-identity")]),
    (
        f"{MS} > Assess phase",
        "Identification of Directory Synchronization requirements",
        [core_ms("assess", "guidance-dirsync"), "requirement core.directory-readiness"],
    ),
    (f"{MS} > Assess phase", "Enabling of eligible services", [core_ms("assess", "guidance-enabling")]),
    (
        f"{MS} > Assess phase",
        "Identification of required piloting",
        [core_ms("assess", "guidance-pilot"), "requirement intune.test-devices"],
    ),
    (f"{MS} > Assess phase", "Establish the timeline", [core_ms("assess", "remediation-timeline")]),
    (
        f"{MS} > Assess phase",
        "Provide a remediation checklist",
        [core_ms("assess", "remediation-checklist"), "remediation fix.core.directory-readiness"],
    ),
    (f"{MS} > Remediate phase", "Hold conference calls", [core_ms("remediate", "checkpoint-calls")]),
    (f"{MS} > Remediate phase", "Assist with running tools", [core_ms("remediate", "assist-tools")]),
    (
        f"{MS} > Enable phase",
        "Activating your Azure RMS tenant",
        ["step core.activate-tenant", "step azure_rms.activate", rms_ms("activate")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring firewall ports",
        ["step core.firewall-ports", core_ms("enable", "firewall-ports")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring DNS for eligible services",
        ["step core.dns", core_ms("enable", "dns"), "step intune.verify-dns-records"],
    ),
    (
        f"{MS} > Enable phase",
        "Validating connectivity",
        ["step core.validate-connectivity", core_ms("enable", "connectivity")],
    ),
    (f"{MS} > Enable phase", "For a single-forest environment", ["step core.dirsync-single-forest"]),
    (
        f"{MS} > Enable phase",
        "Installing a directory synchronization",
        ["step core.dirsync-single-forest", core_ms("enable", "single-forest-dirsync")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring password synchronization",
        ["step core.password-sync", core_ms("enable", "single-forest-password-sync")],
    ),
    (f"{MS} > Enable phase", "For a multiple forest environment", ["step core.dirsync-multi-forest"]),
    (
        f"{MS} > Enable phase",
        "Installing Azure AD Connect synchronization, set up for multiple forest",
        [
            "step core.dirsync-multi-forest",
            core_ms("enable", "multi-forest-dirsync"),
            "scope core.scope.writeback-multi-forest",
        ],
    ),
    (
        f"{MS} > Enable phase",
        "Configure synchronization between on-premises Active Directory forests",
        ["step core.multi-forest-sync", core_ms("enable", "multi-forest-sync")],
    ),
    (
        f"{MS} > Enable phase",
        "Development and implementation for custom rules extensions are out of scope",
        ["scope core.scope.custom-sync-rules"],
    ),
    (
        f"{MS} > Enable phase",
        "For a single forest when the target is federated identities",
        ["step core.adfs", core_ms("enable", "adfs")],
    ),
    (
        f"{MS} > Enable phase",
        "For all multiple forest configurations, AD FS deployments are out of scope",
        ["scope core.scope.adfs-multi-forest"],
    ),
    (f"{MS} > Enable phase", "Testing single sign-on", ["step core.test-sso", core_ms("enable", "test-sso")]),
    (
        f"{MS} > Enable phase",
        "Adding additional information security administrators",
        ["step azure_rms.security-admins", rms_ms("security-admins")],
    ),
    (
        f"{MS} > Enable phase",
        "Assigning a super user account",
        ["step azure_rms.super-user", rms_ms("super-user"), "requirement azure_rms.super-user-account"],
    ),
    (
        f"{MS} > Enable phase",
        "Licensing two pilot users",
        ["step azure_rms.pilot-users", rms_ms("pilot-users")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring two test distribution groups",
        ["step azure_rms.test-groups", rms_ms("test-groups")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring one custom Azure RMS template",
        ["step azure_rms.custom-template", rms_ms("custom-template")],
    ),
    (
        f"{MS} > Enable phase",
        "Providing guidance in setting up SharePoint Online and Exchange Online",
        [rms_ms("online-integration")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring and validating Exchange Online integration",
        ["step azure_rms.exchange-online-irm", rms_ms("exchange-online"), "requirement azure_rms.tenant-key"],
    ),
    (
        f"{MS} > Enable phase",
        "Setting up one test mail flow rule to encrypt sensitive messages sent to recipients "
        "outside your organization.",
        ["step azure_rms.exchange-online-rule", rms_ms("exchange-online-rule")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring and validating SharePoint Online protection",
        [
            "step azure_rms.sharepoint-online-irm",
            "step azure_rms.sharepoint-online-library",
            rms_ms("sharepoint-online"),
        ],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring one server on-premises with the RMS Connector",
        [
            "step azure_rms.connector-install",
            "step azure_rms.connector-authorize",
            rms_ms("connector"),
            "requirement azure_rms.connector-server",
            "scope azure_rms.scope.connector-high-availability",
        ],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring and validating Exchange 2013/2010 on-premises",
        [
            "step azure_rms.connector-exchange",
            rms_ms("connector-exchange"),
            "requirement azure_rms.exchange-version",
        ],
    ),
    (
        f"{MS} > Enable phase",
        "Setting up one test mail flow rule to encrypt sensitive messages sent to recipients "
        "outside your organization using the Connector",
        ["step azure_rms.connector-exchange-rule", rms_ms("connector-exchange-rule")],
    ),
    (
        f"{MS} > Enable phase",
        "Configuring and Validating SharePoint 2013/2010 on-premises",
        [
            "step azure_rms.connector-sharepoint",
            rms_ms("connector-sharepoint"),
            "requirement azure_rms.sharepoint-version",
        ],
    ),
    (
        f"{MS} > Enable phase",
        "Setting up RMS Sharing Application",
        ["step azure_rms.sharing-app-windows", "step azure_rms.sharing-app-other", rms_ms("sharing-app")],
    ),
    # --- your responsibilities
    (
        f"{YOU} > General",
        "Any enhancements and integrations",
        [core_you("general", "enhancements"), "scope core.scope.enhancements"],
    ),
    (
        f"{YOU} > General",
        "Overall program and project management",
        [core_you("general", "program-management")],
    ),
    (f"{YOU} > General", "End-user communications", [core_you("general", "end-user-communications")]),
    (f"{YOU} > General", "Helpdesk documentation", [core_you("general", "helpdesk")]),
    (f"{YOU} > General", "Producing any reports", [core_you("general", "reports-minutes")]),
    (
        f"{YOU} > General",
        "Creating architectural and technical documentation",
        [core_you("general", "architecture-docs")],
    ),
    (f"{YOU} > General", "Designing, procuring, installing", [core_you("general", "hardware-networking")]),
    (
        f"{YOU} > General",
        "Procuring, installing, and configuring software",
        [core_you("general", "software")],
    ),
    (
        f"{YOU} > General",
        "Managing, configuring, and applying security policies",
        [core_you("general", "security-policies"), "scope core.scope.policies-beyond-test"],
    ),
    (
        f"{YOU} > General",
        "Enrolling user accounts beyond",
        [core_you("general", "user-enrollment"), "scope core.scope.users-beyond-test"],
    ),
    (f"{YOU} > General", "Network configuration, analysis", [core_you("general", "network-validation")]),
    (f"{YOU} > General", "Managing a technical change management", [core_you("general", "change-approval")]),
    (f"{YOU} > General", "Modifying your operational model", [core_you("general", "operational-model")]),
    (
        f"{YOU} > General",
        "Decommissioning and removing",
        [core_you("general", "decommissioning"), "scope core.scope.decommissioning"],
    ),
    (
        f"{YOU} > General",
        "Constructing and maintaining your test environment",
        [core_you("general", "test-environment")],
    ),
    (f"{YOU} > General", "Installing service packs", [core_you("general", "service-packs")]),
    (
        f"{YOU} > General",
        "Providing and configuring any public SSL certificates",
        [core_you("general", "ssl-certificates"), "requirement core.adfs-certificate"],
    ),
    (f"{YOU} > General", "Writing the organization", [core_you("general", "terms-of-use")]),
    (f"{YOU} > Initiate phase", "Work with the Microsoft team", [core_you("initiate", "begin-onboarding")]),
    (
        f"{YOU} > Initiate phase",
        "Participate in the engagement kick-off",
        [core_you("initiate", "kickoff"), "gate kickoff"],
    ),
    (f"{YOU} > Assess phase", "Identify appropriate stakeholders", [core_you("assess", "stakeholders")]),
    (f"{YOU} > Assess phase", "If you choose to, share your screen", [core_you("assess", "share-screen")]),
    (
        f"{YOU} > Assess phase",
        "Participate in the meetings to create the remediation checklist",
        [core_you("assess", "remediation-meetings"), "gate remediation-plan"],
    ),
    (
        f"{YOU} > Assess phase",
        "Participate in the meetings to outline",
        [core_you("assess", "provisioning-meetings")],
    ),
    (
        f"{YOU} > Assess phase",
        "Participate in the meetings to plan",
        [core_you("assess", "configuration-meetings")],
    ),
    (f"{YOU} > Assess phase", "Create a support plan", [core_you("assess", "support-plan")]),
    (
        f"{YOU} > Remediate phase",
        "Perform required steps",
        [core_you("remediate", "remediation"), "remediation fix.core.forest-functional-level"],
    ),
    (
        f"{YOU} > Remediate phase",
        "Participate in checkpoint meetings",
        [core_you("remediate", "checkpoints")],
    ),
    (f"{YOU} > Enable phase", "If you choose to, share your screen", [core_you("enable", "share-screen")]),
    (f"{YOU} > Enable phase", "Manage resources", [core_you("enable", "manage-resources")]),
    (f"{YOU} > Enable phase", "Configure network-related items", [core_you("enable", "network")]),
    (
        f"{YOU} > Enable phase",
        "Perform directory readiness",
        [core_you("enable", "directory"), "step core.dirsync-single-forest"],
    ),
    (
        f"{YOU} > Enable phase",
        "Configure security-related infrastructure",
        [core_you("enable", "security-infrastructure"), "step core.firewall-ports"],
    ),
    (
        f"{YOU} > Enable phase",
        "Implement the appropriate client infrastructure",
        [core_you("enable", "client-infrastructure")],
    ),
    (
        f"{YOU} > Enable phase",
        "Implement a user-provisioning approach",
        [core_you("enable", "user-provisioning")],
    ),
    (f"{YOU} > Enable phase", "Enable various services", [core_you("enable", "enable-services")]),
    # --- EMS phases: the Azure AD Premium features
    (
        EMS_AADP,
        "Self Service Password Reset",
        ["step aad_premium.sspr", "step aad_premium.password-writeback"],
    ),
    (
        EMS_AADP,
        "Azure Multi-Factor Authentication",
        ["step aad_premium.mfa", resp("aad_premium", "customer", "enable", "mfa-server")],
    ),
    (
        EMS_AADP,
        "Software as a Service (SaaS) application",
        [
            "step aad_premium.saas-application",
            "requirement aad_premium.saas-application",
            "scope aad_premium.scope.more-saas-applications",
        ],
    ),
    (EMS_AADP, "Self-Service Group Management", ["step aad_premium.self-service-groups"]),
    (EMS_AADP, "Administrative reports", ["step aad_premium.admin-reports"]),
    # --- EMS phases: the Intune list, branch by branch
    (
        EMS_INTUNE,
        "Licensing your end users",
        [
            "step intune.license-users",
            "step intune.activate-volume-licenses",
            "fact volume_licensing",
            resp("intune", "provider", "enable", "volume-licensing"),
        ],
    ),
    (
        EMS_INTUNE,
        "Configuring identities to be used by Microsoft Intune",
        ["step intune.configure-identities"],
    ),
    (
        EMS_INTUNE,
        "Adding users to your Microsoft Intune subscription",
        ["step intune.add-users", "step intune.admin-roles", "step intune.user-device-groups"],
    ),
    (
        EMS_INTUNE,
        "Based on your management needs, configuring your Mobile Device Management authority",
        ["fact mdm_authority"],
    ),
    (
        EMS_INTUNE,
        "Set Microsoft Intune as your MDM authority",
        ["step intune.mdm-authority-intune", "fact mdm_authority=intune"],
    ),
    (
        EMS_INTUNE,
        "If you have an existing implementation of System Center Configuration Manager",
        [
            "step intune.mdm-authority-configmgr",
            "fact mdm_authority=configmgr",
            "requirement intune.configmgr-ready",
            "scope intune.scope.configmgr-setup",
        ],
    ),
    (
        EMS_INTUNE,
        "If you are only looking to leverage Mobile Application Management",
        ["fact mdm_authority=none", "scope intune.scope.mdm"],
    ),
    (EMS_INTUNE, "If Mobile Device Management is in your scope", ["step intune.mdm-test-groups"]),
    (EMS_INTUNE, "Configuring tests groups", ["step intune.mdm-test-groups"]),
    (EMS_INTUNE, "Configuring MDM management policies and services", ["step intune.app-deployment"]),
    (
        EMS_INTUNE,
        "Application deployment for each supported platform",
        ["step intune.app-deployment", "scope intune.scope.apps-beyond-test"],
    ),
    (
        EMS_INTUNE,
        "Conditional access policies",
        [
            "step intune.conditional-access",
            "requirement intune.conditional-access-prerequisites",
            "requirement intune.enrollment-dns",
        ],
    ),
    (
        EMS_INTUNE,
        "Deployment of email profiles",
        ["step intune.email-profiles", "requirement intune.email-profile-service"],
    ),
    (
        EMS_INTUNE,
        "Setting up the Microsoft Intune Exchange Connector",
        [
            "step intune.exchange-connector",
            "requirement intune.exchange-connector-server",
            "scope intune.scope.exchange-connector-configmgr",
        ],
    ),
    (
        EMS_INTUNE,
        "Enrolling devices of each supported platform",
        [
            "step intune.enroll-ios",
            "step intune.enroll-android",
            "step intune.enroll-windows",
            "step intune.enroll-windows-phone",
            "step intune.enroll-macos",
            "requirement intune.device-platforms",
            "requirement intune.apns-certificate",
            "scope intune.scope.devices-beyond-test",
        ],
    ),
    (
        EMS_INTUNE,
        "If Mobile Application Management (MAM) is in your scope",
        ["fact mam_in_scope", "fact third_party_mdm", "scope intune.scope.third-party-mdm-devices"],
    ),
    (
        EMS_INTUNE,
        "Configuring MAM policies for each supported platform",
        ["step intune.mam-policy-ios", "step intune.mam-policy-android"],
    ),
    (
        EMS_INTUNE,
        "Configuring conditional access policies for managed apps",
        ["step intune.mam-conditional-access"],
    ),
    (EMS_INTUNE, "Targeting the appropriate user groups", ["step intune.mam-target-groups"]),
    (EMS_INTUNE, "Using managed-applications usage reports", ["step intune.mam-usage-reports"]),
    (
        EMS_INTUNE,
        "If PC management is in your scope",
        ["fact pc_in_scope", "requirement intune.pc-operating-systems"],
    ),
    (EMS_INTUNE, "When needed, installing the Intune client software", ["step intune.pc-client"]),
    (EMS_INTUNE, "Using the software and hardware reports", ["step intune.pc-reports"]),
    # --- EMS phases: the Azure RMS features
    (EMS_RMS, "AzRMS Service Enablement", ["step azure_rms.activate"]),
    (
        EMS_RMS,
        "IRM Configuration for Exchange Online",
        ["step azure_rms.exchange-online-irm", "step azure_rms.sharepoint-online-irm"],
    ),
    (
        EMS_RMS,
        "Rights Management Connector with Exchange on-premise",
        ["step azure_rms.connector-install", "scope azure_rms.scope.connector-exchange-2016"],
    ),
    (
        EMS_RMS,
        "RMS Sharing Application",
        ["step azure_rms.sharing-app-windows", "step azure_rms.sharing-app-other"],
    ),
]

#: The table of contents at the top of the Azure RMS page: links, not requirements.
SKIPPED: list[tuple[str, str]] = [
    (RMS_TITLE, "Overview of the onboarding process"),
    (RMS_TITLE, "Expectations for your source environment"),
    (RMS_TITLE, "Phases of the onboarding process"),
    (RMS_TITLE, "Microsoft responsibilities for each phase"),
    (RMS_TITLE, "Your responsibilities for each phase"),
]

#: Lists written as prose (sentences of comma-separated tasks), traced phrase by phrase.
PROSE_TRACE: list[tuple[Path, str, list[str]]] = [
    # "we'll help you by adding IT administrators and users ..., configuring management
    # prerequisites, setting up Azure AD Premium, setting up directory synchronization ...,
    # and AD FS ..., configuring test users and validating your core use cases"
    (
        EMS_PHASES,
        "adding IT administrators and users to your subscription",
        ["step aad_premium.add-admins-users"],
    ),
    (EMS_PHASES, "configuring management prerequisites", ["step aad_premium.management-prerequisites"]),
    (EMS_PHASES, "setting up Azure Active Directory Premium", ["step aad_premium.assign-licenses"]),
    (
        EMS_PHASES,
        "setting up directory synchronization using the Azure Active Directory Connect tool",
        ["step core.dirsync-single-forest", "step core.dirsync-multi-forest"],
    ),
    (
        EMS_PHASES,
        "Active Directory Federation Services (AD FS), using the Azure Active Directory Connect tool",
        ["step core.adfs"],
    ),
    (
        EMS_PHASES,
        "configuring test users and validating your core use cases",
        [
            "step aad_premium.test-users",
            "step aad_premium.validate-use-cases",
            "step azure_rms.validate-use-cases",
        ],
    ),
    (
        EMS_PHASES,
        "Microsoft will also connect you with guidance about how to drive successful adoption",
        [
            "step ems.adoption-guidance",
            "step intune.adoption-guidance",
            resp("ems", "provider", "assess", "adoption-guidance"),
        ],
    ),
    (
        EMS_PHASES,
        "minimum requirements for successful onboarding to EMS or its individual cloud services",
        [resp("ems", "provider", "assess", "suite-remediation-plan")],
    ),
    (
        EMS_PHASES,
        "We’ll also set up appropriate checkpoint calls",
        [core_ms("assess", "checkpoint-schedule")],
    ),
    (
        EMS_PHASES,
        "we’ll discuss the onboarding process, verify data, and set up a kick-off meeting",
        [core_ms("initiate", "kickoff")],
    ),
    (EMS_PHASES, "Microsoft will verify your eligibility", [core_ms("initiate", "verify-eligibility")]),
    (
        EMS_PHASES,
        "we’ll jointly verify the outcomes of the remediation activities",
        ["gate joint-verification"],
    ),
    (
        RMS_PROCESS,
        "Providing access and permissions to Microsoft isn’t required",
        [core_ms("general", "access-optional")],
    ),
    # The source-environment table (one cell each): expectations as requirements.
    (
        RMS_PROCESS,
        "functional forest level set to Windows Server 2008 or above",
        ["requirement core.forest-functional-level"],
    ),
    (
        RMS_PROCESS,
        "Single Active Directory forest",
        ["fact forest_count", "step core.dirsync-single-forest", "requirement core.forest-count"],
    ),
    (
        RMS_PROCESS,
        "Multiple Active Directory forests",
        ["step core.dirsync-multi-forest", "requirement core.multi-forest-topology"],
    ),
    (
        RMS_PROCESS,
        "For all multiple forests configurations, AD FS deployment is out of scope",
        ["scope core.scope.adfs-multi-forest"],
    ),
    (
        RMS_PROCESS,
        "On-premises Active Directory and environment have been prepared for Azure RMS",
        [
            "requirement azure_rms.ad-prepared",
            "requirement aad_premium.ad-prepared",
            "requirement intune.ad-prepared",
        ],
    ),
]


# ---------------------------------------------------------------------------


def seed_items(path: Path) -> list[tuple[str, str]]:
    """Every bullet and note of ``path`` as (section path, cleaned text)."""
    title = h2 = h3 = ""
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^(#+)\s*(.*)$", line)
        if heading:
            level, text = len(heading.group(1)), _clean(re.sub(r"<a name=[^>]*></a>", "", heading.group(2)))
            if level == 1:
                title, h2, h3 = text, "", ""
            elif level == 2:
                h2, h3 = text, ""
            else:
                h3 = text
            continue
        section = " > ".join(part for part in ((h2 or title), h3) if part)
        bullet = re.match(r"^\s*-\s+(.*)$", line)
        note = re.match(r"^\s*>\s*(.+)$", line)
        if bullet:
            items.append((section, _clean(bullet.group(1))))
        elif note and not note.group(1).lstrip().startswith("[!"):
            items.append((section, _clean(note.group(1))))
    return items


def _clean(text: str) -> str:
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)  # links keep their text
    return " ".join(text.replace("**", "").split())


def _matches(item: tuple[str, str], section: str, prefix: str) -> bool:
    return item[0] == section and item[1].lower().startswith(prefix.lower())


@pytest.fixture(scope="module")
def inventory() -> set[str]:
    """Every id any plan produces, over every fact combination worth trying, for EMS."""
    manager = load_plugin_manager()
    registry = manager.services()
    found: set[str] = {f"service {key}" for key in registry}
    for key, fact in manager.facts().items():
        found.add(f"fact {key}")
        found.update(f"fact {key}={str(v).lower() if isinstance(v, bool) else v}" for v in fact.choices)
    for facts in fact_combinations(manager.facts().values()):
        try:
            plan = build_plan(manager, preview("ems", facts, registry))
        except FactConflictError:
            continue
        found.update(f"gate {g.id}" for g in plan.gates)
        for kind, items in (
            ("requirement", plan.requirements),
            ("step", plan.enable_steps),
            ("scope", plan.exclusions),
            ("responsibility", plan.responsibilities),
        ):
            found.update(f"{kind} {item.id}" for item in items)
        found.update(f"remediation fix.{r.id}" for r in plan.requirements)
    return found


ALL_ITEMS = [(path.name, item) for path in (EMS_PHASES, RMS_PROCESS) for item in seed_items(path)]


@pytest.mark.parametrize(("seed", "item"), ALL_ITEMS, ids=[f"{s}:{i[0]}:{i[1][:40]}" for s, i in ALL_ITEMS])
def test_every_bullet_of_the_seeds_is_mapped_once(seed: str, item: tuple[str, str]) -> None:
    mapped = [prefix for section, prefix, _ in TRACE if _matches(item, section, prefix)]
    skipped = [prefix for section, prefix in SKIPPED if _matches(item, section, prefix)]
    assert len(mapped) + len(skipped) == 1, f"{seed} [{item[0]}] {item[1]!r}: mapped by {mapped + skipped}"


def test_every_mapping_names_a_bullet_of_the_seeds() -> None:
    items = [item for _, item in ALL_ITEMS]
    stale = [(s, p) for s, p, _ in TRACE if not any(_matches(i, s, p) for i in items)]
    assert stale == []


@pytest.mark.parametrize(("section", "prefix", "ids"), TRACE, ids=[f"{s}:{p[:40]}" for s, p, _ in TRACE])
def test_every_bullet_is_realized_by_ids_a_plan_produces(
    section: str, prefix: str, ids: list[str], inventory: set[str]
) -> None:
    assert ids, f"[{section}] {prefix!r} is mapped to nothing"
    missing = [i for i in ids if i not in inventory]
    assert missing == [], f"[{section}] {prefix!r}: no plan produces {missing}"


@pytest.mark.parametrize(("seed", "phrase", "ids"), PROSE_TRACE, ids=[p[:40] for _, p, _ in PROSE_TRACE])
def test_every_prose_list_item_is_realized(
    seed: Path, phrase: str, ids: list[str], inventory: set[str]
) -> None:
    assert phrase in " ".join(seed.read_text(encoding="utf-8").split()), f"{phrase!r} is not in {seed.name}"
    missing = [i for i in ids if i not in inventory]
    assert missing == [], f"{phrase!r}: no plan produces {missing}"


def test_the_rms_enable_list_counts_26_bullets_and_2_notes_all_traced() -> None:
    enable = [i for i in seed_items(RMS_PROCESS) if i[0] == f"{MS} > Enable phase"]
    traced = [i for i in enable if any(_matches(i, s, p) for s, p, _ in TRACE)]
    assert len(enable) == 28
    assert len(traced) == len(enable)


def test_the_assess_phase_looks_at_every_area_the_seed_names() -> None:
    # "assessing your on-premises Active Directory, Internet browsers, client devices'
    # operating systems, DNS, network, infrastructure, and identity system" [F-PH]
    plan = build_plan(load_plugin_manager(), preview("ems", {}, load_plugin_manager().services()))
    categories = {r.category for r in plan.requirements}
    for area in (
        Category.ACTIVE_DIRECTORY,
        Category.BROWSERS,
        Category.CLIENT_OS,
        Category.DNS,
        Category.NETWORK,
        Category.INFRASTRUCTURE,
        Category.IDENTITY,
    ):
        assert area in categories, f"no requirement assesses {area.value}"
