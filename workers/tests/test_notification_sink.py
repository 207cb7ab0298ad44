"""The built-in notification sink (onboard.core.notifications): JSON lines plus a log event."""

import json
from datetime import UTC, datetime

import pytest
import structlog
from onboard.core import notifications
from onboard.core.errors import OnboardError
from onboard.core.models import Notification
from onboard.core.plugins import load_plugin_manager
from structlog.testing import capture_logs

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def escalation(engagement_id: str = "contoso-ems") -> Notification:
    return Notification(engagement_id, "escalation", "no contact 30 days after purchase", AT, ("pat", "pam"))


def test_each_notification_is_one_json_line(tmp_path, monkeypatch):
    target = tmp_path / "out" / "notes.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    notifications.notify(escalation())
    notifications.notify(Notification("contoso-ems", "checkpoint", "weekly call — “Überprüfung”", AT))

    lines = target.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == [
        {
            "engagement_id": "contoso-ems",
            "kind": "escalation",
            "message": "no contact 30 days after purchase",
            "at": "2026-11-23T09:30:00+00:00",
            "to": ["pat", "pam"],
            "id": "",
            "subject": "",
            "recipients": [],
            "details": [],
            "commands": [],
            "calendar": "",
        },
        {
            "engagement_id": "contoso-ems",
            "kind": "checkpoint",
            "message": "weekly call — “Überprüfung”",
            "at": "2026-11-23T09:30:00+00:00",
            "to": [],
            "id": "",
            "subject": "",
            "recipients": [],
            "details": [],
            "commands": [],
            "calendar": "",
        },
    ]


def test_a_notice_with_an_id_already_delivered_is_dropped(tmp_path, monkeypatch):
    target = tmp_path / "notes.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    first = Notification("contoso-ems", "escalation", "late", AT, ("pat",), id="contoso-ems/1/escalation")
    second = Notification("contoso-ems", "checkpoint", "call", AT, ("pat",), id="contoso-ems/2/checkpoint")
    target.write_text("not json at all\n")  # a damaged line neither counts nor stops the scan
    for notice in (first, second, first, second):
        notifications.notify(notice)
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()[1:]]
    assert ids == ["contoso-ems/1/escalation", "contoso-ems/2/checkpoint"]
    # Notices without an id (runs recorded before ids) are never taken for duplicates.
    notifications.notify(escalation())
    notifications.notify(escalation())
    assert len(target.read_text().splitlines()) == 5


def test_the_default_file_is_in_the_state_directory(tmp_path, monkeypatch):
    monkeypatch.delenv("ONBOARD_NOTIFICATIONS", raising=False)
    monkeypatch.setenv("ONBOARD_HOME", str(tmp_path))
    assert notifications.notifications_path() == tmp_path / "notifications.jsonl"
    notifications.notify(escalation())
    assert json.loads((tmp_path / "notifications.jsonl").read_text())["kind"] == "escalation"


@pytest.fixture
def default_structlog():
    """structlog's own defaults: CLI tests before this one may have raised the level."""
    saved = structlog.get_config()
    structlog.reset_defaults()
    yield
    structlog.configure(**saved)


def test_each_notification_is_logged(tmp_path, monkeypatch, default_structlog):
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(tmp_path / "n.jsonl"))
    with capture_logs() as logs:
        notifications.notify(escalation("fabrikam"))
    (event,) = [e for e in logs if e["event"] == "notification"]
    assert event["engagement_id"] == "fabrikam"
    assert event["kind"] == "escalation"
    assert event["to"] == ["pat", "pam"]


def test_an_unwritable_file_is_an_error_naming_it(tmp_path, monkeypatch):
    target = tmp_path / "a-directory"
    target.mkdir()
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    with pytest.raises(OnboardError, match=rf"cannot append notification to {target}"):
        notifications.notify(escalation())


def test_it_is_found_through_the_entry_point_and_receives_broadcasts(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(tmp_path / "n.jsonl"))
    manager = load_plugin_manager()
    record = manager.records["notifications"]
    assert (record.status, record.module, record.hooks, record.services) == (
        "active",
        "onboard.core.notifications",
        ("notify",),
        (),
    )
    assert manager.broadcast("notify", notification=escalation("via-broadcast")) == []
    assert json.loads((tmp_path / "n.jsonl").read_text())["engagement_id"] == "via-broadcast"


def test_it_can_be_disabled_like_any_plugin(tmp_path, monkeypatch):
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(tmp_path / "n.jsonl"))
    monkeypatch.setenv("ONBOARD_DISABLE_PLUGINS", "notifications")
    manager = load_plugin_manager()
    assert manager.records["notifications"].status == "blocked"
    manager.broadcast("notify", notification=escalation())
    assert not (tmp_path / "n.jsonl").exists()
