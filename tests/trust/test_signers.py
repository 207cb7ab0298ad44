"""The allowed-signers file, read as ``ssh-keygen -Y verify`` reads it.

Where both can answer, the same file and the same signature get the same verdict
from onboard and from ssh-keygen; where onboard is stricter (cert-authority lines,
RSA keys, any malformed line) it refuses the whole file and names file and line.
"""

import hashlib
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from onboard.core.models import Party, Person, SignerKey
from onboard.core.trust import store as trust_store
from onboard.core.trust.signers import AllowedSigners, SignersFileError, principal
from onboard.core.trust.sshsig import check, fingerprint
from onboard.core.trust.store import TrustStore

from .openssh import keygen, public_line, ssh_fingerprint, ssh_sign, ssh_verify

MESSAGE = b'{"action":"approve","gate":"remediation-plan"}'


class Signed:
    """An ssh-keygen key and its signature over :data:`MESSAGE`."""

    def __init__(self, key: Path) -> None:
        self.key = key
        self.public = public_line(key)
        self.fingerprint = ssh_fingerprint(key)
        self.signature = ssh_sign(key, MESSAGE)


@pytest.fixture(scope="module")
def signed(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return Signed(keygen(tmp_path_factory.mktemp("keys") / "casey"))


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Signed:
    return Signed(keygen(tmp_path_factory.mktemp("keys") / "pat"))


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time two hours ahead of UTC, for us and for ssh-keygen alike."""
    monkeypatch.setenv("TZ", "XYZ-2")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def write(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def ours(path: Path, who: str, signature: str, at: datetime | None = None) -> bool:
    """What a worker decides: the signature is good and the file gives that key to ``who`` now."""
    key = AllowedSigners.load(path).key(who, fingerprint(check(MESSAGE, signature)))
    return key is not None and not key.invalid_at(at or datetime.now(UTC))


def theirs(path: Path, who: str, signature: str, at: str = "") -> bool:
    return ssh_verify(path, who, signature, MESSAGE, at=at).returncode == 0


PRINCIPALS = [
    ("casey@contoso.com", "casey@contoso.com", True),
    ("casey@contoso.com", "Casey@contoso.com", False),
    ("casey@contoso.com", "casey@contosoxcom", False),
    ("*@contoso.com", "casey@contoso.com", True),
    ("*@contoso.com", "casey@fabrikam.com", False),
    ("*@contoso.com", "casey@contoso.com.evil.example", False),
    ("!mallory@contoso.com,*@contoso.com", "mallory@contoso.com", False),
    ("!mallory@contoso.com,*@contoso.com", "casey@contoso.com", True),
    ("*@contoso.com,!mallory@contoso.com", "mallory@contoso.com", False),
    ("!mallory@contoso.com", "casey@contoso.com", False),
    ("pa?@fasttrack.example", "pat@fasttrack.example", True),
    ("pa?@fasttrack.example", "pa@fasttrack.example", False),
    ("pa?@fasttrack.example", "paat@fasttrack.example", False),
    ("pat,casey", "casey", True),
    ('"pat,casey"', "casey", True),
    ('"Casey Jones"', "Casey Jones", True),
    ('"Casey Jones,pat"', "Casey", False),
    ("*", "anyone@anywhere", True),
]


@pytest.mark.parametrize(("principals", "who", "expected"), PRINCIPALS)
def test_principal_patterns_agree_with_ssh_keygen(
    tmp_path: Path, signed: Signed, principals: str, who: str, expected: bool
) -> None:
    path = write(tmp_path, f"{principals} {signed.public}")
    assert (ours(path, who, signed.signature), theirs(path, who, signed.signature)) == (expected, expected)
    assert bool(AllowedSigners.load(path).keys_for(who)) is expected


NAMESPACES = [
    ("", True),
    ('namespaces="action@onboard"', True),
    ('namespaces="git"', False),
    ('namespaces="git,file"', False),
    ('namespaces="git,action@onboard"', True),
    ('namespaces="action@*"', True),
    ('namespaces="!action@onboard,*"', False),
    ('namespaces="*,!action@onboard"', False),
]


@pytest.mark.parametrize(("options", "expected"), NAMESPACES)
def test_namespaces_agree_with_ssh_keygen(
    tmp_path: Path, signed: Signed, options: str, expected: bool
) -> None:
    path = write(tmp_path, f"casey@contoso.com {options} {signed.public}".replace("  ", " "))
    signers = AllowedSigners.load(path)
    assert len(signers.keys) == 1  # the line is read either way...
    assert signers.keys[0].for_onboard() is expected  # ...but only some are onboard keys
    assert bool(signers.keys_for("casey@contoso.com")) is expected
    assert ours(path, "casey@contoso.com", signed.signature) is expected
    assert theirs(path, "casey@contoso.com", signed.signature) is expected


TIMES = [
    ("20270101Z", datetime(2027, 1, 1, tzinfo=UTC)),
    ("20270101z", datetime(2027, 1, 1, tzinfo=UTC)),
    ("20270101", datetime(2026, 12, 31, 22, tzinfo=UTC)),  # local midnight, UTC+2
    ("202701011230Z", datetime(2027, 1, 1, 12, 30, tzinfo=UTC)),
    ("202701011230", datetime(2027, 1, 1, 10, 30, tzinfo=UTC)),
    ("20270101123045Z", datetime(2027, 1, 1, 12, 30, 45, tzinfo=UTC)),
    ("20270101123045", datetime(2027, 1, 1, 10, 30, 45, tzinfo=UTC)),
]


@pytest.mark.parametrize(("value", "expected"), TIMES)
def test_validity_times(local_tz: None, value: str, expected: datetime, signed: Signed) -> None:
    text = f'casey valid-after="{value}",valid-before="{value}" {signed.public}'
    key = AllowedSigners.parse(text.encode()).keys[0]
    assert key.valid_after == key.valid_before == expected


def test_validity_agrees_with_ssh_keygen(local_tz: None, tmp_path: Path, signed: Signed) -> None:
    path = write(tmp_path, f'casey valid-after="20270101",valid-before="20280101Z" {signed.public}')
    key = AllowedSigners.load(path).keys[0]
    cases = [  # verify time, valid?
        ("20261231215959Z", False),  # before local midnight (22:00Z)
        ("20261231220001Z", True),
        ("20271231235959Z", True),
        ("20280101000001Z", False),
    ]
    for at, expected in cases:
        when = datetime.strptime(at, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
        assert (ours(path, "casey", signed.signature, when), theirs(path, "casey", signed.signature, at)) == (
            expected,
            expected,
        ), at
    assert "is not valid before 2026-12-31T22:00:00+00:00" in key.invalid_at(datetime(2026, 6, 1, tzinfo=UTC))
    assert "expired on 2028-01-01T00:00:00+00:00" in key.invalid_at(datetime(2028, 1, 2, tzinfo=UTC))
    assert key.invalid_at(datetime(2027, 6, 1, tzinfo=UTC)) == ""
    assert signed.fingerprint in key.invalid_at(datetime(2028, 1, 2, tzinfo=UTC))


def test_comments_blank_lines_and_key_comments(tmp_path: Path, signed: Signed, other: Signed) -> None:
    path = write(
        tmp_path,
        "# onboard allowed signers",
        "",
        "   # an indented comment",
        f"pat@fasttrack.example {other.public} pat's laptop",
        " \t ",
        f'  casey@contoso.com namespaces="action@onboard" {signed.public}   casey, second key  ',
    )
    signers = AllowedSigners.load(path)
    assert [(k.line, k.principals, k.fingerprint, k.public_key) for k in signers.keys] == [
        (4, "pat@fasttrack.example", other.fingerprint, other.public),
        (6, "casey@contoso.com", signed.fingerprint, signed.public),
    ]
    assert signers.keys[1].namespaces == ("action@onboard",)
    assert signers.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert signers.path == str(path)
    assert theirs(path, "casey@contoso.com", signed.signature)
    assert ours(path, "casey@contoso.com", signed.signature)
    assert not ours(path, "pat@fasttrack.example", signed.signature)  # pat's line is another key
    assert not theirs(path, "pat@fasttrack.example", signed.signature)


def test_an_empty_file_gives_no_one_a_key(tmp_path: Path, signed: Signed) -> None:
    path = write(tmp_path, "# nobody yet")
    assert AllowedSigners.load(path).keys == ()
    assert not ours(path, "casey", signed.signature)
    assert not theirs(path, "casey", signed.signature)


def bad_lines(signed: Signed, rsa_public: str) -> dict[str, tuple[str, str]]:
    return {
        "cert-authority": (
            f"*@contoso.com cert-authority {signed.public}",
            "cert-authority keys are not supported",
        ),
        "ssh-rsa": (f"casey {rsa_public}", "accepts ssh-ed25519 keys only, not ssh-rsa"),
        "garbage key": ("casey ssh-ed25519 AAAAnot/a+key", "not an OpenSSH public key"),
        "rsa blob as ed25519": (f"casey ssh-ed25519 {rsa_public.split()[1]}", "not an OpenSSH public key"),
        "no key": ("casey", "Invalid line"),
        "unknown option": (f'casey verify-required="yes" {signed.public}', "Invalid option"),
        "unclosed quote": (f'"casey {signed.public}', "No matching double quote"),
        "bad month": (
            f'casey valid-after="20271301" {signed.public}',
            "valid-after='20271301' is not a real date",
        ),
        "dashes": (f'casey valid-before="2027-01-01" {signed.public}', "is not YYYYMMDD[HHMM[SS]][Z]"),
        "ten digits": (f'casey valid-before="2027010112" {signed.public}', "is not YYYYMMDD[HHMM[SS]][Z]"),
    }


BAD = ["cert-authority", "ssh-rsa", "garbage key", "rsa blob as ed25519", "no key", "unknown option"]
BAD += ["unclosed quote", "bad month", "dashes", "ten digits"]


@pytest.mark.parametrize("case", BAD)
def test_malformed_lines_name_file_and_line(tmp_path: Path, signed: Signed, rsa_key: Path, case: str) -> None:
    line, reason = bad_lines(signed, public_line(rsa_key))[case]
    path = write(tmp_path, "# operations", f"pat {signed.public}", "", line, f"robin {signed.public}")
    with pytest.raises(SignersFileError) as refused:
        AllowedSigners.load(path)
    message = str(refused.value)
    assert message.startswith(f"{path}:4: "), message
    assert reason in message
    assert "\n" not in message


def test_non_utf8_names_file_and_line(tmp_path: Path, signed: Signed) -> None:
    path = tmp_path / "allowed_signers"
    path.write_bytes(
        f"pat {signed.public}\n# fine\n".encode() + b"caf\xe9@contoso.com " + signed.public.encode()
    )
    with pytest.raises(SignersFileError, match=rf"^{path}:3: not UTF-8 text"):
        AllowedSigners.load(path)


def test_a_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SignersFileError, match="allowed-signers file .*nowhere does not exist"):
        AllowedSigners.load(tmp_path / "nowhere")


def test_keys_for_key_and_snapshot(tmp_path: Path, signed: Signed, other: Signed) -> None:
    third = Signed(keygen(tmp_path / "third"))
    path = write(
        tmp_path,
        f"pat@fasttrack.example {other.public}",
        f"*@contoso.com,!mallory@contoso.com {signed.public}",
        f'casey@contoso.com namespaces="git" {third.public}',
        f"robin {third.public}",
    )
    roster = [
        Person("pat", "Pat", Party.PROVIDER, "pat@fasttrack.example"),
        Person("casey", "Casey", Party.CUSTOMER, " casey@contoso.com "),
        Person("robin", "Robin", Party.CUSTOMER),
        Person("mallory", "Mallory", Party.CUSTOMER, "mallory@contoso.com"),
    ]
    assert [principal(p) for p in roster] == [
        "pat@fasttrack.example",
        "casey@contoso.com",
        "robin",
        "mallory@contoso.com",
    ]
    signers = AllowedSigners.load(path)
    assert [k.line for k in signers.keys_for("casey@contoso.com")] == [2]  # not the git-only line 3
    assert signers.key("casey@contoso.com", signed.fingerprint).line == 2
    assert signers.key("casey@contoso.com", third.fingerprint) is None
    assert signers.key("robin", third.fingerprint).line == 4
    snapshot = signers.snapshot(roster)
    assert (snapshot.path, snapshot.sha256) == (str(path), hashlib.sha256(path.read_bytes()).hexdigest())
    assert snapshot.keys == (
        SignerKey("pat", "pat@fasttrack.example", (other.fingerprint,)),
        SignerKey("casey", "casey@contoso.com", (signed.fingerprint,)),
        SignerKey("robin", "robin", (third.fingerprint,)),
        SignerKey("mallory", "mallory@contoso.com", ()),
    )
    assert snapshot.unkeyed() == ("mallory",)


def test_trust_store_follows_the_file_and_fails_closed(tmp_path: Path, signed: Signed, other: Signed) -> None:
    path = write(tmp_path, f"pat {other.public}", f"casey {signed.public}")
    store = TrustStore(path)
    first = store.current()
    assert [k.fingerprint for k in first.keys_for("casey")] == [signed.fingerprint]
    assert store.current() is first  # unchanged: not read again

    write(tmp_path, f"pat {other.public}")  # operations revoke casey's key
    assert store.current().keys_for("casey") == ()
    assert [k.fingerprint for k in store.current().keys_for("pat")] == [other.fingerprint]

    write(tmp_path, f"pat {other.public}", "casey ssh-rsa AAAAB3NzaC1yc2E")
    for _ in range(2):  # and it stays refused, not just once
        with pytest.raises(SignersFileError, match=rf"^{path}:2: "):
            store.current()

    write(tmp_path, f"pat {other.public}", f"robin {signed.public}", "# fixed")
    assert [k.fingerprint for k in store.current().keys_for("robin")] == [signed.fingerprint]

    path.unlink()
    with pytest.raises(SignersFileError, match="does not exist"):
        store.current()
    write(tmp_path, f"casey {signed.public}")
    assert store.current().keys_for("casey")


def test_trust_store_registry_and_default_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert trust_store.default_path() == tmp_path / "config" / "onboard" / "allowed_signers"
    monkeypatch.setenv("ONBOARD_ALLOWED_SIGNERS", str(tmp_path / "elsewhere"))
    assert trust_store.default_path() == tmp_path / "elsewhere"
    store, queue = TrustStore(tmp_path / "elsewhere"), f"test-{datetime.now(UTC) + timedelta(0)}"
    trust_store.register(queue, store)
    assert trust_store.for_task_queue(queue) is store
    trust_store.unregister(queue, TrustStore(tmp_path / "other"))  # not its store: kept
    assert trust_store.for_task_queue(queue) is store
    trust_store.unregister(queue, store)
    assert trust_store.for_task_queue(queue) is None
