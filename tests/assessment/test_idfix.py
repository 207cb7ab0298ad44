"""IdFix's multi-tenant rules: every error kind, the skipped objects, duplicates and exports."""

import csv
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from onboard.core.assessment import idfix
from onboard.core.assessment.idfix import CSV_COLUMNS, DuplicateStore, check_entry, scan_directory
from onboard.core.assessment.idfix_rules import DUPLICATE, Entry, is_routable, multi_tenant_rules, valid_tlds
from onboard.core.assessment.ldif import LdifRecord, LdifSource

BUNDLES = Path(__file__).parent / "bundles"
EVERY_KIND = BUNDLES / "idfix-errors" / "directory.ldf"

#: (cn, attribute, value, errors, action, update, line) for every row IdFix would show.
EXPECTED_ROWS = [
    (
        "Char Upn",
        "userPrincipalName",
        "char upn@contoso.com",
        ("Character",),
        "Edit",
        "charupn@contoso.com",
        13,
    ),
    (
        "Tld Upn",
        "userPrincipalName",
        "tldupn@contoso.local",
        ("TopLevelDomain",),
        "Edit",
        "tldupn@contoso.local",
        23,
    ),
    (
        "Domain Part",
        "userPrincipalName",
        "dp@contoso_corp.com",
        ("DomainPart",),
        "Edit",
        "dp@contosocorp.com",
        33,
    ),
    (
        "Local Part",
        "userPrincipalName",
        "..lp@contoso.com",
        ("Format", "LocalPart"),
        "Edit",
        "..lp@contoso.com",
        43,
    ),
    ("No Display", "displayName", "", ("Blank",), "Edit", "No Display", 46),
    (
        "Long Given",
        "givenName",
        "Bartholomew-Maximilian-Alexander-Constantine-Fitzgerald-Montgomery-Jr",
        ("Length",),
        "Edit",
        "Bartholomew-Maximilian-Alexander-Constantine-Fitzgerald-Montgom",
        61,
    ),
    ("Shared One", "mail", "Shared@Contoso.com", ("Duplicate",), "Edit", "Shared@Contoso.com", 75),
    ("Shared Two", "mail", "shared@contoso.com", ("Duplicate",), "Complete", "shared@contoso.com", 86),
    ("Dot Nick", "mailNickname", ".dotnick", ("Character",), "Edit", "dotnick", 98),
    (
        "Colon Proxy",
        "proxyAddresses",
        "smtp:colonproxy@contoso.com:25",
        ("Character", "Format", "TopLevelDomain", "DomainPart"),
        "Edit",
        "smtp:colonproxy@contoso.com25",
        110,
    ),
    (
        "Colon Proxy",
        "proxyAddresses",
        'X500:/o=Contoso/ou="First Site"/cn=Recipients/cn=colonproxy',
        ("Character",),
        "Edit",
        "X500:/o=Contoso/ou=First Site/cn=Recipients/cn=colonproxy",
        111,
    ),
    (
        "Long Sam",
        "sAMAccountName",
        "a-very-long-account-name",
        ("Length",),
        "Edit",
        "a-very-long-account-",
        120,
    ),
    (
        "Fabrikam Contact",
        "targetAddress",
        "SMTP:contact @fabrikam.com",
        ("Character",),
        "Edit",
        "SMTP:contact@fabrikam.com",
        131,
    ),
]


@pytest.fixture
def every_kind():
    with LdifSource(EVERY_KIND) as source:
        result = scan_directory(source)
        yield result
        result.close()


def test_every_error_kind_with_its_proposed_fix(every_kind) -> None:
    rows = [(r.cn, r.attribute, r.value, r.errors, r.action, r.update, r.line) for r in every_kind.rows()]
    assert rows == EXPECTED_ROWS
    assert set(every_kind.by_kind) == {
        "Format",
        "Blank",
        "Duplicate",
        "Character",
        "TopLevelDomain",
        "DomainPart",
        "LocalPart",
        "Length",
    }


