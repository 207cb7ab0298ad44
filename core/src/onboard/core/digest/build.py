"""The digest notices: one per person, of everything that waits for them across engagements.

What waits for whom is :mod:`onboard.core.waiting`'s (one set of rules for the
digest, ``onboard show`` and ``onboard todo``).  Everyone on the roster of a party
that is waited for gets the thing.  One person is one digest across engagements:
roster entries with the same e-mail (case-insensitive) are one person, entries
without an e-mail are matched by id.  Commands carry ``{person}`` where the
person's id on that engagement is the digest's recipient id, and the literal id
where the same e-mail has another id on another roster.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from attrs import frozen
from onboard.core.models import EngagementStatus, Notification, Person, Recipient
from onboard.core.waiting import Waiting, waiting

#: Lines of a digest before "… and N more": a digest is read, not scrolled.
LISTED = 30

KIND = "digest"

__all__ = ["Digest", "Waiting", "digests", "person_key", "waiting"]


@frozen
class Digest:
    """One person's notice, with what it counts (its details stop at :data:`LISTED`)."""

    notice: Notification
    things: int
    engagements: tuple[str, ...]


def person_key(person: Person) -> str:
    """Who a roster entry is across engagements: the e-mail, else the id."""
    return person.email.strip().lower() or person.id


def digests(statuses: Iterable[EngagementStatus], now: datetime, day: str, run_id: str) -> list[Digest]:
    """One notice per person that something waits for, across ``statuses``; none for
    the others.  ``day`` (``YYYY-MM-DD``) makes the id ``digest/<day>/<person>``."""
    recipient: dict[str, Recipient] = {}
    lines: dict[str, list[tuple[str, str, str]]] = {}  # (engagement, detail, command)
    for status in sorted(statuses, key=lambda s: s.engagement_id):
        things = waiting(status, now)
        for person in status.state.spec.roster:
            mine = [w for w in things if w.party is person.party]
            if not mine:
                continue
            key = person_key(person)
            first = recipient.setdefault(
                key, Recipient(person.id, person.name, person.email.strip(), person.party.value)
            )
            # Only the digest's own recipient id may stay a placeholder (channels fill it in).
            as_who = "{person}" if person.id == first.id else person.id
            lines.setdefault(key, []).extend(
                (w.engagement_id, f"{w.title}: {w.what}", w.command.replace("{person}", as_who)) for w in mine
            )
    return [_notice(recipient[key], pairs, now, day, run_id) for key, pairs in lines.items()]


def _notice(
    to: Recipient, found: Sequence[tuple[str, str, str]], now: datetime, day: str, run_id: str
) -> Digest:
    count = len(found)
    engagements = tuple(sorted({eid for eid, _, _ in found}))
    things = "1 thing waits" if count == 1 else f"{count} things wait"
    more = f"… and {count - LISTED} more (onboard list --awaiting {to.id or to.email})"
    details = [line for _, line, _ in found[:LISTED]] + ([more] if count > LISTED else [])
    commands = list(dict.fromkeys(command for _, _, command in found[:LISTED]))
    notice = Notification(
        run_id,
        KIND,
        f"{things} for you in {len(engagements)} engagement(s): {', '.join(engagements)}",
        now,
        (to.id,) if to.id else (),
        id=f"{KIND}/{day}/{to.email.lower() or to.id}",
        subject=f"onboard: {things} for you",
        recipients=(to,),
        details=tuple(details),
        commands=tuple(commands),
    )
    return Digest(notice, count, engagements)
