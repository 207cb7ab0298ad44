"""One Samba AD DC (and one BIND server, for zone transfers) per test session.

Both run in one network namespace of the session's own (:mod:`tests.collect.netns`):
Samba on 127.0.0.1 (LDAP 389, LDAPS 636, DNS 53, ...), BIND on 127.0.0.1:5353 serving
the same customer zone with transfers allowed.  Provisioning and loading take some
20 s; every test shares the DC and must not change it.
"""

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import attrs
import pytest
from onboard.core.collect import CollectConfig, CredentialRef, parse_server

from tests.collect import netns as netns_module
from tests.collect import samba as samba_module
from tests.collect.netns import NetNamespace
from tests.collect.samba import ADMIN, ADMIN_PASSWORD, SambaDC

DATA = Path(__file__).parent / "data"
PASSWORD_ENV = "ONBOARD_TEST_DC_PASSWORD"
BIND_ADDRESS = "127.0.0.1"
BIND_PORT = 5353  # beside Samba's DNS on 53


def _skip_reason() -> str:
    reason = netns_module.unavailable() or samba_module.unavailable()
    if reason and os.environ.get("CI"):
        pytest.fail(f"CI must run the collector's tests against Samba, but {reason}")
    return reason


@attrs.define
class Lab:
    """The running DC, its namespace, and configurations that reach it."""

    netns: NetNamespace
    dc: SambaDC
    folder: Path

    def config(self, **changes: object) -> CollectConfig:
        """A working configuration (StartTLS, simple bind as Administrator), with ``changes``."""
        base = CollectConfig(
            servers=(parse_server("127.0.0.1", "starttls"),),
            user=ADMIN,
            password=CredentialRef("env", PASSWORD_ENV),
            tls_ca_file=str(self.dc.ca_file),
            tls_name="dc1.corp.test",
            dns_servers=("127.0.0.1",),
            timeout=5.0,
            dns_timeout=1.0,
        )
        return attrs.evolve(base, **changes)


@pytest.fixture(scope="session")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """The session's DC, provisioned and loaded with objects that break IdFix's rules."""
    reason = _skip_reason()
    if reason:
        pytest.skip(f"no Samba DC here: {reason}")
    folder = tmp_path_factory.mktemp("samba-dc")
    space = NetNamespace()
    dc = SambaDC(folder / "dc", space)
    os.environ[PASSWORD_ENV] = ADMIN_PASSWORD
    try:
        started = time.monotonic()
        dc.provision()
        dc.ldb("ldbadd", DATA / "schema.ldif", schema=True)
        dc.ldb("ldbmodify", DATA / "schema-classes.ldif", schema=True)
        dc.ldb("ldbmodify", DATA / "objects.ldif")
        dc.start()
        dc.load_zone(DATA / "contoso.com.zone", "contoso.com")
        print(f"Samba DC ready in {time.monotonic() - started:.1f} s")
        yield Lab(space, dc, folder)
    finally:
        dc.stop()
        space.close()


@pytest.fixture(scope="session")
def bind_server(lab: Lab) -> Iterator[str]:
    """BIND on 127.0.0.1:5353 in the lab's namespace, serving contoso.com with AXFR allowed."""
    named = shutil.which("named")
    if named is None:
        if os.environ.get("CI"):
            pytest.fail("CI must run the zone-transfer test, but named (Debian bind9) is not installed")
        pytest.skip("named is not installed (Debian package bind9)")
    folder = lab.folder / "bind"
    folder.mkdir()
    shutil.copy(DATA / "contoso.com.zone", folder / "contoso.com.zone")
    conf = folder / "named.conf"
    conf.write_text(
        f"""options {{
    directory "{folder}";
    pid-file "{folder}/named.pid";
    listen-on port {BIND_PORT} {{ {BIND_ADDRESS}; }};
    dnssec-validation no;
    listen-on-v6 {{ none; }};
    recursion no;
    allow-transfer {{ any; }};
}};
controls {{ }};
zone "contoso.com" {{ type primary; file "{folder}/contoso.com.zone"; }};
"""
    )
    process = subprocess.Popen(
        lab.netns.command([named, "-g", "-c", str(conf)]),
        stdout=(folder / "named.out").open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while not lab.netns.call(samba_module._listening, BIND_ADDRESS, BIND_PORT):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"named did not start: {(folder / 'named.out').read_text()}")
            time.sleep(0.1)
        yield BIND_ADDRESS
    finally:
        process.terminate()
        process.wait(timeout=10)
