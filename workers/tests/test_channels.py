"""Notification channels (onboard.core.channels) against real servers on loopback.

SMTP is aiosmtpd with STARTTLS or implicit TLS and AUTH, webhooks are an
http.server in a thread (HTTPS with a self-signed certificate for Teams Workflows);
apprise really connects, negotiates and sends.  Slack's webhook host is fixed
(hooks.slack.com), so Slack is covered by URL validation only.
"""

import asyncio
import socket
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from channels_servers import (
    SMTP_PASSWORD,
    SMTP_USER,
    free_port,
    http_receiver,
    self_signed,
    server_context,
    smtp_server,
)
from onboard.core.channels import plugin as channels_plugin
from onboard.core.channels.config import ChannelConfigError, load_channels
from onboard.core.channels.delivered import Claim, DeliveredRecord
from onboard.core.channels.plugin import DeliveryError, deliver
from onboard.core.models import EngagementSpec, Notification, Party, Person, Policy, Recipient

CASEY = Recipient("casey", "Casey Customer", "casey@contoso.example", "customer")
PAT = Recipient("pat", "Pat Provider", "pat@fabrikam.example", "provider")
BOSS = Recipient("", "", "boss@fabrikam.example", "")  # an escalation address: e-mail only
NOBODY = Recipient("quinn", "Quinn", "", "customer")  # no e-mail, no channel


def notice(kind: str = "gate-open", *recipients: Recipient, nid: str | None = None) -> Notification:
    eid = "contoso-ems"
    people = recipients or (CASEY, PAT)
    return Notification(
        eid,
        kind,
        "gate 'kickoff' awaits a decision: Kick-off held",
        datetime.now(UTC),
        to=tuple(r.id for r in people if r.id),
        id=f"{eid}/{uuid.uuid4().hex[:6]}/{kind}" if nid is None else nid,
        subject=f"{eid}: gate 'kickoff' awaits your decision",
        recipients=people,
        details=("fix.core.dns-records (customer)", "fix.core.global-admin (provider)"),
        commands=(
            f"onboard approve {eid} kickoff --as {{person}}",
            f'onboard reject {eid} kickoff --as {{person}} --reason "..."',
        ),
    )


@pytest.fixture(scope="module")
def tls(tmp_path_factory: pytest.TempPathFactory):
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    return server_context(cert, key)


@pytest.fixture(autouse=True)
def _smtp_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SMTP_USER", SMTP_USER)
    monkeypatch.setenv("SMTP_PASSWORD", SMTP_PASSWORD)  # has / and @: percent-encoded into the URL


@pytest.fixture
def starttls(tls):
    with smtp_server(tls, implicit_tls=False) as server:
        yield server


