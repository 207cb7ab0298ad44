"""The streaming LDIF reader: ldifde's format, malformed input, and round trips (hypothesis)."""

import base64
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onboard.core.assessment.ldif import MAX_RECORD_BYTES, LdifSource, text
from onboard.core.assessment.problems import InputProblem

LDIF = """\
# exported by ldifde
version: 1

dn: CN=John Smith,OU=Users,DC=contoso,DC=com
changetype: add
objectClass: top
objectClass: user
cn: John Smith
displayName:: Wm/DqyBNw7xsbGVy
description: a long line that ldifde folded over
  two lines
objectGUID:: AAECAwQFBgcICQoLDA0ODw==
proxyAddresses;binary: SMTP:john@contoso.com



# a comment before the next record
dn: CN=Jane,DC=contoso,DC=com
changetype: add
cn: Jane
mail: jane@contoso.com

dn: CN=Jane,DC=contoso,DC=com
changetype: modify
replace: mail
mail: jane.doe@contoso.com
-
"""


def write(tmp_path: Path, content: str | bytes, name: str = "directory.ldf") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8", newline="")
    else:
        path.write_bytes(content)
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_reads_ldifde_records(tmp_path: Path, newline: str) -> None:
    path = write(tmp_path, LDIF.replace("\n", newline))
    with LdifSource(path) as source:
        records = list(source.records())
        assert source.problems.total == 0
    john, jane, change = records
    assert john.dn == "CN=John Smith,OU=Users,DC=contoso,DC=com"
    assert john.line == 4
    assert john.texts("objectclass") == ["top", "user"]
    assert john.first("displayname") == "Zoë Müller"  # base64 UTF-8
    assert john.first("description") == "a long line that ldifde folded over two lines"
    assert john.attrs["objectguid"] == [bytes(range(16))]  # binary stays bytes
    assert john.first("proxyaddresses") == "SMTP:john@contoso.com"  # ;binary option dropped
    assert john.line_of("objectguid") == 12
    assert jane.line == 18 and jane.first("mail") == "jane@contoso.com"
    assert change.changetype == "modify"


def test_offsets_read_the_same_record_again(tmp_path: Path) -> None:
    path = write(tmp_path, LDIF.replace("\n", "\r\n"))
    with LdifSource(path) as source:
        records = list(source.records())
        lines = source.lines_at(sorted(r.offset for r in records))
        for record in records:
            again = source.record_at(record.offset, lines[record.offset])
            assert again is not None
            assert (again.dn, again.attrs, again.changetype) == (record.dn, record.attrs, record.changetype)
            assert lines[record.offset] <= record.line


def test_utf16_export_is_transcoded(tmp_path: Path) -> None:
    """``ldifde -u`` writes UTF-16 with a byte-order mark."""
    path = write(tmp_path, LDIF.replace("\n", "\r\n").encode("utf-16"))
    with LdifSource(path) as source:
        dns = [r.dn for r in source.records()]
        assert dns[0] == "CN=John Smith,OU=Users,DC=contoso,DC=com"
        transcoded = source.path
        assert transcoded != path and transcoded.exists()
    assert not transcoded.exists()


def test_malformed_records_are_logged_and_skipped(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dn: CN=A,DC=x\ncn: A\nobjectGUID:: !!!notbase64\n\n"
        "cn: no dn here\n\n"
        "dn: CN=B,DC=x\nthis line has no colon\n\n"
        "dn: CN=C,DC=x\njpegPhoto:< file:///etc/passwd\ncn: C\n",
    )
    with LdifSource(path) as source:
        records = list(source.records())
        problems = [p.describe() for p in source.problems.items]
    assert [r.dn for r in records] == ["CN=A,DC=x", "CN=C,DC=x"]
    assert records[0].first("cn") == "A" and "objectguid" not in records[0].attrs
    assert problems == [
        "directory.ldf:3: field 'objectguid': invalid base64 value (Only base64 data is allowed); value ignored",
        "directory.ldf:5: field 'dn': record does not start with 'dn:' (found 'cn'); record skipped",
        "directory.ldf:8: line 'this line has no colon' has no ':'; record skipped",
    ]
    # A URL value is valid LDIF: kept as a URL, never read (the file is not in the bundle).
    assert records[1].urls == {"jpegphoto": ["file:///etc/passwd"]} and "jpegphoto" not in records[1].attrs


