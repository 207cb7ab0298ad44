"""Compression of large payloads: what keeps an engagement's history small.

An engagement carries its state from run to run (continue-as-new), its plan into
each assessment and its audit records to the journal: JSON of tens of kilobytes,
repetitive (the seeds' lists, ids, field names), which zlib shrinks five- to
sevenfold. :class:`CompressionCodec` is the data converter's payload codec, so
client, workers and replayer all compress and decompress the same way:

* a payload of :data:`MIN_SIZE` bytes or more is stored as ``binary/zlib``: the
  original payload (metadata and data) serialized and compressed, kept only when
  that saves at least a fifth;
* smaller payloads (most Updates, signals, the memo) stay plain JSON, readable in the
  Web UI and by ``temporal workflow show`` as before;
* decoding leaves every payload without the ``binary/zlib`` encoding as it is, so
  histories recorded before this codec replay unchanged.

The Web UI and the ``temporal`` CLI show compressed payloads as bytes unless pointed
at a codec server: ``onboard codec-server`` (:mod:`onboard.core.codec_server`), which
``onboard dev`` and the demo start for their embedded server.

Why not the SDK's external payload storage (a claim check: payloads in a blob store,
references in history): every worker and every approver's CLI would then need that
store, and the customer-side worker and a laptop reach only the Temporal frontend.
"""

import zlib
from collections.abc import Sequence

from google.protobuf.message import DecodeError
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

#: The ``encoding`` metadata of a compressed payload.
ENCODING = b"binary/zlib"
#: Payloads smaller than this (serialized bytes) are left plain.
MIN_SIZE = 1024
#: A compressed payload is kept only when it is at most this share of the original.
MAX_RATIO = 0.8
#: zlib's default level: within 1 % of level 9's size at two thirds of its time.
LEVEL = 6


class CodecError(ValueError):
    """A ``binary/zlib`` payload that does not decompress into a payload."""


class CompressionCodec(PayloadCodec):
    """zlib for payloads of :data:`MIN_SIZE` bytes or more; the rest pass through."""

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [compress(p) for p in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [decompress(p) for p in payloads]


def compress(payload: Payload) -> Payload:
    """``payload`` as ``binary/zlib`` if that is worth it, else ``payload`` itself."""
    if payload.metadata.get("encoding") == ENCODING:
        return payload  # already compressed (a payload passed through as it came)
    raw = payload.SerializeToString()
    if len(raw) < MIN_SIZE:
        return payload
    packed = zlib.compress(raw, LEVEL)
    if len(packed) > MAX_RATIO * len(raw):
        return payload
    return Payload(metadata={"encoding": ENCODING}, data=packed)


def decompress(payload: Payload) -> Payload:
    """The original of a ``binary/zlib`` payload; any other payload as it is."""
    if payload.metadata.get("encoding") != ENCODING:
        return payload
    try:
        original = Payload.FromString(zlib.decompress(payload.data))
    except (zlib.error, DecodeError) as exc:
        raise CodecError(f"a {ENCODING.decode()} payload does not decompress: {exc}") from exc
    return original
