"""What an engagement waits for, and from whom: one answer for ``show``, ``todo`` and the digest.

Pure functions of a ``status`` answer (no Temporal, no plugins), so the rules can be
read in one place:

- a **paused** engagement waits for either side's ``resume``, a **blocked** one for
  the provider's, and nothing else moves until then; an ended one (completed,
  cancelled) waits for nobody;
- in Initiate, the **first contact** waits for the provider (due the policy's
  ``contact_within`` after purchase: 30 days by default);
- a **gate** that is open waits for each party that has not approved it yet;
- in Remediate, each **open remediation item** waits for its owning party, due on
  its date (an item an automated check backs closes by a re-assessment, so its
  command is ``reassess``);
- in Enable, each **step awaiting attestation** waits for its owning party.

Commands carry ``{person}`` for whoever acts (:func:`for_person` fills it in).
"""

from collections.abc import Sequence
from datetime import datetime

from attrs import evolve, frozen
from onboard.core.engagement.rules import backed_by_check, open_items
from onboard.core.engagement.timeline import due_text
from onboard.core.models import EngagementStatus, Party, Person, Phase


@frozen
class Waiting:
    """One thing an engagement waits for a party to do."""

    engagement_id: str
    title: str  # the engagement as people know it: "contoso-ems (Contoso)"
    party: Party
    what: str  # "gate 'kickoff' awaits your decision: Kick-off held"
    command: str  # with "{person}" for whoever acts
    kind: str = ""  # resume | contact | gate | item | step
    subject: str = ""  # the gate, item or step id
    due: datetime | None = None
    overdue: bool = False


def waiting(status: EngagementStatus, now: datetime) -> list[Waiting]:
    """Everything ``status``'s engagement waits for, per party (see the module rules)."""
    state = status.state
    eid = status.engagement_id
    title = f"{eid} ({state.spec.customer})"
    found: list[Waiting] = []

    def add(
        party: Party, kind: str, subject: str, what: str, command: str, due: datetime | None = None
    ) -> None:
        late = due is not None and due < now
        found.append(Waiting(eid, title, party, what, command, kind, subject, due, late))

    if state.phase in (Phase.COMPLETED, Phase.CANCELLED):
        return found
    if state.paused_at is not None:
        resume = f'onboard resume {eid} --as {{person}} --note "..."'
        what = f"paused by {state.paused_by}: {state.paused_reason} (resume it when work can go on)"
        for party in Party:
            add(party, "resume", "engagement", what, resume)
        return found
    if state.blocked:
        resume = f'onboard resume {eid} --as {{person}} --note "..."'
        add(Party.PROVIDER, "resume", "engagement", f"blocked: {state.blocked}", resume)
        return found
    if state.plan is None:
        return found  # still planning (the workers' job)
    if state.phase is Phase.INITIATE and state.contact is None:
        due = state.spec.purchased_on + state.spec.policy.contact_within
        when = f"overdue since {day(due)}" if due < now else f"due {day(due)}"
        contact = f'onboard contact {eid} --as {{person}} --note "..."'
        add(Party.PROVIDER, "contact", "customer", f"first contact with the customer ({when})", contact, due)
    for gate in state.gates.values():
        if not gate.open or gate.passed:
            continue
        for party in gate.parties:
            if party.value not in gate.approved_by:
                add(
                    party,
                    "gate",
                    gate.id,
                    f"gate {gate.id!r} awaits your decision: {gate.title}",
                    f'onboard approve {eid} {gate.id} --as {{person}} --comment "..."',
                )
    if state.phase is Phase.REMEDIATE:
        for item in open_items(state):
            if backed_by_check(state, item):
                command = f"onboard reassess {eid} BUNDLE --as {{person}}"
            else:
                command = f'onboard complete {eid} {item.item.id} --as {{person}} --evidence "..."'
            when = f", {due_text(item, now)}" if item.due is not None else ""
            what = f"item {item.item.id} ({item.item.severity.value}{when}): {item.item.title}"
            add(item.item.owner, "item", item.item.id, what, command, item.due)
    if state.phase is Phase.ENABLE:
        for step in state.steps.values():
            if step.status == "awaiting":
                add(
                    step.step.owner,
                    "step",
                    step.step.id,
                    f"step {step.step.id}: {step.step.title}",
                    f'onboard complete {eid} {step.step.id} --as {{person}} --evidence "..."',
                )
    return found


def for_person(things: Sequence[Waiting], person: Person) -> list[Waiting]:
    """What waits for ``person`` (their side's), most urgent first, commands filled in."""
    return ranked([w for w in things if w.party is person.party], person.id)


def ranked(things: Sequence[Waiting], as_who: str) -> list[Waiting]:
    """Most urgent first, with ``as_who`` for ``{person}`` in the commands.

    Overdue things first (the longest overdue at the top), then the dated ones by
    date, then the rest in the engagement's order (gates before items and steps).
    """
    # sorted() is stable: equal urgency keeps the engagement's order.
    return [evolve(w, command=w.command.replace("{person}", as_who)) for w in sorted(things, key=urgency)]


def urgency(thing: Waiting) -> tuple[int, float]:
    """The sort key: overdue (longest first), then dated (soonest first), then the rest."""
    if thing.due is None:
        return (2, 0.0)
    return (0 if thing.overdue else 1, thing.due.timestamp())


def day(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d")
