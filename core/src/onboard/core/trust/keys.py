"""Where the CLI finds the key a person signs with, and ``onboard keys new``.

In order: ``--key PATH``, ``$ONBOARD_KEY``, a running ssh-agent (``SSH_AUTH_SOCK``),
then :func:`default_key_path`.  ``PATH`` is an OpenSSH private key (``ssh-keygen -t
ed25519`` writes one; ``$ONBOARD_KEY_PASSPHRASE`` or a prompt unlocks an encrypted
one), or a ``.pub`` file whose private half the ssh-agent holds, as with
``ssh-keygen -Y sign -f key.pub``.
"""

import binascii
import os
import struct
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from onboard.core.errors import OnboardError
from onboard.core.models import Person
from onboard.core.trust.sshsig import KEY_TYPE, Ed25519KeySigner, RawSigner

KEY_ENV = "ONBOARD_KEY"
PASSPHRASE_ENV = "ONBOARD_KEY_PASSPHRASE"


class KeyFileError(OnboardError):
    """No usable key, or a key that cannot be read; names the file."""


def default_key_path() -> Path:
    import platformdirs  # here: a command given --key (or $ONBOARD_KEY) never needs it

    return Path(platformdirs.user_config_dir("onboard")) / "id_ed25519"


def generate(path: Path, comment: str = "", passphrase: str | None = None) -> str:
    """Write a new Ed25519 key pair (``path`` mode 0600, ``path.pub``); the public line."""
    if path.exists():
        raise KeyFileError(f"{path} already exists; choose another path or remove it first")
    from cryptography.hazmat.primitives import serialization

    key = Ed25519PrivateKey.generate()
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, encryption)
    public = Ed25519KeySigner(key).openssh_public_key() + (f" {comment}" if comment else "")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(private)
        Path(f"{path}.pub").write_text(public + "\n")
    except OSError as exc:
        raise KeyFileError(f"cannot write key {path}: {exc}") from None
    return public


