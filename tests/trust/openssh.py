"""The real OpenSSH tools, run as a person or an operator would run them."""

import shutil
import subprocess
from pathlib import Path

from onboard.core.trust import NAMESPACE

SSH_KEYGEN = shutil.which("ssh-keygen") or "/usr/bin/ssh-keygen"


def keygen(path: Path, key_type: str = "ed25519", passphrase: str = "", comment: str = "test") -> Path:
    """``ssh-keygen -t TYPE``: a new key pair at ``path`` and ``path.pub``."""
    extra = ["-b", "2048"] if key_type == "rsa" else []
    subprocess.run(
        [SSH_KEYGEN, "-q", "-t", key_type, *extra, "-N", passphrase, "-C", comment, "-f", str(path)],
        check=True,
        stdin=subprocess.DEVNULL,
    )
    return path


def public_line(path: Path) -> str:
    """``ssh-ed25519 AAAA…`` from ``path.pub`` (or ``path`` if it is the .pub), without comment."""
    pub = path if path.suffix == ".pub" else Path(f"{path}.pub")
    return " ".join(pub.read_text().split()[:2])


def ssh_fingerprint(path: Path) -> str:
    """``SHA256:…`` of a public key file, as ``ssh-keygen -l`` prints it."""
    out = subprocess.run([SSH_KEYGEN, "-l", "-f", str(path)], check=True, capture_output=True, text=True)
    return out.stdout.split()[1]


def ssh_sign(key: Path, message: bytes, namespace: str = NAMESPACE, *options: str) -> str:
    """``ssh-keygen -Y sign -n NAMESPACE -f KEY < message``: the armored signature."""
    args = [SSH_KEYGEN, "-q", "-Y", "sign", "-n", namespace, "-f", str(key)]
    for option in options:
        args += ["-O", option]
    out = subprocess.run(args, input=message, check=True, capture_output=True)
    return out.stdout.decode()


def ssh_verify(
    allowed: Path, principal: str, signature: str, message: bytes, namespace: str = NAMESPACE, at: str = ""
) -> subprocess.CompletedProcess[str]:
    """``ssh-keygen -Y verify``; ``at`` is ``-O verify-time=`` (``YYYYMMDD[HHMM[SS]][Z]``)."""
    sig = allowed.parent / f"{allowed.name}.sig"
    sig.write_text(signature)
    args = [SSH_KEYGEN, "-Y", "verify", "-f", str(allowed), "-I", principal, "-n", namespace, "-s", str(sig)]
    if at:
        args += ["-O", f"verify-time={at}"]
    return subprocess.run(args, input=message.decode(), capture_output=True, text=True)
