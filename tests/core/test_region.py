"""The engagement's region: time zone, business hours, support language, and where
meetings fall in them; read from engagement files with errors naming file, line, field."""

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import attrs
import pytest
from onboard.core import region
from onboard.core.converter import make_cattrs_converter
from onboard.core.errors import SpecError
from onboard.core.models import EngagementSpec
from onboard.core.specfile import load_spec

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "contoso.toml"
SEED = Path("/work/shared/seeds/004_0207d11be6548526.txt")
HOUR = timedelta(hours=1)


def test_business_hours_read_as_people_write_them():
    default = region.business_hours("09:00-17:00")
    assert default.days == frozenset(range(5)) and (default.opens, default.closes) == (time(9), time(17))
    assert default.describe() == "Mon-Fri 09:00-17:00"
    week = region.business_hours("Sun-Thu 08:00-16:00")  # wraps round the week
    assert week.days == {6, 0, 1, 2, 3}
    assert region.business_hours("mon, wed ,fri 10:00-14:30").describe() == "Mon,Wed,Fri 10:00-14:30"
    assert region.business_hours(" Mon-Sat  7:30 - 19:00 ").describe() == "Mon-Sat 07:30-19:00"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("9-5", "not business hours like '09:00-17:00'"),
        ("Mon-Xyz 09:00-17:00", "'xyz' is not a day"),
        ("17:00-09:00", "must open before they close"),
        ("09:00-09:30", "for an hour at least"),
        ("08:00-24:00", "'24:00' is not a time of day"),
        ("Mon-Tue-Wed 09:00-17:00", "not a range of days"),
        ("", "not business hours"),
    ],
)
def test_business_hours_refused_with_the_reason(text, problem):
    with pytest.raises(ValueError, match=problem):
        region.business_hours(text)


def test_time_zones_are_iana_names_of_a_region():
    assert region.time_zone("Europe/Berlin").key == "Europe/Berlin"
    assert region.time_zone("UTC").key == "UTC"
    # The machine's own zone would differ from worker to worker; paths are no names.
    for name in (
        "localtime",
        "posixrules",
        "Mars/Olympus_Mons",
        "../../etc/passwd",
        "/etc/localtime",
        " UTC",
        "",
    ):
        with pytest.raises(ValueError, match="is not an IANA time zone"):
            region.time_zone(name)


def test_support_languages_are_the_seeds_list():
    text = SEED.read_text(encoding="utf-8")
    sentence = next(line for line in text.splitlines() if "Onboarding support is available in" in line)
    for name in region.SUPPORT_LANGUAGES.values():
        assert name in sentence, name
    assert len(region.SUPPORT_LANGUAGES) == sentence.count(",") + 1  # "A, B, ..., or H": 8 names, 7 commas
    assert "available in" in region.LANGUAGES_SOURCE and "[F-RMS]" in region.LANGUAGES_SOURCE
    assert region.support_language("PT-br") == "pt-BR" and region.support_language("zh-hant") == "zh-Hant"
    with pytest.raises(ValueError, match=r"'nl' is not a support language; the seed lists zh-Hant"):
        region.support_language("nl")


def test_a_meeting_is_placed_at_berlin_business_hours():
    hours, berlin = region.business_hours("09:00-17:00"), region.time_zone("Europe/Berlin")
    # 06:00 in Berlin on a Tuesday in winter (UTC+1): the day's opening, 09:00 local = 08:00 UTC.
    start = region.first_slot(datetime(2026, 12, 1, 5, 0, tzinfo=UTC), hours, berlin, HOUR)
    assert start == datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert start.astimezone(berlin).time() == time(9, 0) and start.tzinfo is UTC
    # In summer (UTC+2) 09:00 local is 07:00 UTC.
    summer = region.first_slot(datetime(2026, 7, 7, 4, 0, tzinfo=UTC), hours, berlin, HOUR)
    assert summer == datetime(2026, 7, 7, 7, 0, tzinfo=UTC)
    # Within the hours: the next half hour; too late for an hour: the next day's opening.
    assert region.first_slot(datetime(2026, 12, 1, 10, 7, tzinfo=UTC), hours, berlin, HOUR) == datetime(
        2026, 12, 1, 10, 30, tzinfo=UTC
    )
    late = region.first_slot(datetime(2026, 12, 1, 15, 30, tzinfo=UTC), hours, berlin, HOUR)
    assert late == datetime(2026, 12, 2, 8, 0, tzinfo=UTC), "16:30 local leaves no hour before 17:00"
    half = region.first_slot(datetime(2026, 12, 1, 15, 30, tzinfo=UTC), hours, berlin, timedelta(minutes=30))
    assert half == datetime(2026, 12, 1, 15, 30, tzinfo=UTC), "a half-hour call still fits"
    # Friday evening: Monday morning.
    weekend = region.first_slot(datetime(2026, 12, 4, 17, 0, tzinfo=UTC), hours, berlin, HOUR)
    assert weekend.astimezone(berlin).date() == date(2026, 12, 7)


