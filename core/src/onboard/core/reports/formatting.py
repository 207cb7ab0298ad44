"""What every report format shares: dates for people, Markdown cells, the HTML templates.

Report data holds timestamps as ISO 8601 text (it is also the JSON report); the
renderers turn them into dates a reader hands on ("Mon 16 Nov 2026"), in UTC, and
say so once.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from functools import cache

import jinja2


def parse_time(value: str | datetime | None) -> datetime | None:
    """An ISO 8601 stamp (or a datetime) as an aware datetime in UTC; None stays None."""
    if value is None or value == "":
        return None
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def day(value: str | datetime | None) -> str:
    """``Mon 16 Nov 2026``: a due date as people write it ("" for none)."""
    moment = parse_time(value)
    return f"{moment:%a} {moment.day} {moment:%b %Y}" if moment else ""


def iso_day(value: str | datetime | None) -> str:
    """``2026-11-16``: a date a spreadsheet sorts and reads as a date ("" for none)."""
    moment = parse_time(value)
    return f"{moment:%Y-%m-%d}" if moment else ""


def stamp(value: str | datetime | None) -> str:
    """``16 Nov 2026 09:00``: when something happened, to the minute, in UTC."""
    moment = parse_time(value)
    return f"{moment.day} {moment:%b %Y %H:%M}" if moment else ""


def plural(count: int, word: str, words: str | None = None) -> str:
    """``1 item``, ``3 items``."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


def md_cell(text: object) -> str:
    """A Markdown table cell: pipes escaped, lines joined (a cell is one line)."""
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\r", "").replace("\n", "<br>")


def md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    """A GitHub-flavoured Markdown table, as lines."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(md_cell(c) for c in row) + " |" for row in rows]
    return lines


@cache
def templates() -> jinja2.Environment:
    """The packaged HTML templates, every value escaped, with the date filters."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("onboard.core.reports", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,  # a misspelt field is an error in the tests, not a blank
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(day=day, iso_day=iso_day, stamp=stamp, plural=plural)
    return env
