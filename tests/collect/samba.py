"""A real Samba Active Directory domain controller for the collector's tests.

``samba-tool domain provision`` into a temporary folder (realm CORP.TEST, a domain
that is not routable, as many are; the customer's routable UPN suffix is
contoso.com), then, with the server stopped, LDIF applied straight to its
``sam.ldb`` (``ldbadd``/``ldbmodify``, through Samba's own checks): the Exchange
attributes IdFix reads (Samba's schema has none: ``dsdb:schema update allowed``
lets them be added, as Exchange's ``/PrepareSchema`` would), the UPN suffixes and
the test's objects.  Then ``samba -i -M single`` runs in a network namespace of its
own (:mod:`.netns`), and the customer's zone goes into its internal DNS by dynamic
update (``allow dns updates = nonsecure``).
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import dns.query
import dns.rdatatype
import dns.update
import dns.zone

from tests.collect.netns import NetNamespace

REALM = "CORP.TEST"
DOMAIN_DN = "DC=corp,DC=test"
ADMIN = "Administrator@corp.test"
#: The Administrator's password: the tests look for it in every output they see.
ADMIN_PASSWORD = "Sq7!collect-Passw0rd"
TOOLS = ("samba", "samba-tool", "ldbadd", "ldbmodify")

_EXTRA = """
\tlog file = {dc}/log.%m
\tpid directory = {dc}/run
\tncalrpc dir = {dc}/run/ncalrpc
\twinbindd socket directory = {dc}/run/winbindd
\tinterfaces = lo
\tbind interfaces only = yes
\t# simple binds over plain LDAP (the tests also bind over StartTLS and LDAPS)
\tldap server require strong auth = {strong_auth}
\tdsdb:schema update allowed = yes
\tallow dns updates = nonsecure
\t# only what the tests use: LDAP, DNS, the KDC, RPC
\tserver services = -s3fs -nbt -wrepl -winbindd -kcc -dnsupdate -drepl
"""


def unavailable() -> str:
    """Why no DC can run here ("" when one can)."""
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        return f"{', '.join(missing)} not installed (Debian packages samba, ldb-tools; .ci/run installs them)"
    return ""


class SambaDC:
    """A provisioned DC in ``folder``, started in ``netns`` by :meth:`start`."""

    def __init__(self, folder: Path, netns: NetNamespace, *, strong_auth: str = "no") -> None:
        self.folder = folder
        self.netns = netns
        self.strong_auth = strong_auth  # "no", "allow_sasl_over_tls" or Samba's default, "yes"
        self.conf = folder / "etc" / "smb.conf"
        self.sam = folder / "private" / "sam.ldb"
        self.ca_file = folder / "private" / "tls" / "ca.pem"
        self.process: subprocess.Popen | None = None

    def provision(self, *options: str) -> None:
        """A new domain, with a configuration that keeps every file under the folder.

        ``options`` go to ``samba-tool domain provision`` as given (the collector's
        benchmark asks for the LMDB backend).
        """
        subprocess.run(
            self.netns.command(
                [
                    "samba-tool",
                    "domain",
                    "provision",
                    f"--targetdir={self.folder}",
                    f"--realm={REALM}",
                    "--domain=CORP",
                    f"--adminpass={ADMIN_PASSWORD}",
                    "--server-role=dc",
                    "--dns-backend=SAMBA_INTERNAL",
                    "--use-rfc2307",
                    "--host-name=dc1",
                    "--host-ip=127.0.0.1",
                    *options,
                ]
            ),
            check=True,
            capture_output=True,
        )
        text = self.conf.read_text()
        head, _, body = text.partition("[global]")
        global_part = head + "[global]" + body.split("\n[", 1)[0]  # the shares are not needed
        # The provisioned forwarder points outside the namespace; logs go to /var/log by default.
        kept = [
            line
            for line in global_part.splitlines()
            if "dns forwarder" not in line and "log file" not in line
        ]
        (self.folder / "run").mkdir(exist_ok=True)
        self.conf.write_text("\n".join(kept) + _EXTRA.format(dc=self.folder, strong_auth=self.strong_auth))

    def ldb(self, tool: str, ldif: Path, *, schema: bool = False, batch: bool = False) -> None:
        """Apply ``ldif`` to the stopped DC's database (one transaction: all or nothing).

        ``batch`` turns on ldb's ``batch_mode``: no sub-transaction per record, so an
        add no longer copies the index lists it touches (every object shares the
        objectClass ones, which grow with the directory).  A failed record then
        aborts the whole transaction, which is what a load wants anyway.
        """
        argv = [tool, "--nosync", "-H", str(self.sam), str(ldif)]
        if batch:
            argv[1:1] = ["-o", "batch_mode:true"]
        if schema:
            argv.append("--option=dsdb:schema update allowed=true")
        done = subprocess.run(argv, capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} {ldif.name}: {done.stdout.strip()} {done.stderr.strip()}")

    def set_options(self, options: dict[str, str]) -> None:
        """Set smb.conf options (``{"gensec:spnego": "no"}``), replacing any of the same name.

        For a stopped DC: the next :meth:`start` reads them.  The file keeps only its
        ``[global]`` section (see :meth:`provision`), so appending lands there.
        """
        kept = [
            line
            for line in self.conf.read_text().splitlines()
            if line.split("=", 1)[0].strip().lower() not in {name.lower() for name in options}
        ]
        kept += [f"\t{name} = {value}" for name, value in options.items()]
        self.conf.write_text("\n".join(kept) + "\n")

    def start(self, timeout: float = 60.0) -> None:
        """Run samba in the namespace; return once LDAP answers on 389."""
        log = (self.folder / "samba.out").open("wb")
        self.process = subprocess.Popen(
            self.netns.command(["samba", "-i", "-M", "single", "-s", str(self.conf)]),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"samba exited ({self.process.returncode}): see {self.folder / 'samba.out'}"
                )
            if self.netns.call(_listening, "127.0.0.1", 389) and self.netns.call(_listening, "127.0.0.1", 53):
                return
            time.sleep(0.2)
        raise RuntimeError(f"samba did not listen on 389 within {timeout:g} s")

    def samba_tool(self, *args: str) -> str:
        """A ``samba-tool`` command against the running DC, as Administrator."""
        done = subprocess.run(
            self.netns.command(
                [
                    "samba-tool",
                    *args,
                    "-s",
                    str(self.conf),
                    "-U",
                    "Administrator",
                    f"--password={ADMIN_PASSWORD}",
                ]
            ),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        if done.returncode != 0:
            raise RuntimeError(f"samba-tool {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def load_zone(self, zone_file: Path, origin: str) -> None:
        """Create the zone and add every record of ``zone_file`` but its SOA and NS (dynamic update)."""
        self.samba_tool("dns", "zonecreate", "127.0.0.1", origin)
        zone = dns.zone.from_file(str(zone_file), origin, relativize=False)
        update = dns.update.Update(origin)
        for name, rdataset in zone.iterate_rdatasets():
            if rdataset.rdtype in (dns.rdatatype.SOA, dns.rdatatype.NS):
                continue
            update.add(name, rdataset)
        answer = self.netns.call(dns.query.tcp, update, "127.0.0.1", timeout=10)
        if answer.rcode() != 0:
            raise RuntimeError(f"dynamic update of {origin} refused: rcode {answer.rcode()}")

    def stop(self) -> None:
        """SIGTERM; its children exit with it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _listening(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0
