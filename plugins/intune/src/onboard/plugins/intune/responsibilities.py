"""Intune's additions to the shared responsibility lists (core has the rest).

From the service's process document [F-INT]: the customer supplies the test devices
(or backs them up) and the test apps, obtains the APNs certificate [F-ENV], and
completes onboarding of all services within 12 months.
"""

from collections.abc import Sequence

from onboard.core.capabilities.helpers import responsibility_list
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Party, Responsibility

from .service import SERVICE

PROVIDER = {
    "enable": [
        (
            "volume-licensing",
            "When needed, provide assistance on how to activate volume licences for "
            "the Microsoft cloud service tenant.",
        ),
        (
            "adoption",
            "Connect the customer with guidance about how to drive successful adoption of "
            "the eligible services.",
        ),
    ],
}

CUSTOMER = {
    "general": [
        ("complete-12-months", "Complete the onboarding of all services within 12 months of its start."),
    ],
    "enable": [
        (
            "test-devices",
            "Provide up to two test devices per platform, or back up the devices before they are enrolled.",
        ),
        ("test-apps", "Provide the apps to deploy for testing (up to two per platform)."),
        ("apns-certificate", "Obtain the Apple Push Notification service certificate for iOS enrolment."),
    ],
}


@hookimpl
def responsibilities(services: Sequence[str]) -> list[Responsibility]:
    """The Intune-specific provider and customer responsibilities."""
    return responsibility_list(SERVICE, Party.PROVIDER, PROVIDER) + responsibility_list(
        SERVICE, Party.CUSTOMER, CUSTOMER
    )
