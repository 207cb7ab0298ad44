"""Fixtures for the trust tests, which run against the real OpenSSH tools.

Every test runs with a private config folder and none of the caller's signing
environment, so neither a developer's ssh-agent nor their onboard key is ever used.
"""

from pathlib import Path

import pytest

from .openssh import keygen


@pytest.fixture(autouse=True)
def _isolated_signing_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("ONBOARD_HOME", str(tmp_path / "home"))
    for name in ("ONBOARD_KEY", "ONBOARD_KEY_PASSPHRASE", "ONBOARD_ALLOWED_SIGNERS", "SSH_AUTH_SOCK"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def rsa_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One RSA key pair for the session (slower to make than Ed25519)."""
    return keygen(tmp_path_factory.mktemp("rsa") / "id_rsa", "rsa")
