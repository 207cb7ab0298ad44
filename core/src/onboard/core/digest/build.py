"""What waits for whom: the digest notices built from engagements' status answers.

Pure functions (no Temporal, no plugins), so the rules can be read in one place:

- a **gate** that is open waits for each party that has not approved it yet;
- in Remediate, each **open remediation item** waits for its owning party (an item an
  automated check backs closes by a re-assessment, so its command is ``reassess``);
- in Enable, each **step awaiting attestation** waits for its owning party;
- in Initiate, the **first contact** waits for the provider (due 30 days, or the
  policy's ``contact_within``, after purchase);
- a **blocked** engagement waits for the provider's ``resume``, and nothing else
  moves until then.

Everyone on the roster of a party that is waited for gets the thing.  One person is
one digest across engagements: roster entries with the same e-mail (case-insensitive)
are one person, entries without an e-mail are matched by id.  Commands carry
``{person}`` where the person's id on that engagement is the digest's recipient id,
and the literal id where the same e-mail has another id on another roster.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from attrs import frozen
from onboard.core.engagement.rules import backed_by_check, open_items
from onboard.core.models import (
    EngagementStatus,
    Notification,
    Party,
    Person,
    Phase,
    Recipient,
)

#: Lines of a digest before "… and N more": a digest is read, not scrolled.
LISTED = 30

KIND = "digest"


@frozen
class Waiting:
    """One thing an engagement waits for a party to do."""

    engagement_id: str
    title: str  # the engagement as people know it: "contoso-ems (Contoso)"
    party: Party
    what: str  # "gate 'kickoff' awaits your decision: Kick-off held"
    command: str  # with "{person}" for whoever acts


def waiting(status: EngagementStatus, now: datetime) -> list[Waiting]:
    """Everything ``status``'s engagement waits for, per party (see the module rules)."""
    state = status.state
    eid = status.engagement_id
    title = f"{eid} ({state.spec.customer})"
    found: list[Waiting] = []

    def add(party: Party, what: str, command: str) -> None:
        found.append(Waiting(eid, title, party, what, command))

    if state.blocked:
        add(Party.PROVIDER, f"blocked: {state.blocked}", f'onboard resume {eid} --as {{person}} --note "..."')
        return found
    if state.plan is None or state.phase is Phase.COMPLETED:
        return found  # still planning (the workers' job), or done
    if state.phase is Phase.INITIATE and state.contact is None:
        due = state.spec.purchased_on + state.spec.policy.contact_within
        when = f"overdue since {_day(due)}" if due < now else f"due {_day(due)}"
        add(
            Party.PROVIDER,
            f"first contact with the customer ({when})",
            f'onboard contact {eid} --as {{person}} --note "..."',
        )
    for gate in state.gates.values():
        if not gate.open or gate.passed:
            continue
        for party in gate.parties:
            if party.value not in gate.approved_by:
                add(
                    party,
                    f"gate {gate.id!r} awaits your decision: {gate.title}",
                    f'onboard approve {eid} {gate.id} --as {{person}} --comment "..."',
                )
    if state.phase is Phase.REMEDIATE:
        checkpoint = f", next checkpoint {_day(state.next_checkpoint_at)}" if state.next_checkpoint_at else ""
        for item in open_items(state):
            if backed_by_check(state, item):
                command = f"onboard reassess {eid} BUNDLE --as {{person}}"
            else:
                command = f'onboard complete {eid} {item.item.id} --as {{person}} --evidence "..."'
            add(
                item.item.owner,
                f"item {item.item.id} ({item.item.severity.value}{checkpoint}): {item.item.title}",
                command,
            )
    if state.phase is Phase.ENABLE:
        for step in state.steps.values():
            if step.status == "awaiting":
                add(
                    step.step.owner,
                    f"step {step.step.id}: {step.step.title}",
                    f'onboard complete {eid} {step.step.id} --as {{person}} --evidence "..."',
                )
    return found


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


def _day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")
