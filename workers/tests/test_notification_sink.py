"""The built-in notification sink (onboard.core.notifications): JSON lines plus a log event."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


def delivered_by_a_full_scan(path, notice_id: str) -> bool:
    """The sink's check before it remembered ids: every line of the file, each time."""
    if not path.exists():
        return False
    for raw in path.read_bytes().splitlines():
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        if isinstance(record, dict) and record.get("id") == notice_id:
            return True
    return False


def notice(notice_id: str) -> Notification:
    return Notification("contoso-ems", "checkpoint", "call", AT, ("pat",), id=notice_id)


def test_a_notice_another_process_wrote_since_the_last_look_counts(tmp_path, monkeypatch):
    target = tmp_path / "notes.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    notifications.notify(notice("e/1"))  # this process has read the file now
    other = "from onboard.core import notifications as n; from tests_notice import notice; n.notify(notice('e/2'))"
    (tmp_path / "tests_notice.py").write_text(
        "from datetime import UTC, datetime\nfrom onboard.core.models import Notification\n"
        "def notice(i):\n    return Notification('contoso-ems', 'checkpoint', 'call', "
        "datetime(2026, 11, 23, tzinfo=UTC), ('pat',), id=i)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), *sys.path])}
    subprocess.run([sys.executable, "-c", other], check=True, env=env, cwd=tmp_path)
    notifications.notify(notice("e/2"))
    notifications.notify(notice("e/1"))
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == ["e/1", "e/2"]


def test_a_last_line_without_its_newline_counts_once_it_is_whole(tmp_path, monkeypatch):
    target = tmp_path / "notes.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    notifications.notify(notice("e/1"))
    with open(target, "a") as sink:  # another writer, its newline not yet written
        sink.write(json.dumps({"id": "e/2"}))
    notifications.notify(notice("e/2"))
    assert target.read_text().count("e/2") == 1


def test_a_rotated_or_shortened_file_is_read_again(tmp_path, monkeypatch):
    target = tmp_path / "notes.jsonl"
    monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
    for n in range(3):
        notifications.notify(notice(f"e/{n}"))
    target.rename(tmp_path / "notes.jsonl.1")  # rotated: a new file at the path
    notifications.notify(notice("e/0"))
    assert len(target.read_text().splitlines()) == 1
    target.write_text("")  # cut short in place (the same inode)
    notifications.notify(notice("e/0"))
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()] == ["e/0"]
    # Cut short and written again past where this process had read (copytruncate, then
    # another worker's notices): what was read is not taken for what is there.
    notifications.notify(notice("e/1"))
    notifications.notify(notice("e/1"))  # this process has now read e/1's line
    with open(target, "r+") as sink:
        sink.truncate(0)
        sink.write("".join(json.dumps({"id": f"other/{n}", "pad": "x" * 400}) + "\n" for n in range(3)))
    notifications.notify(notice("e/1"))
    assert [json.loads(line)["id"] for line in target.read_text().splitlines()][-1] == "e/1"


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.one_of(
            st.tuples(st.just("notify"), st.sampled_from(["a", "b", "c", "d"])),
            st.tuples(st.just("append"), st.sampled_from(["a", "b", "c", "d"])),  # another writer
            st.tuples(st.just("damaged"), st.just("")),
            st.tuples(st.just("unterminated"), st.sampled_from(["a", "b"])),
            st.tuples(st.just("truncate"), st.just("")),
            st.tuples(st.just("replace"), st.sampled_from(["a", "b"])),
        ),
        max_size=25,
    )
)
def test_the_same_notices_are_written_as_by_a_full_scan(tmp_path_factory, steps):
    """Whatever else happens to the file between notices, a notice is written exactly when
    a scan of the whole file would not find its id."""
    target = tmp_path_factory.mktemp("sink") / "notes.jsonl"
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("ONBOARD_NOTIFICATIONS", str(target))
        for action, notice_id in steps:
            line = json.dumps({"id": notice_id, "kind": "checkpoint"})
            if action == "notify":
                expected = not delivered_by_a_full_scan(target, notice_id)
                before = target.read_bytes() if target.exists() else b""
                notifications.notify(notice(notice_id))
                grew = target.read_bytes() != before
                assert grew == expected, (steps, action, notice_id)
            elif action == "replace":
                replacement = target.with_suffix(".new")
                replacement.write_text(line + "\n")
                replacement.replace(target)
            else:
                text = {
                    "append": line + "\n",
                    "damaged": '{"id": "a", "kind"\n',
                    "unterminated": line,
                    "truncate": "",
                }[action]
                with open(target, "w" if action == "truncate" else "a") as sink:
                    sink.write(text)
