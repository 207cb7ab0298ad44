"""The zone and LDIF readers against real files from other projects (``corpus/``).

Zones are compared with two independent readers given the true origin: BIND's own
loader (``named-checkzone -D``, Debian's bind9-utils, installed by ``.ci/run``) and
dnspython's ``dns.zone.from_file``.  Where BIND accepts a file, we must read the
same records; where it refuses one for some records, we must report those lines and
read everything else (what BIND loads once those lines are taken out).

LDIF files have no independent reader installed (python-ldap and ldap3 are not
dependencies), so their expectations are written down from reading the files by
hand: object counts, change records, chosen values.  ``corpus/README.md`` names
the source of every file.
"""

import re
import shutil
import subprocess
from pathlib import Path

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.zone
import pytest
from onboard.core.assessment import assess_bundle
from onboard.core.assessment.dns_zones import read_zone, zone_files
from onboard.core.assessment.ldif import LdifSource, text
from onboard.core.models import Finding, Outcome

from .catalogue import every_check

CORPUS = Path(__file__).parent / "corpus"

#: folder -> true origin (the zone name each project's own tests load the file as).
ZONES: dict[str, str] = {
    "bind-notify-example1": "example",
    "bind-staticstub-example.com": "example.com",
    "bind-metadata-parent": "parent.nil",
    "bind-statschannel-example": "example",
    "bind-views-internal": "example",
    "bind-checkzone-good1": "example",
    "bind-checkzone-zone1": "zone1.com",
    "bind-checkzone-test1": "example",
    "bind-checkzone-good-generate-modifier": "example",
    "bind-checkzone-good-svcb": "example",
    "bind-checkzone-good-nsap": "example",
    "bind-checkzone-bad-cname-and-a": "example",
    "bind-checkzone-bad2": "example",
    "bind-checkzone-bad3": "example",
    "bind-checkzone-bad-generate-range": "example",
    "bind-checkzone-badttl": "example",
    "bind-checkzone-bad-svcb-alpn1": "example",
    "bind-masterfile-include": "include",
    "pdns-test.com": "test.com",
    "pdns-wtest.com": "wtest.com",
    "pdns-nztest.com": "nztest.com",
    "pdns-unit.test": "unit.test",
    "pdns-2.0.192.in-addr.arpa": "2.0.192.in-addr.arpa",
    "pdns-test.dyndns": "test.dyndns",
    "pdns-zonemd-syntax": "root-servers.net",
}

#: Records BIND loads that dnspython (and so our reader) refuses, one problem each:
#: folder -> (lines, why).  Each costs its record only; the rest must still match BIND.
DNSPYTHON_REFUSES: dict[str, tuple[list[int], str]] = {
    "bind-notify-example1": (
        [52, 68, 69, 70, 71, 72, 73, 74, 75, 84, 85, 86, 87],
        "GPOS with empty strings; MB, MG, MINFO, MR and NXT, which dnspython knows only as \\# data",
    ),
    "bind-checkzone-good-generate-modifier": ([10], "a negative $GENERATE offset in nibble mode"),
    "bind-checkzone-good-svcb": (
        [7],
        "an ech= value that is not a valid ECHConfigList (BIND keeps it opaque)",
    ),
}
#: Files BIND refuses that dnspython reads: folder -> why.
BIND_REFUSES_ONLY: dict[str, str] = {
    "bind-checkzone-bad-generate-range": "a $GENERATE offset beyond 2^31-1, which Python computes",
}

#: Files BIND refuses as a whole once the bad lines are out: folder -> why.  We are then
#: compared with dnspython's reading of the trimmed file.
BIND_REFUSES_ZONE: dict[str, str] = {
    "pdns-unit.test": "its NS ns.unit.test. has no address record, which BIND refuses for the zone",
}

#: Only loading counts: BIND's policy checks (names, MX/SRV targets, glue) are off.
CHECKZONE = ["named-checkzone", "-k", "ignore", "-i", "none", "-n", "ignore", "-m", "ignore", "-M", "ignore"]
CHECKZONE += ["-S", "ignore", "-T", "ignore", "-W", "ignore", "-D", "-o", "-"]

Record = tuple[str, int, int, bytes]