def load_private_key(path: Path, passphrase: str | None = None, *, prompt: bool = True) -> Ed25519KeySigner:
    """An Ed25519 private key file (OpenSSH or PKCS#8 PEM)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise KeyFileError(f"cannot read key {path}: {exc.strerror}") from exc
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    try:
        # Without a passphrase first: cryptography refuses a passphrase for a plain key.
        key = _load(data, None)
    except TypeError:  # encrypted
        if not passphrase:
            if not (prompt and sys.stdin.isatty()):
                raise KeyFileError(
                    f"key {path} is encrypted: set {PASSPHRASE_ENV}, or load it into ssh-agent"
                ) from None
            import click

            passphrase = click.prompt(f"passphrase for {path}", hide_input=True)
        key = _load_or_fail(path, data, passphrase)
    except ValueError as exc:
        raise KeyFileError(f"{path} is not a private key onboard can read: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path} is a {type(key).__name__}; onboard signs with Ed25519 keys only")
    return Ed25519KeySigner(key)


def _load(data: bytes, passphrase: str | None):
    # Imported here: key serialization (and the ciphers of encrypted keys) is some 40 ms
    # that an unencrypted OpenSSH Ed25519 key, what `onboard keys new` writes, skips.
    key = None if passphrase else plain_openssh_ed25519(data)
    if key is not None:
        return key
    from cryptography.hazmat.primitives import serialization

    password = passphrase.encode() if passphrase else None
    if b"OPENSSH PRIVATE KEY" in data:
        return serialization.load_ssh_private_key(data, password=password)
    return serialization.load_pem_private_key(data, password=password)


def plain_openssh_ed25519(data: bytes) -> Ed25519PrivateKey | None:
    """The key of an unencrypted OpenSSH Ed25519 key file (``PROTOCOL.key``), else None:
    anything else (encrypted, another type, malformed) is left to ``cryptography``."""
    begin, end = b"-----BEGIN OPENSSH PRIVATE KEY-----", b"-----END OPENSSH PRIVATE KEY-----"
    start, stop = data.find(begin), data.find(end)
    if start < 0 or stop < start:
        return None
    try:
        blob = binascii.a2b_base64(b"".join(data[start + len(begin) : stop].split()))
        magic = b"openssh-key-v1\0"
        if not blob.startswith(magic):
            return None
        at = len(magic)

        def string() -> bytes:
            nonlocal at
            (length,) = struct.unpack_from("!L", blob, at)
            at += 4 + length
            if at > len(blob):
                raise ValueError("truncated")
            return blob[at - length : at]

        cipher, kdf, _options = string(), string(), string()
        (count,) = struct.unpack_from("!L", blob, at)
        at += 4
        if (cipher, kdf, count) != (b"none", b"none", 1):
            return None
        string()  # the public key, again in the private part
        blob, at = string(), 0
        check1, check2 = struct.unpack_from("!LL", blob, at)
        at += 8
        fields = [string() for _ in range(3)]  # key type, public key, seed + public key
    except (binascii.Error, struct.error, ValueError):
        return None
    kind, public, private = fields
    if check1 != check2 or kind != b"ssh-ed25519" or len(private) != 64 or private[32:] != public:
        return None
    key = Ed25519PrivateKey.from_private_bytes(private[:32])
    return key if key.public_key().public_bytes_raw() == public else None


def _load_or_fail(path: Path, data: bytes, passphrase: str):
    try:
        return _load(data, passphrase)
    except (TypeError, ValueError):
        raise KeyFileError(f"wrong passphrase for {path}") from None


class AgentSigner:
    """An Ed25519 key held by a running ssh-agent (through paramiko's agent client)."""

    def __init__(self, agent_key) -> None:
        self._key = agent_key

    def public_key_blob(self) -> bytes:
        return self._key.asbytes()

    def sign_blob(self, data: bytes) -> bytes:
        return bytes(self._key.sign_ssh_data(data))

    def openssh_public_key(self) -> str:
        return f"{self._key.get_name()} {self._key.get_base64()}"


def agent_keys() -> list[AgentSigner]:
    """The Ed25519 keys of the ssh-agent at ``$SSH_AUTH_SOCK`` (none if there is no agent)."""
    if not os.environ.get("SSH_AUTH_SOCK"):
        return []
    import paramiko  # slow to import: only when an agent is in play

    try:
        agent = paramiko.Agent()
        keys = [AgentSigner(k) for k in agent.get_keys() if k.get_name() == KEY_TYPE]
    except paramiko.SSHException as exc:
        raise KeyFileError(f"cannot talk to the ssh-agent at $SSH_AUTH_SOCK: {exc}") from exc
    return keys


def _from_pub(path: Path) -> RawSigner:
    try:
        wanted = path.read_text().split()[:2]
    except OSError as exc:
        raise KeyFileError(f"cannot read public key {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise KeyFileError(f"{path} is not an OpenSSH public key (not text)") from None
    for key in agent_keys():
        if key.openssh_public_key().split()[:2] == wanted:
            return key
    raise KeyFileError(f"the ssh-agent does not hold the private half of {path}")


def resolve(key: str | Path | None = None) -> RawSigner:
    """The signer for this CLI invocation, from ``--key``, the environment, the agent or the default."""
    chosen = key or os.environ.get(KEY_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if not path.exists():
            raise KeyFileError(f"key {path} does not exist (from {'--key' if key else '$' + KEY_ENV})")
        return _from_pub(path) if path.suffix == ".pub" else load_private_key(path)
    default = default_key_path()
    held = agent_keys()
    if len(held) == 1:
        return held[0]
    if held and Path(f"{default}.pub").exists():
        return _from_pub(Path(f"{default}.pub"))
    if held:
        raise KeyFileError(f"the ssh-agent holds {len(held)} Ed25519 keys: choose one with --key PATH.pub")
    if default.exists():
        return load_private_key(default)
    raise KeyFileError(
        f"no key to sign with: pass --key PATH, set ${KEY_ENV}, run ssh-agent, or make one with "
        f"`onboard keys new` (it goes to {default})"
    )


class KeyRing:
    """Signers by person id: the demo and the tests play several people at once.

    ``fallback`` signs for anyone else (tests use a key no allowed-signers file has).
    """

    def __init__(self, signers: Mapping[str, RawSigner], fallback: RawSigner | None = None) -> None:
        self._signers = dict(signers)
        self._fallback = fallback

    def __call__(self, person: str) -> RawSigner:
        signer = self._signers.get(person, self._fallback)
        if signer is None:
            raise KeyFileError(f"no key for {person!r} in this key ring")
        return signer


#: What :class:`~onboard.core.client.Engagements` signs with: the signer for a person.
SignerFor = Callable[[str], RawSigner]


def persona_keys(folder: Path, people: Iterable[Person]) -> tuple[KeyRing, Path]:
    """Keys for played personas (``onboard demo``, ``onboard dev``), made once and kept.

    Each person gets ``folder/<id>`` (and ``.pub``); ``folder/allowed_signers`` lists
    them all, for the worker.  Returns the key ring and that file.
    """
    from onboard.core.trust.signers import principal

    signers: dict[str, RawSigner] = {}
    lines = []
    for person in people:
        path = folder / person.id
        if not path.exists():
            generate(path, comment=f"{person.id} (onboard persona)")
        signer = load_private_key(path, prompt=False)
        signers[person.id] = signer
        lines.append(f'{principal(person)} namespaces="action@onboard" {signer.openssh_public_key()}\n')
    allowed = folder / "allowed_signers"
    allowed.write_text("".join(lines))
    return KeyRing(signers), allowed
