"""Who does what, per phase: the seed's "Microsoft responsibilities" and "Your responsibilities".

The lists below follow [F-RMS] section by section, bullet by bullet, with the
service name generalized ("your Azure RMS subscription" becomes "your
subscription"), because every eligible service shares them [F-INT][F-AAD].  The
programme facts (remote delivery, business hours, languages, contact within 30
days, onboarding once per service) come from the same document's overview.  The
service-specific Enable bullets (RMS templates, super user, ...) live in the
service plugins.  Each entry's slug is part of its id: never rename one.
"""

from collections.abc import Sequence

from onboard.core.hookspecs import hookimpl
from onboard.core.models import Party, Responsibility

from .facts import CORE
from .helpers import responsibility_list

#: (slug, text) per phase: "Microsoft responsibilities" [F-RMS].
PROVIDER: dict[str, list[tuple[str, str]]] = {
    "general": [
        (
            "remote-assistance",
            "Provide remote support assistance for the required configuration "
            "activities, as described in the detailed phase descriptions.",
        ),
        (
            "tools",
            "Provide available documentation and software tools, admin consoles, and scripts "
            "to help reduce or eliminate configuration tasks.",
        ),
        # The note under "General": access is optional.
        (
            "access-optional",
            "Giving Microsoft access and permissions is not required; the customer "
            "may choose to grant them for specific activities done on its behalf.",
        ),
        # Overview: "All onboarding support will be provided remotely ...".
        (
            "remote-business-hours",
            "Provide onboarding support remotely from the FastTrack Center, "
            "during normal business hours for the customer's region.",
        ),
        (
            "languages",
            "Provide onboarding support in Traditional Chinese, English, French, German, "
            "Italian, Japanese, Portuguese (Brazil) or Spanish.",
        ),
        (
            "representative",
            "Work directly with the customer or with a representative the customer designates.",
        ),
        ("once-per-service", "Help with core capabilities first, then onboard each eligible service once."),
    ],
    "initiate": [
        # Initiate phase prose: eligibility is verified before contact.
        (
            "verify-eligibility",
            "Verify the tenant's eligibility for the FastTrack Center Benefit "
            "(at least 150 licences of each eligible service, or of a suite that bundles it).",
        ),
        (
            "contact-30-days",
            "Contact the customer within 30 days of the purchase of eligible licences "
            "for a new tenant (the customer may also request assistance at the FastTrack Center).",
        ),
        ("define-services", "Define which eligible services the customer wants to onboard."),
        ("kickoff", "Discuss the onboarding process, verify data, and set up a kick-off meeting."),
    ],
    "assess": [
        ("admin-overview", "Provide an administrative overview."),
        ("guidance-dns-network", "Provide guidance with DNS, network, and infrastructure needs."),
        (
            "guidance-client",
            "Provide guidance with client needs (Internet browser, client operating "
            "system, and services' needs).",
        ),
        ("guidance-identity", "Provide guidance with user identity and provisioning."),
        (
            "guidance-dirsync",
            "Provide guidance with the identification of directory synchronization requirements.",
        ),
        (
            "guidance-enabling",
            "Provide guidance with enabling the eligible services that have been "
            "purchased and defined to be part of the onboarding.",
        ),
        (
            "guidance-pilot",
            "Provide guidance with the identification of piloting and test environment requirements.",
        ),
        ("remediation-timeline", "Establish the timeline for remediation activities."),
        ("remediation-checklist", "Provide a remediation checklist."),
        # Assess phase prose.
        (
            "run-tools",
            "Run tools to assess on-premises Active Directory, Internet browsers, client "
            "operating systems, DNS, network, infrastructure and identity.",
        ),
        ("checkpoint-schedule", "Set up checkpoint calls for the Remediate phase."),
    ],
    "remediate": [
        (
            "checkpoint-calls",
            "Hold conference calls according to the agreed-upon schedule to review "
            "the progress of the remediation activities.",
        ),
        (
            "assist-tools",
            "Assist with running tools to identify and remediate issues, and with interpreting the results.",
        ),
    ],
    "enable": [
        ("activate-tenant", "Provide guidance about activating the tenant."),
        ("firewall-ports", "Provide guidance about configuring firewall ports."),
        ("dns", "Provide guidance about configuring DNS for the eligible services."),
        ("connectivity", "Provide guidance about validating connectivity to the services."),
        (
            "single-forest-dirsync",
            "For a single-forest environment: provide guidance about installing "
            "directory synchronization between AD DS and Azure AD with Azure AD Connect, if required.",
        ),
        (
            "single-forest-password-sync",
            "For a single-forest environment: provide guidance about "
            "configuring password synchronization with Azure AD Connect.",
        ),
        (
            "multi-forest-dirsync",
            "For a multiple-forest environment: provide guidance about installing "
            "Azure AD Connect set up for multiple forests (password hash sync and password writeback "
            "support multiple forests; other writeback scenarios do not).",
        ),
        (
            "multi-forest-sync",
            "For a multiple-forest environment: provide guidance about configuring "
            "synchronization between the on-premises forests and Azure AD (custom rule extensions are "
            "out of scope).",
        ),
        (
            "adfs",
            "For a single forest with federated identities: provide guidance about installing "
            "and configuring AD FS in a single-site, fault-tolerant configuration, if required (AD FS "
            "is out of scope for every multiple-forest configuration).",
        ),
        ("test-sso", "Provide guidance about testing single sign-on, if deployed."),
    ],
}

