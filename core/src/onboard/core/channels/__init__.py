"""Notification channels: notices delivered to people by e-mail, Teams, Slack and webhooks.

This built-in plugin (entry point ``channels`` in the ``onboard.services`` group;
``ONBOARD_DISABLE_PLUGINS=channels`` turns it off) implements the ``notify`` hook
with `apprise <https://appriseit.com>`_.  It sits beside the JSON-lines sink
(:mod:`onboard.core.notifications`), which still records every notice.

Configuration (operators; workers only, never an engagement file)
    A YAML file named by ``$ONBOARD_CHANNELS``, else ``channels.yml`` in the onboard
    config folder (``platformdirs.user_config_dir("onboard")``, e.g.
    ``~/.config/onboard/channels.yml``).  No file there: the plugin does nothing.  A
    file named by ``$ONBOARD_CHANNELS`` that does not exist is an error.  The file is
    re-read when it changes; every URL is checked by apprise when it is read, and an
    error names the file and key::

        web_ui: https://temporal.example.com     # links in messages (default http://localhost:8233)
        email: "mailtos://${SMTP_USER}:${SMTP_PASSWORD}@smtp.example.com:587?from=onboard@example.com"
        people:                                  # by roster id or e-mail address
          casey: "slack://T000/B000/XXXX/#casey"
          pat: ["workflows://prod-00.westus.logic.azure.com:443/ID/SIG", email]
          ops-lead@example.com: "json://hooks.example.com/pager"
          cole: []                               # nothing for cole
        operations: ["json://ops.example.com/hooks/onboard"]   # kind "blocked" notices
        everyone: "workflows://…"                # one team channel that gets every notice once
        retry: 2          # apprise retries per URL (0–10) unless the URL says ?retry=
        wait: 0.5         # seconds between those retries unless the URL says ?wait=
        timeout: 40       # seconds one notice may take in all (1–55)
        delivered: /var/lib/onboard/channels-delivered.sqlite3   # default $ONBOARD_HOME/…

    ``${VAR}`` is the environment variable ``VAR``; an unset one is an error naming
    the file, key and variable.  A reference that is the whole value is inserted as
    is (a whole URL kept in a secret); inside a longer URL it is percent-encoded, so
    a password with ``@`` or ``/`` works.  ``$${`` is a literal ``${``.  Secret values
    are never logged; apprise's privacy-masked URLs are.

Routing
    Each recipient of a notice (``Notification.recipients``, roster people and
    escalation addresses) gets their own ``people`` channels if they have any (the
    entry ``email`` there means "also my e-mail"); otherwise, if they have an e-mail
    address, a mail through ``email`` addressed to them alone; otherwise nothing
    (counted in a debug log).  ``blocked`` notices also go to ``operations``;
    ``everyone`` gets each notice once, not once per recipient.  Commands in a
    message show the reader's own roster id (``YOUR-ID`` in shared channels), and
    every message links to the engagement in the Temporal Web UI.

Meeting invites
    A notice with ``Notification.calendar`` (one meeting's iCalendar text,
    :func:`onboard.core.meetings.meeting_ics`) names the meeting in every message
    (``Meeting: <summary>, Thu 2026-12-03 09:00-09:30 CET (Europe/Berlin)``) and
    attaches it to mail as ``invite.ics`` (``text/calendar``; apprise adds no
    ``method=`` parameter, so it is a calendar file to add, not an iTIP request).
    Chat and webhooks get the line only.

Once, as a person sees it
    Every send is recorded in an SQLite file keyed by (notice id, recipient,
    channel) — see :mod:`onboard.core.channels.delivered` — and skipped when it is
    already there, so a retried activity, a crashed worker or a reset sends nothing
    twice, and two workers racing on one notice cannot both send.  The record is
    per host: a retry on a worker on another host resends to those the first host
    reached.  Mail carries ``X-Onboard-Notice`` and ``X-Onboard-Engagement`` headers
    (apprise sets its own Message-ID).  Notices without an id (old runs) are not
    deduplicated.

Failures
    apprise retries each URL (``retry``/``wait``).  If a delivery still failed, the
    hook raises naming each recipient, channel and apprise's reason; the notify
    activity retries only this plugin, and the record skips what already went.
"""

from onboard.core.channels.plugin import notify

__all__ = ["notify"]
