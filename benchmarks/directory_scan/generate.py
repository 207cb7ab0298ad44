"""Generate a synthetic directory export as ``ldifde -f`` writes it.

    python benchmarks/directory_scan/generate.py OUT.ldf --objects 1000000 [--seed 1]

Records look like a real Active Directory export: CRLF lines folded at 78 columns,
a blank line and ``changetype: add`` before each record, ~35 attributes per user
(base64 GUIDs and SIDs included), plus groups, contacts, computers and system
objects.  About one object in a hundred carries an IdFix error of some kind
(invalid characters, lengths, .local suffixes, leading periods, duplicates), so the
scan does real work.  The same seed always gives the same file.
"""

import argparse
import base64
import random
import sys
from pathlib import Path

BASE = "DC=contoso,DC=com"
SCHEMA = "CN={},CN=Schema,CN=Configuration," + BASE
OUS = [
    f"OU={dept},OU=Contoso Users" for dept in ("Sales", "Engineering", "Finance", "HR", "Operations", "Legal")
]
GIVEN = [
    "Adele",
    "Alex",
    "Debra",
    "Diego",
    "Grady",
    "Henrietta",
    "Isaiah",
    "Johanna",
    "Joni",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Patti",
    "Pradeep",
    "Zoë",
    "Åsa",
    "José",
]
SURNAMES = [
    "Vance",
    "Wilber",
    "Berger",
    "Siciliani",
    "Archie",
    "Mueller",
    "Langer",
    "Lorenz",
    "Sherman",
    "Gu",
    "Holloway",
    "Robbins",
    "Bowen",
    "Graham",
    "Wilke",
    "Fernandez",
    "Gupta",
    "Müller",
    "Öberg",
    "García",
]


def _fold(line: str, out: list[str]) -> None:
    if len(line) <= 78:
        out.append(line)
        return
    out.append(line[:78])
    rest = line[78:]
    while rest:
        out.append(" " + rest[:77])
        rest = rest[77:]


def _put(name: str, value: str, out: list[str]) -> None:
    if value.isascii() and not value.startswith((" ", ":", "<")):
        _fold(f"{name}: {value}", out)
    else:
        _fold(f"{name}:: {base64.b64encode(value.encode()).decode()}", out)


def _b64(rng: random.Random, size: int) -> str:
    return base64.b64encode(rng.randbytes(size)).decode()


