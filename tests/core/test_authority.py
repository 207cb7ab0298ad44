"""The signature and signer checks without a server (what validators and handlers run)."""

from datetime import UTC, datetime, timedelta

import attrs
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from onboard.core.engagement import authority, rules
from onboard.core.models import (
    AuditRecord,
    Completion,
    Contact,
    EngagementState,
    Finding,
    GateDecision,
    ItemState,
    Outcome,
    Party,
    Person,
    Phase,
    Policy,
    RemediationItem,
    Signature,
    Waiver,
)
from onboard.core.specfile import preview_spec
from onboard.core.trust import actions, chain, sshsig
from onboard.core.trust.store import TrustStore

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
PAT = Person("pat", "Pat", Party.PROVIDER, "pat@fasttrack.example")
CASEY = Person("casey", "Casey", Party.CUSTOMER, "casey@contoso.example")
KEY = {p.id: sshsig.Ed25519KeySigner(Ed25519PrivateKey.generate()) for p in (PAT, CASEY)}


def state(policy: Policy | None = None) -> EngagementState:
    spec = attrs.evolve(preview_spec(["core"]), roster=(PAT, CASEY), policy=policy or Policy())
    return EngagementState(spec=spec, gates=rules.gate_states(), signed=True)


def signed(arg, person: str = "pat", at: datetime = NOW, nonce: str = "n-1", engagement: str = "eng"):
    statement = actions.describe(engagement, arg).statement(at, nonce)
    return attrs.evolve(arg, signature=Signature(at, nonce, sshsig.sign(KEY[person], statement)))


def store(tmp_path, lines: str) -> TrustStore:
    path = tmp_path / "allowed_signers"
    path.write_text(lines)
    return TrustStore(path)


def test_a_good_signature_names_its_key_and_principal(tmp_path):
    s = state()
    decision = signed(GateDecision("kickoff", "pat", True, "held"))
    by = authority.check_signature(s, "eng", decision, PAT, NOW + timedelta(seconds=3))
    assert by.principal == "pat@fasttrack.example" and by.key.startswith("SHA256:")
    authority.check_signer(
        s, PAT, by, NOW, store(tmp_path, f"pat@fasttrack.example {KEY['pat'].openssh_public_key()}\n")
    )


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda d: attrs.evolve(d, signature=None), "not signed"),
        (lambda d: attrs.evolve(d, comment="other"), "bad signature"),
        (lambda d: attrs.evolve(d, gate="remediation-plan"), "bad signature"),
        (lambda d: attrs.evolve(d, reopen=("fix.x",)), "bad signature"),
        (lambda d: attrs.evolve(d, signature=attrs.evolve(d.signature, nonce="n-2")), "bad signature"),
        (
            lambda d: attrs.evolve(
                d, signature=attrs.evolve(d.signature, signed_at=NOW - timedelta(hours=1))
            ),
            "within",
        ),
    ],
)
def test_anything_changed_after_signing_is_refused(change, reason):
    decision = change(signed(GateDecision("kickoff", "pat", True, "held")))
    with pytest.raises(rules.Rejected, match=reason):
        authority.check_signature(state(), "eng", decision, PAT, NOW)


def test_another_engagement_a_used_nonce_and_the_unsigned_policy():
    s = state()
    decision = signed(GateDecision("kickoff", "pat", True, "held"))
    with pytest.raises(rules.Rejected, match="bad signature"):
        authority.check_signature(s, "other-engagement", decision, PAT, NOW)
    authority.remember_nonce(s, decision, NOW)
    with pytest.raises(rules.Rejected, match="already used"):
        authority.check_signature(s, "eng", decision, PAT, NOW)
    # Old nonces are forgotten once their signatures could no longer be accepted anyway.
    later = signed(GateDecision("kickoff", "pat", True, "held"), at=NOW + timedelta(hours=1), nonce="n-9")
    authority.remember_nonce(s, later, NOW + timedelta(hours=1))
    assert set(s.nonces) == {"n-9"}
    loose = state(Policy(allow_unsigned=True))
    assert (
        authority.check_signature(loose, "eng", GateDecision("kickoff", "pat", True), PAT, NOW)
        is authority.UNSIGNED
    )


