"""The payloads of a few models, (un)structured without cattrs, exactly as cattrs does.

``onboard approve`` sends a :class:`~onboard.core.models.GateDecision` (with its
:class:`~onboard.core.models.Signature`) and reads back a
:class:`~onboard.core.models.GateState`.  Importing cattrs and letting it write the code
for these three classes is some 15 ms, a sixth of what the command costs beyond a
bare client; so :mod:`onboard.core.converter` converts the classes of
:mod:`onboard.core.models.decisions` (:data:`MODULE`) here and loads cattrs only for
the others.

The classes of that module hold only what :func:`structure` knows: str, int, float,
bool, enums, datetimes, ``X | None``, ``tuple[X, ...]``, ``list[X]``, ``dict[K, V]``
and each other.  ``tests/core/test_by_hand.py`` checks that every one of them gives
cattrs's payload, byte for byte, and reads back as cattrs reads it; a class with a
field of another kind fails there (and falls back to cattrs here).
"""

import types
from datetime import datetime, timedelta
from enum import Enum
from typing import Any, Union, get_args, get_origin

#: The module whose classes are converted here.
MODULE = "onboard.core.models.decisions"

_PRIMITIVES = (str, int, float, bool)


def handles(type_: Any) -> bool:
    """Whether values of ``type_`` are converted here (a class of :data:`MODULE`)."""
    return getattr(type_, "__module__", None) == MODULE and hasattr(type_, "__attrs_attrs__")


def unstructure(value: Any) -> Any:
    """``value`` as plain JSON data, as cattrs's JSON converter gives it.

    cattrs keeps an enum member (JSON writes its value) where this gives the value:
    the JSON text is the same.
    """
    fields = getattr(type(value), "__attrs_attrs__", None)
    if fields is not None:  # every field, in definition order, by its name
        return {f.name: unstructure(getattr(value, f.name)) for f in fields}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):  # onboard's cattrs hook: seconds
        return value.total_seconds()
    if isinstance(value, tuple | list):
        return [unstructure(v) for v in value]
    if isinstance(value, dict):
        return {unstructure(k): unstructure(v) for k, v in value.items()}
    return value  # str, int, float, bool, None


def structure(data: Any, type_: Any) -> Any:
    """``data`` (plain JSON data) as ``type_``, as cattrs structures it; raises on data
    or a type it does not know (the caller then asks cattrs, which says what is wrong)."""
    if type_ in _PRIMITIVES:
        return type_(data)  # as cattrs: the type called on the value
    origin = get_origin(type_)
    if origin is Union or origin is types.UnionType:
        args = get_args(type_)
        if data is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) != 1:  # a union of several classes: cattrs's business
            raise TypeError(f"{type_!r} is not converted by hand")
        return structure(data, others[0])
    if origin is tuple:
        item, *more = get_args(type_)
        if more != [Ellipsis]:
            raise TypeError(f"{type_!r} is not converted by hand")
        return tuple(structure(v, item) for v in data)
    if origin is list:
        return [structure(v, get_args(type_)[0]) for v in data]
    if origin is dict:
        key, item = get_args(type_)
        return {structure(k, key): structure(v, item) for k, v in data.items()}
    if isinstance(type_, type) and issubclass(type_, Enum):
        return type_(data)
    if type_ is datetime:
        return datetime.fromisoformat(data)
    if handles(type_):  # a missing key takes the field's default (or __init__ says it is missing)
        fields = type_.__attrs_attrs__
        return type_(**{f.name: structure(data[f.name], f.type) for f in fields if f.name in data})
    raise TypeError(f"{type_!r} is not converted by hand")
