"""Signing through a real ``ssh-agent``: the key the CLI picks, and the errors when it cannot."""

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from onboard.core.cli import run
from onboard.core.trust import keys
from onboard.core.trust.keys import AgentSigner, KeyFileError
from onboard.core.trust.sshsig import SignatureError, check, fingerprint, sign

from .openssh import keygen, public_line, ssh_fingerprint, ssh_verify

SSH_AGENT = shutil.which("ssh-agent") or "/usr/bin/ssh-agent"
SSH_ADD = shutil.which("ssh-add") or "/usr/bin/ssh-add"
MESSAGE = b'{"action":"complete","item":"fix.core.forest-functional-level"}'


class Agent:
    """A running ``ssh-agent -D`` whose socket is ``$SSH_AUTH_SOCK`` for the test."""

    def __init__(self, socket: Path) -> None:
        self.socket = socket
        self.process = subprocess.Popen(
            [SSH_AGENT, "-D", "-a", str(socket)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 5
        while not socket.exists():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"ssh-agent did not start (exit {self.process.poll()})")
            time.sleep(0.01)

    def add(self, key: Path) -> Path:
        env = {**os.environ, "SSH_AUTH_SOCK": str(self.socket)}
        subprocess.run([SSH_ADD, "-q", str(key)], check=True, env=env, stdin=subprocess.DEVNULL)
        return key

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def agent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Agent]:
    # A short folder of its own: a unix socket's path must stay under ~100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="onboard-agent-"))
    running = Agent(folder / "agent.sock")
    monkeypatch.setenv("SSH_AUTH_SOCK", str(running.socket))
    try:
        yield running
    finally:
        running.stop()
        shutil.rmtree(folder, ignore_errors=True)


def allowed(tmp_path: Path, key: Path, principal: str = "casey@contoso.com") -> Path:
    path = tmp_path / "allowed_signers"
    path.write_text(f'{principal} namespaces="action@onboard" {public_line(key)}\n')
    return path


def test_the_one_agent_key_signs(agent: Agent, tmp_path: Path) -> None:
    key = agent.add(keygen(tmp_path / "casey"))
    signer = keys.resolve()
    assert isinstance(signer, AgentSigner)
    armored = sign(signer, MESSAGE)
    assert fingerprint(check(MESSAGE, armored)) == ssh_fingerprint(key)
    verified = ssh_verify(allowed(tmp_path, key), "casey@contoso.com", armored, MESSAGE)
    assert verified.returncode == 0, verified.stderr
    with pytest.raises(SignatureError, match="does not match"):
        check(MESSAGE + b"!", armored)


def test_key_pub_selects_the_agent_key(agent: Agent, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    agent.add(keygen(tmp_path / "first"))
    second = agent.add(keygen(tmp_path / "second"))
    for chosen in (keys.resolve(Path(f"{second}.pub")), keys.resolve(f"{second}.pub")):
        assert isinstance(chosen, AgentSigner)
        assert chosen.openssh_public_key() == public_line(second)
        armored = sign(chosen, MESSAGE)
        assert fingerprint(check(MESSAGE, armored)) == ssh_fingerprint(second)
        assert ssh_verify(allowed(tmp_path, second), "casey@contoso.com", armored, MESSAGE).returncode == 0
    monkeypatch.setenv("ONBOARD_KEY", f"{second}.pub")
    assert keys.resolve().openssh_public_key() == public_line(second)


def test_two_agent_keys_and_no_default_is_a_clear_error(agent: Agent, tmp_path: Path) -> None:
    agent.add(keygen(tmp_path / "first"))
    agent.add(keygen(tmp_path / "second"))
    with pytest.raises(KeyFileError, match=r"holds 2 Ed25519 keys: choose one with --key PATH\.pub"):
        keys.resolve()


def test_two_agent_keys_and_the_default_pub_picks_the_default(agent: Agent, tmp_path: Path) -> None:
    agent.add(keygen(tmp_path / "other"))
    default = keys.default_key_path()
    default.parent.mkdir(parents=True)
    agent.add(keygen(default))
    assert str(default).startswith(str(tmp_path))  # the test's config folder, not the real one
    assert keys.resolve().openssh_public_key() == public_line(default)


def test_agent_without_the_private_half_is_a_clear_error(agent: Agent, tmp_path: Path) -> None:
    agent.add(keygen(tmp_path / "held"))
    missing = keygen(tmp_path / "not-held")
    with pytest.raises(KeyFileError, match=r"ssh-agent does not hold the private half of .*not-held\.pub"):
        keys.resolve(Path(f"{missing}.pub"))


def test_rsa_keys_in_the_agent_are_not_offered(agent: Agent, tmp_path: Path, rsa_key: Path) -> None:
    agent.add(rsa_key)
    assert keys.agent_keys() == []
    with pytest.raises(KeyFileError, match="no key to sign with"):
        keys.resolve()
    ed = agent.add(keygen(tmp_path / "ed"))
    assert keys.resolve().openssh_public_key() == public_line(ed)


def test_a_dead_agent_socket_is_no_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SSH_AUTH_SOCK", str(tmp_path / "gone.sock"))
    assert keys.agent_keys() == []
    with pytest.raises(KeyFileError, match="no key to sign with"):
        keys.resolve()


def test_keys_show_names_the_agent(agent: Agent, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    key = agent.add(keygen(tmp_path / "casey"))
    assert run(["keys", "show", "--principal", "casey@contoso.com"]) == 0
    out = capsys.readouterr().out
    assert "source       ssh-agent ($SSH_AUTH_SOCK)" in out
    assert ssh_fingerprint(key) in out
    assert f'casey@contoso.com namespaces="action@onboard" {public_line(key)}' in out
    assert run(["keys", "show", "--key", f"{key}.pub"]) == 0
    assert f"--key {key}.pub, private half in the ssh-agent" in capsys.readouterr().out