def test_a_file_without_blank_lines_is_not_read_into_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("onboard.core.assessment.ldif.MAX_RECORD_BYTES", 1000)
    monkeypatch.setattr("onboard.core.assessment.ldif._BLOCK", 256)
    path = write(tmp_path, "dn: CN=A\n" + "description: x\n" * 200)
    with LdifSource(path) as source, pytest.raises(InputProblem, match="has no blank line after it"):
        list(source.records())
    assert MAX_RECORD_BYTES >= 1 << 20


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(InputProblem, match="is a folder"):
        LdifSource(tmp_path)


def read_all(tmp_path: Path, content: str) -> tuple[list, list[str]]:
    with LdifSource(write(tmp_path, content)) as source:
        records = list(source.records())
        return records, [p.describe() for p in source.problems.items]


@pytest.mark.parametrize("blank", [" ", "  ", "\t", " \t"])
def test_a_line_of_spaces_between_records_does_not_merge_them(tmp_path: Path, blank: str) -> None:
    records, problems = read_all(tmp_path, f"dn: CN=A,DC=x\ncn: A\n{blank}\ndn: CN=B,DC=x\ncn: B\n")
    assert [(r.dn, r.first("cn"), r.line) for r in records] == [("CN=A,DC=x", "A", 1), ("CN=B,DC=x", "B", 4)]
    assert problems == [
        "directory.ldf:3: this line holds only spaces or tabs: read as the empty line between two records "
        "(RFC 2849 would join them); make it empty"
    ]
    with LdifSource(tmp_path / "directory.ldf") as source:  # read again from its offset: the same record
        first = source.record_at(records[0].offset, 1)
        assert first is not None and first.attrs == records[0].attrs


def test_a_space_line_inside_a_record_is_an_empty_continuation(tmp_path: Path) -> None:
    records, problems = read_all(tmp_path, "dn: CN=A,DC=x\ndescription: one\n \ncn: A\n")
    assert problems == [] and records[0].first("description") == "one" and records[0].first("cn") == "A"


def test_records_run_together_are_reported_not_merged(tmp_path: Path) -> None:
    records, problems = read_all(tmp_path, "dn: CN=A,DC=x\ncn: A\ndn: CN=B,DC=x\ncn: B\n\ndn: CN=C,DC=x\n")
    assert [r.dn for r in records] == ["CN=C,DC=x"]
    assert problems[0].startswith("directory.ldf:3: field 'dn': a second 'dn:' inside one record")


def test_attribute_options_are_attributes_of_their_own(tmp_path: Path) -> None:
    records, problems = read_all(
        tmp_path,
        "dn: cn=x\nSN;Lang-EN-GB;lang-en-us: Tagged\nsn: Plain\nuserCertificate;binary:: AAE=\n"
        "o;lang-x;lang-y: one\no;LANG-Y;lang-x: two\n",
    )
    (record,) = records
    assert problems == []
    assert record.texts("sn") == ["Plain"]  # the base attribute reads only untagged values
    assert record.texts("sn;lang-en-gb;lang-en-us") == ["Tagged"]
    assert record.attrs["usercertificate"] == [b"\x00\x01"]  # ;binary is a transfer option
    assert record.texts("o;lang-x;lang-y") == ["one", "two"]  # options: case-insensitive, unordered
    assert record.line_of("sn") == 3 and record.line_of("sn;lang-en-gb;lang-en-us") == 2


LDAPSEARCH = """\
# extended LDIF
#
# LDAPv3
# base <dc=example,dc=com> with scope subtree
# filter: (objectclass=*)
# requesting: ALL
#

# example.com
dn: dc=example,dc=com
dc: example

# search reference
ref: ldap://other.example.com/ou=elsewhere,dc=example,dc=com??sub

# search result
search: 2
result: {result}

# numResponses: 2
# numEntries: 1
"""


