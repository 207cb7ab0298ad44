"""The ``notify`` hook: route a notice to people's channels and send it through apprise.

Routing, deduplication and failure handling are described in the package docs
(:mod:`onboard.core.channels`).  The hook runs in a worker thread of the notify
activity, which heartbeats for it; every send here is bounded by the configured
``timeout`` so a hung server is reported, never waited on past the activity's own
deadline.
"""

import mimetypes
import threading
import time
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

import apprise
import structlog
from apprise.attachment.memory import AttachMemory
from apprise.plugins.email.base import NotifyEmail
from attrs import frozen
from onboard.core.channels.config import Channel, ChannelConfig, channels_path, load_channels
from onboard.core.channels.delivered import Claim, DeliveredRecord
from onboard.core.channels.render import render, web_ui_link
from onboard.core.errors import OnboardError
from onboard.core.hookspecs import hookimpl
from onboard.core.models import Notification, Reach, Recipient
from onboard.core.settings import onboard_home

log = structlog.get_logger(__name__)

#: Kinds that also go to the ``operations`` channels.
OPERATIONS_KINDS = frozenset({"blocked"})
#: Recipient keys of the shared channels in the delivered record.
EVERYONE, OPERATIONS = "*everyone*", "*operations*"
_PARALLEL = 8
_WARNING_KINDS = frozenset({"escalation", "blocked", "rejected"})
#: The name a notice's meeting invite (``Notification.calendar``) has in a mail.
INVITE_NAME = "invite.ics"
CALENDAR_TYPE = "text/calendar"
# apprise accepts an attachment's type only if the mimetypes table knows it, and
# Python's own table lacks text/calendar (only /etc/mime.types, where present, has
# it).  Loaded here, once, before any send thread: apprise loads the table itself
# when it finds it unloaded, and two threads doing that at once saw it half-built.
mimetypes.init()
mimetypes.add_type(CALENDAR_TYPE, ".ics")


class DeliveryError(OnboardError):
    """Some deliveries of a notice failed; the message names each and why."""


@frozen
class Delivery:
    """One message to send: ``channel`` for ``who`` (``address`` for e-mail)."""

    key: str  # recipient key in the delivered record: roster id, e-mail, or EVERYONE/OPERATIONS
    who: str  # for messages
    channel: Channel
    recipient: Recipient | None = None
    address: str = ""


@hookimpl
def notify(notification: Notification) -> Reach | None:
    """Deliver ``notification`` to its recipients' channels (see the package docs);
    say whom it reached and who has no channel (None: no channels are configured)."""
    config = _configuration()
    if config is None:
        return None
    deliver(notification, config)
    deliveries, skipped = route(notification, config)
    people = {d.key for d in deliveries if d.key not in (EVERYONE, OPERATIONS)}
    return Reach(tuple(sorted(people)), tuple(skipped))


def deliver(notification: Notification, config: ChannelConfig, record: DeliveredRecord | None = None) -> int:
    """Send what has not been sent yet; return how many messages went out.

    :raises DeliveryError: if any delivery failed (after apprise's retries).
    """
    deliveries, skipped = route(notification, config)
    if skipped:
        log.info("recipients without a channel", notice=notification.id, recipients=skipped)
    if not deliveries:
        return 0
    if record is None:
        record = delivered_record(config)
    deadline = time.monotonic() + config.timeout
    link = web_ui_link(config.web_ui, notification.engagement_id)
    with ThreadPoolExecutor(
        max_workers=min(_PARALLEL, len(deliveries)), thread_name_prefix="channels"
    ) as pool:
        outcomes = list(
            pool.map(lambda d: _send(d, notification, config, record, deadline, link), deliveries)
        )
    failures = [
        f"{d.who} via {d.channel.label} ({d.channel.where}): {error}"
        for d, (_, error) in zip(deliveries, outcomes, strict=True)
        if error
    ]
    if failures:
        raise DeliveryError(
            f"notice {notification.id or notification.kind!r} of {notification.engagement_id}: "
            f"{len(failures)} of {len(deliveries)} deliveries failed: " + "; ".join(failures)
        )
    return sum(1 for sent, _ in outcomes if sent)