def _user(n: int, rng: random.Random, out: list[str], error: int) -> None:
    given = GIVEN[n % len(GIVEN)]
    sn = SURNAMES[(n // len(GIVEN)) % len(SURNAMES)]
    cn = f"{given} {sn} {n}"
    sam = f"u{n:07d}"
    ou = OUS[n % len(OUS)]
    dn = f"CN={cn},{ou},{BASE}"
    upn = f"{sam}@contoso.com"
    mail = f"{given}.{sn}.{n}@contoso.com".encode("ascii", "ignore").decode()
    nickname = sam
    display = cn
    proxies = [f"SMTP:{mail}", f"smtp:{sam}@contoso.mail.onmicrosoft.com"]
    # Inject one IdFix error in about one object in a hundred (0 = none).
    if error == 1:
        upn = f"{given} {sn}@contoso.com".encode("ascii", "ignore").decode()  # Character
    elif error == 2:
        upn = f"{sam}@contoso.local"  # TopLevelDomain
    elif error == 3:
        nickname = "." + sam  # Character (leading period)
    elif error == 4:
        display = cn + " (" + "x" * 260 + ")"  # Length
    elif error == 5:
        mail = f"{GIVEN[(n - 7) % len(GIVEN)]}.shared@contoso.com"  # Duplicate (shared by several)
        proxies[0] = f"SMTP:{mail}"
    elif error == 6:
        proxies.append(f"smtp:{sam}@contoso.com:8080")  # Character (colon in suffix)
    elif error == 7:
        sam = sam + "-with-a-long-name"  # Length (20 for users)
    out.append("")
    _put("dn", dn, out)
    out.append("changetype: add")
    out += [
        "objectClass: top",
        "objectClass: person",
        "objectClass: organizationalPerson",
        "objectClass: user",
    ]
    _put("cn", cn, out)
    _put("sn", sn, out)
    _put("givenName", given, out)
    _put("distinguishedName", dn, out)
    out += [
        "instanceType: 4",
        "whenCreated: 20150612093512.0Z",
        "whenChanged: 20161003141233.0Z",
    ]
    _put("displayName", display, out)
    out += [f"uSNCreated: {12000 + 3 * n}", f"uSNChanged: {12001 + 3 * n}", "company: Contoso Ltd"]
    _put("name", cn, out)
    out += [
        f"objectGUID:: {_b64(rng, 16)}",
        "userAccountControl: 512",
        "badPwdCount: 0",
        "codePage: 0",
        "countryCode: 0",
        "badPasswordTime: 131192839124500000",
        "lastLogoff: 0",
        "lastLogon: 131202839124500000",
        "pwdLastSet: 131152839124500000",
        "primaryGroupID: 513",
        f"objectSid:: {_b64(rng, 28)}",
        "accountExpires: 9223372036854775807",
        f"logonCount: {n % 97}",
        f"sAMAccountName: {sam}",
        "sAMAccountType: 805306368",
    ]
    _put("userPrincipalName", upn, out)
    out.append(f"objectCategory: {SCHEMA.format('Person')}")
    out += ["dSCorePropagationData: 16010101000000.0Z", "lastLogonTimestamp: 131201839124500000"]
    _put("mail", mail, out)
    for proxy in proxies:
        _put("proxyAddresses", proxy, out)
    _put("mailNickname", nickname, out)
    _fold(
        "homeMDB: CN=Mailbox Database 01,CN=Databases,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),"
        f"CN=Administrative Groups,CN=Contoso,CN=Microsoft Exchange,CN=Services,CN=Configuration,{BASE}",
        out,
    )


def _group(n: int, rng: random.Random, out: list[str]) -> None:
    cn = f"Group {n}"
    dn = f"CN={cn},OU=Groups,{BASE}"
    security = n % 3 == 0
    out += ["", f"dn: {dn}", "changetype: add", "objectClass: top", "objectClass: group", f"cn: {cn}"]
    for m in range(5):
        _put("member", f"CN=Member {n}-{m},OU=Sales,OU=Contoso Users,{BASE}", out)
    out += [
        f"distinguishedName: {dn}",
        "instanceType: 4",
        f"name: {cn}",
        f"objectGUID:: {_b64(rng, 16)}",
        f"objectSid:: {_b64(rng, 28)}",
        f"sAMAccountName: group{n}",
        "sAMAccountType: 268435456",
        f"groupType: {-2147483646 if security else 8}",
        f"objectCategory: {SCHEMA.format('Group')}",
    ]
    if not security:
        out += [
            f"displayName: {cn}",
            f"mail: group{n}@contoso.com",
            f"proxyAddresses: SMTP:group{n}@contoso.com",
            f"mailNickname: group{n}",
        ]


def _contact(n: int, rng: random.Random, out: list[str]) -> None:
    cn = f"Partner {n}"
    dn = f"CN={cn},OU=Contacts,{BASE}"
    out += [
        "",
        f"dn: {dn}",
        "changetype: add",
        "objectClass: top",
        "objectClass: person",
        "objectClass: organizationalPerson",
        "objectClass: contact",
        f"cn: {cn}",
        f"distinguishedName: {dn}",
        f"displayName: {cn}",
        f"objectGUID:: {_b64(rng, 16)}",
        f"objectCategory: {SCHEMA.format('Person')}",
        f"mail: partner{n}@fabrikam.com",
        f"proxyAddresses: SMTP:partner{n}@fabrikam.com",
        f"targetAddress: SMTP:partner{n}@fabrikam.com",
        f"mailNickname: partner{n}",
    ]


def _computer(n: int, rng: random.Random, out: list[str]) -> None:
    cn = f"PC{n:07d}"
    dn = f"CN={cn},OU=Workstations,{BASE}"
    out += [
        "",
        f"dn: {dn}",
        "changetype: add",
        "objectClass: top",
        "objectClass: person",
        "objectClass: organizationalPerson",
        "objectClass: user",
        "objectClass: computer",
        f"cn: {cn}",
        f"distinguishedName: {dn}",
        f"objectGUID:: {_b64(rng, 16)}",
        "userAccountControl: 4096",
        f"sAMAccountName: {cn}$",
        "operatingSystem: Windows 10 Enterprise",
        "operatingSystemVersion: 10.0 (19045)",
        f"dNSHostName: {cn}.contoso.com",
        f"objectCategory: {SCHEMA.format('Computer')}",
    ]


def write_directory(path: Path, objects: int, seed: int = 1) -> int:
    """Write ``objects`` records to ``path``; returns the file size in bytes."""
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="\r\n") as handle:
        out: list[str] = []
        for n in range(objects):
            kind = n % 100
            if kind < 90:
                error = (n // 100) % 8 if kind == 0 else 0  # one object in a hundred
                _user(n, rng, out, error)
            elif kind < 95:
                _group(n, rng, out)
            elif kind < 97:
                _contact(n, rng, out)
            else:
                _computer(n, rng, out)
            if len(out) > 20000:
                handle.write("\n".join(out) + "\n")
                out.clear()
        handle.write("\n".join(out) + "\n\n")
    return path.stat().st_size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    size = write_directory(args.out, args.objects, args.seed)
    print(f"wrote {args.objects:,} objects, {size / 1e6:,.1f} MB to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