def test_other_working_weeks_and_zones():
    dubai, week = region.time_zone("Asia/Dubai"), region.business_hours("Sun-Thu 08:00-16:00")
    friday = datetime(2026, 12, 4, 6, 0, tzinfo=UTC)  # Friday 10:00 in Dubai: their weekend
    start = region.first_slot(friday, week, dubai, HOUR)
    assert start.astimezone(dubai) == datetime(2026, 12, 6, 8, 0, tzinfo=dubai)  # Sunday 08:00
    tokyo = region.time_zone("Asia/Tokyo")
    start = region.first_slot(
        datetime(2026, 12, 1, 0, 0, tzinfo=UTC), region.business_hours("09:00-17:00"), tokyo, HOUR
    )
    assert start == datetime(2026, 12, 1, 0, 0, tzinfo=UTC), "09:00 in Tokyo is midnight UTC"
    sunday = datetime(2026, 12, 6, 4, 0, tzinfo=UTC)  # 08:00 in Dubai
    assert week.within(sunday, sunday + HOUR, dubai)
    assert not week.within(sunday, sunday + timedelta(hours=9), dubai), "past 16:00"


def write(tmp_path: Path, region_lines: str, top: str = "") -> Path:
    """The example with its ``[region]`` table replaced (and ``top`` lines at the top level)."""
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text[: text.index("[region]")] + (f"[region]\n{region_lines}\n" if region_lines else "")
    if top:
        text = f"{top}\n{text}"
    path = tmp_path / "e.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_records_its_region():
    spec = load_spec(EXAMPLE)
    assert (spec.timezone, spec.business_hours, spec.language) == ("Europe/London", "09:00-17:00", "en")


def test_engagement_files_set_the_region(tmp_path):
    lines = 'timezone = "Europe/Berlin"\nbusiness_hours = "Mon-Fri 08:30-16:30"\nlanguage = "DE"'
    spec = load_spec(write(tmp_path, lines))
    assert (spec.timezone, spec.business_hours, spec.language) == (
        "Europe/Berlin",
        "Mon-Fri 08:30-16:30",
        "de",
    )
    spec = load_spec(write(tmp_path, ""))
    assert (spec.timezone, spec.business_hours, spec.language) == ("UTC", "09:00-17:00", "en"), "the defaults"
    spec = load_spec(write(tmp_path, 'language = "ja"'))
    assert (spec.timezone, spec.language) == ("UTC", "ja"), "each key on its own"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            'timezone = "Mars/Olympus_Mons"',
            "field 'region.timezone': 'Mars/Olympus_Mons' is not an IANA time zone",
        ),
        ('timezone = "localtime"', "field 'region.timezone': 'localtime' is not an IANA time zone"),
        ("timezone = 1", "field 'region.timezone': must be text (in quotes), got 1"),
        (
            'business_hours = "nine to five"',
            "field 'region.business_hours': 'nine to five' is not business hours",
        ),
        (
            'business_hours = "18:00-08:00"',
            "field 'region.business_hours': '18:00-08:00': business hours must open",
        ),
        ('language = "nl"', "field 'region.language': 'nl' is not a support language; the seed lists"),
        ('language = ["de"]', "field 'region.language': must be text"),
        ('time_zone = "UTC"', "field 'region.time_zone': unknown field (misspelt?; timezone, business_hours"),
    ],
)
def test_a_bad_region_names_file_line_and_field(tmp_path, line, message):
    other = 'business_hours = "09:00-17:00"' if line.startswith("language") else 'language = "en"'
    path = write(tmp_path, f"{other}\n{line}")  # not the table's first line: the line is found
    number = path.read_text(encoding="utf-8").splitlines().index(line) + 1
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    assert str(caught.value).startswith(f"{path}:{number}: {message}"), str(caught.value)


def test_the_region_is_one_table(tmp_path):
    path = write(tmp_path, "", top='timezone = "Europe/Berlin"')
    with pytest.raises(SpecError, match=r"e.toml:1: field 'timezone' belongs in the \[region\] table"):
        load_spec(path)
    path = write(tmp_path, "", top='region = "Europe/Berlin"')
    with pytest.raises(SpecError, match=r"e.toml:1: field 'region' must be a table, like \[region\]"):
        load_spec(path)


def test_specs_recorded_before_the_region_load_with_the_defaults():
    """An engagement started before these fields existed carries a spec without them."""
    converter = make_cattrs_converter()
    spec = load_spec(EXAMPLE)
    old = converter.unstructure(spec)
    for key in ("timezone", "business_hours", "language"):
        del old[key]
    loaded = converter.structure(old, EngagementSpec)
    assert loaded == attrs.evolve(spec, timezone="UTC", business_hours="09:00-17:00", language="en")
    with pytest.raises(ValueError, match="EngagementSpec.timezone 'Nowhere' is not an IANA"):
        attrs.evolve(spec, timezone="Nowhere")