def write_config(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "channels.yml"
    path.write_text(textwrap.dedent(body).lstrip() + f"delivered: {tmp_path / 'delivered.sqlite3'}\n")
    return path


def mail_url(port: int, mode: str = "starttls") -> str:
    return f"mailtos://${{SMTP_USER}}:${{SMTP_PASSWORD}}@127.0.0.1:{port}?from=onboard@example.test&mode={mode}&verify=no"


def test_mail_over_starttls_with_auth_one_message_per_recipient(tmp_path, starttls):
    mailbox, port = starttls
    config = load_channels(
        write_config(tmp_path, f'web_ui: https://temporal.example.com/\nemail: "{mail_url(port)}"\n')
    )
    n = notice("escalation", CASEY, PAT, BOSS, NOBODY)
    assert deliver(n, config) == 3
    assert sorted(r for rcpts, _ in mailbox.messages for r in rcpts) == sorted(
        [CASEY.email, PAT.email, BOSS.email]
    )
    assert all(len(rcpts) == 1 for rcpts, _ in mailbox.messages)  # nobody sees the others' mail
    (casey,) = mailbox.to(CASEY.email)
    assert casey["Subject"] == "contoso-ems: gate 'kickoff' awaits your decision"
    assert casey["To"] == "Casey Customer <casey@contoso.example>"
    assert casey["X-Onboard-Notice"] == n.id
    text = casey.get_body(("plain",)).get_content()
    assert "onboard approve contoso-ems kickoff --as casey" in text
    assert "{person}" not in text and "--as pat" not in text
    assert "fix.core.dns-records (customer)" in text
    assert "https://temporal.example.com/namespaces/default/workflows/contoso-ems" in text
    html = casey.get_body(("html",)).get_content()
    assert 'href="https://temporal.example.com/namespaces/default/workflows/contoso-ems"' in html
    (boss,) = mailbox.to(BOSS.email)
    assert "--as YOUR-ID" in boss.get_body(("plain",)).get_content()


def test_mail_over_implicit_tls(tmp_path, tls):
    with smtp_server(tls, implicit_tls=True) as (mailbox, port):
        config = load_channels(write_config(tmp_path, f'email: "{mail_url(port, "ssl")}"\n'))
        assert deliver(notice("gate-open", CASEY), config) == 1
    (casey,) = mailbox.to(CASEY.email)
    assert "--as casey" in casey.get_body(("plain",)).get_content()
    assert (
        "http://localhost:8233/namespaces/default/workflows/contoso-ems"
        in casey.get_body(("plain",)).get_content()
    )


def test_webhooks_people_operations_and_everyone(tmp_path, tls, starttls):
    mailbox, smtp_port = starttls
    with http_receiver() as (hooks, port), http_receiver(tls) as (teams, teams_port):
        config = load_channels(
            write_config(
                tmp_path,
                f"""
                email: "{mail_url(smtp_port)}"
                people:
                  casey: "json://127.0.0.1:{port}/casey"
                  pat@fabrikam.example: ["workflows://127.0.0.1:{teams_port}/wf1/sig1?verify=no", email]
                operations: "json://127.0.0.1:{port}/ops"
                everyone: ["json://127.0.0.1:{port}/team"]
                """,
            )
        )
        assert deliver(notice("blocked", CASEY, PAT), config) == 5
        assert deliver(notice("gate-open", CASEY, PAT), config) == 4  # no operations this time
    first, _ = hooks.bodies("/casey")
    assert first["title"] == "contoso-ems: gate 'kickoff' awaits your decision"
    assert "onboard approve contoso-ems kickoff --as casey" in first["message"]
    assert "/namespaces/default/workflows/contoso-ems" in first["message"]
    assert len(hooks.bodies("/ops")) == 1 and len(hooks.bodies("/team")) == 2  # once per notice
    assert "--as YOUR-ID" in hooks.bodies("/team")[0]["message"]
    assert mailbox.to(CASEY.email) == []  # casey's own channel replaces her e-mail
    assert len(mailbox.to(PAT.email)) == 2  # pat asked for "email" as well
    cards = teams.bodies("/workflows/wf1/triggers/manual/paths/invoke")
    assert len(cards) == 2
    card = cards[0]["attachments"][0]
    assert card["contentType"] == "application/vnd.microsoft.card.adaptive"
    texts = " ".join(block.get("text", "") for block in card["content"]["body"])
    assert "`onboard approve contoso-ems kickoff --as pat`" in texts


def test_the_same_notice_twice_reaches_each_recipient_once(tmp_path, starttls):
    mailbox, port = starttls
    config = load_channels(write_config(tmp_path, f'email: "{mail_url(port)}"\n'))
    n = notice("gate-open", CASEY, PAT)
    assert deliver(n, config) == 2
    assert deliver(n, config) == 0
    assert mailbox.count() == 2
    # A notice from a run before ids has no key: nothing to deduplicate on.
    old = notice("gate-open", CASEY, nid="")
    deliver(old, config)
    deliver(old, config)
    assert len(mailbox.to(CASEY.email)) == 3


def test_concurrent_workers_sharing_the_record_send_once(tmp_path, starttls):
    """Threads with their own connections, and a second process, on one SQLite file."""
    mailbox, port = starttls
    path = write_config(tmp_path, f'email: "{mail_url(port)}"\n')
    config = load_channels(path)
    people = tuple(Recipient(f"p{i}", f"Person {i}", f"p{i}@contoso.example", "customer") for i in range(6))
    n = notice("checkpoint", *people)
    child = textwrap.dedent(f"""
        from datetime import datetime
        from pathlib import Path
        from onboard.core.channels.config import load_channels
        from onboard.core.channels.plugin import deliver
        from onboard.core.models import Notification, Recipient
        people = tuple(Recipient(f"p{{i}}", f"Person {{i}}", f"p{{i}}@contoso.example", "customer") for i in range(6))
        n = Notification("contoso-ems", "checkpoint", {n.message!r}, datetime.now(), id={n.id!r},
                         subject={n.subject!r}, recipients=people, commands={n.commands!r})
        config = load_channels(Path({str(path)!r}))
        print("READY", flush=True)
        try:
            deliver(n, config)
        except Exception as exc:
            print("ERROR", exc, flush=True)
    """)
    errors: list[Exception] = []

    def run() -> None:
        try:
            deliver(n, config)
        except DeliveryError as exc:
            errors.append(exc)

    process = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    while "READY" not in (line := process.stdout.readline()):  # imports done: start together
        assert line, "the second process died before it was ready"
    threads = [threading.Thread(target=run) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out, _ = process.communicate(timeout=60)
    # Each concurrent loser either saw the send recorded or a live claim (and
    # would be retried); never a second message.
    others = [line for line in out.splitlines() if line.startswith("ERROR")]
    for problem in [*map(str, errors), *others]:
        assert "another worker is delivering it" in problem
    deliver(n, config)  # the retry: everything is recorded now
    assert sorted(r for rcpts, _ in mailbox.messages for r in rcpts) == sorted(p.email for p in people)


def test_a_channel_that_is_down_fails_the_notice_and_the_retry_sends_only_what_is_missing(tmp_path, starttls):
    mailbox, smtp_port = starttls
    refused = free_port()  # nothing listens there
    with http_receiver() as (hooks, port):
        hooks.status["/casey"] = 503
        config = load_channels(
            write_config(
                tmp_path,
                f"""
                email: "{mail_url(smtp_port)}"
                people:
                  casey: "json://127.0.0.1:{port}/casey"
                  pat: ["json://127.0.0.1:{refused}/pat", email]
                retry: 1
                wait: 0.1
                """,
            )
        )
        n = notice("gate-open", CASEY, PAT, BOSS)
        started = time.monotonic()
        with pytest.raises(DeliveryError) as failed:
            deliver(n, config)
        assert time.monotonic() - started < 20
        message = str(failed.value)
        assert "2 of 4 deliveries failed" in message
        assert f"casey via json://127.0.0.1:{port}/casey" in message and "people.casey[0]" in message
        assert "503" in message
        assert f"pat via json://127.0.0.1:{refused}/pat" in message
        assert "onnection" in message  # apprise's "Connection error" / "Connection refused"
        assert len(hooks.bodies("/casey")) == 2  # apprise tried again (retry: 1)
        assert len(mailbox.to(PAT.email)) == 1 and len(mailbox.to(BOSS.email)) == 1

        hooks.status["/casey"] = 200  # casey's channel is back; pat's still down
        with pytest.raises(DeliveryError, match="1 of 4 deliveries failed: pat via"):
            deliver(n, config)
        assert len(hooks.bodies("/casey")) == 3
        assert len(mailbox.to(PAT.email)) == 1 and len(mailbox.to(BOSS.email)) == 1  # not again
    record = DeliveredRecord(tmp_path / "delivered.sqlite3")
    assert {(row[1], row[3]) for row in record.rows()} == {
        ("casey", "sent"),
        ("pat", "sent"),
        ("boss@fabrikam.example", "sent"),
    }  # pat's failed channel left no claim behind


def test_no_configuration_does_nothing(tmp_path, monkeypatch):
    monkeypatch.delenv("ONBOARD_CHANNELS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "empty"))
    monkeypatch.setattr(channels_plugin, "channels_path", lambda: tmp_path / "absent.yml")
    assert channels_plugin.notify(notice()) is None


def test_a_named_file_that_is_missing_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARD_CHANNELS", str(tmp_path / "typo.yml"))
    with pytest.raises(ChannelConfigError, match=r"typo\.yml: no such file \(named by \$ONBOARD_CHANNELS\)"):
        channels_plugin.notify(notice())


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (
            'email: "mailtos://${SMTP_USER}:${NOT_SET_ANYWHERE}@smtp.example.com"\n',
            r"email: environment variable NOT_SET_ANYWHERE is not set",
        ),
        (
            'people:\n  casey: "nonsense://x"\n',
            r"people\.casey\[0\]: apprise cannot use this URL \(nonsense://…\)",
        ),
        (
            'operations: ["json://ok.example.com/x", "mailtos://smtp.example.com?mode=bogus"]\n',
            r"operations\[1\]: apprise cannot use this URL.*secure mode specified \(bogus\) is invalid",
        ),
        (
            'everyone: "msteams://a/b/c"\n',
            r"everyone\[0\]: Office 365 connector URLs .* removed in apprise 1\.11.*workflows://",
        ),
        (
            'everyone: "https://contoso.webhook.office.com/webhookb2/x/IncomingWebhook/y/z"\n',
            r"everyone\[0\]: Office 365 connector",
        ),
        (
            'email: "mailtos://smtp.example.com?from=a@example.com&to=everyone@example.com"\n',
            r"email: remove the recipients",
        ),
        ('email: "json://hooks.example.com/x"\n', r"email: expected a mailto:// or mailtos:// URL"),
        ("people:\n  casey: email\n", r"people\.casey\[0\]: 'email' needs the top-level email URL"),
        ("retry: 50\n", r"retry: must be between 0 and 10"),
        ("web_ui: temporal.example.com\n", r"web_ui: expected an http\(s\) URL"),
        ("slack: x\n", r"slack: unknown key"),
        ("- just a list\n", r"expected a mapping of keys"),
    ],
)
def test_configuration_errors_name_the_file_and_key(tmp_path, body, error):
    path = tmp_path / "channels.yml"
    path.write_text(body)
    with pytest.raises(ChannelConfigError, match=rf"^{path}: {error}"):
        load_channels(path)


def test_slack_and_teams_urls_are_accepted(tmp_path):
    config = load_channels(
        write_config(
            tmp_path,
            """
            people:
              casey: "slack://T000AAAA/B000BBBB/XXXXXXXXXXXXXXXX/#casey"
              pat: "https://hooks.slack.com/services/T000AAAA/B000BBBB/XXXXXXXXXXXXXXXX"
              pam: "https://prod-00.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=xyz"
              cole: "workflows://prod-00.westus.logic.azure.com:443/abc/xyz"
            """,
        )
    )
    labels = {who: channels[0].label for who, channels in config.people.items()}
    assert labels["casey"].startswith("slack://") and labels["pat"].startswith("slack://")
    assert labels["pam"].startswith("workflow://") and labels["cole"].startswith("workflow://")
    assert "XXXXXXXXXXXXXXXX" not in labels["casey"]  # privacy-masked for logs


def test_secrets_are_not_in_labels_or_errors(tmp_path, monkeypatch):
    monkeypatch.setenv("HOOK_TOKEN", "tok3n-very-secret")
    config = load_channels(write_config(tmp_path, 'everyone: "json://u:${HOOK_TOKEN}@127.0.0.1:9/x"\n'))
    (team,) = config.everyone
    assert "tok3n-very-secret" in team.url and "tok3n-very-secret" not in team.label
    with pytest.raises(DeliveryError) as failed:
        deliver(
            notice(),
            load_channels(
                write_config(
                    tmp_path, f'everyone: "json://u:${{HOOK_TOKEN}}@127.0.0.1:{free_port()}/x"\nretry: 0\n'
                )
            ),
        )
    assert "tok3n-very-secret" not in str(failed.value)


async def test_a_real_engagement_notice_arrives_by_mail(tmp_path, monkeypatch, starttls, dev_client):
    """The worker's notify activity runs the installed plugin (entry point
    ``channels``): a missed 30-day contact escalates, and the escalation reaches the
    provider's mailbox and the policy's escalation address; the engagement names the
    provider person with no e-mail as reached by nobody."""
    from onboard.core.client import Engagements
    from onboard.core.plugins import load_plugin_manager
    from onboard.workers.worker import running_worker
    from workers_testing import wait_until

    mailbox, port = starttls
    config = write_config(tmp_path, f'web_ui: https://ui.example\nemail: "{mail_url(port)}"\n')
    monkeypatch.setenv("ONBOARD_CHANNELS", str(config))
    manager = load_plugin_manager()
    assert "channels" in manager.implementers("notify")
    eid = f"mail-{uuid.uuid4().hex[:8]}"
    spec = EngagementSpec(
        engagement_id=eid,
        tenant="contoso.onmicrosoft.com",
        customer="Contoso",
        services=("core",),
        licenses={"core": 250},
        purchased_on=datetime.now(UTC) - timedelta(hours=2),  # contact overdue: escalates at once
        roster=(
            Person("pat", "Pat Provider", Party.PROVIDER, email="pat@fabrikam.example"),
            Person("pam", "Pam Provider", Party.PROVIDER),  # no e-mail, no channel of her own
            Person("casey", "Casey Customer", Party.CUSTOMER, email="casey@contoso.example"),
        ),
        policy=Policy(
            contact_within=timedelta(hours=1),
            escalate_every=timedelta(hours=1),
            escalate_to=("boss@fabrikam.example",),
            escalate_after=1,
        ),
    )
    task_queue = f"test-{uuid.uuid4().hex[:8]}"
    async with running_worker(dev_client, task_queue=task_queue, manager=manager):
        engagements = Engagements(dev_client, task_queue)
        handle = await engagements.start(spec)
        try:
            await wait_until(
                lambda: mailbox.to("pat@fabrikam.example") and mailbox.to("boss@fabrikam.example"),
                30,
                "the escalation by mail",
            )
            for _ in range(50):
                unreached = (await engagements.status(eid)).state.unreached
                if unreached:
                    break
                await asyncio.sleep(0.1)
            assert unreached == ["pam"], "reached by nobody: named, once"
        finally:
            await handle.terminate("test over")
    (mail,) = [m for m in mailbox.to("pat@fabrikam.example") if m["X-Onboard-Engagement"] == eid]
    assert mail["Subject"].startswith(f"{eid}: escalation 1")
    assert mail["X-Onboard-Notice"].startswith(f"{eid}/") and mail["X-Onboard-Notice"].endswith("/escalation")
    text = mail.get_body(("plain",)).get_content()
    assert f'onboard contact {eid} --as pat --note "..."' in text
    assert f"https://ui.example/namespaces/default/workflows/{eid}" in text
    (boss,) = mailbox.to("boss@fabrikam.example")
    assert "--as YOUR-ID" in boss.get_body(("plain",)).get_content()
    assert mailbox.to("casey@contoso.example") == []  # escalations are for the provider side


def test_the_record_claims_a_send_so_two_attempts_cannot_both_send(tmp_path):
    first = DeliveredRecord(tmp_path / "d.sqlite3", lease=0.5)
    second = DeliveredRecord(tmp_path / "d.sqlite3", lease=0.5)  # another worker process
    assert first.claim("e/1/gate-open", "casey", "mail") is Claim.CLAIMED
    assert second.claim("e/1/gate-open", "casey", "mail") is Claim.BUSY  # being sent
    first.release("e/1/gate-open", "casey", "mail")  # that send failed
    assert second.claim("e/1/gate-open", "casey", "mail") is Claim.CLAIMED
    time.sleep(0.6)  # ... and its worker died mid-send: the lease runs out
    assert first.claim("e/1/gate-open", "casey", "mail") is Claim.CLAIMED
    first.sent("e/1/gate-open", "casey", "mail")
    assert second.claim("e/1/gate-open", "casey", "mail") is Claim.SENT
    assert second.is_sent("e/1/gate-open", "casey", "mail")
    assert second.claim("e/1/gate-open", "pat", "mail") is Claim.CLAIMED  # per recipient
    # A worker process that died mid-send: its claim is taken over at once, not
    # after the lease (the activity's retries come within seconds).
    dead = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from onboard.core.channels.delivered import DeliveredRecord; "
            f"print(DeliveredRecord(Path({str(tmp_path / 'd.sqlite3')!r})).claim('e/2/blocked', 'ops', 'hook').value)",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert dead.stdout.strip() == "claimed"
    assert (
        DeliveredRecord(tmp_path / "d.sqlite3", lease=600).claim("e/2/blocked", "ops", "hook")
        is Claim.CLAIMED
    )
    with sqlite3.connect(tmp_path / "d.sqlite3") as db:  # WAL: readers never block the writer
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_hung_channel_is_given_up_within_the_notice_timeout(tmp_path):
    """A server that accepts the connection and never answers: apprise's own timeouts
    are longer (rto=30 here), the notice's budget ends it."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        port = silent.getsockname()[1]
        config = load_channels(
            write_config(tmp_path, f'everyone: "json://127.0.0.1:{port}/x?rto=30"\ntimeout: 2\nretry: 3\n')
        )
        started = time.monotonic()
        with pytest.raises(DeliveryError, match=r"everyone via json://127\.0\.0\.1.*did not finish within"):
            deliver(notice(), config)
        assert time.monotonic() - started < 6
