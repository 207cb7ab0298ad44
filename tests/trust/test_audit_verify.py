"""Offline audit verification: real signed chains, written by the real journal, no server."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest
from onboard.core import journal
from onboard.core.cli import run
from onboard.core.cli.audit_cmd import export_csv, export_jsonl, export_markdown
from onboard.core.converter import from_json_value
from onboard.core.models import (
    AuditRecord,
    EngagementSpec,
    EngagementState,
    EngagementStatus,
    Party,
    Person,
    Phase,
    Signature,
)
from onboard.core.trust import chain, sshsig
from onboard.core.trust.actions import Action, new_nonce
from onboard.core.trust.audit_verify import Severity, compare, read_chain, verify_chain
from onboard.core.trust.keys import generate, load_private_key
from onboard.core.trust.signers import AllowedSigners

ENGAGEMENT = "eng-audit"
BASE = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
ROSTER = (
    Person("pat", "Pat Provider", Party.PROVIDER, "pat@fasttrack.example"),
    Person("casey", "Casey Customer", Party.CUSTOMER, "casey@contoso.example"),
)
PRINCIPALS = {p.id: p.email for p in ROSTER}
PARTIES = {p.id: p.party for p in ROSTER}
#: (person, action, subject, comment): five accepted actions, in order.
ACTIONS = (
    ("pat", "contact", "customer", "phoned Casey"),
    ("pat", "approve", "kickoff", "kick-off held"),
    ("casey", "approve", "remediation-plan", "plan agreed"),
    ("casey", "complete", "fix.core.dns", "CHG-1234"),
    ("pat", "approve", "joint-verification", "verified on site"),
)


def make_spec() -> EngagementSpec:
    return EngagementSpec(
        engagement_id=ENGAGEMENT,
        tenant="contoso.onmicrosoft.com",
        customer="Contoso",
        services=("core",),
        licenses={"core": 250},
        purchased_on=BASE - timedelta(days=3),
        roster=ROSTER,
    )


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, sshsig.Ed25519KeySigner]:
    signers = {}
    for person in ("pat", "casey", "mallory"):
        generate(tmp_path / "keys" / person, comment=person)
        signers[person] = load_private_key(tmp_path / "keys" / person)
    return signers


def fp(signer: sshsig.Ed25519KeySigner) -> str:
    return sshsig.fingerprint(sshsig.public_key_from_openssh(signer.openssh_public_key()))


def allowed_signers(tmp_path: Path, keys, *, people=("pat", "casey"), options: dict | None = None) -> Path:
    path = tmp_path / "allowed_signers"
    options = {"pat": 'namespaces="action@onboard"', "casey": "", **(options or {})}
    path.write_text("".join(f"{PRINCIPALS[p]} {options[p]} {keys[p].openssh_public_key()}\n" for p in people))
    return path


def signed(keys, person: str, action: str, subject: str, comment: str, at: datetime, *, signer=None):
    """The record the workflow keeps for an accepted, signed action (before chaining)."""
    key = keys[signer or person]
    content = {"comment": comment, "reopen": ""} if action in ("approve", "reject") else {"note": comment}
    nonce = new_nonce()
    statement = Action(ENGAGEMENT, action, subject, person, content).statement(at, nonce)
    return AuditRecord(
        at,
        person,
        PARTIES[person],
        action,
        subject,
        comment,
        engagement=ENGAGEMENT,
        content=content,
        signature=Signature(at, nonce, sshsig.sign(key, statement)),
        key=fp(key),
        principal=PRINCIPALS[person],
    )


@pytest.fixture
def journal_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(journal.JOURNAL_ENV, str(tmp_path / "audit"))
    return tmp_path / "audit"


@pytest.fixture
def state(keys, journal_dir: Path) -> EngagementState:
    """Five signed actions, chained as the workflow chains them and journaled one by one."""
    s = EngagementState(spec=make_spec(), signed=True)
    for i, (person, action, subject, comment) in enumerate(ACTIONS):
        record = chain.append(s, signed(keys, person, action, subject, comment, BASE + timedelta(minutes=i)))
        journal.record_audit(ENGAGEMENT, [record])
    return s


@pytest.fixture
def path(state: EngagementState) -> Path:
    return journal.journal_path(ENGAGEMENT)


def lines(path: Path) -> list[str]:
    return path.read_text().splitlines(keepends=True)


def errors(report_or_problems) -> list[str]:
    problems = getattr(report_or_problems, "problems", report_or_problems)
    return [p.text for p in problems if p.severity is Severity.ERROR]


def verify(path: Path, signers_path: Path | None) -> tuple:
    return verify_chain(read_chain(path), AllowedSigners.load(signers_path) if signers_path else None)


def onboard(capsys, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_good_chain_verifies(tmp_path, keys, path, capsys):
    signers = allowed_signers(tmp_path, keys)
    report = verify(path, signers)
    assert report.ok and report.checked == 5 and report.signatures == 5
    assert report.problems == []
    assert report.head == chain.record_hash(read_chain(path).records[-1])
    code, out, err = onboard(capsys, "audit", "verify", str(path), "--allowed-signers", str(signers))
    assert code == 0, out + err
    assert "5 records, 5 signatures match" in out and "verified: 0 errors, 0 warnings" in out


def test_an_edited_comment_is_caught(tmp_path, keys, path, capsys):
    text = lines(path)
    line = json.loads(text[2])
    line["record"]["comment"] = "plan agreed, no conditions"
    text[2] = json.dumps(line) + "\n"
    path.write_text("".join(text))
    report = verify(path, allowed_signers(tmp_path, keys))
    assert not report.ok
    assert any("record 3 (approve remediation-plan by casey" in e and "edited" in e for e in errors(report))
    code, out, _ = onboard(
        capsys, "audit", "verify", str(path), "--allowed-signers", str(tmp_path / "allowed_signers")
    )
    assert code == 1 and "edited" in out and "NOT verified" in out


def test_an_edit_with_its_hash_restated_breaks_the_next_link(path):
    text = lines(path)
    line = json.loads(text[2])
    line["record"]["comment"] = "plan agreed, no conditions"
    record = from_json_value(line["record"], AuditRecord)
    line["hash"] = chain.record_hash(record)
    text[2] = json.dumps(line) + "\n"
    path.write_text("".join(text))
    found = errors(verify(path, None))
    assert any(e.startswith("record 4 ") and "broken link" in e for e in found), found


def test_an_edited_signed_content_is_a_bad_signature(path):
    text = lines(path)
    line = json.loads(text[1])
    line["record"]["content"]["comment"] = "kick-off skipped"
    line["hash"] = chain.record_hash(from_json_value(line["record"], AuditRecord))
    text[1] = json.dumps(line) + "\n"
    path.write_text("".join(text))
    found = errors(verify(path, None))
    assert any(e.startswith("record 2 (approve kickoff by pat") and "bad signature" in e for e in found)


def test_a_dropped_middle_line_is_caught(tmp_path, keys, path, capsys):
    text = lines(path)
    del text[2]
    path.write_text("".join(text))
    found = errors(verify(path, allowed_signers(tmp_path, keys)))
    assert any(e.startswith("record 4 ") and "dropped: record 3 missing" in e for e in found), found
    code, _, _ = onboard(
        capsys, "audit", "verify", str(path), "--allowed-signers", str(tmp_path / "allowed_signers")
    )
    assert code == 1


def test_two_swapped_lines_are_caught(tmp_path, keys, path):
    text = lines(path)
    text[2], text[3] = text[3], text[2]
    path.write_text("".join(text))
    found = errors(verify(path, allowed_signers(tmp_path, keys)))
    assert len(found) == 1 and "reordered" in found[0] and found[0].startswith("record 4 "), found


def test_a_key_not_in_the_allowed_signers_file_is_caught(tmp_path, keys, path, capsys):
    signers = allowed_signers(tmp_path, keys, people=("pat",))  # casey's key removed
    found = errors(verify(path, signers))
    assert len(found) == 2
    assert found[0].startswith("record 3 (approve remediation-plan by casey")
    assert found[1].startswith("record 4 (complete fix.core.dns by casey")
    assert "not in" in found[0] and "casey@contoso.example" in found[0]
    code, out, _ = onboard(capsys, "audit", "verify", str(path), "--allowed-signers", str(signers))
    assert code == 1 and "record 3" in out and "casey" in out


def test_a_key_of_someone_else_is_caught(tmp_path, keys, journal_dir):
    s = EngagementState(spec=make_spec(), signed=True)
    chain.append(s, signed(keys, "pat", "contact", "customer", "hi", BASE))
    forged = signed(keys, "casey", "approve", "remediation-plan", "ok", BASE, signer="mallory")
    chain.append(s, attrs.evolve(forged, key=fp(keys["mallory"])))
    found = errors(verify_chain(s.audit, AllowedSigners.load(allowed_signers(tmp_path, keys))))
    assert len(found) == 1 and found[0].startswith("record 2 ") and "casey" in found[0]


def test_a_key_expired_before_the_action_is_caught(tmp_path, keys, path):
    # valid until 10:02 on the day: records 1 and 2 (10:00, 10:01) pass, record 5 (10:04) does not.
    signers = allowed_signers(tmp_path, keys, options={"pat": 'valid-before="202612011002Z"'})
    found = errors(verify(path, signers))
    assert len(found) == 1, found
    assert found[0].startswith("record 5 (approve joint-verification by pat") and "not valid" in found[0]


def test_without_allowed_signers_the_check_is_cryptographic_only(tmp_path, path, capsys, monkeypatch):
    monkeypatch.setenv("ONBOARD_ALLOWED_SIGNERS", str(tmp_path / "nowhere"))
    code, out, _ = onboard(capsys, "audit", "verify", str(path))
    assert code == 0
    assert "cryptographically only" in out


def test_unsigned_and_pre_signing_records_are_warnings(keys, journal_dir):
    s = EngagementState(spec=make_spec(), signed=True)
    legacy = AuditRecord(BASE, "pat", Party.PROVIDER, "approve", "kickoff", "old")
    s.audit.append(legacy)
    chain.append(s, signed(keys, "pat", "contact", "customer", "hi", BASE))
    chain.append(
        s, AuditRecord(BASE, "casey", Party.CUSTOMER, "approve", "kickoff", "", engagement=ENGAGEMENT)
    )
    report = verify_chain(s.audit, None)
    assert report.ok, report.problems
    warnings = [p.text for p in report.problems]
    assert any(w.startswith("record 0 ") and "before signing" in w for w in warnings)
    assert any(w.startswith("record 2 ") and "unsigned" in w for w in warnings)


def test_a_reset_shows_in_compare(tmp_path, keys, state, path, capsys):
    # The history after a reset to after record 3: records 1-3, then another record 4.
    history = EngagementState(spec=make_spec(), signed=True)
    history.audit = list(state.audit[:3])
    history.audit_head = chain.record_hash(history.audit[-1])
    other = chain.append(history, signed(keys, "casey", "reject", "joint-verification", "not yet", BASE))
    export = tmp_path / "history.jsonl"
    export.write_text(export_jsonl(history.audit))

    problems = compare(read_chain(path), read_chain(export))
    found = errors(problems)
    assert "the history's record 4 differs from the journal's (a reset or an edit)" in found
    assert any(e.startswith("records 4–5 are in the journal but not in the history") for e in found), found

    # Once the journal has the new record 4 too, it forks, and that is explained as a reset.
    journal.record_audit(ENGAGEMENT, [other])
    report = verify(path, allowed_signers(tmp_path, keys))
    assert report.ok, report.problems
    assert any("reset" in p.text and "records 4–5" in p.text for p in report.problems)
    found = errors(compare(read_chain(path), read_chain(export)))
    assert len(found) == 1 and found[0].startswith("records 4–5 are in the journal but not in the history")
    assert "reset" in found[0] and "forks at record 4" in found[0]

    args = ("--allowed-signers", str(tmp_path / "allowed_signers"))
    code, out, _ = onboard(capsys, "audit", "verify", str(path), "--history", str(export), *args)
    assert code == 1 and "forks at record 4" in out

    # The new run goes on; what it did since the journal last caught up is only a lag.
    chain.append(history, signed(keys, "casey", "approve", "joint-verification", "now ok", BASE))
    export.write_text(export_jsonl(history.audit))
    problems = compare(read_chain(path), read_chain(export))
    assert [p.text for p in problems if p.severity is Severity.WARNING] == [
        "the history's record 5 is not journaled yet"
    ]
    assert len(errors(problems)) == 1 and "forks at record 4" in errors(problems)[0]


def test_a_history_ahead_of_the_journal_is_not_journaled_yet(state):
    problems = compare(state.audit[:3], state.audit)
    assert [(p.severity, p.text) for p in problems] == [
        (Severity.WARNING, "the history's records 4–5 are not journaled yet")
    ]


def test_an_empty_file_is_not_ok(tmp_path, capsys):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    report = verify(empty, None)
    assert not report.ok and "nothing to verify" in errors(report)[0]
    code, out, _ = onboard(capsys, "audit", "verify", str(empty), "--allowed-signers", "/dev/null")
    assert code == 1 and "nothing to verify" in out


def test_a_garbage_line_names_file_and_line(tmp_path, keys, path, capsys):
    text = lines(path)
    text.insert(2, "this is not json\n")
    text.insert(4, '{"hash": "00", "record": {"seq": "x"}}\n')
    path.write_text("".join(text))
    chain_read = read_chain(path)
    assert len(chain_read.entries) == 5
    found = errors(chain_read.problems)
    assert found[0].startswith(f"{path}:3: not JSON")
    assert found[1].startswith(f"{path}:5: not an audit record")
    code, out, err = onboard(
        capsys, "audit", "verify", str(path), "--allowed-signers", str(allowed_signers(tmp_path, keys))
    )
    assert code == 1 and f"{path}:3: not JSON" in out and "Traceback" not in out + err


def test_a_missing_file_is_one_line(tmp_path, capsys):
    code, _, err = onboard(capsys, "audit", "verify", str(tmp_path / "nope.jsonl"))
    assert code == 1 and err.startswith("onboard: error: cannot read") and "Traceback" not in err


def test_verify_json(tmp_path, keys, path, capsys):
    signers = allowed_signers(tmp_path, keys)
    code, out, _ = onboard(capsys, "audit", "verify", str(path), "--allowed-signers", str(signers), "--json")
    report = json.loads(out)
    assert code == 0 and report["ok"] and report["files"][0]["checked"] == 5
    assert report["allowed_signers"] == str(signers)


def status_of(state: EngagementState) -> EngagementStatus:
    return EngagementStatus(ENGAGEMENT, state.spec.tenant, Phase.ENABLE, ("core",), (), state)


def test_export_formats(state):
    csv_text = export_csv(state.audit).splitlines()
    assert csv_text[0] == "seq,at,person,party,action,subject,comment,key,signed_at,nonce,hash"
    assert len(csv_text) == 6 and csv_text[3].startswith("3,2026-12-01T10:02:00+00:00,casey,customer,approve")
    assert csv_text[-1].endswith(state.audit_head)
    md = export_markdown(status_of(state))
    assert md.startswith(f"# Audit trail of {ENGAGEMENT}\n")
    assert f"Chain head: `{state.audit_head}` (record 5), 5 records." in md
    assert "| 3 | 2026-12-01T10:02:00+00:00 | casey (Casey Customer) | customer | approve |" in md


def test_onboard_audit_id_exports_what_verify_reads(tmp_path, keys, state, capsys, monkeypatch):
    """``onboard audit ID`` is ``onboard audit export ID`` (the status query stubbed: no server here)."""
    from onboard.core.cli import engagement_options
    from onboard.core.client import Engagements

    async def connect(_options):
        return None

    async def status(self, engagement_id):
        assert engagement_id == ENGAGEMENT
        return status_of(state)

    monkeypatch.setattr(engagement_options, "connect", connect)
    monkeypatch.setattr(Engagements, "status", status)
    code, out, _ = onboard(capsys, "audit", ENGAGEMENT)
    assert code == 0 and out == export_jsonl(state.audit)
    out_file = tmp_path / "export.md"
    code, _, err = onboard(capsys, "audit", ENGAGEMENT, "--format", "md", "-o", str(out_file))
    assert code == 0 and out_file.read_text().startswith("# Audit trail") and "5 records written" in err
    export = tmp_path / "export.jsonl"
    assert onboard(capsys, "audit", "export", ENGAGEMENT, "-o", str(export))[0] == 0
    signers = allowed_signers(tmp_path, keys)
    code, out, _ = onboard(
        capsys, "audit", "verify", str(journal.journal_path(ENGAGEMENT)), "--history", str(export),
        "--allowed-signers", str(signers),
    )  # fmt: skip
    assert code == 0, out
