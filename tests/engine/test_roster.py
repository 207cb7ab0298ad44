"""Roster changes on running engagements, on a real server: each side its own people,
the customer acknowledging a provider's change to its side, signed and audited."""

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from onboard.core.client import Engagements, RejectedError
from onboard.core.models import Contact, GateDecision, Party, Pause, Person, Phase, RosterAck, RosterChange
from onboard.core.plugins import load_plugin_manager
from onboard.core.trust.keys import KeyRing
from onboard.core.trust.sshsig import Ed25519KeySigner
from onboard.workers.worker import running_worker

from .helpers import OUTSIDER_KEY, PERSONA_KEYS, wait_for
from .recorder import NotificationRecorder
from .test_cli import onboard
from .test_lifecycle import into, sent

#: A provider who joins mid-engagement, with a key of her own.
PIA = Person("pia", "Pia Provider", Party.PROVIDER, "pia@fasttrack.example")
PIA_KEY = Ed25519KeySigner(Ed25519PrivateKey.generate())
RING = KeyRing({**PERSONA_KEYS, "pia": PIA_KEY}, fallback=OUTSIDER_KEY)


@pytest.fixture
async def recorded(client):
    recorder = NotificationRecorder()
    manager = load_plugin_manager(extra=[("recorder", recorder)])
    async with running_worker(client, task_queue=f"roster-{id(recorder)}", manager=manager) as running:
        yield Engagements(client, running.task_queue, signer=RING), recorder


@pytest.mark.parametrize("phase", [Phase.INITIATE, Phase.ASSESS, Phase.REMEDIATE, Phase.ENABLE])
async def test_each_side_changes_its_own_people_in_any_phase(recorded, phase):
    engagements, recorder = recorded
    eid = await into(engagements, phase)
    assert (
        await engagements.change_roster(eid, RosterChange("pat", "add", "pia", "joins the team", PIA))
        == "applied"
    )
    replacement = Person("cora", "Cora Customer", Party.CUSTOMER, "cora@contoso.example")
    outcome = await engagements.change_roster(
        eid, RosterChange("casey", "replace", "cole", "cole left", replacement)
    )
    assert outcome == "applied"
    status = await engagements.status(eid)
    assert [p.id for p in status.state.spec.roster] == ["pat", "pam", "casey", "cora", "pia"]
    assert status.phase is phase, "a roster change keeps the engagement where it is"
    actions = [(r.action, r.subject, r.person) for r in status.state.audit[-2:]]
    assert actions == [("roster-add", "pia", "pat"), ("roster-replace", "cole", "casey")]
    assert all(r.signature is not None for r in status.state.audit[-2:])
    with pytest.raises(RejectedError, match="'cole' is not on the roster"):
        await engagements.pause(eid, Pause("cole", "x"))
    # The notices leave through the outbox a moment after the change.
    await wait_for(engagements, eid, lambda s: len(sent(recorder, eid, "roster")) == 2)
    notices = sent(recorder, eid, "roster")
    assert len(notices) == 2 and "pia" in {r.id for r in notices[1].recipients}


async def test_a_provider_change_to_the_customer_side_waits_for_the_customer(recorded):
    engagements, recorder = recorded
    eid = await into(engagements, Phase.ASSESS)
    quinn = Person("quinn", "Quinn Customer", Party.CUSTOMER, "quinn@contoso.example")
    assert (
        await engagements.change_roster(eid, RosterChange("pat", "add", "quinn", "new PM", quinn))
        == "pending"
    )
    status = await engagements.status(eid)
    assert "quinn" not in {p.id for p in status.state.spec.roster} and status.state.roster_pending
    await wait_for(engagements, eid, lambda s: bool(sent(recorder, eid, "roster-pending")))
    (asked,) = sent(recorder, eid, "roster-pending")
    assert {r.party for r in asked.recipients} == {"customer"}
    assert f"onboard roster ack {eid} quinn --as {{person}}" in asked.commands
    with pytest.raises(RejectedError, match="already waits"):
        await engagements.change_roster(eid, RosterChange("pam", "add", "quinn", "again", quinn))
    with pytest.raises(RejectedError, match="customer side acknowledges"):
        await engagements.acknowledge_roster(eid, RosterAck("pam", "quinn"))
    assert (
        await engagements.acknowledge_roster(eid, RosterAck("casey", "quinn", "yes, our new PM")) == "applied"
    )
    status = await engagements.status(eid)
    assert "quinn" in {p.id for p in status.state.spec.roster} and not status.state.roster_pending
    assert status.state.audit[-1].action == "roster-ack"
    with pytest.raises(RejectedError, match="no change of 'quinn' waits"):
        await engagements.acknowledge_roster(eid, RosterAck("cole", "quinn"))


async def test_the_rules_of_who(recorded):
    engagements, _ = recorded
    eid = await into(engagements, Phase.INITIATE)
    with pytest.raises(RejectedError, match="cannot change the provider side"):
        await engagements.change_roster(eid, RosterChange("casey", "add", "pia", "x", PIA))
    assert await engagements.change_roster(eid, RosterChange("pat", "remove", "pam", "left")) == "applied"
    with pytest.raises(RejectedError, match="last person on the provider side"):
        await engagements.change_roster(eid, RosterChange("pat", "remove", "pat", "leaving"))
    with pytest.raises(RejectedError, match="already on the roster"):
        await engagements.change_roster(
            eid, RosterChange("pat", "add", "casey", "x", Person("casey", "C", Party.PROVIDER))
        )
    with pytest.raises(RejectedError, match="same side|must be too"):
        await engagements.change_roster(
            eid, RosterChange("pat", "replace", "pat", "x", Person("pia", "P", Party.CUSTOMER))
        )


async def test_a_joining_person_acts_with_their_own_key(recorded, capsys, monkeypatch, address):
    engagements, _ = recorded
    eid = await into(engagements, Phase.INITIATE)
    signers = Path(os.environ["ONBOARD_ALLOWED_SIGNERS"])
    await engagements.change_roster(eid, RosterChange("pat", "add", "pia", "joins", PIA))
    await engagements.record_contact(eid, Contact("pat", "phoned"))
    with pytest.raises(RejectedError, match="no key in the workers' allowed-signers file"):
        await engagements.decide(eid, GateDecision("kickoff", "pia", True, "held"))
    original = signers.read_text()
    signers.write_text(original + f"{PIA.email} {PIA_KEY.openssh_public_key()}\n")
    try:
        gate = await engagements.decide(eid, GateDecision("kickoff", "pia", True, "held"))
        assert gate.passed and gate.approved_by == {"provider": "pia"}
    finally:
        signers.write_text(original)
    code, out, _ = await onboard(capsys, monkeypatch, address, "roster", "list", eid)
    assert code == 0 and "pia" in out and "Pia Provider" in out
