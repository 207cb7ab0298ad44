"""What a notice says to one person: a subject, plain text and simple HTML.

A notice is written once by the workflow; each recipient reads it with their own
commands (``{person}`` becomes their roster id, so they can paste the line as is)
and a link to the engagement's history in the Temporal Web UI.  Mail gets the HTML
(with the text as its alternative, which apprise adds); chat and webhooks get the
text, which every one of them shows.
"""

import html
from datetime import datetime
from urllib.parse import quote

from attrs import frozen
from icalendar import Calendar
from onboard.core.models import Notification, Recipient
from temporalio import activity

#: What ``{person}`` becomes where the reader is not one person (a team channel).
ANYONE = "YOUR-ID"
_MAX_SUBJECT = 200


@frozen
class Rendered:
    """One recipient's message."""

    title: str
    text: str
    html: str
    markdown: str


def namespace() -> str:
    """The Temporal namespace of the calling activity, else ``"default"``."""
    if activity.in_activity():
        return activity.info().workflow_namespace or "default"
    return "default"


def web_ui_link(web_ui: str, engagement_id: str, ns: str | None = None) -> str:
    """The engagement's workflow page: ``{web_ui}/namespaces/{ns}/workflows/{id}``."""
    ns = namespace() if ns is None else ns
    return f"{web_ui.rstrip('/')}/namespaces/{quote(ns, safe='')}/workflows/{quote(engagement_id, safe='')}"


def subject(notification: Notification) -> str:
    """One line: the notice's subject, else the engagement and the message's first line."""
    text = notification.subject or f"{notification.engagement_id}: {notification.message}"
    line = " ".join(text.split())
    return line if len(line) <= _MAX_SUBJECT else line[: _MAX_SUBJECT - 1] + "…"


def commands_for(notification: Notification, person: str) -> list[str]:
    """The notice's commands with ``{person}`` replaced (only that placeholder:
    a command may hold other braces, e.g. JSON, which must stay as they are)."""
    return [command.replace("{person}", person) for command in notification.commands]


def meeting_line(calendar: str) -> str:
    """``Meeting: <summary>, Thu 2026-12-03 13:00-13:30 CET (Europe/Berlin)`` for a notice's
    invite (``Notification.calendar``): every channel says when, mail also attaches it.
    "" when there is none or it cannot be read (the notice goes out all the same)."""
    if not calendar:
        return ""
    try:
        event = Calendar.from_ical(calendar).walk("VEVENT")[0]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        title = str(event.get("SUMMARY", "meeting"))
        status = str(event.get("STATUS", ""))
    except (ValueError, IndexError, KeyError):
        return ""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return ""
    zone = getattr(start.tzinfo, "key", "") or start.tzname() or ""
    when = f"{start:%a %Y-%m-%d %H:%M}-{end:%H:%M} {start.tzname() or ''}".rstrip()
    called_off = " (called off)" if status.upper() == "CANCELLED" else ""
    return f"Meeting: {title}, {when} ({zone}){called_off}"


def render(notification: Notification, recipient: Recipient | None, link: str) -> Rendered:
    """The message for ``recipient`` (``None``: a team or operations channel)."""
    person = recipient.id if recipient is not None and recipient.id else ANYONE
    greeting = recipient.name if recipient is not None and recipient.name else ""
    commands = commands_for(notification, person)
    message = notification.message.strip()
    # A digest spans engagements: its link is to the digest run, not to one engagement.
    what = "Digest run" if notification.kind == "digest" else "Engagement"

    text = []
    if greeting:
        text += [f"{greeting},", ""]
    text.append(message)
    meeting = meeting_line(notification.calendar)
    if meeting:
        text += ["", meeting]
    if notification.details:
        text.append("")
        text += [f"- {line}" for line in notification.details]
    if commands:
        text += ["", "To act, run:" if len(commands) == 1 else "To act, run one of:"]
        text += [f"    {command}" for command in commands]
    text += ["", f"{what} {notification.engagement_id}: {link}"]

    e = html.escape
    parts = []
    if greeting:
        parts.append(f"<p>{e(greeting)},</p>")
    parts.append("<p>" + "<br>".join(e(line) for line in message.splitlines()) + "</p>")
    if meeting:
        parts.append(f"<p><b>{e(meeting)}</b></p>")
    if notification.details:
        parts.append("<ul>" + "".join(f"<li>{e(line)}</li>" for line in notification.details) + "</ul>")
    if commands:
        parts.append("<p>To act, run:</p>" if len(commands) == 1 else "<p>To act, run one of:</p>")
        parts.append("<pre>" + "\n".join(e(command) for command in commands) + "</pre>")
    # The address is the link's text too: the plain-text part apprise derives from
    # this HTML keeps it.
    parts.append(
        f"<p>{what} {e(notification.engagement_id)} in the Temporal Web UI: "
        f'<a href="{e(link, quote=True)}">{e(link)}</a></p>'
    )

    md = []
    if greeting:
        md += [f"{_md(greeting)},", ""]
    md.append(_md(message))
    if meeting:
        md += ["", f"**{_md(meeting)}**"]
    if notification.details:
        md.append("")
        md += [f"- {_md(line)}" for line in notification.details]
    if commands:
        md += ["", "To act, run:" if len(commands) == 1 else "To act, run one of:", ""]
        md += ["- `" + command.replace("`", "'") + "`" for command in commands]
    md += ["", f"[{what} {_md(notification.engagement_id)} in the Temporal Web UI]({link})"]
    return Rendered(subject(notification), "\n".join(text), "\n".join(parts), "\n".join(md))


def _md(text: str) -> str:
    """Text that Markdown shows as written (the characters that would format it escaped)."""
    return "".join("\\" + ch if ch in "\\`*_[]<>#|" else ch for ch in text)
