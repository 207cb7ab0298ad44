"""The workers' live copy of the allowed-signers file, which update validators read.

A validator runs only when an Update arrives (never on replay), so it may consult
the file as it is *now*: a key operations removed a minute ago is refused at once,
and a key added after planning works without re-planning.  What the validator
accepted (the key's fingerprint and principal) is recorded in the audit record, so
the decision stays explained in history.

Each worker registers its store under its task queue; workflow code finds it with
:func:`for_task_queue` (this module is passed through the workflow sandbox, so the
registry is the worker's own).  The file is read again whenever its size, inode or
modification time changes.  An unreadable or malformed file refuses every signed
action (it fails closed) until it is fixed.
"""

import os
import threading
from pathlib import Path

import platformdirs
from onboard.core.trust.signers import AllowedSigners, SignersFileError

#: Where workers look when neither ``--allowed-signers`` nor the variable says.
ENV_VAR = "ONBOARD_ALLOWED_SIGNERS"


def default_path() -> Path:
    """``$ONBOARD_ALLOWED_SIGNERS``, else ``allowed_signers`` in the user's onboard config folder."""
    configured = os.environ.get(ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_config_dir("onboard")) / "allowed_signers"


class TrustStore:
    """One allowed-signers file, re-read when it changes."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._signers: AllowedSigners | None = None
        self._error: SignersFileError | None = None

    def current(self) -> AllowedSigners:
        """The file as it is now; raises :class:`SignersFileError` if it cannot be used."""
        with self._lock:
            try:
                st = self.path.stat()
            except OSError:
                stamp = None
            else:
                stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
            if stamp is None or stamp != self._stamp or (self._signers is None and self._error is None):
                self._stamp = stamp
                try:
                    self._signers, self._error = AllowedSigners.load(self.path), None
                except SignersFileError as exc:
                    self._signers, self._error = None, exc
            if self._error is not None:
                raise self._error
            assert self._signers is not None
            return self._signers


_STORES: dict[str, TrustStore] = {}


def register(task_queue: str, store: TrustStore) -> None:
    """Make ``store`` the one validators on ``task_queue`` consult (a worker does this)."""
    _STORES[task_queue] = store


def unregister(task_queue: str, store: TrustStore) -> None:
    if _STORES.get(task_queue) is store:
        del _STORES[task_queue]


def for_task_queue(task_queue: str) -> TrustStore | None:
    return _STORES.get(task_queue)
