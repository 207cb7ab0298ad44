"""A notification sink plugin for tests: keeps what the engagement sent."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import Notification


class NotificationRecorder:
    """Register on a plugin manager; ``sent`` fills as the workflow notifies."""

    def __init__(self) -> None:
        self.sent: list[Notification] = []

    @hookimpl
    def notify(self, notification: Notification) -> None:
        self.sent.append(notification)

    def kinds(self, engagement_id: str) -> list[str]:
        return [n.kind for n in self.sent if n.engagement_id == engagement_id]
