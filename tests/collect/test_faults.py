"""Bad input and faults against real servers: each a clear one-line error or finding, never a crash.

Samba cannot be made to cut a search short (it ignores a client's size limit and has
no limit of its own), so the cut-off path is driven by ``--size-limit``, the same
path a Windows DC's sizeLimitExceeded takes; and it refers only to its own DNS and
configuration partitions, so the test of a reference to a naming context that is
not collected treats those as unknown.
"""

import socket
from pathlib import Path

import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.assessment.ldif import LdifSource
from onboard.core.collect import CollectError, CredentialRef, collect, parse_server
from onboard.core.collect.credentials import resolve
from onboard.core.collect.directory import SearchOutcome, complete_ranges, search_objects
from onboard.core.collect.ldap_client import DirectoryConnection
from onboard.core.collect.ldif_writer import LdifWriter
from onboard.core.models import Outcome
from onboard.core.planning import build_plan
from onboard.core.plugins import load_plugin_manager
from onboard.core.specfile import preview_spec

from tests.collect.conftest import Lab
from tests.collect.samba import DOMAIN_DN


def _error(lab: Lab, config, out: Path) -> str:
    with pytest.raises(CollectError) as caught:
        lab.netns.call(collect, config, out)
    message = str(caught.value)
    assert "\n" not in message
    assert not out.exists()  # nothing written before the session stands
    return message


def test_refused_unanswered_and_untrusted(lab: Lab, tmp_path: Path) -> None:
    refused = _error(lab, lab.config(servers=(parse_server("ldap://127.0.0.1:1389"),)), tmp_path / "a")
    assert refused.startswith("ldap://127.0.0.1:1389: connection refused")

    silent = lab.netns.call(socket.socket)  # a socket belongs to the namespace it is made in
    silent.bind(("127.0.0.3", 389))
    silent.listen()  # accepts (the kernel does), never answers
    try:
        late = _error(lab, lab.config(servers=(parse_server("127.0.0.3"),), timeout=1.0), tmp_path / "b")
    finally:
        silent.close()
    assert late.startswith("ldap://127.0.0.3:389: ") and "no answer within 1 s" in late

    untrusted = _error(
        lab, lab.config(tls_name=""), tmp_path / "c"
    )  # the certificate names dc1, not 127.0.0.1
    assert untrusted.startswith("ldap://127.0.0.1:389: the TLS handshake failed")


def test_a_failed_bind_names_server_user_and_reason(lab: Lab, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("WRONG_PW", "not-the-password")
    message = _error(lab, lab.config(password=CredentialRef("env", "WRONG_PW")), tmp_path / "a")
    assert message.startswith("ldap://127.0.0.1:389: bind as Administrator@corp.test failed: wrong password")
    assert "not-the-password" not in message
    with pytest.raises(CollectError) as caught:
        lab.netns.call(collect, lab.config(bases=("DC=other,DC=test",)), tmp_path / "b")
    missing = str(caught.value)
    assert not (tmp_path / "b" / "directory.ldf").exists()  # the search did not end: no export
    assert missing.startswith("ldap://127.0.0.1:389: search of DC=other,DC=test failed: noSuchObject")


def test_a_cut_off_search_never_reads_as_whole(lab: Lab, tmp_path: Path) -> None:
    result = lab.netns.call(collect, lab.config(size_limit=5, dns=False), tmp_path / "b")
    assert not result.complete and result.objects == 5
    assert result.problems == [
        f"ldap://127.0.0.1:389: search of {DOMAIN_DN} stopped after 5 objects (--size-limit 5): "
        "the export is incomplete"
    ]
    manager = load_plugin_manager()
    plan = build_plan(manager, preview_spec(("ems",), {}))
    with assess_bundle(tmp_path / "b", plan.requirements, manager=manager) as assessed:
        idfix = next(f for f in assessed.findings if f.requirement_id == "core.directory-readiness")
    assert idfix.outcome is Outcome.FAIL
    assert any("Size limit exceeded': the export is incomplete" in d for d in idfix.details)


def test_a_reference_to_a_naming_context_not_collected(lab: Lab, tmp_path: Path) -> None:
    def run() -> tuple[SearchOutcome, Path]:
        password = resolve(lab.config().password, "")
        path = tmp_path / "refs.ldf"
        with (
            DirectoryConnection(lab.config(), lab.config().servers[0], password) as conn,
            path.open("wb") as out,
        ):
            outcome = SearchOutcome(conn.url, DOMAIN_DN)
            list(
                search_objects(conn, DOMAIN_DN, LdifWriter(out, []), outcome, expected=set(), collected=set())
            )
        return outcome, path

    outcome, path = lab.netns.call(run)
    assert not outcome.complete
    assert any(
        "refers to ldap://corp.test/DC=DomainDnsZones,DC=corp,DC=test" in u for u in outcome.uncollected
    )
    with LdifSource(path) as source:
        list(source.records())
        assert "'result: 10 Referral': the export is incomplete" in source.problems.items[0].message


def test_ranged_values_are_fetched_to_the_end(lab: Lab) -> None:
    dn = f"CN=Lou Proxy,CN=Users,{DOMAIN_DN}"

    def run() -> dict:
        password = resolve(lab.config().password, "")
        with DirectoryConnection(lab.config(), lab.config().servers[0], password) as conn:
            first = conn.read(dn, ["proxyAddresses;range=0-0"])  # Samba honours asked-for ranges
            assert list(first) == ["proxyAddresses;range=0-0"]
            return complete_ranges(conn, dn, first)

    whole = lab.netns.call(run)
    assert len(whole["proxyAddresses"]) == 3


def test_dns_problems_name_server_and_domain(lab: Lab, tmp_path: Path) -> None:
    config = lab.config(domains=("fabrikam.com",), dns_servers=("127.0.0.1",))
    result = lab.netns.call(collect, config, tmp_path / "a")
    assert "DNS server 127.0.0.1: fabrikam.com does not exist (NXDOMAIN): no zone for it" in result.problems
    assert result.complete  # a missing zone is a finding (dns.zones_present), not a gap in the directory
    dead = lab.netns.call(collect, lab.config(dns_servers=("127.0.0.9",), dns_timeout=0.5), tmp_path / "b")
    assert dead.problems == ["DNS server 127.0.0.9 did not answer for contoso.com within 1 s"]
