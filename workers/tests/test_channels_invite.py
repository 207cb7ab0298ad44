"""A notice's meeting invite (``Notification.calendar``) through the channels plugin to
a real SMTP server (aiosmtpd over STARTTLS with AUTH): the mail arrives with a
text/calendar part that icalendar parses back to the same meeting."""

import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from channels_servers import SMTP_PASSWORD, SMTP_USER, http_receiver, self_signed, server_context, smtp_server
from icalendar import Calendar
from onboard.core.channels.config import load_channels
from onboard.core.channels.plugin import INVITE_NAME, deliver
from onboard.core.channels.render import meeting_line
from onboard.core.engagement.rules import gate_states
from onboard.core.meetings import meeting_ics
from onboard.core.models import (
    EngagementSpec,
    EngagementState,
    Notification,
    Party,
    Person,
    Phase,
    Recipient,
)

BERLIN = ZoneInfo("Europe/Berlin")
PAT = Person("pat", "Pat Provider", Party.PROVIDER, "pat@fasttrack.example")
CASEY = Person("casey", "Casey Customer", Party.CUSTOMER, "casey@contoso.example")


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory):
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    return server_context(cert, key)


@pytest.fixture(autouse=True)
def _smtp_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_USER", SMTP_USER)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)


def remediating() -> EngagementState:
    """An engagement in Remediate in Berlin that has just called checkpoint 3 (as the
    workflow does: the count is raised and the next call set a week on)."""
    spec = EngagementSpec(
        engagement_id="contoso-ems",
        tenant="contoso.onmicrosoft.com",
        customer="Contoso Ltd",
        services=("core",),
        licenses={"core": 500},
        purchased_on=datetime(2026, 11, 2, 9, 0, tzinfo=UTC),
        roster=(PAT, CASEY),
        timezone="Europe/Berlin",
        language="de",
    )
    state = EngagementState(spec=spec, phase=Phase.REMEDIATE, gates=gate_states())
    state.checkpoints, state.next_checkpoint_at = 3, datetime(2026, 12, 10, 5, 0, tzinfo=UTC)
    return state


def checkpoint_notice(state: EngagementState, calendar: str) -> Notification:
    eid = state.spec.engagement_id
    people = tuple(Recipient(p.id, p.name, p.email, p.party.value) for p in state.spec.roster)
    return Notification(
        eid,
        "checkpoint",
        "checkpoint call 3: 2 remediation item(s) open",
        datetime.now(UTC),
        to=tuple(p.id for p in people),
        id=f"{eid}/{uuid.uuid4().hex[:6]}/checkpoint",
        subject=f"{eid}: checkpoint call 3: 2 remediation item(s) open",
        recipients=people,
        commands=(f"onboard show {eid}",),
        calendar=calendar,
    )


def config_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "channels.yml"
    path.write_text(textwrap.dedent(body).lstrip() + f"delivered: {tmp_path / 'delivered.sqlite3'}\n")
    return path


def mail_url(port: int) -> str:
    return f"mailtos://${{SMTP_USER}}:${{SMTP_PASSWORD}}@127.0.0.1:{port}?from=onboard@example.test&mode=starttls&verify=no"


def test_the_mail_carries_the_invite_that_icalendar_reads_back(tmp_path, tls):
    state = remediating()
    invite = meeting_ics(state, "checkpoint-3")
    assert invite, "checkpoint call 3 has a time"
    sent = Calendar.from_ical(invite).walk("VEVENT")[0]
    with smtp_server(tls, implicit_tls=False) as (mailbox, port):
        config = load_channels(config_file(tmp_path, f'email: "{mail_url(port)}"\n'))
        assert deliver(checkpoint_notice(state, invite), config) == 2
        (mail,) = mailbox.to(CASEY.email)
    parts = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, [p.get_content_type() for p in mail.walk()]
    (part,) = parts
    assert part.get_filename() == INVITE_NAME
    content = part.get_content()  # text/*: decoded from its transfer encoding to text
    assert isinstance(content, str) and content.startswith("BEGIN:VCALENDAR")
    received = Calendar.from_ical(content)
    assert str(received["METHOD"]) == "REQUEST"
    (event,) = received.walk("VEVENT")
    assert str(event["UID"]) == str(sent["UID"]) == "checkpoint-3.contoso-ems@onboard"
    assert event.decoded("DTSTART") == sent.decoded("DTSTART") == datetime(2026, 12, 3, 9, 0, tzinfo=BERLIN)
    assert event["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert {str(a) for a in event.get("ATTENDEE")} == {f"mailto:{PAT.email}", f"mailto:{CASEY.email}"}
    assert str(event["ORGANIZER"]) == f"mailto:{PAT.email}"
    text = mail.get_body(("plain",)).get_content()
    line = "Meeting: Contoso Ltd: checkpoint call 3 (contoso-ems), Thu 2026-12-03 09:00-09:30 CET (Europe/Berlin)"
    assert line in text and line == meeting_line(invite)
    assert "checkpoint call 3 (contoso-ems)" in mail.get_body(("html",)).get_content()


def test_no_invite_no_calendar_part_and_chat_gets_the_line_only(tmp_path, tls):
    state = remediating()
    with smtp_server(tls, implicit_tls=False) as (mailbox, port), http_receiver() as (hooks, hook_port):
        config = load_channels(
            config_file(
                tmp_path,
                f"""
                email: "{mail_url(port)}"
                everyone: "json://127.0.0.1:{hook_port}/team"
                """,
            )
        )
        assert deliver(checkpoint_notice(state, ""), config) == 3
        (mail,) = mailbox.to(CASEY.email)
        assert all(p.get_content_type() != "text/calendar" for p in mail.walk())
        assert "Meeting:" not in mail.get_body(("plain",)).get_content()
        (plain,) = hooks.bodies("/team")
        assert not plain.get("attachments")
        # A webhook shows when the meeting is, without a file it cannot use.
        assert deliver(checkpoint_notice(state, meeting_ics(state, "checkpoint-3")), config) == 3
        _, with_invite = hooks.bodies("/team")
    assert not with_invite.get("attachments")
    assert "Meeting: Contoso Ltd: checkpoint call 3" in with_invite["message"]


def test_an_unreadable_calendar_costs_only_its_line():
    assert meeting_line("") == "" and meeting_line("not a calendar") == ""
    assert meeting_line("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == ""
    later = remediating()
    later.next_checkpoint_at = later.next_checkpoint_at + timedelta(days=7)
    assert "Thu 2026-12-17 09:00-09:30 CET" in meeting_line(meeting_ics(later, "checkpoint-4"))


def test_the_invite_type_does_not_depend_on_the_machines_mime_table():
    """apprise refuses a type its mimetypes table lacks; Python's own table has no
    text/calendar (only /etc/mime.types, which slim images lack)."""
    probe = textwrap.dedent(
        """
        import mimetypes
        mimetypes.knownfiles[:] = []  # no /etc/mime.types
        from datetime import UTC, datetime
        import apprise
        from onboard.core.channels.plugin import invite
        from onboard.core.models import Notification
        notice = Notification("e", "checkpoint", "m", datetime.now(UTC), calendar="BEGIN:VCALENDAR")
        (attachment,) = invite(notice, apprise.Apprise.instantiate("mailto://u:p@example.com"))
        print(attachment.mimetype, attachment.name)
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["text/calendar", INVITE_NAME]
