"""Azure RMS's Enable bullets from the seed's "Microsoft responsibilities" list.

[F-RMS] "Microsoft responsibilities — Enable phase", the bullets after the core
ones (which core capabilities lists), nested bullets flattened with their parent's
context.  Each slug is part of an id: never rename one.
"""

from collections.abc import Sequence

from onboard.core.capabilities.helpers import responsibility_list
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Party, Responsibility

from .service import SERVICE

PROVIDER = {
    "enable": [
        ("activate", "Provide guidance about activating the Azure RMS tenant."),
        (
            "security-admins",
            "Provide guidance about adding information-security administrators to manage templates.",
        ),
        ("super-user", "Provide guidance about assigning a super user account to Azure RMS."),
        ("pilot-users", "Provide guidance about licensing two pilot users for Azure RMS."),
        (
            "test-groups",
            "Provide guidance about configuring two test distribution groups to validate policies.",
        ),
        (
            "custom-template",
            "Provide guidance about configuring one custom Azure RMS template for the directory.",
        ),
        (
            "online-integration",
            "Provide guidance in setting up SharePoint Online and Exchange Online "
            "integration with Azure RMS:",
        ),
        ("exchange-online", "Configuring and validating Exchange Online integration with Azure RMS."),
        (
            "exchange-online-rule",
            "Setting up one test mail-flow rule to encrypt sensitive messages sent "
            "to recipients outside the organization.",
        ),
        (
            "sharepoint-online",
            "Configuring and validating SharePoint Online protection of one test library with Azure RMS.",
        ),
        (
            "connector",
            "Provide guidance about configuring one on-premises server with the RMS "
            "connector, when applicable:",
        ),
        (
            "connector-exchange",
            "Configuring and validating Exchange 2013/2010 on-premises integration with Azure RMS.",
        ),
        (
            "connector-exchange-rule",
            "Setting up one test mail-flow rule to encrypt sensitive messages "
            "sent to recipients outside the organization using the connector.",
        ),
        (
            "connector-sharepoint",
            "Configuring and validating SharePoint 2013/2010 on-premises "
            "protection of one test library with Azure RMS.",
        ),
        (
            "sharing-app",
            "Provide guidance about setting up the RMS sharing application for Windows "
            "and non-Windows devices.",
        ),
    ],
}


@hookimpl
def responsibilities(services: Sequence[str]) -> list[Responsibility]:
    """The Azure RMS-specific provider responsibilities of the Enable phase."""
    return responsibility_list(SERVICE, Party.PROVIDER, PROVIDER)
