"""The payload codec: large payloads compressed, small and old ones as they are."""

import asyncio
import os
import zlib

import pytest
from onboard.core.codec import ENCODING, MIN_SIZE, CodecError, CompressionCodec, compress, decompress
from onboard.core.converter import DATA_CONVERTER
from onboard.core.demo import sample_spec
from onboard.core.planning import build_plan
from onboard.core.plugins import default_plugin_manager
from temporalio.api.common.v1 import Payload

from tests.engine.helpers import make_spec


def json_payload(data: bytes) -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


def test_a_plan_is_compressed_and_comes_back_the_same():
    plan = build_plan(default_plugin_manager(), sample_spec())
    [plain] = DATA_CONVERTER.payload_converter.to_payloads([plan])
    packed = compress(plain)
    assert packed.metadata["encoding"] == ENCODING and set(packed.metadata) == {"encoding"}
    assert len(packed.data) < len(plain.data) / 4, "the plan's JSON is repetitive"
    assert decompress(packed) == plain


def test_the_data_converter_round_trips_through_the_codec():
    plan = build_plan(default_plugin_manager(), sample_spec())

    async def round_trip():
        [encoded] = await DATA_CONVERTER.encode([plan])
        assert encoded.metadata["encoding"] == ENCODING
        return (await DATA_CONVERTER.decode([encoded], [type(plan)]))[0]

    assert asyncio.run(round_trip()) == plan


def test_small_payloads_stay_plain_json():
    [small] = DATA_CONVERTER.payload_converter.to_payloads([make_spec()])
    assert small.ByteSize() < MIN_SIZE * 2
    tiny = json_payload(b'{"gate":"kickoff"}')
    assert compress(tiny) is tiny


def test_what_does_not_shrink_by_a_fifth_stays_as_it_is():
    noise = json_payload(os.urandom(4 * MIN_SIZE))
    assert compress(noise) is noise


def test_payloads_recorded_before_the_codec_decode_as_they_are():
    old = json_payload(b'{"x":' + b"1" * 5000 + b"}")
    assert decompress(old) is old
    codec = CompressionCodec()
    assert asyncio.run(codec.decode([old])) == [old]


def test_compressing_twice_changes_nothing():
    packed = compress(json_payload(b"[" + b"1," * 2000 + b"1]"))
    assert compress(packed) is packed


@pytest.mark.parametrize(
    "data",
    [b"not zlib at all", zlib.compress(b"\xff\xfe not a payload message \x00" * 3)],
    ids=["not-zlib", "not-a-payload"],
)
def test_a_damaged_payload_is_an_error_naming_the_encoding(data):
    with pytest.raises(CodecError, match="binary/zlib payload does not decompress"):
        decompress(Payload(metadata={"encoding": ENCODING}, data=data))
