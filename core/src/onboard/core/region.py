"""Where and how an engagement is supported: its time zone, business hours and language.

The seed ([F-RMS], "Overview of the onboarding process"): onboarding support "is
available during normal business hours for a given region" and "in Traditional
Chinese, English, French, German, Italian, Japanese, Portuguese (Brazil), or
Spanish".  An engagement records its region's IANA time zone, its business hours
there and its support language (:class:`~onboard.core.models.EngagementSpec`);
meetings are placed in those hours (:mod:`onboard.core.meetings`).

Pure and deterministic (no clock): the workflow sandbox passes ``onboard`` through,
and the models validate with these functions when a spec is read from history.
"""

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from attrs import frozen

#: The support languages of the seed, as BCP 47 tags, with the seed's names.  Data,
#: not code: a new language is a new line here (and its source).
SUPPORT_LANGUAGES: dict[str, str] = {
    "zh-Hant": "Traditional Chinese",
    "en": "English",
    "fr": "French",
    "de": "German",
    "it": "Italian",
    "ja": "Japanese",
    "pt-BR": "Portuguese (Brazil)",
    "es": "Spanish",
}
#: Where :data:`SUPPORT_LANGUAGES` and the business-hours rule come from.
LANGUAGES_SOURCE = (
    "[F-RMS] seeds/004 'Overview of the onboarding process': \"Onboarding support is available in "
    'Traditional Chinese, English, French, German, Italian, Japanese, Portuguese (Brazil), or Spanish."'
)
HOURS_SOURCE = (
    "[F-RMS] seeds/004 'Overview of the onboarding process': \"available during normal business "
    'hours for a given region."'
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # date.weekday() order
#: What ``"09:00-17:00"`` alone means: the working week most regions keep.
WORKING_WEEK = frozenset(range(5))
#: Business hours short enough that no meeting fits are refused (the longest is an hour).
SHORTEST_DAY = timedelta(hours=1)
_HOURS = re.compile(
    r"^\s*(?:(?P<days>[A-Za-z]{3}(?:\s*[-,]\s*[A-Za-z]{3})*)\s+)?"
    r"(?P<opens>\d{1,2}:\d{2})\s*-\s*(?P<closes>\d{1,2}:\d{2})\s*$",
    re.ASCII,
)


@frozen
class BusinessHours:
    """The days (``date.weekday()`` numbers) and the hours, local time, support is given."""

    days: frozenset[int]
    opens: time
    closes: time

    def describe(self) -> str:
        """``Mon-Fri 09:00-17:00`` (days as a range where they are one)."""
        days = sorted(self.days)
        if len(days) > 2 and days == list(range(days[0], days[-1] + 1)):
            named = f"{DAYS[days[0]].title()}-{DAYS[days[-1]].title()}"
        else:
            named = ",".join(DAYS[d].title() for d in days)
        return f"{named} {self.opens:%H:%M}-{self.closes:%H:%M}"

    def is_business_day(self, day: date) -> bool:
        return day.weekday() in self.days

    def within(self, start: datetime, end: datetime, zone: ZoneInfo) -> bool:
        """Whether ``start``..``end`` lies inside one business day's hours in ``zone``."""
        local_start, local_end = start.astimezone(zone), end.astimezone(zone)
        return (
            local_start.date() == local_end.date()
            and self.is_business_day(local_start.date())
            and self.opens <= local_start.time()
            and local_end.time() <= self.closes
            and local_start < local_end
        )


#: Names the zone database holds that are no region's zone: ``localtime`` is the
#: machine's own (it would differ from worker to worker), the others none at all.
_NO_REGION = frozenset({"localtime", "posixrules", "Factory"})


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone ``name`` (``Europe/Berlin``); ValueError naming it when unknown."""
    if (
        not isinstance(name, str)
        or not name
        or name != name.strip()
        or name.startswith(("/", "."))
        or name in _NO_REGION
    ):
        raise ValueError(f"{name!r} is not an IANA time zone like 'Europe/Berlin' or 'UTC'")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"{name!r} is not an IANA time zone like 'Europe/Berlin' or 'UTC'") from None


def _clock(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{text!r} is not a time of day (00:00 to 23:59)")
    return time(hours, minutes)


def _days(text: str) -> frozenset[int]:
    days: set[int] = set()
    for part in re.split(r"\s*,\s*", text.strip().lower()):
        ends = [p.strip() for p in part.split("-")]
        unknown = [p for p in ends if p not in DAYS]
        if unknown:
            raise ValueError(f"{unknown[0]!r} is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)")
        first, last = DAYS.index(ends[0]), DAYS.index(ends[-1])
        if len(ends) > 2:
            raise ValueError(f"{part!r} is not a range of days like 'Mon-Fri'")
        span = range(first, last + 1) if first <= last else [*range(first, 7), *range(0, last + 1)]
        days.update(span)  # "Sun-Thu" wraps round the week
    return frozenset(days)


def business_hours(text: str) -> BusinessHours:
    """``"09:00-17:00"`` (Monday to Friday), ``"Mon-Fri 08:30-16:30"``, ``"Sun-Thu 08:00-16:00"``
    or ``"Mon,Wed,Fri 10:00-14:00"``; ValueError saying what is wrong."""
    match = _HOURS.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            f"{text!r} is not business hours like '09:00-17:00' or 'Mon-Fri 08:30-16:30' (local time)"
        )
    opens, closes = _clock(match["opens"]), _clock(match["closes"])
    days = _days(match["days"]) if match["days"] else WORKING_WEEK
    day = date(2000, 1, 1)
    if datetime.combine(day, closes) - datetime.combine(day, opens) < SHORTEST_DAY:
        raise ValueError(f"{text!r}: business hours must open before they close, for an hour at least")
    return BusinessHours(days, opens, closes)


def support_language(tag: str) -> str:
    """The seed's tag for ``tag`` (``"de"``, ``"pt-br"`` → ``"pt-BR"``); ValueError listing them."""
    if isinstance(tag, str):
        for known in SUPPORT_LANGUAGES:
            if tag.strip().lower() == known.lower():
                return known
    listed = ", ".join(f"{k} ({v})" for k, v in SUPPORT_LANGUAGES.items())
    raise ValueError(f"{tag!r} is not a support language; the seed lists {listed}")


def language_name(tag: str) -> str:
    return SUPPORT_LANGUAGES.get(tag, tag)


def first_slot(after: datetime, hours: BusinessHours, zone: ZoneInfo, length: timedelta) -> datetime:
    """The first start at or after ``after``, on the hour or the half hour, such that a
    meeting of ``length`` fits inside one business day's hours in ``zone`` (UTC-aware)."""
    local = after.astimezone(zone)
    rounded = local.replace(second=0, microsecond=0)
    if rounded < local or rounded.minute % 30:
        rounded += timedelta(minutes=30 - rounded.minute % 30)
    day = rounded.date()
    for _ in range(15):  # at most a fortnight ahead: every week has a business day
        if hours.is_business_day(day):
            opening = datetime.combine(day, hours.opens, tzinfo=zone)
            start = max(opening, rounded) if day == rounded.date() else opening
            start = _existing(start, zone)
            if hours.within(start, start + length, zone):
                return start.astimezone(UTC)
        day += timedelta(days=1)
    raise ValueError(f"no {length} slot within {hours.describe()} in {zone.key}")  # days is never empty


def _existing(moment: datetime, zone: ZoneInfo) -> datetime:
    """A wall-clock time the zone has (one skipped by a daylight-saving change moves on)."""
    round_trip = moment.astimezone(UTC).astimezone(zone)
    return round_trip if round_trip.replace(tzinfo=None) != moment.replace(tzinfo=None) else moment
