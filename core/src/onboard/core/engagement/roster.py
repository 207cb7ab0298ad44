"""Roster changes on a running engagement: add, replace or remove a person.

Mixed into :class:`~onboard.core.engagement.workflows.EngagementWorkflow`.  The
rules of who:

- each side changes its own people at once (a provider person the provider side,
  a customer person the customer side);
- a provider's change to the customer side waits until a customer person
  acknowledges it (``onboard roster ack``): the customer says who speaks for it;
- a customer person cannot change the provider side;
- a side never loses its last person; ids stay unique.

Every change and acknowledgement is signed and audited like a gate decision, and
everyone on the roster (as it is after the change) is told.  What people did
before they left stays theirs in the audit trail; someone removed can no longer act.
A joining person needs a key in the workers' allowed-signers file to act.
"""

from collections.abc import Callable

import attrs
from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from onboard.core.engagement import authority, notices, rules
    from onboard.core.engagement.refusals import refusals_fail_the_update, refusing
    from onboard.core.models import (
        AuditRecord,
        EngagementState,
        Notification,
        Party,
        Person,
        Phase,
        RosterAck,
        RosterChange,
        is_id,
    )
    from onboard.core.planning import NAME_LIMIT, ROSTER_LIMIT  # as in an engagement file

CHANGES = ("add", "replace", "remove")


def check_change(state: EngagementState, change: RosterChange) -> Person:
    """The person asking, or :class:`~.rules.Rejected` saying why the change cannot be made."""
    asker = rules.roster_person(state, change.person)
    if state.phase in (Phase.COMPLETED, Phase.CANCELLED):
        raise rules.Rejected(f"the engagement is {state.phase.value}")
    if change.change not in CHANGES:
        raise rules.Rejected(f"a roster change is one of {', '.join(CHANGES)}, not {change.change[:40]!r}")
    roster = {p.id: p for p in state.spec.roster}
    leaving = roster.get(change.subject)
    if change.change in ("replace", "remove") and leaving is None:
        raise rules.Rejected(f"{change.subject[:60]!r} is not on the roster")
    new = change.new
    if change.change in ("add", "replace"):
        if new is None:
            raise rules.Rejected(f"a roster {change.change} names the person who joins")
        if not is_id(new.id) or any(len(x) > NAME_LIMIT for x in (new.name, new.email)):
            raise rules.Rejected(
                "the joining person needs an id like 'pat' or 'pat.smith' and a name and e-mail of at most 200 characters"
            )
        if change.change == "add" and new.id != change.subject:
            raise rules.Rejected("an add names the joining person as its subject")
        if new.id in roster and not (change.change == "replace" and new.id == change.subject):
            raise rules.Rejected(f"{new.id!r} is already on the roster")
        if change.change == "replace" and leaving is not None and new.party is not leaving.party:
            raise rules.Rejected(
                f"{leaving.id!r} is on the {leaving.party.value} side; their replacement must be too"
            )
        if change.change == "add" and len(roster) >= ROSTER_LIMIT:
            raise rules.Rejected(f"the roster holds at most {ROSTER_LIMIT} people")
    side = new.party if new is not None else leaving.party  # type: ignore[union-attr]
    if asker.party is Party.CUSTOMER and side is Party.PROVIDER:
        raise rules.Rejected("the customer side cannot change the provider side's people")
    if change.change == "remove" and sum(1 for p in roster.values() if p.party is side) <= 1:
        raise rules.Rejected(
            f"{change.subject!r} is the last person on the {side.value} side; replace them instead"
        )
    if any(p.subject == change.subject for p in state.roster_pending):
        raise rules.Rejected(
            f"a change of {change.subject!r} already waits for the customer's acknowledgement"
        )
    return asker


def needs_acknowledgement(asker: Person, change: RosterChange, state: EngagementState) -> bool:
    """A provider changing the customer side: the customer acknowledges first."""
    leaving = next((p for p in state.spec.roster if p.id == change.subject), None)
    side = change.new.party if change.new is not None else leaving.party if leaving else Party.PROVIDER
    return asker.party is Party.PROVIDER and side is Party.CUSTOMER


def apply_change(state: EngagementState, change: RosterChange) -> None:
    roster = [p for p in state.spec.roster if p.id != change.subject]
    if change.new is not None:
        index = next((n for n, p in enumerate(state.spec.roster) if p.id == change.subject), len(roster))
        roster.insert(min(index, len(roster)), change.new)
    state.spec = attrs.evolve(state.spec, roster=tuple(roster))


class RosterChanges:
    """The change_roster and acknowledge_roster Updates."""

    state: EngagementState
    _outbox: bool
    _queue: Callable[[Notification], None]
    _publish: Callable[[], None]
    _signature: Callable[..., authority.SignedBy]
    _audit: Callable[..., AuditRecord]

    @workflow.update
    def change_roster(self, change: RosterChange) -> str:
        """Add, replace or remove a person; "applied", or "pending" the customer's acknowledgement."""
        s = self.state
        with refusals_fail_the_update():
            asker, signed = self._check_roster(change, live=False)
        self._audit(change, asker, signed, change.reason)
        if needs_acknowledgement(asker, change, s):
            s.roster_pending.append(change)
            self._queue(notices.roster(s, change, asker, pending=True))
            return "pending"
        apply_change(s, change)
        self._publish()
        self._queue(notices.roster(s, change, asker, pending=False))
        return "applied"

    @change_roster.validator
    @refusing
    def _validate_change_roster(self, change: RosterChange) -> None:
        self._check_roster(change, live=True)

    def _check_roster(self, change: RosterChange, live: bool) -> tuple[Person, authority.SignedBy]:
        if not self._outbox:
            raise rules.Rejected(
                "this run of the engagement began before roster changes; its next run has them"
            )
        asker = check_change(self.state, change)
        return asker, self._signature(change, asker, live)

    @workflow.update
    def acknowledge_roster(self, ack: RosterAck) -> str:
        """A customer person acknowledges the provider's pending change to the customer side."""
        s = self.state
        with refusals_fail_the_update():
            person, signed, change = self._check_ack(ack, live=False)
        self._audit(ack, person, signed, ack.note)
        s.roster_pending.remove(change)
        apply_change(s, change)
        self._publish()
        asker = Person(change.person, change.person, Party.PROVIDER)
        self._queue(notices.roster(s, change, asker, pending=False, acknowledged_by=person.id))
        return "applied"

    @acknowledge_roster.validator
    @refusing
    def _validate_acknowledge_roster(self, ack: RosterAck) -> None:
        self._check_ack(ack, live=True)

    def _check_ack(self, ack: RosterAck, live: bool) -> tuple[Person, authority.SignedBy, RosterChange]:
        s = self.state
        person = rules.roster_person(s, ack.person)
        if person.party is not Party.CUSTOMER:
            raise rules.Rejected("the customer side acknowledges changes to its own people")
        change = next((c for c in s.roster_pending if c.subject == ack.subject), None)
        if change is None:
            raise rules.Rejected(f"no change of {ack.subject[:60]!r} waits for an acknowledgement")
        if change.change in ("replace", "remove") and change.subject == person.id:
            raise rules.Rejected("another customer person acknowledges a change that removes you")
        if (
            change.change == "add"
            and change.new is not None
            and any(p.id == change.new.id for p in s.spec.roster)
        ):
            raise rules.Rejected(f"{change.new.id!r} is on the roster already")
        return person, self._signature(ack, person, live), change