def route(notification: Notification, config: ChannelConfig) -> tuple[list[Delivery], list[str]]:
    """Who gets the notice on which channel, and the recipients that have none.

    A person's own channels (``people``, by roster id or e-mail) win; else their
    e-mail through ``email``; else nobody (the JSON-lines sink still has it).
    """
    found: dict[tuple[str, str], Delivery] = {}
    skipped: list[str] = []
    for person in _recipients(notification):
        key = person.id or person.email.lower()
        own = config.people.get(person.id) if person.id else None
        if own is None and person.email:
            own = config.people.get(person.email.lower())
        chosen: list[Delivery] = []
        for channel in own or ():
            if not channel.email_alias:
                chosen.append(Delivery(key, key, channel, person))
            elif person.email and config.email is not None:
                chosen.append(Delivery(key, key, config.email, person, person.email))
        if own is None and person.email and config.email is not None:
            chosen.append(Delivery(key, key, config.email, person, person.email))
        if not chosen:
            skipped.append(key)
        for delivery in chosen:
            found.setdefault((delivery.key, delivery.channel.key + delivery.address.lower()), delivery)
    shared = [(EVERYONE, "everyone", c) for c in config.everyone]
    if notification.kind in OPERATIONS_KINDS:
        shared += [(OPERATIONS, "operations", c) for c in config.operations]
    for key, who, channel in shared:
        found.setdefault((key, channel.key), Delivery(key, who, channel))
    return list(found.values()), skipped


def delivered_record(config: ChannelConfig) -> DeliveredRecord:
    """The delivered record the configuration names (default ``$ONBOARD_HOME``)."""
    path = config.delivered or onboard_home() / "channels-delivered.sqlite3"
    return DeliveredRecord(path, lease=config.timeout + 10)


def _recipients(notification: Notification) -> Iterable[Recipient]:
    """The notice's recipients, once each; roster ids in ``to`` that have no
    Recipient (notices from before recipients existed) count as ids alone."""
    seen: set[str] = set()
    people = list(notification.recipients)
    listed = {r.id for r in people if r.id}
    people += [Recipient(id=pid) for pid in notification.to if pid not in listed]
    for person in people:
        key = person.id or person.email.lower()
        if key and key not in seen:
            seen.add(key)
            yield person


def _send(
    delivery: Delivery,
    notification: Notification,
    config: ChannelConfig,
    record: DeliveredRecord,
    deadline: float,
    link: str,
) -> tuple[bool, str]:
    """Send one message once; ``(sent, error)`` where ``error`` is ``""`` on success."""
    notice, channel = notification.id, delivery.channel
    address = delivery.address.lower()
    record_key = f"{channel.key}:{address}" if address else channel.key
    if notice:
        claim = record.claim(notice, delivery.key, record_key, channel.label)
        if claim is Claim.SENT:
            log.debug("already delivered", notice=notice, recipient=delivery.who, channel=channel.label)
            return False, ""
        if claim is Claim.BUSY:
            return False, "another worker is delivering it right now; the retry will see how that went"
    try:
        error = _apprise_send(delivery, notification, config, deadline, link)
    except Exception as exc:  # an apprise bug must not leave the claim behind
        error = f"{type(exc).__name__}: {exc}"
    if notice:
        (record.release if error else record.sent)(notice, delivery.key, record_key)
    if error:
        log.warning(
            "delivery failed", notice=notice, recipient=delivery.who, channel=channel.label, error=error
        )
        return False, error
    log.info("notice delivered", notice=notice, recipient=delivery.who, channel=channel.label)
    return True, ""