#: (slug, text) per phase: "Your responsibilities" [F-RMS].
CUSTOMER: dict[str, list[tuple[str, str]]] = {
    "general": [
        (
            "enhancements",
            "Any enhancements and integrations to the tenant beyond the configurable "
            "options listed for the eligible services.",
        ),
        ("program-management", "Overall program and project management of your resources."),
        (
            "end-user-communications",
            "End-user communications, documentation, training, and change management.",
        ),
        ("helpdesk", "Helpdesk documentation and training."),
        (
            "reports-minutes",
            "Producing any reports, presentations, or meeting minutes that are "
            "specific to your organization.",
        ),
        (
            "architecture-docs",
            "Creating architectural and technical documentation specific to your organization.",
        ),
        ("hardware-networking", "Designing, procuring, installing, and configuring hardware and networking."),
        ("software", "Procuring, installing, and configuring software."),
        (
            "security-policies",
            "Managing, configuring, and applying security policies beyond those "
            "created for testing the services' baseline configuration and functionality.",
        ),
        (
            "user-enrollment",
            "Enrolling user accounts beyond those used to test the services' "
            "baseline configuration and functionality.",
        ),
        (
            "network-validation",
            "Network configuration, analysis, bandwidth validation, testing, and monitoring.",
        ),
        (
            "change-approval",
            "Managing a technical change management approval process and creating supporting documentation.",
        ),
        ("operational-model", "Modifying your operational model and operation guides."),
        (
            "decommissioning",
            "Decommissioning and removing source environments and services previously used by the customer.",
        ),
        ("test-environment", "Constructing and maintaining your test environment."),
        ("service-packs", "Installing service packs and other required updates on infrastructure servers."),
        ("ssl-certificates", "Providing and configuring any public SSL certificates."),
        (
            "terms-of-use",
            "Writing the organization's Terms of Use (TOU) statement to be configured "
            "and displayed on devices owned by end users.",
        ),
    ],
    "initiate": [
        ("begin-onboarding", "Work with the Microsoft team to begin onboarding of eligible services."),
        (
            "kickoff",
            "Participate in the engagement kick-off meeting, manage and lead participants "
            "from your organization, and confirm remediation timelines.",
        ),
    ],
    "assess": [
        (
            "stakeholders",
            "Identify appropriate stakeholders (including a project manager) to "
            "complete the necessary assessment activities.",
        ),
        (
            "share-screen",
            "If you choose to, share your screen with Microsoft if guidance is needed "
            "when running evaluation tools against your environment or your subscription.",
        ),
        (
            "remediation-meetings",
            "Participate in the meetings to create the remediation checklist "
            "and to contribute to the overall plan, including infrastructure, network, administration, "
            "directory synchronization preparation, network security, and federated identity topics.",
        ),
        ("provisioning-meetings", "Participate in the meetings to outline the user-provisioning approach."),
        ("configuration-meetings", "Participate in the meetings to plan online service configuration."),
        ("support-plan", "Create a support plan for migration readiness."),
    ],
    "remediate": [
        (
            "remediation",
            "Perform required steps to complete remediation activities identified in the Assess phase.",
        ),
        ("checkpoints", "Participate in checkpoint meetings."),
    ],
    "enable": [
        (
            "share-screen",
            "If you choose to, share your screen with Microsoft if guidance is needed "
            "when making changes to your environment or to your subscription.",
        ),
        ("manage-resources", "Manage resources as appropriate."),
        ("network", "Configure network-related items per guidance from Microsoft."),
        (
            "directory",
            "Perform directory readiness and configure directory synchronization per "
            "guidance from Microsoft.",
        ),
        (
            "security-infrastructure",
            "Configure security-related infrastructure (such as firewall ports) per guidance from Microsoft.",
        ),
        ("client-infrastructure", "Implement the appropriate client infrastructure."),
        ("user-provisioning", "Implement a user-provisioning approach per guidance from Microsoft."),
        ("enable-services", "Enable various services per guidance from Microsoft."),
    ],
}


@hookimpl
def responsibilities(services: Sequence[str]) -> list[Responsibility]:
    """The seed's provider and customer lists for every phase, "General" included."""
    return responsibility_list(CORE, Party.PROVIDER, PROVIDER) + responsibility_list(
        CORE, Party.CUSTOMER, CUSTOMER
    )
