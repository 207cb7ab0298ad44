"""``onboard keys new|show|check``, in process, with what OpenSSH makes of the results."""

import io
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from onboard.core.cli import run
from onboard.core.trust import keys

from .openssh import SSH_KEYGEN, keygen, public_line, ssh_fingerprint, ssh_sign, ssh_verify

MESSAGE = b'{"action":"approve","gate":"kickoff"}'


@pytest.fixture(autouse=True)
def no_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody to type a passphrase, even under ``pytest -s``."""
    monkeypatch.setattr(sys, "stdin", io.StringIO())


def onboard(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(code: int, out: str, err: str) -> str:
    assert code == 1
    assert out == ""
    assert err.startswith("onboard: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err


def test_keys_new_writes_a_key_openssh_uses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "keys" / "casey"
    code, out, err = onboard(
        capsys, "keys", "new", str(path), "--principal", "casey@contoso.com", "--comment", "casey laptop"
    )
    assert (code, err) == (0, "")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    pub = Path(f"{path}.pub")
    assert pub.read_text().endswith(" casey laptop\n")
    assert ssh_fingerprint(pub) in out
    line = f'casey@contoso.com namespaces="action@onboard" {public_line(pub)}'
    assert line in out.splitlines()  # whole, on a line of its own, to copy
    # ssh-keygen reads the private key, and the printed line lets its signature through.
    derived = subprocess.run([SSH_KEYGEN, "-y", "-f", str(path)], capture_output=True, text=True, check=True)
    assert derived.stdout.split()[:2] == public_line(pub).split()
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(line + "\n")
    assert ssh_verify(allowed, "casey@contoso.com", ssh_sign(path, MESSAGE), MESSAGE).returncode == 0


def test_keys_new_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "casey"
    assert onboard(capsys, "keys", "new", str(path))[0] == 0
    before = (path.read_bytes(), Path(f"{path}.pub").read_bytes())
    err = one_line_error(*onboard(capsys, "keys", "new", str(path)))
    assert f"{path} already exists" in err
    assert (path.read_bytes(), Path(f"{path}.pub").read_bytes()) == before

    stray = tmp_path / "stray"
    Path(f"{stray}.pub").write_text("someone else's key\n")
    assert f"{stray}.pub already exists" in one_line_error(*onboard(capsys, "keys", "new", str(stray)))
    assert not stray.exists()


def test_keys_new_defaults_to_the_config_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = onboard(capsys, "keys", "new", "--json")
    assert code == 0
    default = keys.default_key_path()
    assert default == tmp_path / "config" / "onboard" / "id_ed25519"
    info = json.loads(out)
    assert info["path"] == str(default) and not info["encrypted"]
    assert info["fingerprint"] == ssh_fingerprint(Path(f"{default}.pub"))
    assert info["allowed_signers"] == f'YOUR-ROSTER-EMAIL namespaces="action@onboard" {public_line(default)}'
    # and it is the key the CLI signs with from now on
    code, out, _ = onboard(capsys, "keys", "show")
    assert code == 0
    assert f"source       default ({default})" in out
    assert info["fingerprint"] in out
    assert "in place of YOUR-ROSTER-EMAIL" in out


def test_encrypted_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "casey"
    monkeypatch.setenv("ONBOARD_KEY_PASSPHRASE", "correct horse")
    code, out, err = onboard(capsys, "keys", "new", str(path), "--passphrase")
    assert (code, err) == (0, "")
    fingerprint = ssh_fingerprint(Path(f"{path}.pub"))
    unlock = [SSH_KEYGEN, "-y", "-f", str(path), "-P"]
    assert subprocess.run([*unlock, "correct horse"], capture_output=True).returncode == 0
    assert subprocess.run([*unlock, ""], capture_output=True).returncode != 0  # really encrypted

    code, out, _ = onboard(capsys, "keys", "show", "--key", str(path))
    assert code == 0
    assert f"source       --key {path}" in out and fingerprint in out

    monkeypatch.setenv("ONBOARD_KEY_PASSPHRASE", "wrong")
    assert f"wrong passphrase for {path}" in one_line_error(
        *onboard(capsys, "keys", "show", "--key", str(path))
    )

    monkeypatch.delenv("ONBOARD_KEY_PASSPHRASE")
    err = one_line_error(*onboard(capsys, "keys", "show", "--key", str(path)))
    assert f"key {path} is encrypted: set ONBOARD_KEY_PASSPHRASE, or load it into ssh-agent" in err


def test_keys_new_passphrase_needs_a_terminal_or_the_variable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = one_line_error(*onboard(capsys, "keys", "new", str(tmp_path / "k"), "--passphrase"))
    assert "ONBOARD_KEY_PASSPHRASE" in err
    monkeypatch.setenv("ONBOARD_KEY_PASSPHRASE", "")
    assert "passphrase is empty" in one_line_error(
        *onboard(capsys, "keys", "new", str(tmp_path / "k"), "--passphrase")
    )
    assert not (tmp_path / "k").exists()


def test_a_passphrase_in_the_environment_does_not_break_a_plain_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = keygen(tmp_path / "plain")  # made by ssh-keygen, no passphrase
    monkeypatch.setenv("ONBOARD_KEY_PASSPHRASE", "for another key")
    code, out, _ = onboard(capsys, "keys", "show", "--key", str(path))
    assert code == 0 and ssh_fingerprint(path) in out


def test_keys_show_sources(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    err = one_line_error(*onboard(capsys, "keys", "show"))
    assert "no key to sign with" in err and "onboard keys new" in err

    path = keygen(tmp_path / "casey")
    monkeypatch.setenv("ONBOARD_KEY", str(path))
    code, out, _ = onboard(capsys, "keys", "show", "--json", "--principal", "Casey Jones")
    assert code == 0
    info = json.loads(out)
    assert info["source"] == f"$ONBOARD_KEY ({path})"
    assert info["fingerprint"] == ssh_fingerprint(path)
    assert info["allowed_signers"] == f'"Casey Jones" namespaces="action@onboard" {public_line(path)}'

    missing = tmp_path / "missing"
    assert "does not exist (from --key)" in one_line_error(
        *onboard(capsys, "keys", "show", "--key", str(missing))
    )
    monkeypatch.setenv("ONBOARD_KEY", str(missing))
    assert "does not exist (from $ONBOARD_KEY)" in one_line_error(*onboard(capsys, "keys", "show"))


def test_keys_show_refuses_what_is_not_an_ed25519_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], rsa_key: Path
) -> None:
    assert "Ed25519 keys only" in one_line_error(*onboard(capsys, "keys", "show", "--key", str(rsa_key)))
    junk = tmp_path / "junk"
    junk.write_text("not a key\n")
    assert "is not a private key onboard can read" in one_line_error(
        *onboard(capsys, "keys", "show", "--key", str(junk))
    )


def test_keys_check_a_good_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    casey, pat = public_line(keygen(tmp_path / "casey")), public_line(keygen(tmp_path / "pat"))
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(
        "# operations\n"
        f'pat@fasttrack.example namespaces="action@onboard" {pat}\n'
        f'*@contoso.com,!mallory@contoso.com valid-before="20200101Z" {casey}\n'
        f'casey@contoso.com namespaces="git" {pat}\n'
    )
    fp_casey, fp_pat = ssh_fingerprint(tmp_path / "casey.pub"), ssh_fingerprint(tmp_path / "pat.pub")
    code, out, err = onboard(capsys, "keys", "check", str(allowed), "--principal", "casey@contoso.com")
    assert (code, err) == (0, "")
    rows = [line for line in out.splitlines() if line.startswith("│ ") and line[2].isdigit()]
    assert [r.split("│")[1].strip() for r in rows] == ["2", "3", "4"]
    assert fp_pat in rows[0] and "action@onboard" in rows[0] and "always" in rows[0]
    assert fp_casey in rows[1] and "until 2020-01-01 (expired)" in rows[1]
    assert "git (not action@onboard)" in rows[2]
    assert f"casey@contoso.com: line 3: key {fp_casey} expired on 2020-01-01" in out
    assert "line 4" not in out  # the git-only key is not casey's for onboard

    code, out, _ = onboard(
        capsys, "keys", "check", str(allowed), "--principal", "mallory@contoso.com", "--json"
    )
    assert code == 0
    report = json.loads(out)
    assert [k["line"] for k in report["keys"]] == [2, 3, 4]
    assert [k["for_onboard"] for k in report["keys"]] == [True, True, False]
    assert [k["valid_now"] for k in report["keys"]] == [True, False, True]
    assert report["principal_keys"] == []
    out = onboard(capsys, "keys", "check", str(allowed), "--principal", "nobody")[1]
    assert out.splitlines()[-1] == "nobody: no key for action@onboard in this file"


def test_keys_check_a_bad_file(tmp_path: Path, capsys: pytest.CaptureFixture[str], rsa_key: Path) -> None:
    allowed = tmp_path / "allowed_signers"
    allowed.write_text(f"# operations\n\npat {public_line(rsa_key)}\n")
    err = one_line_error(*onboard(capsys, "keys", "check", str(allowed)))
    assert f"{allowed}:3: onboard accepts ssh-ed25519 keys only, not ssh-rsa" in err
    allowed.write_bytes(b"\xff\xfe")
    assert f"{allowed}:1: not UTF-8" in one_line_error(*onboard(capsys, "keys", "check", str(allowed)))
    assert "does not exist" in one_line_error(*onboard(capsys, "keys", "check", str(tmp_path / "none")))
    empty = tmp_path / "empty"
    empty.write_text("# nobody yet\n")
    code, out, _ = onboard(capsys, "keys", "check", str(empty))
    assert code == 0 and "no keys (every signed action would be refused)" in out


def test_unwritable_and_unreadable_paths_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    err = one_line_error(*onboard(capsys, "keys", "new", str(a_file / "key")))
    assert f"cannot write key {a_file / 'key'}" in err
    folder = tmp_path / "folder.pub"
    folder.mkdir()
    assert "Is a directory" in one_line_error(*onboard(capsys, "keys", "show", "--key", str(folder)))
    binary = tmp_path / "binary.pub"
    binary.write_bytes(b"\xff\xfe\x00")
    assert "not an OpenSSH public key" in one_line_error(
        *onboard(capsys, "keys", "show", "--key", str(binary))
    )