def test_the_signer_must_hold_the_key_the_file_gives_them_now(tmp_path):
    s = state()
    by = authority.check_signature(s, "eng", signed(GateDecision("kickoff", "pat", True, "held")), PAT, NOW)
    with pytest.raises(rules.Rejected, match="no allowed-signers file"):
        authority.check_signer(s, PAT, by, NOW, None)
    with pytest.raises(rules.Rejected, match="has no key"):
        authority.check_signer(
            s, PAT, by, NOW, store(tmp_path, f"casey@contoso.example {KEY['casey'].openssh_public_key()}\n")
        )
    with pytest.raises(rules.Rejected, match="does not give to 'pat'"):
        authority.check_signer(
            s, PAT, by, NOW, store(tmp_path, f"pat@fasttrack.example {KEY['casey'].openssh_public_key()}\n")
        )
    with pytest.raises(rules.Rejected, match="expired"):
        line = f'pat@fasttrack.example valid-before="20261201Z" {KEY["pat"].openssh_public_key()}\n'
        authority.check_signer(s, PAT, by, NOW, store(tmp_path, line))
    with pytest.raises(rules.Rejected, match="one key cannot act for both parties"):
        line = f"*@* {KEY['pat'].openssh_public_key()}\n"
        authority.check_signer(s, PAT, by, NOW, store(tmp_path, line))


def test_waivers_reopening_and_two_people():
    s = state()
    item = ItemState(RemediationItem("fix.core.ffl", "core.forest-functional-level", "core", "Raise it"))
    s.items.append(item)
    s.phase = Phase.REMEDIATE

    rules.apply_waiver(s, Waiver(item.item.id, "pat", "risk accepted"), PAT, NOW, "SHA256:a")
    assert not item.closed and item.waivers == {"provider": "pat"}
    with pytest.raises(rules.Rejected, match="one person cannot stand for both parties"):
        rules.check_two_people(s, item.waivers, item.waiver_keys, CASEY, "SHA256:a", "the waiver")
    rules.apply_waiver(s, Waiver(item.item.id, "casey", "agreed"), CASEY, NOW, "SHA256:b")
    assert item.closed and item.waived and item.closed_by == "waiver"

    # A waived item stays closed when its check fails again; an attested one reopens.
    other = ItemState(
        RemediationItem("fix.core.dns", "core.dns-records", "core", "Add records"),
        closed=True,
        closed_by="casey",
    )
    s.items.append(other)
    failing = [Finding(i.item.requirement_id, "core", Outcome.FAIL, "still failing") for i in s.items]
    rules.merge_assessment(s, failing, [], NOW, reopen_failing=True)
    assert item.closed and not other.closed and other.reopened == 1
    record = chain.append(s, AuditRecord(NOW, "pat", Party.PROVIDER, "complete", "x", "y"))
    assert record.seq == 1 and record.prev == chain.GENESIS and s.audit_head == chain.record_hash(record)
    assert rules.validate_completion(s, Completion(other.item.id, "casey", "done"), signed=False)


def test_an_engagement_file_states_its_signing_policy(tmp_path):
    from onboard.core.errors import SpecError
    from onboard.core.specfile import load_spec

    base = (
        'engagement_id = "x1"\ntenant = "t"\ncustomer = "c"\nservices = ["core"]\n'
        "purchased_on = 2026-11-20T09:00:00Z\n"
        '[[roster]]\nid = "pat"\nname = "Pat"\nparty = "provider"\n'
        '[[roster]]\nid = "casey"\nname = "Casey"\nparty = "customer"\n'
    )
    path = tmp_path / "e.toml"
    path.write_text(base + '[policy]\nallow_unsigned = true\nsignature_window = "5m"\n')
    policy = load_spec(path).policy
    assert policy.allow_unsigned and policy.signature_window == timedelta(minutes=5)
    path.write_text(base + '[policy]\nallow_unsigned = "no"\n')
    with pytest.raises(SpecError, match=r"e.toml:\d+: field 'policy.allow_unsigned': must be true or false"):
        load_spec(path)


def test_a_carried_state_must_follow_from_its_signed_chain():
    s = state()
    s.phase = Phase.ASSESS
    contact = signed(Contact("pat", "phoned"), nonce="c")
    approve = signed(GateDecision("kickoff", "pat", True, "held"), nonce="k")
    for arg in (contact, approve):
        action = actions.describe("eng", arg)
        by = authority.check_signature(s, "eng", arg, PAT, NOW)
        chain.append(
            s,
            AuditRecord(
                NOW, "pat", Party.PROVIDER, action.action, action.subject, "", engagement="eng",
                content=action.content, signature=arg.signature, key=by.key, principal=by.principal,
            ),
        )  # fmt: skip
    s.gates["kickoff"].passed = True
    assert authority.carried_state_problem(s) == ""

    s.gates["remediation-plan"].passed = True
    assert "passed without a signed customer approval" in authority.carried_state_problem(s)
    s.gates["remediation-plan"].passed = False
    s.audit[1] = attrs.evolve(s.audit[1], comment="edited", content={"comment": "skipped", "reopen": ""})
    assert "head does not match" in authority.carried_state_problem(s)
    s.audit_head = chain.record_hash(s.audit[1])  # re-chained by whoever edited it: the signature tells
    assert "signature does not match" in authority.carried_state_problem(s)
    s.audit[1] = attrs.evolve(s.audit[1], seq=3)
    assert "gap or repeat" in authority.carried_state_problem(s)
