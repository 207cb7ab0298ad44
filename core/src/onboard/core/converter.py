"""The Temporal data converter for onboard's attrs models, built on cattrs.

temporalio's default JSON converter handles dataclasses but not attrs classes, so
client, worker and replayer all use :data:`DATA_CONVERTER`: the default converter
chain with its ``json/plain`` member replaced by one that (un)structures through
cattrs.  Payloads are plain JSON (usable by other SDKs); those of a kilobyte or more
are compressed by :class:`~onboard.core.codec.CompressionCodec`.

cattrs is imported when first needed (:func:`converter`): the few classes an approval
sends and receives are converted by :mod:`onboard.core.by_hand`, to the same bytes,
so ``onboard approve`` never loads it.
"""

import dataclasses
import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from onboard.core import by_hand, host_imports
from onboard.core.codec import CompressionCodec
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    BinaryNullPayloadConverter,
    BinaryPlainPayloadConverter,
    BinaryProtoPayloadConverter,
    CompositePayloadConverter,
    DataConverter,
    EncodingPayloadConverter,
    JSONProtoPayloadConverter,
)

if TYPE_CHECKING:
    import cattrs


def make_cattrs_converter(*, forbid_extra_keys: bool = False) -> "cattrs.Converter":
    """The cattrs converter for every model: ISO datetimes, seconds for timedeltas.

    ``forbid_extra_keys`` is for files people write (a misspelt key is an error);
    payloads keep the default so that an older worker reads a newer payload.
    """
    from cattrs.preconf.json import make_converter
    from cattrs.strategies import configure_union_passthrough

    converter = make_converter(forbid_extra_keys=forbid_extra_keys)
    converter.register_unstructure_hook(timedelta, lambda td: td.total_seconds())
    # Clamped, not raised: a payload that fails to decode fails the workflow task, over
    # and over; planning then refuses the out-of-range duration with its name.
    converter.register_structure_hook(timedelta, lambda v, _: _seconds(float(v)))
    # Fact values are str | int | bool; JSON keeps them apart, so pass them through.
    configure_union_passthrough(str | int | bool | None, converter)
    return converter


_MAX_SECONDS = timedelta.max.total_seconds() - 86400


def _seconds(value: float) -> timedelta:
    if value != value:  # NaN
        return timedelta(0)
    return timedelta(seconds=max(-_MAX_SECONDS, min(_MAX_SECONDS, value)))


_CONVERTER: "cattrs.Converter | None" = None


def converter() -> "cattrs.Converter":
    """The one cattrs converter (made on first use): the CLI's ``--json`` output uses it too."""
    global _CONVERTER
    if _CONVERTER is None:
        # On a workflow's first payload cattrs must be the host's, not imported into the
        # sandbox (whose restrictions it trips over unless a runner passes it through).
        with host_imports.passed_through():
            _CONVERTER = make_cattrs_converter()
    return _CONVERTER


def __getattr__(name: str) -> Any:
    if name == "CONVERTER":  # the converter's old name, a module constant
        return converter()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def to_json_value(value: Any) -> Any:
    """A model (or any value) as plain JSON-compatible data."""
    return converter().unstructure(value)


def from_json_value(value: Any, type_: Any) -> Any:
    """Plain JSON data back into ``type_``; raises with the failing path on bad data."""
    return converter().structure(value, type_)


class AttrsJSONPayloadConverter(EncodingPayloadConverter):
    """``json/plain`` payloads (un)structured by cattrs, so attrs classes round-trip."""

    @property
    def encoding(self) -> str:
        return "json/plain"

    def to_payload(self, value: Any) -> Payload | None:
        # Insertion order is kept: gates, steps and items read in plan order.  UTF-8,
        # not \u escapes: "€" costs 3 bytes of the payload limit instead of 6 (the
        # carried-state budget counts UTF-8); a lone surrogate can only be escaped.
        plain = by_hand.unstructure(value) if by_hand.handles(type(value)) else converter().unstructure(value)
        try:
            data = json.dumps(plain, separators=(",", ":"), ensure_ascii=False).encode()
        except UnicodeEncodeError:
            data = json.dumps(plain, separators=(",", ":")).encode()
        return Payload(metadata={"encoding": b"json/plain"}, data=data)

    def from_payload(self, payload: Payload, type_hint: type | None = None) -> Any:
        value = json.loads(payload.data)
        if type_hint is None or type_hint is Any:
            return value
        if by_hand.handles(type_hint):
            try:
                return by_hand.structure(value, type_hint)
            except Exception:  # bad data: cattrs raises as for any model, naming what is wrong
                pass
        return converter().structure(value, type_hint)


class OnboardPayloadConverter(CompositePayloadConverter):
    """The default chain with cattrs-backed JSON as the catch-all."""

    def __init__(self) -> None:
        super().__init__(
            BinaryNullPayloadConverter(),
            BinaryPlainPayloadConverter(),
            JSONProtoPayloadConverter(),
            BinaryProtoPayloadConverter(),
            AttrsJSONPayloadConverter(),
        )


#: Pass to ``Client.connect(data_converter=...)`` and ``Replayer(data_converter=...)``.
DATA_CONVERTER = dataclasses.replace(
    DataConverter.default, payload_converter_class=OnboardPayloadConverter, payload_codec=CompressionCodec()
)
