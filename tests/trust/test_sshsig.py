"""SSHSIG signatures: ours verify with ``ssh-keygen -Y verify``, ssh-keygen's with ``check``.

And everything else is refused with :class:`SignatureError` and a reason: another
namespace, another message, a weak hash, an RSA key, and input that is not a
signature at all.
"""

import base64
import hashlib
from pathlib import Path

import pytest
import sshsig as sshsig_package
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from onboard.core.trust import NAMESPACE
from onboard.core.trust.sshsig import (
    Ed25519KeySigner,
    SignatureError,
    check,
    fingerprint,
    forget,
    public_key_from_openssh,
    sign,
)
from sshsig.sshsig import SshsigSignature, SshsigWrapper

from .openssh import keygen, public_line, ssh_fingerprint, ssh_sign, ssh_verify

MESSAGE = b'{"action":"approve","engagement":"contoso-ems","gate":"kickoff"}'


@pytest.fixture
def signer() -> Ed25519KeySigner:
    return Ed25519KeySigner(Ed25519PrivateKey.generate())


@pytest.fixture
def ssh_key(tmp_path: Path) -> Path:
    return keygen(tmp_path / "id_ed25519")


def allowed_signers(tmp_path: Path, principal: str, public_key: str) -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text(f'{principal} namespaces="{NAMESPACE}" {public_key}\n')
    return path


def sign_with_hash(signer: Ed25519KeySigner, message: bytes, hash_name: str) -> str:
    """Like :func:`sign`, with another hash: the same envelope, the key's own signature."""
    wrapped = SshsigWrapper(
        namespace=NAMESPACE.encode(),
        hash_algo=hash_name.encode(),
        hash=hashlib.new(hash_name, message).digest(),
    ).to_bytes()
    envelope = SshsigSignature.__new__(SshsigSignature)
    envelope.public_key = signer.public_key_blob()
    envelope.namespace = NAMESPACE.encode()
    envelope.hash_algo = hash_name.encode()
    envelope.signature = signer.sign_blob(wrapped)
    return envelope.to_armored()


def test_our_signature_verifies_with_ssh_keygen(tmp_path: Path, signer: Ed25519KeySigner) -> None:
    armored = sign(signer, MESSAGE)
    allowed = allowed_signers(tmp_path, "pat@fasttrack.example", signer.openssh_public_key())

    good = ssh_verify(allowed, "pat@fasttrack.example", armored, MESSAGE)
    assert good.returncode == 0, good.stderr
    assert 'Good "action@onboard" signature for pat@fasttrack.example' in good.stdout
    # The same tool refuses what it should, so the acceptance above means something.
    assert ssh_verify(allowed, "pat@fasttrack.example", armored, MESSAGE + b" ").returncode != 0
    assert ssh_verify(allowed, "casey@contoso.com", armored, MESSAGE).returncode != 0
    assert ssh_verify(allowed, "pat@fasttrack.example", sign(signer, MESSAGE, "git"), MESSAGE).returncode != 0
    # ...and our own check agrees.
    assert check(MESSAGE, armored).openssh_str() == signer.openssh_public_key()


@pytest.mark.parametrize("options", [(), ("hashalg=sha256",)], ids=["sha512", "sha256"])
def test_ssh_keygen_signature_checks(ssh_key: Path, options: tuple[str, ...]) -> None:
    armored = ssh_sign(ssh_key, MESSAGE, NAMESPACE, *options)
    key = check(MESSAGE, armored)
    assert key.openssh_str() == public_line(ssh_key)
    assert fingerprint(key) == ssh_fingerprint(Path(f"{ssh_key}.pub"))


def test_fingerprint_is_ssh_keygen_s(ssh_key: Path, signer: Ed25519KeySigner, tmp_path: Path) -> None:
    assert fingerprint(public_key_from_openssh(public_line(ssh_key))) == ssh_fingerprint(ssh_key)
    pub = tmp_path / "ours.pub"
    pub.write_text(signer.openssh_public_key() + "\n")
    assert fingerprint(public_key_from_openssh(pub.read_text())) == ssh_fingerprint(pub)


