"""``--auth ntlm`` against real Samba DCs: the same bundle as a simple bind, and its faults.

The session's DC lets any bind through (``ldap server require strong auth = no``).
A second DC here runs Samba's default, ``yes``: SASL binds must sign and seal, which
both Samba and Windows refuse on a TLS session, so NTLM works there only over plain
LDAP, every message sealed; ``allow_sasl_over_tls`` is what Windows does (NTLM over
TLS unsigned, over plain LDAP signed where "LDAP signing" is required).  The same DC,
restarted with ``gensec:spnego = no``, offers no GSS-SPNEGO.

Samba does not check NTLM channel bindings, so a wrong one would pass here; only the
token's value is checked (against the certificate the DC shows).
"""

import hashlib
import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.collect import CollectError, ConfigError, CredentialRef, collect, parse_server
from onboard.core.collect.ntlm_bind import channel_bindings
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

from tests.collect.conftest import PASSWORD_ENV, Lab
from tests.collect.netns import NetNamespace
from tests.collect.samba import ADMIN_PASSWORD, SambaDC

NTLM_USER = "CORP\\Administrator"
ONBOARD = Path(sys.executable).with_name("onboard")
BUNDLE_FILES = ("forest.json", "domains.json", "directory.ldf", "dns/contoso.com.zone")


def _ntlm(lab: Lab, security: str, **changes: object):
    server = parse_server("ldaps://127.0.0.1" if security == "ldaps" else "127.0.0.1", security)
    return lab.config(servers=(server,), auth="ntlm", **{"user": NTLM_USER, **changes})


def _content(path: Path) -> list[bytes]:
    """A bundle file's lines but its comments, which say where and when it was read."""
    return [line for line in path.read_bytes().splitlines() if not line.startswith((b"#", b";"))]


@pytest.fixture(scope="module")
def simple_bundle(lab: Lab, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("simple") / "bundle"
    assert lab.netns.call(collect, lab.config(), out).complete
    return out


@pytest.mark.parametrize("security", ["starttls", "ldaps", "none"])
def test_ntlm_collects_what_a_simple_bind_collects(
    lab: Lab, simple_bundle: Path, tmp_path: Path, security: str
) -> None:
    out = tmp_path / "bundle"
    result = lab.netns.call(collect, _ntlm(lab, security), out)
    assert result.complete, result.problems
    for name in BUNDLE_FILES:
        assert _content(out / name) == _content(simple_bundle / name), name
    manager = load_plugin_manager()
    plan = build_plan(manager, preview_spec(("ems",), {}))
    with (
        assess_bundle(out, plan.requirements, manager=manager) as ours,
        assess_bundle(simple_bundle, plan.requirements, manager=manager) as theirs,
    ):
        assert ours.findings == theirs.findings


def test_a_upn_and_many_sealed_pages(lab: Lab, tmp_path: Path) -> None:
    # Pages of 3 objects: some twenty sealed requests and answers on one session.
    config = _ntlm(lab, "none", user="Administrator@corp.test", page_size=3, dns=False)
    result = lab.netns.call(collect, config, tmp_path / "b")
    assert result.complete and result.objects > 40


@pytest.mark.parametrize("security", ["starttls", "none"])
def test_wrong_password_and_unknown_user(lab: Lab, tmp_path: Path, monkeypatch, security: str) -> None:
    monkeypatch.setenv("WRONG_PW", "not-the-password")
    wrong = CredentialRef("env", "WRONG_PW")
    for n, user in enumerate((NTLM_USER, "CORP\\nobody")):
        with pytest.raises(CollectError) as caught:
            lab.netns.call(collect, _ntlm(lab, security, user=user, password=wrong), tmp_path / str(n))
        message = str(caught.value)
        assert message.startswith(
            f"ldap://127.0.0.1:389: NTLM bind as {user} failed: unknown user or wrong password; "
            "invalidCredentials (result 49)"
        ), message
        assert "not-the-password" not in message and ADMIN_PASSWORD not in message
        assert not (tmp_path / str(n)).exists()


def test_settings_an_ntlm_bind_cannot_work_with(lab: Lab) -> None:
    for user in ("Administrator", "CN=Administrator,CN=Users,DC=corp,DC=test", "CORP\\", "@corp.test"):
        with pytest.raises(ConfigError, match="an NTLM bind needs --user as DOMAIN"):
            _ntlm(lab, "starttls", user=user).check()
    with pytest.raises(ConfigError, match="an NTLM bind needs a password source"):
        _ntlm(lab, "starttls", password=CredentialRef("none", "")).check()


def test_the_channel_binding_is_the_certificate_the_dc_shows(lab: Lab) -> None:
    def shown() -> bytes:
        context = ssl.create_default_context(cafile=str(lab.dc.ca_file))
        with (
            socket.create_connection(("127.0.0.1", 636), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname="dc1.corp.test") as tls,
        ):
            return channel_bindings(tls).application_data

    der = ssl.PEM_cert_to_DER_cert((lab.dc.ca_file.parent / "cert.pem").read_text())
    assert lab.netns.call(shown) == b"tls-server-end-point:" + hashlib.sha256(der).digest()


def test_cli_ntlm_never_shows_the_password(lab: Lab, tmp_path: Path) -> None:
    def run(out: Path, env_password: str) -> subprocess.CompletedProcess:
        argv = [str(ONBOARD), "-v", "collect", str(out), "--server", "127.0.0.1", "--auth", "ntlm"]
        argv += ["--user", NTLM_USER, "--password-from", f"env:{PASSWORD_ENV}", "--json", "--no-dns"]
        argv += ["--tls-ca-file", str(lab.dc.ca_file), "--tls-name", "dc1.corp.test"]
        env = {**os.environ, PASSWORD_ENV: env_password}
        return subprocess.run(lab.netns.command(argv), capture_output=True, env=env)

    done = run(tmp_path / "ok", ADMIN_PASSWORD)
    assert done.returncode == 0, done.stderr.decode()
    seen = [done.stdout, done.stderr, *(p.read_bytes() for p in (tmp_path / "ok").rglob("*") if p.is_file())]
    assert all(ADMIN_PASSWORD.encode() not in blob for blob in seen)
    failed = run(tmp_path / "bad", "Wrong-Passw0rd!")
    assert failed.returncode == 1 and not failed.stdout
    assert b"Traceback" not in failed.stderr and b"Wrong-Passw0rd!" not in failed.stderr
    assert f"NTLM bind as {NTLM_USER} failed: unknown user or wrong password".encode() in failed.stderr


# -- a DC with Samba's default: strong authentication required ------------------------


#: The options the strict DC runs with now (its tests may run in any order).
_RUNNING: dict[str, str] = {}
STRONG = {"ldap server require strong auth": "yes", "gensec:spnego": "yes"}
OVER_TLS = {"ldap server require strong auth": "allow_sasl_over_tls", "gensec:spnego": "yes"}
NO_SPNEGO = {"ldap server require strong auth": "allow_sasl_over_tls", "gensec:spnego": "no"}


def _run_with(strict: Lab, options: dict[str, str]) -> None:
    """Restart the strict DC with ``options`` unless it runs with them already."""
    if options == _RUNNING:
        return
    strict.dc.stop()
    strict.dc.set_options(options)
    strict.dc.start()
    time.sleep(0.5)  # LDAPS listens just after 389
    _RUNNING.clear()
    _RUNNING.update(options)


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory, lab: Lab) -> Iterator[Lab]:
    """A second DC (own namespace, no test objects) with ``ldap server require strong auth = yes``."""
    folder = tmp_path_factory.mktemp("samba-strict")
    space = NetNamespace()
    dc = SambaDC(folder / "dc", space, strong_auth="yes")
    try:
        dc.provision()
        dc.start()
        _RUNNING.clear()
        _RUNNING.update(STRONG)
        yield Lab(space, dc, folder)
    finally:
        _RUNNING.clear()
        dc.stop()
        space.close()


