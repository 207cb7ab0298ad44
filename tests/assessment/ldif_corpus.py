"""Generated LDIF inputs for the differential tests: edge cases by hand, and a Hypothesis strategy.

Both aim at what a decoder can get subtly wrong: separators and folds (LF, CRLF,
mixed, lone CR, runs of blank lines, lines of spaces), comments and ``version:``
before a record, base64 and URL values, text that is not UTF-8 (in values, names,
DNs, across a fold), change records and ``-`` separators, ldapsearch's trailers,
``include:``, a missing final newline, a byte-order mark.
"""

import base64
from collections.abc import Iterator

from hypothesis import strategies as st

#: Lines an LDIF writer (or a broken one) produces; the strategy strings them together.
LINES: list[bytes] = [
    b"dn: CN=A,DC=x",
    b"dn:CN=B,DC=x",
    b"DN: cn=upper",
    b"Dn:: Q049w6kgWixEQz14",  # base64 UTF-8 DN
    b"dn:: Q049QQ",  # bad padding
    b"dn:: !!",
    b"dn:< file:///dn",
    b"dn:",
    b"dn : spaced",
    b"dn: CN=\xe9t\xe9,DC=x",  # cp1252 DN
    b"dn: CN=\xc3\xa9,DC=x",
    b"cn: A",
    b"cn:A",
    b"cn:   three spaces",
    b"cn: trailing  ",
    b"cn:",
    b"cn::",
    b"cn:<",
    b"cn: :not base64",
    b"cn: <not a url",
    b"cn:: IA==",
    b"CN;Lang-EN;lang-de: tagged",
    b"cn;binary: plain",
    b"cn;: empty option",
    b" cn : spaced name",
    b"userCertificate;binary:: AAE=",
    b"objectGUID:: AAECAwQFBgcICQoLDA0ODw==",
    b"objectGUID:: AAECAwQF BgcI",
    b"objectGUID::  AAE=\t",
    b"objectGUID:: AAE=\x1c",
    b"bad:: ???",
    b"bad:: \xc3\xa9",
    b"photo:< file:///photo.jpg",
    b"photo:<  file:///\xe9",
    b"mail: j\xc3\xa9@x",
    b"mail: j\xe9@x",
    b"mail: \xe2\x82",  # a cut UTF-8 sequence
    b"mail: \xed\xa0\x80",  # an encoded surrogate
    b"n\xe9me: value",
    b"na\xc3\xafve: value",
    b"sn: a\rb",
    b"sn: ends with CR\r",
    b"description: " + b"long value " * 12,
    b"changetype: add",
    b"changetype: modify",
    b"changeType: Modify ",
    b"changetype:: bW9kaWZ5",
    b"changetype:< file:///ct",
    b"changetype: delete",
    b"changetype: modrdn",
    b"replace: mail",
    b"add: cn",
    b"-",
    b"# a comment",
    b"#",
    b"#dn: in a comment",
    b"version: 1",
    b"VERSION:1",
    b"search: 2",
    b"result: 0 Success",
    b"result: 4 Size limit exceeded",
    b"RESULT:10 Referral",
    b"ref: ldap://other/dc=x",
    b"include: file:///etc/schema.ldif",
    b"include",
    b"no colon here",
    b"\xff\xfe no colon",
    b" continued",
    b" ",
    b"  ",
    b"\t",
    b" \t",
    b"",
    b"",
    b"",
    b"\r",
    b"\xef\xbb\xbf",
]
NEWLINES = [b"\n", b"\r\n", b"\n", b"\r\n", b"\r\r\n", b"\n\r"]


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """An LDIF-like file: lines of :data:`LINES`, some folded, any newlines, maybe cut."""
    crlf = draw(st.booleans())
    mixed = draw(st.integers(0, 3)) == 0
    out: list[bytes] = []
    if draw(st.integers(0, 9)) == 0:
        out.append(b"\xef\xbb\xbf")
    for _ in range(draw(st.integers(0, 40))):
        line = draw(st.sampled_from(LINES))
        if line and draw(st.integers(0, 5)) == 0:  # fold it somewhere, even inside a character
            at = draw(st.integers(0, len(line)))
            line = line[:at] + (b"\r\n " if crlf else b"\n ") + line[at:]
        newline = draw(st.sampled_from(NEWLINES)) if mixed else (b"\r\n" if crlf else b"\n")
        out += [line, newline]
    data = b"".join(out)
    if data and draw(st.integers(0, 4)) == 0:
        data = data[: draw(st.integers(0, len(data)))]
    return data


#: Any bytes at all, now and then.
anything = st.one_of(documents(), documents(), documents(), st.binary(max_size=400))


def _fold(line: bytes, width: int, newline: bytes) -> bytes:
    parts = [line[:width]]
    rest = line[width:]
    while rest:
        parts.append(b" " + rest[: width - 1])
        rest = rest[width - 1 :]
    return newline.join(parts)


def _record(n: int) -> list[bytes]:
    name = f"Zoë Müller {n}".encode()
    return [
        b"dn:: " + base64.b64encode(b"CN=" + name + b",OU=Users,DC=contoso,DC=com"),
        b"changetype: add",
        b"objectClass: top",
        b"objectClass: user",
        b"cn:: " + base64.b64encode(name),
        b"displayName;lang-de:: " + base64.b64encode(name),
        f"sAMAccountName: user{n}".encode(),
        f"userPrincipalName: user{n}@contoso.com".encode(),
        f"mail: user{n}@contoso.com".encode(),
        f"proxyAddresses: SMTP:user{n}@contoso.com".encode(),
        b"objectGUID:: " + base64.b64encode(bytes(range(n % 7, n % 7 + 16))),
        b"description: " + b"folded text " * 10,
    ]


