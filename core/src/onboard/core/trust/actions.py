"""The statement a person signs for an action, the same on the CLI and in the workflow.

An action is one of the engagement's Update arguments (a gate decision, a
completion, a contact, a re-assessment, a resume, a waiver, a due-date move,
a cancellation, a pause or its end).  Its statement is the
RFC 8785 canonical JSON of::

    {"type": "onboard.action/v1", "engagement": ..., "action": ..., "subject": ...,
     "content_sha256": ..., "person": ..., "signed_at": "2026-12-01T21:00:00Z",
     "nonce": ...}

so a signature for one gate, engagement, person, comment or moment verifies for no
other.  ``content_sha256`` is the SHA-256 of the canonical JSON of the action's free
text (comment, evidence, note, bundle, reason, items to reopen): the statement stays
small however long the text, and the text itself travels and is kept beside it.
"""

import hashlib
import secrets
from datetime import UTC, datetime
from typing import Any

import rfc8785
from attrs import frozen
from onboard.core import models
from onboard.core.models import Completion, GateDecision, Signature

STATEMENT_TYPE = "onboard.action/v1"


@frozen
class Action:
    """What an Update argument asks, in the terms a signature covers."""

    engagement: str
    action: str  # approve | reject | complete | contact | reassess | resume | waive | move-due | cancel | pause | unpause
    subject: str
    person: str
    content: dict[str, str]
    #: The digest alone, for a record kept without its texts (``content`` is then empty).
    digest: str = ""

    def content_sha256(self) -> str:
        return self.digest or hashlib.sha256(rfc8785.dumps(self.content)).hexdigest()

    def statement(self, signed_at: datetime, nonce: str) -> bytes:
        """The exact bytes the person's key signs."""
        return rfc8785.dumps(
            {
                "type": STATEMENT_TYPE,
                "engagement": self.engagement,
                "action": self.action,
                "subject": self.subject,
                "content_sha256": self.content_sha256(),
                "person": self.person,
                "signed_at": format_time(signed_at),
                "nonce": nonce,
            }
        )


def describe(engagement_id: str, arg: Any) -> Action:
    """The :class:`Action` an Update argument stands for.

    The other actions' classes are looked up as ``models.X`` only when an argument is
    not one of those before it: a gate decision, the first, loads none of them.
    """
    if isinstance(arg, GateDecision):
        return Action(
            engagement_id,
            "approve" if arg.approve else "reject",
            arg.gate,
            arg.person,
            {"comment": arg.comment, "reopen": ",".join(arg.reopen)},
        )
    if isinstance(arg, Completion):
        return Action(engagement_id, "complete", arg.item, arg.person, {"evidence": arg.evidence})
    if isinstance(arg, models.Contact):
        return Action(engagement_id, "contact", "customer", arg.person, {"note": arg.note})
    if isinstance(arg, models.Reassessment):
        return Action(engagement_id, "reassess", "assessment", arg.person, {"bundle": arg.bundle})
    if isinstance(arg, models.Resume):
        return Action(engagement_id, "resume", "engagement", arg.person, {"note": arg.note})
    if isinstance(arg, models.Waiver):
        return Action(engagement_id, "waive", arg.item, arg.person, {"reason": arg.reason})
    if isinstance(arg, models.DueChange):
        return Action(
            engagement_id,
            "move-due",
            arg.item,
            arg.person,
            {"due": format_time(arg.due), "reason": arg.reason},
        )
    if isinstance(arg, models.Cancellation):
        return Action(engagement_id, "cancel", "engagement", arg.person, {"reason": arg.reason})
    if isinstance(arg, models.Closure):
        return Action(engagement_id, "close", "engagement", arg.person, {"reason": arg.reason})
    if isinstance(arg, models.Pause):
        return Action(engagement_id, "pause", "engagement", arg.person, {"reason": arg.reason})
    if isinstance(arg, models.Unpause):
        return Action(engagement_id, "unpause", "engagement", arg.person, {"note": arg.note})
    if isinstance(arg, models.RosterChange):
        new = arg.new
        joining = f"{new.id}|{new.name}|{new.party.value}|{new.email}" if new is not None else ""
        return Action(
            engagement_id,
            f"roster-{arg.change}",
            arg.subject,
            arg.person,
            {"reason": arg.reason, "new": joining},
        )
    if isinstance(arg, models.ScopeChange):
        content = {
            "reason": arg.reason,
            "add": ",".join(arg.add),
            "remove": ",".join(arg.remove),
            "facts": rfc8785.dumps(arg.facts).decode(),
            "licenses": rfc8785.dumps(arg.licenses).decode(),
        }
        return Action(engagement_id, "rescope", "scope", arg.person, content)
    if isinstance(arg, models.MeetingMove):
        content = {"start": format_time(arg.start), "reason": arg.reason}
        return Action(engagement_id, "move-meeting", arg.meeting, arg.person, content)
    if isinstance(arg, models.RosterAck):
        return Action(engagement_id, "roster-ack", arg.subject, arg.person, {"note": arg.note})
    raise TypeError(f"{type(arg).__name__} is not an onboard action")


def format_time(at: datetime) -> str:
    """RFC 3339 in UTC to the second: what the statement carries."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def new_nonce() -> str:
    """128 random bits, hex: unique per action, and the Update id."""
    return secrets.token_hex(16)


def signing_time(now: datetime | None = None) -> datetime:
    """Now (or ``now``), in UTC, to the second, as the statement will carry it."""
    return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)


def __getattr__(name: str) -> Any:
    """``ActionArgument``: every Update argument that is an action, in the order the CLI
    documents them (built when asked for: it imports every action's model)."""
    if name == "ActionArgument":
        m = models
        return (
            GateDecision | Completion | m.Contact | m.Reassessment | m.Resume | m.Waiver | m.DueChange
            | m.Cancellation | m.Closure | m.Pause | m.Unpause
        )  # fmt: skip
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ActionArgument is given by __getattr__ above.
__all__ = ["Action", "ActionArgument", "Signature", "describe", "format_time", "new_nonce", "signing_time"]  # noqa: F822
