"""The password: from the environment, a keyring or a file; never in output, logs, bundle or config."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import ClassVar

import keyring
import keyring.backend
import pytest
from onboard.core.collect import CredentialError, CredentialRef, collect, parse_ref
from onboard.core.collect.credentials import Secret, resolve
from onboard.core.converter import to_json_value

from tests.collect.conftest import PASSWORD_ENV, Lab
from tests.collect.samba import ADMIN, ADMIN_PASSWORD

ONBOARD = Path(sys.executable).with_name("onboard")


class MemoryKeyring(keyring.backend.KeyringBackend):
    """A keyring of this process (the machine has no Secret Service to test against)."""

    priority = 1
    passwords: ClassVar[dict[tuple[str, str], str]] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.passwords.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.passwords[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.passwords.pop((service, username), None)


def test_cli_never_shows_or_writes_the_password(lab: Lab, tmp_path: Path) -> None:
    out = tmp_path / "bundle"
    argv = [
        str(ONBOARD),
        "-v",
        "collect",
        str(out),
        "--server",
        "127.0.0.1",
        "--user",
        ADMIN,
        "--password-from",
        f"env:{PASSWORD_ENV}",
        "--tls-ca-file",
        str(lab.dc.ca_file),
        "--tls-name",
        "dc1.corp.test",
        "--dns-server",
        "127.0.0.1",
        "--json",
    ]
    done = subprocess.run(
        lab.netns.command(argv), capture_output=True, env={**os.environ, PASSWORD_ENV: ADMIN_PASSWORD}
    )
    assert done.returncode == 0, done.stderr.decode()
    assert json.loads(done.stdout)["password_from"] == f"env:{PASSWORD_ENV}"
    seen = [done.stdout, done.stderr, *(p.read_bytes() for p in out.rglob("*") if p.is_file())]
    assert all(ADMIN_PASSWORD.encode() not in blob for blob in seen)
    assert len(seen) >= 6  # stdout, stderr, forest, domains, directory, zone, collection.json


def test_a_config_carries_where_the_password_is_not_the_password(lab: Lab) -> None:
    text = json.dumps(to_json_value(lab.config()))
    assert PASSWORD_ENV in text and ADMIN_PASSWORD not in text
    assert (
        repr(Secret(ADMIN_PASSWORD)) == "Secret('***')" and ADMIN_PASSWORD not in f"{Secret(ADMIN_PASSWORD)}"
    )


def test_keyring_and_file_sources(lab: Lab, tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    try:
        keyring.set_password("onboard-test", ADMIN, ADMIN_PASSWORD)
        result = lab.netns.call(
            collect, lab.config(password=parse_ref("keyring:onboard-test"), dns=False), tmp_path / "k"
        )
        assert result.complete
        with pytest.raises(
            CredentialError, match="keyring 'nothing' holds no password for 'Administrator@corp.test'"
        ):
            resolve(parse_ref("keyring:nothing"), ADMIN)
    finally:
        keyring.set_keyring(previous)
    secret = tmp_path / "pw"
    secret.write_text(ADMIN_PASSWORD + "\n")
    secret.chmod(0o644)
    with pytest.raises(CredentialError, match="readable by others"):
        resolve(CredentialRef("file", str(secret)), ADMIN)
    secret.chmod(0o600)
    assert resolve(CredentialRef("file", str(secret)), ADMIN).reveal() == ADMIN_PASSWORD
    with pytest.raises(CredentialError, match="ONBOARD_NOT_SET .* is not set"):
        resolve(CredentialRef("env", "ONBOARD_NOT_SET"), ADMIN)