def _key(name: dns.name.Name, ttl: int, rdata: dns.rdata.Rdata) -> Record:
    return (name.to_text().lower(), ttl, rdata.rdtype, rdata.to_digestable(dns.name.root))


def _checkzone(origin: str, path: Path) -> tuple[bool, set[Record], list[int], str]:
    """(loaded, records, error lines, output) from named-checkzone."""
    run = subprocess.run(
        [*CHECKZONE, origin, path.name], cwd=path.parent, capture_output=True, text=True, timeout=60
    )
    lines = sorted({int(n) for n in re.findall(rf"{re.escape(path.name)}:(\d+):", run.stderr + run.stdout)})
    records: set[Record] = set()
    if run.returncode == 0:
        for text in run.stdout.splitlines():
            if not text.strip() or text.startswith(";"):
                continue
            owner, ttl, rdclass, rdtype, rest = [*text.split(None, 4), ""][:5]
            name = dns.name.from_text(owner)
            try:
                rdata = dns.rdata.from_text(rdclass, rdtype, rest, origin=dns.name.root)
            except Exception:  # one dnspython cannot read (DNSPYTHON_REFUSES): keep its text
                records.add(
                    (name.to_text().lower(), int(ttl), dns.rdatatype.from_text(rdtype), rest.encode())
                )
                continue
            records.add(_key(name, int(ttl), rdata))
    return run.returncode == 0, records, lines, run.stderr + run.stdout


def _ours(path: Path, file: str) -> tuple[str, set[Record], list[int]]:
    zone = read_zone(path, file)
    records = {_key(name, ttl, rdata) for name, ttl, rdata in zone.zone.iterate_rdatas()}
    return zone.origin, records, sorted({p.line for p in zone.problems if p.line})


def _without_lines(path: Path, lines: list[int], target: Path) -> Path:
    kept = [
        line for number, line in enumerate(path.read_bytes().split(b"\n"), start=1) if number not in lines
    ]
    target.write_bytes(b"\n".join(kept))
    return target


def test_the_zone_corpus_is_complete() -> None:
    folders = {p.name for p in (CORPUS / "zones").iterdir() if p.is_dir()}
    assert folders == set(ZONES), "every corpus zone needs its true origin in ZONES (and a README entry)"
    readme = (CORPUS / "README.md").read_text()
    for folder in folders:
        assert f"zones/{folder}/" in readme, f"corpus/README.md does not name the source of {folder}"


@pytest.mark.parametrize("folder", sorted(ZONES))
def test_zone_reads_as_bind_loads_it(folder: str, tmp_path: Path) -> None:
    if shutil.which("named-checkzone") is None:
        pytest.skip("named-checkzone is not installed (Debian: apt-get install bind9-utils; .ci/run does)")
    (path,) = zone_files(CORPUS / "zones" / folder)
    true_origin = ZONES[folder]
    origin, ours, our_lines = _ours(path, f"dns/{path.name}")
    assert origin == true_origin, "the origin must come from the SOA owner or the file name"
    loaded, theirs, bind_lines, output = _checkzone(true_origin, path)
    known, _ = DNSPYTHON_REFUSES.get(folder, ([], ""))
    if folder in BIND_REFUSES_ONLY:
        assert not loaded and our_lines == [], BIND_REFUSES_ONLY[folder]
        return
    if loaded:
        assert our_lines == known, f"BIND loads {folder} but we reported lines {our_lines}"
    else:
        # BIND refuses the whole zone; we report its first error line and read on.  (BIND's
        # later errors may be its own recovery's: after a bad $TTL it loses the next line.)
        assert bind_lines, f"BIND refused {folder} without naming a line:\n{output}"
        assert bind_lines[0] in our_lines, f"BIND's errors:\n{output}"
        assert set(our_lines) <= set(bind_lines) | set(known), f"BIND's errors:\n{output}"
    if our_lines:
        # What BIND loads once the lines we skipped are taken out is what we read.
        trimmed = _without_lines(path, our_lines, tmp_path / path.name)
        loaded, theirs, _, output = _checkzone(true_origin, trimmed)
        if folder in BIND_REFUSES_ZONE:
            assert not loaded, BIND_REFUSES_ZONE[folder]
            zone = dns.zone.from_file(str(trimmed), origin=true_origin + ".", relativize=False)
            theirs = {_key(name, ttl, rdata) for name, ttl, rdata in zone.iterate_rdatas()}
        assert loaded or folder in BIND_REFUSES_ZONE, (
            f"BIND still refuses {folder} without {our_lines}:\n{output}"
        )
    assert ours == theirs, f"records differ: only ours {ours - theirs}, only BIND's {theirs - ours}"