def _apprise_send(
    delivery: Delivery, notification: Notification, config: ChannelConfig, deadline: float, link: str
) -> str:
    """One apprise call for one recipient on one channel; the failure reason or ``""``."""
    remaining = deadline - time.monotonic()
    if remaining < 1:
        return f"not tried: the notice's {config.timeout:g} s budget was spent on other channels"
    asset = config.asset()
    if delivery.address:
        plugin = apprise.Apprise.instantiate(_email_to(delivery, notification), asset=asset)
    else:
        plugin = apprise.Apprise.instantiate(delivery.channel.url, asset=asset)
    if plugin is None:
        return "apprise could not load the URL it accepted when the configuration was read"
    message = render(notification, delivery.recipient, link)
    # Each service gets the form it shows best: mail HTML (apprise adds the text
    # part), Teams and Slack Markdown, webhooks and the rest plain text.
    fmt = plugin.resolve_format(None)
    body, body_format = {
        apprise.NotifyFormat.HTML: (message.html, apprise.NotifyFormat.HTML),
        apprise.NotifyFormat.MARKDOWN: (message.markdown, apprise.NotifyFormat.MARKDOWN),
    }.get(fmt, (message.text, apprise.NotifyFormat.TEXT))
    result = apprise.Apprise(plugin, asset=asset).notify(
        body=body,
        title=message.title,
        attach=invite(notification, plugin),
        body_format=body_format,
        notify_type=apprise.NotifyType.WARNING
        if notification.kind in _WARNING_KINDS
        else apprise.NotifyType.INFO,
        timeout=remaining,
    )
    if result:
        return ""
    reasons = []
    for service in result:
        if not service:
            lines = [e.message for e in service.logs() if e.level in {"WARNING", "ERROR", "CRITICAL"}]
            reasons += lines or [f"status {getattr(service.status, 'name', service.status)}"]
    return (
        "; ".join(dict.fromkeys(reasons)) or f"apprise status {getattr(result.status, 'name', result.status)}"
    )


def invite(notification: Notification, plugin: object) -> apprise.AppriseAttachment | None:
    """The notice's meeting as ``invite.ics`` (text/calendar) for a mail; None otherwise.

    Only mail: a calendar program opens it from there, while chat webhooks cannot
    carry files (Slack's warns on every message) and show the meeting's line instead
    (:func:`onboard.core.channels.render.meeting_line`).  apprise sends it as an
    attachment, without the ``method=`` parameter of an iTIP part; clients offer to
    add it to the calendar rather than showing accept/decline buttons.
    """
    if not notification.calendar or not isinstance(plugin, NotifyEmail):
        return None
    memory = AttachMemory(content=notification.calendar, name=INVITE_NAME, mimetype=CALENDAR_TYPE)
    return apprise.AppriseAttachment(memory)


def _email_to(delivery: Delivery, notification: Notification) -> dict:
    """The configured e-mail URL addressed to this one recipient (apprise sends one
    message per ``to`` address anyway; one call each keeps their bodies apart)."""
    parsed = dict(NotifyEmail.parse_url(delivery.channel.url) or {})
    name = delivery.recipient.name if delivery.recipient is not None else ""
    name = "".join(ch for ch in name if ch not in ',;<>"\\').strip()
    parsed["targets"] = [f"{name} <{delivery.address}>" if name else delivery.address]
    # No way to set Message-ID: apprise always adds its own.  These let a mail
    # rule, or a person reading the headers, tie the message to its notice.
    parsed["headers"] = {
        **(parsed.get("headers") or {}),
        "X-Onboard-Notice": notification.id or notification.kind,
        "X-Onboard-Engagement": notification.engagement_id,
    }
    return parsed


_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[int, int] | None, ChannelConfig | None]] = {}


def _configuration() -> ChannelConfig | None:
    """The configuration, re-read when its file changes (no worker restart needed)."""
    path = channels_path()
    try:
        stat = path.stat()
        stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = None
    with _cache_lock:
        cached = _cache.get(str(path))
        if cached is not None and cached[0] == stamp:
            return cached[1]
        config = load_channels()  # raises on a bad file: not cached, so a fix is seen
        if config is None:
            log.debug("no notification channels configured", path=str(path))
        _cache[str(path)] = (stamp, config)
        return config
