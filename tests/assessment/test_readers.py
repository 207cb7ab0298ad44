"""The small readers: AD JSON, devices CSV, zone files, the environment description."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from onboard.core.assessment.ad import functional_level, read_domains, read_forests
from onboard.core.assessment.devices import platform_name, read_devices
from onboard.core.assessment.dns_zones import origin_from_name, read_zone, zone_files
from onboard.core.assessment.environment import json_schema, read_environment, schema_text
from onboard.core.assessment.problems import InputProblem
from onboard.core.assessment.versions import compare_versions, parse_version, windows_release

SCHEMA_FILE = Path(__file__).parents[2] / "core/src/onboard/core/assessment/environment.schema.json"


# -- Get-ADForest / Get-ADDomain ---------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "level"),
    [
        ("Windows2008Forest", 3),
        (3, 3),
        ("4", 4),
        ("Windows2012R2Domain", 6),
        ("Windows Server 2016", 7),
        ("windows2003interimforest", 1),
        ("Windows2099Forest", None),
        (True, None),
        (42, None),
    ],
)
def test_functional_levels_as_names_or_numbers(value: object, level: int | None) -> None:
    assert functional_level(value) == level


def test_forest_as_powershell_51_writes_it_in_utf16(tmp_path: Path) -> None:
    path = tmp_path / "forest.json"
    document = {
        "Name": "Contoso.com",
        "ForestMode": 4,
        "Domains": {"value": ["contoso.com"], "Count": 1},
        "UPNSuffixes": ["Contoso.NET"],
    }
    path.write_bytes(json.dumps(document, indent=4).encode("utf-16"))  # Out-File's default
    (forest,) = read_forests(path)
    assert (forest.name, forest.mode, forest.domains, forest.upn_suffixes) == (
        "contoso.com",
        4,
        ("contoso.com",),
        ("contoso.net",),
    )


def test_bad_forest_files_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "forest.json"
    path.write_text(
        '[\n  {"Name": "a.com", "ForestMode": 3},\n  {"Name": "b.com",\n   "ForestMode": "nope"}\n]'
    )
    with pytest.raises(InputProblem) as problem:
        read_forests(path)
    assert problem.value.describe().startswith(
        "forest.json:4: field 'ForestMode': unknown functional level 'nope'"
    )
    path.write_text('{"Name": "a.com"}')
    with pytest.raises(InputProblem, match=r"forest.json:1: field 'ForestMode': is missing"):
        read_forests(path)
    path.write_text('{"Name": "a.com",\n"ForestMode": 3,,}')
    with pytest.raises(InputProblem, match=r"forest.json:2: not valid JSON"):
        read_forests(path)
    path.write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(InputProblem, match="binary file"):
        read_forests(path)


def test_domains_object_or_array(tmp_path: Path) -> None:
    path = tmp_path / "domains.json"
    path.write_text(
        '{"DNSRoot": "Contoso.com", "DomainMode": "Windows2008R2Domain", "NetBIOSName": "CONTOSO"}'
    )
    (domain,) = read_domains(path)
    assert (domain.dns_root, domain.mode, domain.netbios_name) == ("contoso.com", 4, "CONTOSO")
    path.write_text('[{"DomainMode": 3}]')
    with pytest.raises(InputProblem, match=r"domains.json:1: field 'DNSRoot'"):
        read_domains(path)


# -- devices.csv ----------------------------------------------------------------------------


def test_devices_with_counts_or_one_row_per_device(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text(
        'Platform,OS Version,Count\niPhone,9.3,10\nWindows,6.3.9600,"1,200"\nOS X,10.11,3\n',
        encoding="utf-8-sig",
    )
    groups = read_devices(path)
    assert [(g.platform, g.version, g.count, g.line) for g in groups] == [
        ("iOS", (9, 3), 10, 2),
        ("Windows", (8, 1), 1200, 3),
        ("macOS", (10, 11), 3, 4),
    ]
    path.write_text("Device;Operating system;OS version\nA;Android;6.0\nB;Windows 10 Mobile;10.0.14393\n")
    assert [(g.platform, g.count) for g in read_devices(path)] == [("Android", 1), ("Windows Phone", 1)]


def test_bad_devices_files(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("platform,count\niOS,3\n")
    with pytest.raises(InputProblem, match=r"devices.csv:1: field 'os_version': has no os_version column"):
        read_devices(path)
    path.write_text("platform,os_version,count\niOS,9,3\nAndroid,6,-2\n")
    with pytest.raises(InputProblem, match=r"devices.csv:3: field 'count': -2 is negative"):
        read_devices(path)
    path.write_text("")
    with pytest.raises(InputProblem, match="is empty"):
        read_devices(path)


@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(["iOS", "Android", "Windows", "macOS", "Linux"]),
            st.from_regex(r"\d{1,2}(\.\d{1,4}){0,3}", fullmatch=True),
            st.integers(min_value=0, max_value=10**6),
        ),
        max_size=30,
    ),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_devices_round_trip(tmp_path_factory: pytest.TempPathFactory, rows, delimiter: str) -> None:
    path = tmp_path_factory.mktemp("devices") / "devices.csv"
    lines = [delimiter.join(["platform", "os_version", "count"])]
    lines += [delimiter.join([p, v, str(c)]) for p, v, c in rows]
    path.write_text("\n".join(lines) + "\n")
    groups = read_devices(path)
    assert [(g.platform, g.os_version, g.count) for g in groups] == [
        (platform_name(p), v, c) for p, v, c in rows
    ]


# -- zone files -----------------------------------------------------------------------------


def test_zone_origin_from_file_name_and_records(tmp_path: Path) -> None:
    path = tmp_path / "Contoso.com.dns"  # dnscmd /ZoneExport: no $ORIGIN
    path.write_text(
        "@ IN SOA ns1 hostmaster 1 900 600 86400 3600\n@ NS ns1\nns1 A 192.0.2.1\n"
        "EnterpriseEnrollment CNAME EnterpriseEnrollment-s.manage.microsoft.com.\n"
    )
    zone = read_zone(path, "dns/Contoso.com.dns")
    assert zone.origin == "contoso.com"
    assert zone.cnames_of("enterpriseenrollment.contoso.com") == [
        "enterpriseenrollment-s.manage.microsoft.com"
    ]
    assert zone.cnames_of("enterpriseregistration.contoso.com") == []
    assert origin_from_name(Path("fabrikam.net.zone")) == "fabrikam.net"


def test_a_bad_record_costs_that_record_and_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "contoso.com.zone"
    path.write_text(
        "$ORIGIN contoso.com.\n$TTL 60\n@ IN SOA ns1 h 1 2 3 4 5\nwww IN AAAAA 2001:db8::1\n"
        "mail IN A 192.0.2.25\n"
    )
    zone = read_zone(path, "dns/contoso.com.zone")
    assert [p.describe() for p in zone.problems] == [
        "dns/contoso.com.zone:4: not a valid zone file: unknown rdatatype 'AAAAA'"
    ]
    assert zone.records("mail.contoso.com", "A") == ["192.0.2.25"]
    with pytest.raises(InputProblem) as problem:  # the skipped record may be the one asked for
        zone.records("www.contoso.com", "AAAA")
    assert problem.value.line == 4


def test_zone_origin_is_the_soa_owner_not_the_first_origin(tmp_path: Path) -> None:
    """BIND's dumps and secondary copies start with ``$ORIGIN .`` and write absolute names."""
    dump = tmp_path / "sec-example.db"
    dump.write_text(
        "$ORIGIN .\n$TTL 300\ncontoso.com IN SOA ns1.contoso.com. h.contoso.com. (\n"
        "  1 ; serial\n  20 20 1814400 3600 )\n  NS ns1.contoso.com.\n"
        "$ORIGIN contoso.com.\nns1 A 192.0.2.1\nenterpriseenrollment CNAME enterpriseenrollment-s.manage.microsoft.com.\n"
    )
    zone = read_zone(dump, "dns/sec-example.db")
    assert zone.origin == "contoso.com" and zone.problems == ()
    assert zone.cnames_of("enterpriseenrollment.contoso.com") == [
        "enterpriseenrollment-s.manage.microsoft.com"
    ]

    sub_first = tmp_path / "contoso.com.zone"  # the first $ORIGIN is a subdomain
    sub_first.write_text(
        "$TTL 60\n$ORIGIN lab.contoso.com.\nhost A 192.0.2.7\n$ORIGIN contoso.com.\n"
        "@ SOA ns1 h 1 2 3 4 5\n@ NS ns1\nns1 A 192.0.2.1\n"
    )
    zone = read_zone(sub_first, "dns/contoso.com.zone")
    assert zone.origin == "contoso.com" and zone.problems == ()
    assert zone.records("host.lab.contoso.com", "A") == ["192.0.2.7"]
    assert zone.records("ns1.contoso.com", "A") == ["192.0.2.1"]


