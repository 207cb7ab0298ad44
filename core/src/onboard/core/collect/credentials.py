"""Where the collector's password comes from, and how it is kept out of logs and files.

A :class:`CredentialRef` names the *place* of a password, never the password: an
environment variable, a keyring entry or a file.  It is what a configuration (and so
an activity's input, which Temporal records in history) carries; the password is read
only when the bind needs it (:func:`resolve`), and is held in a :class:`Secret`,
whose ``repr`` and ``str`` show nothing, so a log line or an error message that
formats it by mistake still says nothing.
"""

import os
import stat
from pathlib import Path

from attrs import frozen
from onboard.core.errors import OnboardError

#: The variable read when no source is named.
DEFAULT_ENV = "ONBOARD_LDAP_PASSWORD"
SOURCES = ("env", "keyring", "file", "none")


class CredentialError(OnboardError):
    """The password cannot be had from the source named (the message never holds it)."""


class Secret:
    """A password that never prints: ``repr``/``str`` are masked; :meth:`reveal` gives it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The password itself, for the bind and nothing else."""
        return self._value

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


@frozen
class CredentialRef:
    """Where the password is: ``env`` (``name``: a variable), ``keyring`` (``name``: the
    service, the user is the bind user), ``file`` (``name``: a path; its first line), or
    ``none`` (an anonymous bind)."""

    source: str = "env"
    name: str = DEFAULT_ENV

    def describe(self) -> str:
        """Where the password came from, for the collection's record (never the value)."""
        if self.source == "none":
            return "none (anonymous bind)"
        return f"{self.source}:{self.name}"


def parse_ref(text: str) -> CredentialRef:
    """``env:VAR``, ``keyring:SERVICE``, ``file:PATH`` or ``none``."""
    source, _, name = text.partition(":")
    source = source.strip().lower()
    if source not in SOURCES:
        raise CredentialError(
            f"password source {text!r}: expected env:VARIABLE, keyring:SERVICE, file:PATH or none"
        )
    if source == "none":
        return CredentialRef("none", "")
    if not name.strip():
        raise CredentialError(f"password source {text!r} names no {source} entry")
    return CredentialRef(source, name.strip())


def resolve(ref: CredentialRef, user: str) -> Secret | None:
    """The password from ``ref`` (``None`` for ``none``); :class:`CredentialError` otherwise."""
    if ref.source == "none":
        return None
    if ref.source == "env":
        value = os.environ.get(ref.name)
        if not value:
            raise CredentialError(f"the environment variable {ref.name} (the bind password) is not set")
        return Secret(value)
    if ref.source == "file":
        return Secret(_from_file(Path(ref.name).expanduser()))
    return Secret(_from_keyring(ref.name, user))


def _from_file(path: Path) -> str:
    try:
        info = path.stat()
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise CredentialError(f"password file {path}: cannot be read ({exc.strerror})") from exc
    except UnicodeDecodeError as exc:
        raise CredentialError(f"password file {path}: not UTF-8 text") from exc
    if os.name == "posix" and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        # ssh refuses such key files for the same reason: anyone on the machine could read it.
        raise CredentialError(f"password file {path}: readable by others (chmod 600 {path})")
    line = text.splitlines()[0] if text else ""
    if not line:
        raise CredentialError(f"password file {path}: its first line is empty")
    return line


def _from_keyring(service: str, user: str) -> str:
    try:
        import keyring  # optional: a customer-side worker may run without it
        from keyring.errors import KeyringError
    except ImportError as exc:
        raise CredentialError(
            "keyring: the Python package 'keyring' is not installed (pip install keyring), "
            "or name another password source"
        ) from exc
    try:
        value = keyring.get_password(service, user)
    except KeyringError as exc:
        raise CredentialError(f"keyring {service!r}: {exc}") from exc
    except RuntimeError as exc:  # no backend at all
        raise CredentialError(f"keyring {service!r}: no keyring backend is available ({exc})") from exc
    if not value:
        raise CredentialError(f"keyring {service!r} holds no password for {user!r}")
    return value