def test_counts_and_skipped_objects(every_kind) -> None:
    assert (every_kind.records, every_kind.change_records, every_kind.out_of_scope) == (20, 1, 2)
    assert (every_kind.found, every_kind.skipped, every_kind.processed) == (18, 6, 12)
    assert every_kind.skip_reasons == {
        "well-known exclusion": 1,  # krbtgt (also a critical system object)
        "conflict object": 1,
        "service account": 1,  # sAMAccountName MSOL_
        "system mailbox": 1,  # msExchRecipientTypeDetails 0x800000
        "security group without mail": 1,
        "distribution group without proxyAddresses": 1,
    }
    assert (every_kind.errors, every_kind.duplicates) == (13, 2)


def test_csv_and_json_exports(every_kind, tmp_path: Path) -> None:
    every_kind.write_csv(tmp_path / "idfix.csv")
    every_kind.write_json(tmp_path / "idfix.json")
    with (tmp_path / "idfix.csv").open(encoding="utf-8", newline="") as handle:
        table = list(csv.reader(handle))
    assert tuple(table[0]) == CSV_COLUMNS
    assert table[10] == [
        "CN=Colon Proxy,OU=Users,DC=contoso,DC=com",
        "Colon Proxy",
        "user",
        "proxyAddresses",
        "Character, Format, TopLevelDomain, DomainPart",
        "smtp:colonproxy@contoso.com:25",
        "Edit",
        "smtp:colonproxy@contoso.com25",
        "",
    ]
    document = json.loads((tmp_path / "idfix.json").read_text(encoding="utf-8"))
    assert document["errors"] == 13 and len(document["rows"]) == 13
    assert document["rows"][0]["distinguishedName"] == "CN=Char Upn,OU=Users,DC=contoso,DC=com"
    assert document["rows"][0]["error"] == ["Character"]


def test_work_files_are_removed(every_kind) -> None:
    rows_path = every_kind.rows_path
    assert rows_path is not None and rows_path.exists()
    every_kind.close()
    assert not rows_path.parent.exists()


def test_alternate_login_id_leaves_upn_unchecked() -> None:
    with LdifSource(EVERY_KIND) as source:
        result = scan_directory(source, alternate_login_id=True)
    assert "userPrincipalName" not in result.by_attribute
    result.close()


def test_unknown_mode_is_refused() -> None:
    with LdifSource(EVERY_KIND) as source, pytest.raises(ValueError, match="not supported"):
        scan_directory(source, mode="dedicated")


def _directory(users: int, shared_every: int) -> str:
    parts = []
    for n in range(users):
        mail = f"Shared{n % 3}@Contoso.com" if n % shared_every == 0 else f"user{n}@contoso.com"
        parts.append(
            f"dn: CN=User {n},DC=contoso,DC=com\nobjectClass: user\ncn: User {n}\ndisplayName: User {n}\n"
            f"userPrincipalName: user{n}@contoso.com\nmail: {mail.upper() if n % 2 else mail}\n"
            "objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=contoso,DC=com\n"
        )
    return "\n".join(parts)


def test_duplicates_across_the_directory_spill_to_disk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Duplicate hashes are flushed in small blocks, read back and confirmed; case never matters."""
    monkeypatch.setattr(DuplicateStore, "FLUSH_AT", 4)
    path = tmp_path / "directory.ldf"
    path.write_text(_directory(600, shared_every=50), encoding="utf-8")
    with LdifSource(path) as source:
        result = scan_directory(source)
    rows = list(result.rows())
    # users 0, 50, ..., 550 share three addresses (n % 3): 12 holders, all reported
    assert sorted(int(r.cn.split()[1]) for r in rows) == list(range(0, 600, 50))
    assert all(r.errors == ("Duplicate",) and r.attribute == "mail" for r in rows)
    assert result.duplicates == 12
    result.close()


def test_hash_collisions_are_not_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Values whose hashes collide are confirmed by reading them again; different ones stay quiet."""
    monkeypatch.setattr(idfix, "_SALTS", (0,) * len(idfix._SALTS))
    real_hash = hash
    monkeypatch.setattr(
        "builtins.hash", lambda value: 7 if isinstance(value, str) and "@" in value else real_hash(value)
    )
    path = tmp_path / "directory.ldf"
    path.write_text(_directory(20, shared_every=1000), encoding="utf-8")
    with LdifSource(path) as source:
        result = scan_directory(source)
    assert result.errors == 0
    result.close()