def test_db_prefixed_zone_files_are_found(tmp_path: Path) -> None:
    (tmp_path / "db.contoso.com").write_text("@ 60 SOA ns1 h 1 2 3 4 5\n@ 60 NS ns1\nns1 60 A 192.0.2.1\n")
    (tmp_path / "notes.txt").write_text("not a zone")
    assert [p.name for p in zone_files(tmp_path)] == ["db.contoso.com"]
    assert origin_from_name(Path("db.Contoso.com")) == "contoso.com"
    assert read_zone(tmp_path / "db.contoso.com", "dns/db.contoso.com").origin == "contoso.com"


def test_include_is_refused_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "contoso.com.zone"
    path.write_text("$TTL 60\n@ SOA ns1 h 1 2 3 4 5\n$INCLUDE /etc/bind/keys.db\nns1 A 192.0.2.1\n")
    zone = read_zone(path, "dns/contoso.com.zone")
    (problem,) = zone.problems
    assert problem.line == 3 and "$INCLUDE is not supported: a bundle is self-contained" in problem.message
    with pytest.raises(InputProblem):  # the included records could be anywhere
        zone.records("ns1.contoso.com", "A")


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("@ 60 SOA ns1 h 1 2 3 4 5\nbad 60 A 999.1.1.1\nok 60 A 192.0.2.1\n", 2),  # rdata error
        ('@ 60 SOA ns1 h 1 2 3 4 5\nbad 60 TXT "open\nok 60 A 192.0.2.1\n', 2),  # unbalanced quote
        ("@ 60 SOA ns1 h 1 2 3 4 5\nbad 60 A\nok 60 A 192.0.2.1\n", 2),  # rdata missing
        ("@ 60 SOA ns1 h 1 2 3 4 5\nbad 60 MX ( 10\n  mx ) extra\nok 60 A 192.0.2.1\n", 2),
        ("@ 60 SOA ns1 h 1 2 3 4 5\nc 60 CNAME x.\nc 60 A 192.0.2.2\nok 60 A 192.0.2.1\n", 3),
        ("@ 60 SOA ns1 h 1 2 3 4 5\n$BOGUS 1\nok 60 A 192.0.2.1\n", 2),
        ("@ 60 SOA ns1 h 1 2 3 4 5\nsub 60 SOA ns1 h 1 2 3 4 5\nok 60 A 192.0.2.1\n", 2),
    ],
)
def test_every_parser_fault_is_a_problem_and_reading_goes_on(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "contoso.com.zone"
    path.write_text(text)
    zone = read_zone(path, "dns/contoso.com.zone")
    assert [p.line for p in zone.problems if p.line] == [line]
    assert zone.zone.get_rdataset("ok.contoso.com.", "A") is not None


def test_a_zone_of_nothing_but_errors_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "contoso.com.zone"
    path.write_text("dn: CN=not a zone\ncn: it is LDIF\n")
    with pytest.raises(InputProblem) as problem:
        read_zone(path, "dns/contoso.com.zone")
    assert problem.value.line == 1 and "no record could be read" in problem.value.message


# -- the environment description ------------------------------------------------------------


def test_environment_toml_errors_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "environment.toml"
    path.write_text('[exchagne]\nversion = "2013"\n')
    with pytest.raises(InputProblem, match=r"environment.toml:1: field 'exchagne': unknown field"):
        read_environment(path, "environment.toml")
    path.write_text(
        '[[browsers]]\nname = "IE"\nversion = "11"\n\n[[browsers]]\nname = "Chrome"\ncount = "many"\n'
    )
    with pytest.raises(InputProblem) as problem:
        read_environment(path, "environment.toml")
    # the second browser misses its version (required) before its count is looked at
    assert problem.value.field == "browsers[1].version" and problem.value.line == 5
    path.write_text("[proxy]\ntls_inspection = 'yes'\n")
    with pytest.raises(
        InputProblem, match=r"environment.toml:2: field 'proxy.tls_inspection': expected true or false"
    ):
        read_environment(path, "environment.toml")
    path.write_text("[proxy\n")
    with pytest.raises(InputProblem, match=r"environment.toml:1: not valid TOML"):
        read_environment(path, "environment.toml")


def test_environment_yaml_errors_name_line_and_field(tmp_path: Path) -> None:
    path = tmp_path / "environment.yaml"
    path.write_text(
        "organization: Contoso\nrms_connector_servers:\n  - name: A\n    os: WS2012R2\n"
        "    memory_gb: 8\n    disk_gb: lots\n"
    )
    with pytest.raises(InputProblem) as problem:
        read_environment(path, "environment.yaml")
    assert problem.value.describe() == (
        "environment.yaml:6: field 'rms_connector_servers[0].disk_gb': expected a number, got 'lots'"
    )
    path.write_text("proxy: [unclosed\n")
    with pytest.raises(InputProblem, match=r"environment.yaml:2: not valid YAML"):
        read_environment(path, "environment.yaml")


def test_environment_versions_may_be_numbers(tmp_path: Path) -> None:
    path = tmp_path / "environment.toml"
    path.write_text("[exchange]\nversion = 2013\n[adfs]\nversion = 3.0\n[custom]\nanything = [1, 2]\n")
    environment = read_environment(path, "environment.toml")
    assert (environment.exchange.version, environment.adfs.version) == ("2013", "3.0")
    assert environment.custom == {"anything": [1, 2]} and environment.raw["exchange"]["version"] == 2013


def test_published_schema_matches_the_classes() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == schema_text(), (
        "regenerate: python -c 'from onboard.core.assessment.environment import schema_text; "
        'print(schema_text(), end="")\' > core/src/onboard/core/assessment/environment.schema.json'
    )
    schema = json_schema()
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {
        "organization",
        "domains",
        "browsers",
        "exchange",
        "sharepoint",
        "rms_connector_servers",
        "proxy",
        "tls",
        "adfs",
        "custom",
    }
    servers = schema["properties"]["rms_connector_servers"]["anyOf"][0]["items"]
    assert servers["required"] == ["name", "os", "memory_gb", "disk_gb"]


# -- versions ---------------------------------------------------------------------------------


@given(
    st.lists(st.integers(min_value=0, max_value=10**5), min_size=1, max_size=5),
    st.lists(st.integers(min_value=0, max_value=10**5), min_size=1, max_size=5),
)
def test_version_order_matches_tuples(a: list[int], b: list[int]) -> None:
    left = parse_version("v" + ".".join(map(str, a)) + " build")
    right = parse_version(".".join(map(str, b)))
    width = max(len(a), len(b))
    expected = (tuple(a) + (0,) * (width - len(a)) > tuple(b) + (0,) * (width - len(b))) - (
        tuple(a) + (0,) * (width - len(a)) < tuple(b) + (0,) * (width - len(b))
    )
    assert compare_versions(left, right) == expected


def test_windows_kernel_versions_are_releases() -> None:
    assert windows_release((6, 1, 7601)) == (7,)
    assert windows_release((6, 3, 9600)) == (8, 1)
    assert windows_release((10, 0, 19045)) == (10,)
    assert windows_release((10, 0, 22631)) == (11,)
    assert windows_release((8, 1)) == (8, 1)


# -- property tests of the JSON and TOML readers ---------------------------------------------

LEVEL_NAMES = [
    "Windows2003Forest",
    "Windows2008Forest",
    "Windows2008R2Forest",
    "Windows2012Forest",
    "Windows2012R2Forest",
    "Windows2016Forest",
]
label = st.from_regex(r"[a-z][a-z0-9-]{0,10}", fullmatch=True)
domain = st.builds(lambda a, b: f"{a}.{b}", label, st.sampled_from(["com", "net", "local", "org"]))


@given(
    forests=st.lists(
        st.tuples(domain, st.sampled_from(LEVEL_NAMES), st.booleans(), st.lists(domain, max_size=3)),
        min_size=1,
        max_size=4,
    ),
    as_array=st.booleans(),
    encoding=st.sampled_from(["utf-8", "utf-16", "utf-8-sig"]),
)
def test_forest_json_round_trip(
    tmp_path_factory: pytest.TempPathFactory, forests, as_array: bool, encoding: str
) -> None:
    """Whatever PowerShell writes (names or numbers, one object or an array, any encoding) reads back."""
    documents = [
        {
            "Name": name,
            "ForestMode": functional_level(mode) if numeric else mode,
            "Domains": [name],
            "UPNSuffixes": suffixes,
        }
        for name, mode, numeric, suffixes in forests
    ]
    data = documents if as_array or len(documents) > 1 else documents[0]
    path = tmp_path_factory.mktemp("forest") / "forest.json"
    path.write_bytes(json.dumps(data, indent=4).encode(encoding))
    read = read_forests(path)
    assert [(f.name, f.mode, f.upn_suffixes) for f in read] == [
        (name, functional_level(mode), tuple(suffixes)) for name, mode, _, suffixes in forests
    ]
    assert all(f.line is not None for f in read)


browser = st.tuples(
    st.sampled_from(["Internet Explorer", "Chrome", "Firefox", "Safari", "Edge"]),
    st.from_regex(r"\d{1,3}(\.\d{1,4}){0,2}", fullmatch=True),
    st.one_of(st.none(), st.integers(min_value=0, max_value=10**6)),
)


@given(
    browsers=st.lists(browser, max_size=6),
    memory=st.floats(min_value=0, max_value=1024, allow_nan=False),
    authentication=st.sampled_from(["none", "iwa", "basic"]),
    inspection=st.booleans(),
)
def test_environment_toml_round_trip(
    tmp_path_factory: pytest.TempPathFactory, browsers, memory: float, authentication: str, inspection: bool
) -> None:
    lines = []
    for name, version, count in browsers:
        lines += ["[[browsers]]", f'name = "{name}"', f'version = "{version}"']
        lines += [f"count = {count}"] if count is not None else []
    lines += [
        "[[rms_connector_servers]]",
        'name = "RMS01"',
        'os = "Windows Server 2012 R2"',
        f"memory_gb = {memory!r}",
        "disk_gb = 100",
    ]
    lines += [
        "[proxy]",
        f'authentication = "{authentication}"',
        f"tls_inspection = {str(inspection).lower()}",
    ]
    path = tmp_path_factory.mktemp("env") / "environment.toml"
    path.write_text("\n".join(lines) + "\n")
    environment = read_environment(path, "environment.toml")
    assert [(b.name, b.version, b.count) for b in environment.browsers] == browsers
    assert environment.rms_connector_servers[0].memory_gb == memory
    assert (environment.proxy.authentication, environment.proxy.tls_inspection) == (
        authentication,
        inspection,
    )


def test_a_ragged_devices_row_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("platform,os_version,count\niOS,17.0,3\nAndroid\nWindows,10.0.19045,1,extra,x,y\n")
    with pytest.raises(InputProblem) as problem:
        read_devices(path)
    assert problem.value.line == 3 and "1 field(s) where the header has 3" in problem.value.describe()


def test_trailing_empty_cells_are_not_ragged(tmp_path: Path) -> None:
    path = tmp_path / "devices.csv"
    path.write_text("platform,os_version,count\niOS,17.0,3,,\n")
    assert [g.count for g in read_devices(path)] == [3]
