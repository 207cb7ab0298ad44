"""OpenSSH signatures (SSHSIG, ``PROTOCOL.sshsig``) over onboard's statements.

Signing wraps a raw Ed25519 signature from ``cryptography`` (a key file) or from an
ssh-agent in the SSHSIG envelope, so ``ssh-keygen -Y verify`` accepts it; checking
uses the ``sshsig`` package (``ssh-keygen -Y check-novalidate``) and adds what that
package leaves to its caller: the hash must be sha256 or sha512 and the key Ed25519.
No cryptography is written here, only the wire format around it.

The envelope is written here (a few length-prefixed strings) rather than by the
``sshsig`` package, which is imported only to check: it brings ``cryptography``'s
key serialization and RSA, some 50 ms of every ``onboard approve`` that only signs.
"""

from __future__ import annotations

import binascii
import functools
import hashlib
import struct
from typing import TYPE_CHECKING, Protocol

from onboard.core.trust import NAMESPACE

if TYPE_CHECKING:
    import sshsig
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

HASH_ALGORITHM = "sha512"  # ssh-keygen's default
ALLOWED_HASHES = frozenset({b"sha256", b"sha512"})
KEY_TYPE = "ssh-ed25519"
#: ``PROTOCOL.sshsig``: the magic preamble and the format version.
MAGIC, VERSION = b"SSHSIG", 1
BEGIN, END = "-----BEGIN SSH SIGNATURE-----", "-----END SSH SIGNATURE-----"


class SignatureError(ValueError):
    """A signature that is malformed, of the wrong kind, or does not match."""


class RawSigner(Protocol):
    """Something that signs bytes with an SSH key: a key file or an ssh-agent key."""

    def public_key_blob(self) -> bytes:
        """The public key in SSH wire encoding (``string "ssh-ed25519" | string key``)."""

    def sign_blob(self, data: bytes) -> bytes:
        """The SSH signature blob (``string "ssh-ed25519" | string signature``) over ``data``."""


def _ssh_string(value: bytes) -> bytes:
    """An SSH wire ``string``: its length (uint32, big-endian), then the bytes."""
    return struct.pack("!L", len(value)) + value


class Ed25519KeySigner:
    """Signs with an Ed25519 private key held in memory (read from an OpenSSH key file)."""

    def __init__(self, key: Ed25519PrivateKey) -> None:
        self.key = key

    def public_key_blob(self) -> bytes:
        raw = self.key.public_key().public_bytes_raw()
        return _ssh_string(KEY_TYPE.encode()) + _ssh_string(raw)

    def sign_blob(self, data: bytes) -> bytes:
        return _ssh_string(KEY_TYPE.encode()) + _ssh_string(self.key.sign(data))

    def openssh_public_key(self) -> str:
        from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

        return self.key.public_key().public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def signed_data(message: bytes, namespace: str = NAMESPACE) -> bytes:
    """What the key actually signs: the SSHSIG wrapper around the message's hash."""
    digest = hashlib.new(HASH_ALGORITHM, message).digest()
    # MAGIC, namespace, reserved, hash algorithm, hash (PROTOCOL.sshsig, "Signed Data")
    fields = (namespace.encode(), b"", HASH_ALGORITHM.encode(), digest)
    return MAGIC + b"".join(_ssh_string(f) for f in fields)


def sign(signer: RawSigner, message: bytes, namespace: str = NAMESPACE) -> str:
    """An armored ``-----BEGIN SSH SIGNATURE-----`` block over ``message``."""
    signature = signer.sign_blob(signed_data(message, namespace))
    # MAGIC, version, public key, namespace, reserved, hash algorithm, signature
    fields = (signer.public_key_blob(), namespace.encode(), b"", HASH_ALGORITHM.encode(), signature)
    blob = MAGIC + struct.pack("!L", VERSION) + b"".join(_ssh_string(f) for f in fields)
    text = binascii.b2a_base64(blob, newline=False).decode()
    return "\n".join([BEGIN, *(text[i : i + 76] for i in range(0, len(text), 76)), END, ""])


def check(message: bytes, armored: str, namespace: str = NAMESPACE) -> sshsig.PublicKey:
    """The public key that signed ``message``; raises :class:`SignatureError` otherwise.

    This is the cryptographic check only (``ssh-keygen -Y check-novalidate``): whether
    the key belongs to the person claimed is :mod:`.signers`' question.

    A signature that checked out is remembered (the last :data:`REMEMBERED`): the
    engagement checks each action twice in a row, in its Update's validator and in
    the handler (which must check again, as it alone runs on replay), and the answer
    for the same message and signature cannot change.  A failure is never remembered.
    """
    if not isinstance(armored, str) or BEGIN not in armored:
        raise SignatureError("the signature is not an armored SSH signature")
    return _verified(message, armored, namespace)


def forget() -> None:
    """Forget every remembered signature (benchmarks time the first check with it)."""
    _verified.cache_clear()


#: How many checked signatures :func:`check` remembers (a few hundred bytes each).
REMEMBERED = 1024


@functools.lru_cache(maxsize=REMEMBERED)
def _verified(message: bytes, armored: str, namespace: str) -> sshsig.PublicKey:
    import sshsig
    from sshsig.sshsig import SshsigSignature

    try:
        envelope = SshsigSignature.from_armored(armored)
    except Exception as exc:  # binascii, struct and ValueError from a mangled blob
        raise SignatureError(f"the signature cannot be read: {exc}") from exc
    if envelope.hash_algo not in ALLOWED_HASHES:
        raise SignatureError(f"the signature uses hash {envelope.hash_algo.decode(errors='replace')!r}")
    if envelope.namespace != namespace.encode():
        raise SignatureError(
            f"the signature is for namespace {envelope.namespace.decode(errors='replace')!r}, "
            f"not {namespace!r}"
        )
    try:
        key = sshsig.check_signature(message, armored, namespace=namespace)
    except NotImplementedError as exc:
        raise SignatureError(f"the signing key type is not supported: {exc}") from exc
    except Exception as exc:  # sshsig.InvalidSignature, or a key blob that is not a key
        raise SignatureError("the signature does not match the action it came with") from exc
    if key.algo_name != KEY_TYPE:
        raise SignatureError(f"onboard accepts Ed25519 keys only, not {key.algo_name}")
    return key


def fingerprint(key: sshsig.PublicKey) -> str:
    """``SHA256:…``, as ``ssh-keygen -l`` prints it."""
    return key.sha256_str()


def public_key_from_openssh(line: str) -> sshsig.PublicKey:
    import sshsig

    try:
        return sshsig.PublicKey.from_openssh_str(line.strip())
    except Exception as exc:
        raise SignatureError(f"not an OpenSSH public key: {exc}") from exc
