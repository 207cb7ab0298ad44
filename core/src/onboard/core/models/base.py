"""The models' vocabulary: ids and their validators, the enums, and :class:`Person`.

Imported by every other module of :mod:`onboard.core.models`; it needs nothing of
onboard, so a client that sends one Update pays for little more than attrs.
No ``from __future__ import annotations``: cattrs must see real types, not
strings, inside the Temporal workflow sandbox.
"""

import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

import attrs
from attrs import field, frozen

#: A fact value: facts describe the customer's environment ("forest_count": 3).
FactValue = str | int | bool

_ID = re.compile(r"^[a-z0-9][a-z0-9_.:-]*$")


def is_id(value: object) -> bool:
    """Whether ``value`` is an onboard id (engagements, people, gates, items, steps)."""
    return isinstance(value, str) and bool(_ID.match(value)) and len(value) <= 200


def _valid_id(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not _ID.match(value):
        raise ValueError(
            f"{type(instance).__name__}.{attribute.name} must be a lower-case id "
            f"(letters, digits, '.', '_', ':', '-'), got {value!r}"
        )


def _non_empty(instance: object, attribute: attrs.Attribute, value: str) -> None:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must not be empty")


def _str_tuple(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):  # a lone string is one item, not its characters
        return (value,)
    return tuple(value)


def _positive(instance: object, attribute: attrs.Attribute, value: timedelta) -> None:
    if value <= timedelta(0):
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be longer than zero, got {value}")


def _positive_count(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be a whole number of at least 1")


def _non_negative_count(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be a whole number of at least 0")


def _optional_count(instance: object, attribute: attrs.Attribute, value: int | None) -> None:
    if value is not None:
        _positive_count(instance, attribute, value)


def _pairs(value: Any) -> tuple[tuple[str, Any], ...]:
    """``{"a": 1}`` (or pairs) as sorted ``(key, value)`` pairs: hashable, stable in order."""
    items = value.items() if isinstance(value, dict) else value
    return tuple(sorted((str(k), v) for k, v in items))


def _aware(value: datetime) -> datetime:
    """Timestamps without a zone are UTC: workflow time is always zone-aware."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# ---------------------------------------------------------------------------
# Vocabulary
# ---------------------------------------------------------------------------


class Phase(StrEnum):
    """The four phases of the FastTrack process, plus the end states."""

    INITIATE = "initiate"
    ASSESS = "assess"
    REMEDIATE = "remediate"
    ENABLE = "enable"
    COMPLETED = "completed"
    CANCELLED = "cancelled"  # ended by a person before completion (``onboard cancel``)


class Party(StrEnum):
    """Who does or approves something: the FastTrack provider or the customer."""

    PROVIDER = "provider"
    CUSTOMER = "customer"


class Severity(StrEnum):
    """How much a failed requirement matters. Blockers must be closed before Enable."""

    BLOCKER = "blocker"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    """What the Assess phase looks at (the seeds' list, plus licensing and services)."""

    ACTIVE_DIRECTORY = "active_directory"
    BROWSERS = "browsers"
    CLIENT_OS = "client_os"
    DNS = "dns"
    NETWORK = "network"
    INFRASTRUCTURE = "infrastructure"
    IDENTITY = "identity"
    LICENSING = "licensing"
    SERVICE = "service"


class Outcome(StrEnum):
    """Result of one requirement check."""

    PASS = "pass"
    FAIL = "fail"
    #: The check could not run (its input is missing or unreadable); treated as open.
    NOT_RUN = "not_run"


class StepKind(StrEnum):
    """An automated step is an activity; a manual step waits for an attested completion."""

    AUTOMATED = "automated"
    MANUAL = "manual"


class FactKind(StrEnum):
    CHOICE = "choice"
    BOOL = "bool"
    INT = "int"
    TEXT = "text"


#: The bundle that means "collect from the live directory and DNS" (a customer-side
#: worker's collector configuration says where they are).
LIVE_BUNDLE = "live:"


# ---------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------


@frozen
class Person:
    """Someone on the engagement roster who may decide gates and attest work."""

    id: str = field(validator=_valid_id)
    name: str
    party: Party
    email: str = ""