@pytest.mark.parametrize("folder", sorted(ZONES))
def test_zone_reads_as_dnspython_reads_it_with_the_true_origin(folder: str) -> None:
    (path,) = zone_files(CORPUS / "zones" / folder)
    _, ours, our_lines = _ours(path, f"dns/{path.name}")
    try:
        zone = dns.zone.from_file(
            str(path), origin=ZONES[folder] + ".", relativize=False, check_origin=False, allow_include=False
        )
    except Exception as exc:  # dnspython stops at the first fault: we must have reported one
        assert our_lines, f"dnspython refuses {folder} ({exc}) but we reported nothing"
        return
    theirs = {_key(name, ttl, rdata) for name, ttl, rdata in zone.iterate_rdatas()}
    assert ours == theirs
    assert our_lines == []


# -- LDIF -----------------------------------------------------------------------------------

#: file -> (objects, change records, lines of the problems reported; None: no line).
#: Counted by hand from each file: ``dn:`` lines, ``changetype:`` lines and what is wrong.
LDIF: dict[str, tuple[int, int, list[int | None]]] = {
    "389ds-example_com.ldif": (14, 0, []),
    "389ds-slapd.d-inetorgperson.ldif": (1, 0, []),  # slapd.d: CRC comment, long folded values
    "openldap-certificate.out.ldif": (3, 0, []),  # ;binary base64, folded
    "openldap-dn.out.ldif": (17, 0, []),  # slapcat: odd DNs, base64 member values
    "openldap-its4184-mods.ldif": (0, 3, [None]),  # changes only: not an export
    "openldap-its8444-slapd-provider1.ldif": (12, 0, [14]),  # include: (missing objects), :< URL
    "openldap-lang-out.ldif": (4, 0, []),  # attribute options
    "openldap-passwd.ldif": (6, 0, []),
    # ldapsearch output, several searches one after another: trailers skipped; each search
    # that ended in a referral (result 10) is reported as incomplete.
    "openldap-referrals.out.ldif": (8, 0, [65, 154, 170, 186, 202, 218, 234]),
    "openldap-test-lang.ldif": (1, 0, []),  # options in mixed case and order
    "samba-expected-otherphone.ldif": (1, 0, []),  # starts with an empty line
    # ldbsearch's NDR dump holds an empty line: the rest of that object has no dn.
    "samba-expected-replpropertymetadata.ldif": (1, 0, [104]),
    "samba-ldb-init.ldif": (4, 0, []),
    "samba-ldb-photo.ldif": (0, 1, [None]),  # a modify with a :< URL value
    "samba-ldb-test-modify.ldif": (0, 1, [None]),
}


def _read_ldif(path: Path) -> tuple[list, list[int | None]]:
    with LdifSource(path, path.name) as source:
        records = list(source.records())
        return records, [p.line for p in source.problems.items]


def test_the_ldif_corpus_is_complete() -> None:
    files = {p.name for p in (CORPUS / "ldif").iterdir()}
    assert files == set(LDIF)
    readme = (CORPUS / "README.md").read_text()
    for name in files:
        assert f"ldif/{name}" in readme, f"corpus/README.md does not name the source of {name}"


@pytest.mark.parametrize("name", sorted(LDIF))
@pytest.mark.parametrize("encoding", ["as-is", "crlf", "utf-16"])
def test_ldif_reads_as_written_by_hand(name: str, encoding: str, tmp_path: Path) -> None:
    """Counts and problem lines as read by hand; the same as ``ldifde`` would encode it (CRLF, -u)."""
    path = CORPUS / "ldif" / name
    if encoding != "as-is":
        data = path.read_bytes().replace(b"\n", b"\r\n")
        path = tmp_path / name
        path.write_bytes(data.decode("utf-8").encode("utf-16") if encoding == "utf-16" else data)
    records, lines = _read_ldif(path)
    objects, changes, problems = LDIF[name]
    assert sum(r.changetype == "add" for r in records) == objects
    assert sum(r.changetype != "add" for r in records) == changes
    assert lines == problems


