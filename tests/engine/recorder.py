"""A notification sink plugin for tests: keeps what the engagement sent."""

from onboard.core.hookspecs import hookimpl
from onboard.core.models import Notification


class NotificationRecorder:
    """Register on a plugin manager; ``sent`` fills as the workflow notifies.

    Like every ``notify`` implementation (the hookspec asks it), it drops a repeat of a
    notice id it has kept: the notify activity can run again after a delivery, when it
    is retried (a slow attempt timed out under load), and the repeat is the same notice.
    ``repeated`` keeps the repeats.  A notice without an id (``""``, from before ids) is
    kept every time.
    """

    def __init__(self) -> None:
        self.sent: list[Notification] = []
        self.repeated: list[Notification] = []
        self._ids: set[str] = set()

    @hookimpl
    def notify(self, notification: Notification) -> None:
        if notification.id and notification.id in self._ids:
            self.repeated.append(notification)
            return
        self._ids.add(notification.id)
        self.sent.append(notification)

    def kinds(self, engagement_id: str) -> list[str]:
        return [n.kind for n in self.sent if n.engagement_id == engagement_id]
