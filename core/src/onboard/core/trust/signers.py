"""The allowed-signers file: which key stands for which person.

Operations keep it on the workers, in the format ``ssh-keygen -Y verify`` reads
(``ssh-keygen(1)``, ALLOWED SIGNERS)::

    # principals            [options]                         key
    pat@fasttrack.example   namespaces="action@onboard"       ssh-ed25519 AAAAC3Nza...
    casey@contoso.com       valid-before="20270101Z"          ssh-ed25519 AAAAC3Nza...

A roster person is named by their e-mail, or by their id when the roster gives
none (:func:`principal`).  Principals are comma-separated patterns (``*`` and
``?``, ``!`` negates); ``namespaces`` limits a key to some signature namespaces;
``valid-after``/``valid-before`` bound its lifetime (``YYYYMMDD[Z]`` or
``YYYYMMDDHHMM[SS][Z]``; local time unless ``Z``, as ssh-keygen reads it).  Only
Ed25519 keys are accepted; ``cert-authority`` lines are refused.  Deleting a line
revokes that key for every action from then on.
"""

import functools
import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from attrs import frozen
from onboard.core.errors import OnboardError
from onboard.core.models import Person, SignerKey, SignerSnapshot
from onboard.core.trust import NAMESPACE
from onboard.core.trust.sshsig import KEY_TYPE, SignatureError, fingerprint, public_key_from_openssh
from sshsig.allowed_signers import AllowedSigner


class SignersFileError(OnboardError):
    """The allowed-signers file is missing or cannot be read; names file and line."""


def principal(person: Person) -> str:
    """What the allowed-signers file calls ``person``: the e-mail, else the id."""
    return person.email.strip() or person.id


@frozen
class AllowedKey:
    """One line of the file."""

    line: int
    principals: str  # the pattern list as written
    fingerprint: str
    public_key: str  # "ssh-ed25519 AAAA..."
    namespaces: tuple[str, ...] | None = None  # None: every namespace
    valid_after: datetime | None = None
    valid_before: datetime | None = None

    def names(self, who: str) -> bool:
        return match_pattern_list(who, self.principals)

    def for_onboard(self) -> bool:
        # One pattern list, as ssh-keygen reads it: a negation ("!action@onboard,*") wins.
        return self.namespaces is None or match_pattern_list(NAMESPACE, ",".join(self.namespaces))

    def invalid_at(self, at: datetime) -> str:
        """Why the key is not valid at ``at`` ("" when it is)."""
        if self.valid_after is not None and at < self.valid_after:
            return f"key {self.fingerprint} is not valid before {self.valid_after.isoformat()}"
        if self.valid_before is not None and at >= self.valid_before:
            return f"key {self.fingerprint} expired on {self.valid_before.isoformat()}"
        return ""


@frozen
class AllowedSigners:
    """A parsed allowed-signers file."""

    path: str
    sha256: str
    keys: tuple[AllowedKey, ...]

    @classmethod
    def load(cls, path: Path) -> "AllowedSigners":
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise SignersFileError(f"allowed-signers file {path} does not exist") from None
        except OSError as exc:
            raise SignersFileError(f"cannot read allowed-signers file {path}: {exc.strerror}") from exc
        return cls.parse(data, str(path))

    @classmethod
    def parse(cls, data: bytes, path: str = "<allowed signers>") -> "AllowedSigners":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data.count(b"\n", 0, exc.start) + 1
            raise SignersFileError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
        keys = tuple(
            _parse_line(path, number, line.strip())
            for number, line in enumerate(text.splitlines(), 1)
            if line.strip() and not line.lstrip().startswith("#")
        )
        return cls(path, hashlib.sha256(data).hexdigest(), keys)

    def keys_for(self, who: str) -> tuple[AllowedKey, ...]:
        """The onboard keys the file gives to principal ``who``."""
        return tuple(k for k in self.keys if k.for_onboard() and k.names(who))

    def key(self, who: str, key_fingerprint: str) -> AllowedKey | None:
        return next((k for k in self.keys_for(who) if k.fingerprint == key_fingerprint), None)

    def snapshot(self, roster: Iterable[Person]) -> SignerSnapshot:
        """Each roster person's fingerprints, as recorded in the plan."""
        return SignerSnapshot(
            self.path,
            self.sha256,
            tuple(
                SignerKey(p.id, principal(p), tuple(k.fingerprint for k in self.keys_for(principal(p))))
                for p in roster
            ),
        )


def _parse_line(path: str, number: int, line: str) -> AllowedKey:
    where = f"{path}:{number}"
    try:
        entry = AllowedSigner.parse(line)
    except (ValueError, IndexError) as exc:
        raise SignersFileError(f"{where}: {exc}") from None
    options = {k.lower(): v for k, v in (entry.options or {}).items()}
    if "cert-authority" in options:
        raise SignersFileError(f"{where}: cert-authority keys are not supported; list each person's key")
    if entry.key_type != KEY_TYPE:
        raise SignersFileError(f"{where}: onboard accepts {KEY_TYPE} keys only, not {entry.key_type}")
    try:
        key = public_key_from_openssh(f"{entry.key_type} {entry.base64_key}")
    except SignatureError as exc:
        raise SignersFileError(f"{where}: {exc}") from None
    namespaces = options.get("namespaces")
    return AllowedKey(
        number,
        entry.principals,
        fingerprint(key),
        key.openssh_str(),
        tuple(n.strip() for n in namespaces.split(",")) if namespaces is not None else None,
        _time(where, "valid-after", options.get("valid-after")),
        _time(where, "valid-before", options.get("valid-before")),
    )


_TIME = re.compile(r"^(\d{8})(\d{4}(\d{2})?)?(Z)?$", re.IGNORECASE)


def _time(where: str, name: str, value: str | None) -> datetime | None:
    """``YYYYMMDD[Z]`` or ``YYYYMMDDHHMM[SS][Z]``: local time unless ``Z``."""
    if value is None:
        return None
    m = _TIME.match(value.strip())
    if not m:
        raise SignersFileError(f"{where}: {name}={value!r} is not YYYYMMDD[HHMM[SS]][Z]")
    digits = m.group(1) + (m.group(2) or "0000") + ("" if m.group(3) else "00")
    try:
        at = datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        raise SignersFileError(f"{where}: {name}={value!r} is not a real date") from None
    return at.replace(tzinfo=UTC) if m.group(4) else at.astimezone(UTC)


def match_pattern(text: str, pattern: str) -> bool:
    """OpenSSH's ``match_pattern``: ``*`` any run, ``?`` one character, nothing else special."""
    return _pattern_regex(pattern).fullmatch(text) is not None


@functools.lru_cache(maxsize=4096)
def _pattern_regex(pattern: str) -> re.Pattern[str]:
    # Kept: each validator asks about the same few principals, and inside the workflow
    # sandbox each ``re.escape`` of a character pays the sandbox's ``isinstance``.
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(regex, flags=re.DOTALL)


def match_pattern_list(text: str, patterns: str) -> bool:
    """OpenSSH's ``match_pattern_list``: a negated match wins, else any positive one."""
    matched = False
    for raw in patterns.split(","):
        pattern = raw.strip()
        if pattern.startswith("!"):
            if match_pattern(text, pattern[1:]):
                return False
        elif pattern and match_pattern(text, pattern):
            matched = True
    return matched
