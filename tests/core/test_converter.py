"""The payload converter: attrs models as plain UTF-8 JSON."""

from datetime import UTC, datetime

from onboard.core.converter import DATA_CONVERTER
from onboard.core.models import Notification

AT = datetime(2026, 12, 1, tzinfo=UTC)


def round_trip(value):
    converter = DATA_CONVERTER.payload_converter
    payload = converter.to_payloads([value])[0]
    return payload, converter.from_payloads([payload], [type(value)])[0]


def test_text_is_written_as_utf8_not_escapes():
    payload, back = round_trip(Notification("e", "checkpoint", "Überprüfung €", AT))
    assert "Überprüfung €".encode() in payload.data
    assert back.message == "Überprüfung €"


def test_a_lone_surrogate_is_escaped_rather_than_failing():
    # What Python makes of invalid UTF-8 on a command line (surrogateescape).
    payload, back = round_trip(Notification("e", "checkpoint", "bad \udcff byte", AT))
    assert b"\\udcff" in payload.data and back.message == "bad \udcff byte"