def _strict_error(strict: Lab, config, out: Path) -> str:
    with pytest.raises(CollectError) as caught:
        strict.netns.call(collect, config, out)
    message = str(caught.value)
    assert "\n" not in message and ADMIN_PASSWORD not in message
    return message


def test_strong_auth_required_ntlm_seals_plain_ldap(strict: Lab, tmp_path: Path) -> None:
    _run_with(strict, STRONG)
    result = strict.netns.call(collect, _ntlm(strict, "none", dns=False, page_size=5), tmp_path / "a")
    assert result.complete and result.objects > 10
    simple = _strict_error(
        strict, strict.config(servers=(parse_server("127.0.0.1", "none"),)), tmp_path / "b"
    )
    assert "strongerAuthRequired (result 8)" in simple
    over_tls = _strict_error(strict, _ntlm(strict, "starttls"), tmp_path / "c")
    assert over_tls.startswith(f"ldap://127.0.0.1:389: NTLM bind as {NTLM_USER} failed: strongerAuthRequired")
    assert "which it refuses over TLS" in over_tls and "use --security none" in over_tls


def test_sasl_allowed_over_tls_as_windows_does(strict: Lab, tmp_path: Path) -> None:
    _run_with(strict, OVER_TLS)
    for security in ("starttls", "ldaps", "none"):
        result = strict.netns.call(collect, _ntlm(strict, security, dns=False), tmp_path / security)
        assert result.complete and result.objects > 10, security


def test_a_server_without_gss_spnego(strict: Lab, tmp_path: Path) -> None:
    _run_with(strict, NO_SPNEGO)
    message = _strict_error(strict, _ntlm(strict, "starttls"), tmp_path / "a")
    assert message == (
        f"ldap://127.0.0.1:389: NTLM bind as {NTLM_USER} failed: the server does not offer SASL "
        "GSS-SPNEGO (its supportedSASLMechanisms: GSSAPI, NTLM)"
    )
    assert not (tmp_path / "a").exists()