def test_another_namespace_is_refused(ssh_key: Path) -> None:
    armored = ssh_sign(ssh_key, MESSAGE, "git")
    assert check(MESSAGE, armored, namespace="git")  # a good git signature...
    with pytest.raises(SignatureError, match="namespace 'git', not 'action@onboard'"):
        check(MESSAGE, armored)  # ...is no onboard action


@pytest.mark.parametrize("tamper", [b" ", b"\n"])
def test_tampered_message_is_refused(ssh_key: Path, tamper: bytes) -> None:
    armored = ssh_sign(ssh_key, MESSAGE)
    with pytest.raises(SignatureError, match="does not match"):
        check(MESSAGE + tamper, armored)
    with pytest.raises(SignatureError, match="does not match"):
        check(MESSAGE.replace(b"kickoff", b"kickofF"), armored)


def test_a_remembered_signature_answers_for_its_own_message_only(ssh_key: Path) -> None:
    """The handler's check is answered from the validator's, and nothing else is."""
    forget()
    armored = ssh_sign(ssh_key, MESSAGE)
    first = check(MESSAGE, armored)
    assert check(MESSAGE, armored) is first  # the same answer, not checked again
    with pytest.raises(SignatureError, match="does not match"):
        check(MESSAGE + b" ", armored)
    with pytest.raises(SignatureError, match="namespace 'action@onboard', not 'git'"):
        check(MESSAGE, armored, namespace="git")
    forget()
    assert check(MESSAGE, armored) is not first  # checked anew
    assert fingerprint(check(MESSAGE, armored)) == fingerprint(first)


def test_a_refusal_is_never_remembered(ssh_key: Path, signer: Ed25519KeySigner) -> None:
    forget()
    ours = SshsigSignature.from_armored(sign(signer, MESSAGE))
    theirs = SshsigSignature.from_armored(ssh_sign(ssh_key, MESSAGE))
    ours.public_key = theirs.public_key
    forged = ours.to_armored()
    for _ in range(2):  # refused each time, by the check itself
        with pytest.raises(SignatureError, match="does not match"):
            check(MESSAGE, forged)
    assert check(MESSAGE, sign(signer, MESSAGE))  # and a good one still checks


def test_another_key_s_signature_in_the_envelope_is_refused(ssh_key: Path, signer: Ed25519KeySigner) -> None:
    ours = SshsigSignature.from_armored(sign(signer, MESSAGE))
    theirs = SshsigSignature.from_armored(ssh_sign(ssh_key, MESSAGE))
    ours.public_key = theirs.public_key  # claim ssh_key signed what signer signed
    with pytest.raises(SignatureError, match="does not match"):
        check(MESSAGE, ours.to_armored())


@pytest.mark.parametrize("hash_name", ["sha1", "md5"])
def test_weak_hash_is_refused(tmp_path: Path, signer: Ed25519KeySigner, hash_name: str) -> None:
    assert check(MESSAGE, sign_with_hash(signer, MESSAGE, "sha512"))  # the helper builds good envelopes
    armored = sign_with_hash(signer, MESSAGE, hash_name)
    # A valid signature as far as the sshsig package goes; the hash is what is wrong with it.
    assert sshsig_package.check_signature(MESSAGE, armored, namespace=NAMESPACE)
    with pytest.raises(SignatureError, match=f"uses hash '{hash_name}'"):
        check(MESSAGE, armored)
    allowed = allowed_signers(tmp_path, "pat", signer.openssh_public_key())
    assert ssh_verify(allowed, "pat", armored, MESSAGE).returncode != 0  # ssh-keygen agrees


def test_rsa_key_is_refused(rsa_key: Path, tmp_path: Path) -> None:
    armored = ssh_sign(rsa_key, MESSAGE)
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"pat {public_line(rsa_key)}\n")
    assert ssh_verify(allowed, "pat", armored, MESSAGE).returncode == 0  # a good RSA signature...
    with pytest.raises(SignatureError, match="Ed25519 keys only, not ssh-rsa"):
        check(MESSAGE, armored)  # ...that onboard does not take