def edge_cases() -> Iterator[tuple[str, bytes]]:
    """(name, file bytes): every case named, each aimed at one rule of the reader."""
    ldifde = b"\r\n".join(line for n in range(4) for line in [b"", *_record(n)]) + b"\r\n"
    yield "ldifde", ldifde
    yield "ldifde-lf", ldifde.replace(b"\r\n", b"\n")
    yield "ldifde-bom", b"\xef\xbb\xbf" + ldifde
    yield "ldifde-no-final-newline", ldifde.rstrip(b"\r\n")
    yield "ldifde-utf16", ldifde.decode().encode("utf-16")
    yield "ldifde-utf16-be", b"\xfe\xff" + ldifde.decode().encode("utf-16-be")
    for width in (2, 3, 5, 17, 78):
        for newline in (b"\n", b"\r\n"):
            lines = [_fold(line, width, newline) for n in range(3) for line in [*_record(n), b""]]
            yield f"folded-{width}-{newline!r}", newline.join(lines)
    plain = [b"dn: CN=A,DC=x", b"cn: A", b"", b"dn: CN=B,DC=x", b"cn: B", b""]
    for newline in (b"\n", b"\r\n", b"\r\r\n", b"\n\r"):
        yield f"plain-{newline!r}", newline.join(plain)
    yield "mixed-newlines", b"dn: CN=A\r\ncn: A\n\r\n\ndn: CN=B\ncn: B\r\n\r\n\r\n\r\ndn: CN=C\r\n"
    yield "many-blank-lines", b"\n\n\n\ndn: CN=A\n\n\n\n\n\ndn: CN=B\n\n\n"
    yield "crlf-runs", b"\r\n\r\n\r\ndn: CN=A\r\n\r\n\r\n\r\n\r\ndn: CN=B\r\n\r\n"
    yield "lone-cr", b"dn: CN=A\rcn: A\r\rdn: CN=B\r"
    for blank in (b" ", b"\t", b"  \t", b" \r"):
        yield f"blankish-{blank!r}", b"dn: CN=A\ncn: A\n" + blank + b"\ndn: CN=B\ncn: B\n"
        yield f"blankish-crlf-{blank!r}", b"dn: CN=A\r\ncn: A\r\n" + blank + b"\r\nDN: CN=B\r\n"
    yield "blankish-not-before-dn", b"dn: CN=A\ncn: A\n \ncn: B\n"
    yield "second-dn", b"dn: CN=A\ncn: A\ndn: CN=B\ncn: B\n\ndn: CN=C\n"
    yield "comments", b"# head\n#\n\n# before\ndn: CN=A\n# inside\ncn: A\n# folded\n  comment\n"
    yield "version", b"version: 1\n\nversion: 1\ndn: CN=A\ncn: A\n\nversion: 1\n# only\n"
    yield "version-comment-dn", b"version: 1\n# why\n\n# and\ndn: CN=A\r\ncn: A\r\n"
    yield "changes", b"dn: CN=A\nchangetype: modify\nreplace: cn\ncn: B\n-\nadd: sn\nsn: C\n-\n\n"
    yield "changes-then-add", b"dn: CN=A\ncn: kept\nchangetype: delete\ncn: lost\n\ndn: CN=B\ncn: B\n"
    yield "changetype-base64", b"dn: CN=A\nchangetype:: bW9kaWZ5\ncn: x\n"
    yield (
        "ldapsearch",
        (
            b"# extended LDIF\n#\n\n# x\ndn: dc=x\ndc: x\n\n# search reference\nref: ldap://y\n\n"
            b"# search result\nsearch: 2\nresult: 32 No such object\nmatchedDN: dc=x\n\n# numEntries: 1\n"
        ),
    )
    yield "include", b"include: file:///a.ldif\n\ninclude\n\ninclude:\n\ndn: CN=A\n"
    yield "urls", b"dn: CN=A\njpegPhoto:< file:///a\njpegPhoto:<file:///b\ncn:< \ncn: A\n"
    yield "bad-base64", b"dn: CN=A\nobjectGUID:: !!!\nobjectGUID:: QQ\ncn:: \xc3\xa9\ncn: A\n"
    yield "bad-dn", b"dn:: !!\ncn: A\n\ndn:< file:///x\n\ndn:: QQ\n\ndn: CN=ok\n"
    yield "no-colon", b"dn: CN=A\nthis line has no colon and is longer than forty bytes, folded\n x\n"
    yield "not-utf8", b"dn: CN=\xe9\nmail: j\xe9@x\nn\xe9me: v\nsn: \xc3\xa9\ncn: \xe2\x82\n"
    yield "utf8-folded-mid-char", b"dn: CN=A\ncn: Z\xc3\n \xabe\nsn:: w\n 6k=\n"
    yield "empty", b""
    yield "only-newlines", b"\n\r\n\n"
    yield "only-bom", b"\xef\xbb\xbf"
    yield "no-dn", b"cn: orphan\n\nobjectClass: top\n"
    yield "attribute-options", b"dn: cn=x\nSN;Lang-EN-GB;lang-en-us: T\nsn: P\ncn;x;X;binary: v\n"
    yield "cut-mid-line", b"dn: CN=A\ncn: A\n\ndn: CN=B\ncn: Bo"