def test_memory_does_not_hold_rows(tmp_path: Path) -> None:
    """Only the first rows stay in memory; the rest stream from the work file."""
    parts = [
        f"dn: CN=U{n},DC=x\nobjectClass: user\ncn: U{n}\ndisplayName: U{n}\nuserPrincipalName: bad {n}@contoso.com\n"
        "objectCategory: CN=Person,CN=Schema,CN=Configuration,DC=x\n"
        for n in range(idfix.SAMPLE_ROWS + 50)
    ]
    path = tmp_path / "directory.ldf"
    path.write_text("\n".join(parts), encoding="utf-8")
    with LdifSource(path) as source:
        result = scan_directory(source)
    assert len(result.sample) == idfix.SAMPLE_ROWS
    assert sum(1 for _ in result.rows()) == result.errors == idfix.SAMPLE_ROWS + 50
    result.close()


def test_tld_list_is_shipped() -> None:
    tlds = valid_tlds()
    assert len(tlds) > 900
    assert {"com", "net", "org", "de", "cloud", "gmbh"} <= tlds
    assert "local" not in tlds
    assert is_routable("contoso.com") and not is_routable("contoso.local") and not is_routable("localhost")


# -- the fast paths never hide an error (hypothesis) -----------------------------------

RULES = multi_tenant_rules()
address_chars = st.sampled_from(list("abcXYZ019.-_@:;, <>()[]\"'%&*+/=?{}|~!#$^`äÖ\\\n"))
addresses = st.one_of(
    st.text(address_chars, max_size=40),
    st.builds(
        lambda p, local, d, t: f"{p}{local}@{d}.{t}",
        st.sampled_from(["", "SMTP:", "smtp:", "X500:", "x400:", "sip:"]),
        st.text(address_chars, min_size=1, max_size=15),
        st.from_regex(r"[a-z0-9-]{1,12}", fullmatch=True),
        st.sampled_from(["com", "local", "cloud", "c0m", "x", "gmbh"]),
    ),
    st.text(max_size=300),
)


def _entry(object_class: str = "user") -> Entry:
    record = LdifRecord("CN=T,DC=x", {"cn": ["T"], "objectclass": [object_class]}, 1, 0, "add", b"", 1)
    return Entry(record)


@settings(max_examples=400, deadline=None)
@given(value=addresses, object_class=st.sampled_from(["user", "group", "contact"]))
def test_clean_values_pass_every_rule(value: str, object_class: str) -> None:
    """Where a fast path says "clean", the full chain of rules finds nothing but (maybe) a duplicate."""
    entry = _entry(object_class)
    for rule_set in RULES:
        if not rule_set.clean(value, entry):
            continue
        for rule in rule_set.chain(value, entry):
            if rule is DUPLICATE:
                continue
            assert rule(value, entry) is None, (rule_set.name, value)


@pytest.mark.parametrize("value", ["pat@contoso.com\n", "SMTP:pat@contoso.com\n", "smtp:pat@contoso.com\n"])
@pytest.mark.parametrize("attribute", ["userPrincipalName", "proxyAddresses", "targetAddress"])
def test_a_final_newline_is_not_clean(attribute: str, value: str) -> None:
    """``$`` matches before a final newline: the fast paths end in ``\\Z``, so the chain decides
    (and finds the newline)."""
    entry = _entry("user")
    (rule_set,) = [r for r in RULES if r.name == attribute]
    assert not rule_set.clean(value, entry)
    assert any(rule(value, entry) for rule in rule_set.chain(value, entry) if rule is not DUPLICATE)


@settings(max_examples=200, deadline=None)
@given(value=addresses)
def test_check_entry_reports_what_the_chain_reports(value: str) -> None:
    """Rows come from the chain whether or not the fast path applies."""
    record = LdifRecord(
        "CN=T,DC=x",
        {
            "cn": ["T"],
            "objectclass": ["user"],
            "userprincipalname": [value],
            "proxyaddresses": [value],
            "displayname": [value],
        },
        1,
        0,
        "add",
        b"",
        1,
    )
    rows = check_entry(Entry(record), RULES, lambda *args: None)
    for row in rows:
        assert row.errors and row.value == value