def _armor(body: bytes | str) -> str:
    text = body if isinstance(body, str) else base64.b64encode(body).decode()
    return f"-----BEGIN SSH SIGNATURE-----\n{text}\n-----END SSH SIGNATURE-----\n"


def _truncated(ssh_key: Path) -> str:
    lines = ssh_sign(ssh_key, MESSAGE).splitlines()
    return "\n".join([*lines[:2], lines[-1]])


NOT_SIGNATURES = {
    "empty": lambda key: "",
    "garbage": lambda key: "this is not a signature",
    "pgp": lambda key: "-----BEGIN PGP SIGNATURE-----\nwsBcBAABCAAQBQJ\n-----END PGP SIGNATURE-----\n",
    "no body": lambda key: _armor(""),
    "not base64": lambda key: _armor("!!!not base64 at all!!!"),
    "not ascii": lambda key: _armor("U1NIU0lHé"),
    "random bytes": lambda key: _armor(bytes(range(256))),
    "bare magic": lambda key: _armor(b"SSHSIG"),
    "version 2": lambda key: _armor(b"SSHSIG\x00\x00\x00\x02"),
    "huge length": lambda key: _armor(b"SSHSIG\x00\x00\x00\x01\xff\xff\xff\xff"),
    "truncated": _truncated,
    "bytes": lambda key: ssh_sign(key, MESSAGE).encode(),
    "none": lambda key: None,
}


@pytest.mark.parametrize("make", NOT_SIGNATURES.values(), ids=NOT_SIGNATURES.keys())
def test_what_is_not_a_signature_is_refused(ssh_key: Path, make) -> None:
    with pytest.raises(SignatureError) as refused:
        check(MESSAGE, make(ssh_key))
    assert str(refused.value).startswith(("the signature is not", "the signature cannot be read"))


def test_a_key_blob_that_is_not_a_key_is_refused(signer: Ed25519KeySigner) -> None:
    envelope = SshsigSignature.from_armored(sign(signer, MESSAGE))
    envelope.public_key = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x03abc"
    with pytest.raises(SignatureError):
        check(MESSAGE, envelope.to_armored())
    envelope.public_key = b"\x00\x00\x00\x07ssh-dss"
    with pytest.raises(SignatureError, match="not supported"):
        check(MESSAGE, envelope.to_armored())


@pytest.mark.parametrize(
    "line", ["", "ssh-ed25519", "ssh-ed25519 AAAAnot-a-key", "ssh-rsa AAAAC3NzaC1lZDI1NTE5"]
)
def test_public_key_from_openssh_refuses_garbage(line: str) -> None:
    with pytest.raises(SignatureError, match="not an OpenSSH public key"):
        public_key_from_openssh(line)


def test_our_envelope_is_the_sshsig_package_s(signer: Ed25519KeySigner) -> None:
    # Ed25519 signatures are deterministic: the same key and message give the same bytes.
    assert sign(signer, MESSAGE) == sign_with_hash(signer, MESSAGE, "sha512")


def test_a_plain_openssh_key_is_read_without_cryptography_s_loader(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives.serialization import load_ssh_private_key
    from onboard.core.trust.keys import plain_openssh_ed25519

    plain = keygen(tmp_path / "plain").read_bytes()
    key = plain_openssh_ed25519(plain)
    assert key is not None
    assert key.private_bytes_raw() == load_ssh_private_key(plain, None).private_bytes_raw()
    # Anything else is left to cryptography: encrypted, another type, cut short, not a key.
    encrypted = keygen(tmp_path / "encrypted", passphrase="secret").read_bytes()
    rsa = keygen(tmp_path / "rsa", key_type="rsa").read_bytes()
    for data in (encrypted, rsa, plain[: len(plain) // 2] + plain[-40:], b"not a key"):
        assert plain_openssh_ed25519(data) is None
