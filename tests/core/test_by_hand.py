"""The classes :mod:`onboard.core.by_hand` converts without cattrs: the same payload bytes
as cattrs writes, read back as cattrs reads them, and cattrs's errors on bad data."""

import json
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from onboard.core import by_hand
from onboard.core.converter import AttrsJSONPayloadConverter, converter
from onboard.core.models import _NAMES, Completion, GateDecision, GateState, Party, Phase, Signature
from onboard.core.models import decisions as module
from temporalio.api.common.v1 import Payload

CLASSES = [getattr(module, name) for name in _NAMES["decisions"]]

text = st.text(max_size=20)
filled = st.text(min_size=1, max_size=20).filter(str.strip)
moments = st.datetimes(timezones=st.none() | st.just(UTC))
signatures = st.builds(Signature, moments, filled, filled)
decisions = st.builds(
    GateDecision,
    text,
    text,
    st.booleans(),
    text,
    st.none() | signatures,
    st.lists(text, max_size=3).map(tuple),
)
completions = st.builds(Completion, text, text, filled, st.none() | signatures)
states = st.builds(
    GateState,
    text,
    st.sampled_from(Phase),
    text,
    st.lists(st.sampled_from(Party), max_size=2).map(tuple),
    st.booleans(),
    st.dictionaries(text, text, max_size=2),
    st.dictionaries(text, text, max_size=2),
    st.booleans(),
    st.lists(text, max_size=2),
    st.booleans(),
    st.none() | moments,
)


def cattrs_payload(value) -> bytes:
    """What the converter wrote before: cattrs's unstructured value, as to_payload dumps it."""
    plain = converter().unstructure(value)
    try:
        return json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
    except UnicodeEncodeError:
        return json.dumps(plain, separators=(",", ":")).encode()


def test_the_module_s_classes_are_all_converted_by_hand():
    assert CLASSES and all(by_hand.handles(cls) for cls in CLASSES)
    for cls in CLASSES:  # by_hand passes every field to __init__ by its name
        assert all(f.init and f.alias == f.name for f in attrs.fields(cls)), cls
    assert not by_hand.handles(Phase) and not by_hand.handles(dict)


@given(st.one_of(signatures, decisions, completions, states))
def test_the_same_bytes_as_cattrs_and_read_back_as_cattrs_reads_them(value):
    payload = AttrsJSONPayloadConverter().to_payload(value)
    assert payload.data == cattrs_payload(value)
    data = json.loads(payload.data)
    ours = AttrsJSONPayloadConverter().from_payload(payload, type(value))
    assert repr(ours) == repr(converter().structure(data, type(value)))  # repr: enum members, not strings
    assert repr(by_hand.structure(data, type(value))) == repr(ours)


def test_a_payload_without_the_newer_fields_reads_as_cattrs_reads_it():
    state = GateState(
        "kickoff", Phase.INITIATE, "Kick-off", (Party.PROVIDER,), opened_at=datetime(2026, 12, 1)
    )
    full = json.loads(cattrs_payload(state))
    for field in ("open", "approved_keys", "rejections", "notified", "opened_at"):
        data = {k: v for k, v in full.items() if k != field}
        assert repr(by_hand.structure(data, GateState)) == repr(converter().structure(data, GateState))


@pytest.mark.parametrize(
    "data",
    [b'{"gate": "kickoff"}', b'{"gate": "k", "person": "p", "approve": true, "signature": {"nonce": "n"}}'],
)
def test_bad_data_raises_cattrs_s_error(data: bytes):
    with pytest.raises(Exception) as ours:
        AttrsJSONPayloadConverter().from_payload(Payload(data=data), GateDecision)
    with pytest.raises(Exception) as theirs:
        converter().structure(json.loads(data), GateDecision)
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)