def test_ldapsearch_output_is_read_and_its_trailer_skipped(tmp_path: Path) -> None:
    records, problems = read_all(tmp_path, LDAPSEARCH.format(result="0 Success"))
    assert [r.dn for r in records] == ["dc=example,dc=com"] and problems == []
    records, problems = read_all(tmp_path, LDAPSEARCH.format(result="4 Size limit exceeded"))
    assert [r.dn for r in records] == ["dc=example,dc=com"]
    assert problems == [
        "directory.ldf:18: field 'result': ldapsearch ended with 'result: 4 Size limit exceeded': "
        "the export is incomplete"
    ]


def test_an_ldif_of_changes_is_not_an_export(tmp_path: Path) -> None:
    records, problems = read_all(
        tmp_path,
        "version: 1\n\ndn: cn=a,dc=x\nchangetype: modify\nreplace: sn\nsn: B\n-\n\n"
        "dn: cn=b,dc=x\nchangetype: delete\n",
    )
    assert [r.changetype for r in records] == ["modify", "delete"]
    assert problems == [
        "directory.ldf: field 'changetype': holds only change records (2 with changetype modify, delete or "
        "modrdn): an LDIF of changes, not a directory export (export with ldifde -f or ldapsearch)"
    ]


def test_openldap_include_is_reported(tmp_path: Path) -> None:
    records, problems = read_all(
        tmp_path, "dn: cn=schema\ncn: schema\n\ninclude: file:///etc/schema/core.ldif\n"
    )
    assert [r.dn for r in records] == ["cn=schema"]
    assert problems == [
        "directory.ldf:4: field 'include': 'include: file:///etc/schema/core.ldif' names another file, which is "
        "not in the bundle (a bundle is self-contained): the objects it holds are missing"
    ]


def test_a_file_cut_mid_line_is_still_reported(tmp_path: Path) -> None:
    records, problems = read_all(tmp_path, "dn: CN=A,DC=x\ncn: A\n\ndn: CN=B,DC=x\ncn: Bo")
    assert len(records) == 2 and problems[-1].startswith(
        "directory.ldf:5: the file ends in the middle of a line"
    )


# -- round trips ------------------------------------------------------------------

names = st.sampled_from(["cn", "displayName", "mail", "proxyAddresses", "description", "objectGUID", "sn"])
values = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=120),
    st.binary(min_size=1, max_size=40),
)


def ldif_value(name: str, value: str | bytes, width: int) -> list[str]:
    """One attribute as an LDIF writer would put it, folded at ``width``."""
    if (
        isinstance(value, str)
        and value
        and value.isascii()
        and value.isprintable()
        and value[0] not in " :<"
        and not value.endswith(" ")
    ):
        line = f"{name}: {value}"
    else:
        raw = value.encode("utf-8") if isinstance(value, str) else value
        line = f"{name}:: {base64.b64encode(raw).decode()}"
    out = [line[:width]]
    rest = line[width:]
    while rest:
        out.append(" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    records=st.lists(st.lists(st.tuples(names, values), min_size=1, max_size=8), min_size=1, max_size=12),
    width=st.integers(min_value=10, max_value=200),
    newline=st.sampled_from(["\n", "\r\n"]),
    blank_lines=st.integers(min_value=1, max_value=3),
)
def test_round_trip(tmp_path: Path, records, width: int, newline: str, blank_lines: int) -> None:
    """Whatever an LDIF writer produces, the reader gives back the same values."""
    lines: list[str] = ["version: 1", ""]
    for n, attributes in enumerate(records):
        lines += ldif_value("dn", f"CN=Object {n},DC=contoso,DC=com", width)
        lines.append("changetype: add")
        for name, value in attributes:
            lines += ldif_value(name, value, width)
        lines += [""] * blank_lines
    path = tmp_path / "roundtrip.ldf"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    with LdifSource(path) as source:
        read = list(source.records())
        assert source.problems.total == 0
    assert [r.dn for r in read] == [f"CN=Object {n},DC=contoso,DC=com" for n in range(len(records))]
    for record, attributes in zip(read, records, strict=True):
        expected: dict[str, list[str | bytes]] = {}
        for name, value in attributes:
            expected.setdefault(name.lower(), []).append(value)
        assert set(record.attrs) == set(expected)
        for key, wanted in expected.items():
            got = record.attrs[key]
            assert len(got) == len(wanted)
            for value, original in zip(got, wanted, strict=True):
                # base64 text comes back as bytes: compare it as the text it encodes
                assert value == original if isinstance(original, bytes) else text(value) == original