def test_ldif_values_as_written() -> None:
    """Values picked from the files by hand."""
    records, _ = _read_ldif(CORPUS / "ldif" / "openldap-lang-out.ldif")
    first = records[0]
    assert first.texts("sn") == ["Ray"] and first.texts("name") == ["Billy Ray"]
    assert first.texts("name;lang-en-us") == ["Billy Ray", "Billy Bob"]
    assert first.texts("sn;lang-en-gb;lang-en-us") == ["Billy Ray"]
    assert first.texts("o;lang-x;lang-xx;lang-y;lang-yy;lang-z;lang-zz") == ["Example, Inc."]
    assert "cn" not in first.attrs and first.texts("cn;lang-en-us") == ["Billy Ray"]

    (mixed,) = _read_ldif(CORPUS / "ldif" / "openldap-test-lang.ldif")[0]
    assert mixed.texts("sn") == ["Ray"] and mixed.texts("sn;lang-en-gb;lang-en-us") == ["Billy Ray"]
    assert mixed.texts("o;lang-x;lang-xx;lang-y;lang-yy;lang-z;lang-zz") == ["Example, Inc."]

    records, _ = _read_ldif(CORPUS / "ldif" / "openldap-certificate.out.ldif")
    certificate = records[0].attrs["usercertificate"][0]
    assert isinstance(certificate, bytes) and certificate[:2] == b"\x30\x82"  # DER, unfolded whole
    assert int.from_bytes(certificate[2:4], "big") + 4 == len(certificate)

    records, _ = _read_ldif(CORPUS / "ldif" / "openldap-dn.out.ldif")
    members = [text(v) for r in records for v in r.attrs.get("member", [])]
    assert "cn=Lu\u010di\u0107" in members  # base64 UTF-8

    records, _ = _read_ldif(CORPUS / "ldif" / "openldap-its8444-slapd-provider1.ldif")
    config = next(r for r in records if r.urls)
    assert config.urls == {"olcrootpw": ["file://@TESTDIR@/configpw"]}

    records, _ = _read_ldif(CORPUS / "ldif" / "openldap-referrals.out.ldif")
    assert records[0].dn == "o=ABC,c=US" and records[0].texts("ref") == [
        "ldap://hostA/o=abc,c=us HostA",
        "ldap://hostB HostB",
    ]

    records, _ = _read_ldif(CORPUS / "ldif" / "samba-expected-otherphone.ldif")
    assert records[0].texts("otherhomephone") == ["1", "2", "3"]


# -- through the checks: a reader problem is a finding, never a pass on nothing ------------


def _bundle(tmp_path: Path) -> Path:
    bundle = tmp_path / "bundle"
    shutil.copytree(Path(__file__).parent / "bundles" / "clean", bundle)
    return bundle


def _finding(bundle: Path, check: str) -> Finding:
    (requirement,) = [r for r in every_check() if r.check == check]
    with assess_bundle(bundle, [requirement]) as result:
        (finding,) = result.findings
    return finding


def test_a_bad_record_in_a_real_zone_is_named_by_the_dns_checks(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    zone = next((bundle / "dns").glob("fabrikam.com.dns"))
    zone.write_text(
        zone.read_text() + "enterpriseregistration  CNAMEE  enterpriseregistration.windows.net.\n"
    )
    bad_line = zone.read_text().count("\n")
    found = _finding(bundle, "dns.records")
    assert found.outcome is Outcome.NOT_RUN
    assert (
        found.summary == f"dns/fabrikam.com.dns:{bad_line}: not a valid zone file: unknown rdatatype 'CNAMEE'"
    )
    present = _finding(bundle, "dns.zones_present")  # the zone is there, but not all of it
    assert present.outcome is Outcome.FAIL and any(f":{bad_line}:" in d for d in present.details)


def test_an_ldif_of_changes_is_not_run_saying_why(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path)
    shutil.copy(CORPUS / "ldif" / "openldap-its4184-mods.ldif", bundle / "directory.ldf")
    found = _finding(bundle, "directory.idfix")
    assert found.outcome is Outcome.NOT_RUN
    assert "an LDIF of changes, not a directory export" in found.summary
