"""What ``onboard approve`` and ``onboard complete`` send and what ``decide`` answers:
:class:`Signature`, :class:`GateDecision`, :class:`Completion` and :class:`GateState`.

A module of their own so that an approval defines these four attrs classes, not the
fifteen of the other actions (:mod:`.actions`), let alone the plan's and the state's.
No ``from __future__ import annotations``: cattrs must see real types, not
strings, inside the Temporal workflow sandbox.
"""

from datetime import datetime

from attrs import define, field, frozen
from onboard.core.models.base import Party, Phase, _aware, _non_empty, _str_tuple

# ---------------------------------------------------------------------------
# Signatures (see onboard.core.trust)
# ---------------------------------------------------------------------------


@frozen
class Signature:
    """A person's SSH signature over one action (``onboard.core.trust.actions``).

    The signed statement binds engagement, action, subject, content, person,
    ``signed_at`` and ``nonce``; the nonce is also the Update id, and an engagement
    accepts it once.
    """

    signed_at: datetime = field(converter=_aware)
    nonce: str = field(validator=_non_empty)
    armored: str = field(validator=_non_empty)  # -----BEGIN SSH SIGNATURE-----


# ---------------------------------------------------------------------------
# Decisions and attestations (Update arguments)
# ---------------------------------------------------------------------------


@frozen
class GateDecision:
    """An approver's decision on a gate (the argument of the ``decide`` Update).

    ``reopen`` (rejections of the joint gate only) names closed remediation items
    that go back to open.
    """

    gate: str
    person: str
    approve: bool
    comment: str = ""
    signature: Signature | None = None
    reopen: tuple[str, ...] = field(default=(), converter=_str_tuple)


@frozen
class Completion:
    """An attested completion of a remediation item or a manual enable step."""

    item: str  # a remediation item id or an enable step id
    person: str
    evidence: str = field(validator=_non_empty)
    signature: Signature | None = None


# ---------------------------------------------------------------------------
# What ``decide`` answers (part of the state too)
# ---------------------------------------------------------------------------


@define
class GateState:
    id: str
    phase: Phase
    title: str
    parties: tuple[Party, ...]
    open: bool = False
    approved_by: dict[str, str] = field(factory=dict)  # party -> person id
    approved_keys: dict[str, str] = field(factory=dict)  # party -> signing key fingerprint
    passed: bool = False
    rejections: list[str] = field(factory=list)  # reasons, newest last
    notified: bool = False  # the approvers were told it is open (once, across runs)
    opened_at: datetime | None = None  # when they were told (the gate-wait metric)
