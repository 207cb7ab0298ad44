"""Engagement files: the TOML an approver hands to ``onboard start`` and ``onboard plan``.

Example (``examples/contoso.toml`` is a complete one)::

    engagement_id = "contoso-ems"
    tenant = "contoso.onmicrosoft.com"
    customer = "Contoso Ltd"
    services = ["ems"]
    purchased_on = 2026-11-01T09:00:00Z
    bundle = "bundles/contoso"        # relative to this file

    [licenses]
    ems = 500

    [facts]
    identity = "synchronized"

    [[roster]]
    id = "pat"
    name = "Pat Provider"
    party = "provider"

    [policy]                          # optional; seeds' defaults otherwise
    contact_within = "30d"
    checkpoint_every = "7d"
    signature_window = "10m"          # how far a signature's time may be from the server's
    # min_licenses = 150              # the eligibility threshold; unset: each offer's own
    # allow_unsigned = true           # accept unsigned actions (loudly flagged; never in production)

    [region]                          # optional; UTC, 09:00-17:00 (Monday to Friday), English otherwise
    timezone = "Europe/London"        # the region's IANA time zone
    business_hours = "09:00-17:00"    # local time; "Sun-Thu 08:00-16:00" names the days
    language = "en"                   # one of the seed's support languages (onboard.core.region)

Every error names the file, the field and, where it can be found, the line.
"""

import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

import attrs
import cattrs
from onboard.core import region
from onboard.core.converter import make_cattrs_converter
from onboard.core.errors import PlanError, SpecError
from onboard.core.limits import PATH_LIMIT
from onboard.core.models import LIVE_BUNDLE, EngagementSpec, FactValue, Party, Person, Policy
from onboard.core.planning import MAX_DURATION, check_dates, check_roster, check_sizes, error_field


def _text(value: Any, _: type) -> str:
    if not isinstance(value, str):
        raise ValueError(f"must be text (in quotes), got {_shown(value)}")
    return value


def _shown(value: Any) -> str:
    """A value as a message shows it: short, on one line."""
    text = repr(value)
    if len(text) <= 60:
        return text
    size = len(value) if isinstance(value, str) else len(text)
    return f"{text[:40]}... ({type(value).__name__} of {size:,} characters)"


#: Engagement files are written by people: a misspelt key is an error, not ignored,
#: and a number or a list where text belongs is not quietly turned into text.
STRICT = make_cattrs_converter(forbid_extra_keys=True)
STRICT.register_structure_hook(str, _text)
STRICT.register_structure_hook(StrEnum, lambda value, kind: kind(value))  # Party: its own check

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$", re.ASCII)
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str | int | float) -> timedelta:
    """``"30d"``, ``"12h"``, ``"90s"``, ``"2w"`` or a number of seconds, at most :data:`MAX_DURATION`."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _DURATION.match(text) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"{_shown(text)} is not a duration like '30d', '12h', '90s' or '2w'")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if seconds != seconds:  # NaN
        raise ValueError(f"{_shown(text)} is not a duration like '30d', '12h', '90s' or '2w'")
    if not seconds <= MAX_DURATION.total_seconds():
        raise ValueError(f"{_shown(text)} is longer than {MAX_DURATION.days // 365} years")
    if seconds <= 0:  # before timedelta(), which overflows far below zero
        raise ValueError(f"{_shown(text)} must be longer than zero")
    return timedelta(seconds=seconds)


def load_spec(path: Path) -> EngagementSpec:
    """Read and check an engagement file; :class:`SpecError` names what is wrong."""
    try:
        raw = path.read_bytes()
    except IsADirectoryError as exc:
        raise SpecError(f"{path}: is a folder, not an engagement file") from exc
    except OSError as exc:
        raise SpecError(f"{path}: cannot read engagement file: {exc.strerror}") from exc
    try:
        text = raw.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        raise SpecError(
            f"{path}:{line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}); TOML files are UTF-8"
        ) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from exc
    except RecursionError:
        raise SpecError(f"{path}{_deepest_line(text)}: arrays or tables are nested too deeply") from None
    return spec_from_mapping(data, source=str(path), text=text, base=path.parent)


def _deepest_line(text: str) -> str:
    """':N' for the line holding the most brackets (where the nesting is)."""
    lines = text.splitlines()
    counts = [line.count("[") + line.count("{") for line in lines]
    return f":{counts.index(max(counts)) + 1}" if counts else ""


def spec_from_mapping(
    data: Mapping[str, Any], *, source: str = "<engagement>", text: str = "", base: Path | None = None
) -> EngagementSpec:
    data = dict(data)
    _region_table(data, source, text)
    for table in ("policy", "licenses", "facts"):
        if table in data and not isinstance(data[table], dict):
            raise SpecError(
                f"{source}{_line_of(text, table)}: field {table!r} must be a table, like [{table}], "
                f"got {_shown(data[table])}"
            )
    policy = dict(data.get("policy") or {})
    durations = {f.name for f in attrs.fields(Policy) if f.type is timedelta}
    counts = {f.name for f in attrs.fields(Policy) if f.type in (int, int | None)}
    for key, value in policy.items():
        if key == "allow_unsigned" and not isinstance(value, bool):
            raise SpecError(
                f"{source}{_line_of(text, f'policy.{key}')}: field 'policy.{key}': must be true or false"
            )
        if key in counts and (isinstance(value, bool) or not isinstance(value, int)):
            # cattrs would read "100", 1.5 or true as a number: a count is written as one
            raise SpecError(
                f"{source}{_line_of(text, f'policy.{key}')}: field 'policy.{key}': must be a whole "
                f"number, got {_shown(value)}"
            )
        if key not in durations:
            continue  # allow_unsigned, and a misspelt key (the structure step names it)
        try:
            duration = parse_duration(value)
            if duration <= timedelta(0):
                raise ValueError(f"{value!r} must be longer than zero")
        except ValueError as exc:
            raise SpecError(
                f"{source}{_line_of(text, f'policy.{key}')}: field 'policy.{key}': {exc}"
            ) from exc
        policy[key] = duration.total_seconds()
    data["policy"] = policy
    purchased = data.get("purchased_on")
    if isinstance(purchased, datetime):
        data["purchased_on"] = (purchased if purchased.tzinfo else purchased.replace(tzinfo=UTC)).isoformat()
    bundle = data.get("bundle", "")
    if not isinstance(bundle, str) or "\x00" in bundle:
        raise SpecError(
            f"{source}{_line_of(text, 'bundle')}: field 'bundle' must be a folder's path as text, "
            f"got {_shown(bundle)}"
        )
    if len(bundle) > PATH_LIMIT:
        raise SpecError(
            f"{source}{_line_of(text, 'bundle')}: field 'bundle' is {len(bundle):,} characters; "
            f"the limit is {PATH_LIMIT:,}"
        )
    if bundle and bundle != LIVE_BUNDLE and base is not None and not Path(bundle).is_absolute():
        data["bundle"] = str((base / data["bundle"]).resolve())
    for required in ("engagement_id", "tenant", "customer", "services", "purchased_on", "roster"):
        if required not in data:
            raise SpecError(f"{source}: missing field {required!r}")
    roster = data["roster"]
    if not isinstance(roster, list) or not all(isinstance(person, dict) for person in roster):
        raise SpecError(
            f"{source}{_line_of(text, 'roster')}: field 'roster' must be a list of [[roster]] tables "
            f"(id, name, party), one per person; got {_shown(roster)}"
        )
    data.setdefault("licenses", {})
    for offer, count in (data["licenses"] or {}).items() if isinstance(data["licenses"], dict) else ():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise SpecError(
                f"{source}{_line_of(text, f'licenses.{offer}')}: field 'licenses.{offer}': {_shown(count)} "
                "is not a whole number of licences"
            )
    if not isinstance(data["services"], list):
        raise SpecError(
            f"{source}{_line_of(text, 'services')}: field 'services' must be a list, like [\"ems\"]"
        )
    try:
        spec = STRICT.structure(data, EngagementSpec)
    except cattrs.BaseValidationError as exc:
        messages = cattrs.transform_error(exc, path="", format_exception=_format_exception)
        first = messages[0] if messages else str(exc)
        field = first.rsplit("@", 1)[-1].strip().lstrip(".$") if "@" in first else ""
        problem = first.split(" @")[0]
        extra = re.search(r"extra fields found \((.+)\)", problem)
        if extra:  # a misspelt or unknown key: point at it
            unknown = extra.group(1).split(", ")[0]  # as written: a key may hold spaces
            field = f"{field}.{unknown}" if field else unknown
            problem = "unknown field (misspelt?)"
        named = re.match(r"^\w+\.(\w+) (.*)$", problem)  # a model's own check: "Person.id must be ..."
        if named:  # inside a list it comes with the element's path: roster[0] + id
            field = f"{field}.{named.group(1)}" if field else named.group(1)
            problem = named.group(2)
        raise SpecError(f"{source}{_line_of(text, field)}: field {field!r}: {problem}") from exc
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{source}: {exc}") from exc
    spec = attrs.evolve(spec, source=str(source)[:PATH_LIMIT])
    _check_roster(spec, source, text)
    for check in (check_sizes, check_roster, check_dates):  # what planning checks without plugins
        try:
            check(spec)
        except PlanError as exc:
            raise located(exc, source, text) from exc
    return spec


#: The ``[region]`` table's keys (fields of :class:`EngagementSpec`) and their checks.
REGION_CHECKS = {
    "timezone": region.time_zone,
    "business_hours": region.business_hours,
    "language": region.support_language,
}


def _region_table(data: dict[str, Any], source: str, text: str) -> None:
    """Move ``[region]``'s keys to the spec's fields, each checked (file, line, ``region.KEY``)."""
    for key in REGION_CHECKS:
        if key in data:  # one place for them: a top-level one is a slip
            raise SpecError(
                f"{source}{_line_of(text, key)}: field {key!r} belongs in the [region] table "
                f"([region] {key} = ...)"
            )
    if "region" not in data:
        return
    table = data.pop("region")
    if not isinstance(table, dict):
        raise SpecError(
            f"{source}{_line_of(text, 'region')}: field 'region' must be a table, like [region], "
            f"got {_shown(table)}"
        )
    for key, value in table.items():
        where = f"region.{key}"
        check = REGION_CHECKS.get(key)
        if check is None:
            known = ", ".join(REGION_CHECKS)
            raise SpecError(
                f"{source}{_line_of(text, where)}: field {where!r}: unknown field (misspelt?; {known})"
            )
        if not isinstance(value, str):
            raise SpecError(
                f"{source}{_line_of(text, where)}: field {where!r}: must be text (in quotes), got {_shown(value)}"
            )
        try:
            check(value)
        except ValueError as exc:
            raise SpecError(f"{source}{_line_of(text, where)}: field {where!r}: {exc}") from None
        data[key] = value


def located(error: PlanError, source: str, text: str) -> SpecError:
    """A planning error about one field, as a :class:`SpecError` naming the file and the field's line."""
    return SpecError(f"{source}{_line_of(text, error_field(error))}: {error}")


def _format_exception(exc: BaseException, type_: Any) -> str:
    """cattrs' wording, except that a model's own ValueError keeps its message."""
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError) and str(exc):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def _check_roster(spec: EngagementSpec, source: str, text: str) -> None:
    ids = [p.id for p in spec.roster]
    again = next((n for n, i in enumerate(ids) if i in ids[:n]), None)
    if again is not None:
        raise SpecError(
            f"{source}{_line_of(text, f'roster[{again}].id')}: field 'roster[{again}].id': person "
            f"{ids[again]!r} is listed twice"
        )
    for party in Party:
        if not any(p.party is party for p in spec.roster):
            raise SpecError(f"{source}: field 'roster': nobody from the {party.value} side is listed")


def _line_of(text: str, field: str) -> str:
    """':N' for the line that sets ``field`` (``tenant``, ``policy.contact_within``,
    ``roster[1].party``, ``facts['identity']``), or "" when it cannot be found."""
    keys: list[str | int] = [
        int(index) if index else (quoted or plain)
        for index, quoted, plain in re.findall(r"\[(\d+)\]|\['([^']*)'\]|([^.\[\]]+)", field)
    ]
    names = [k for k in keys if isinstance(k, str)]
    if not text or not names:
        return ""
    lines = text.splitlines()
    headers = [n for n, line in enumerate(lines) if line.lstrip().startswith("[")]
    start, end = 0, headers[0] if headers else len(lines)  # the top level, before any table
    if len(keys) > 1:  # inside a table: [policy], or the n-th [[roster]]
        header = re.compile(rf"^\s*\[\[?\s*{re.escape(names[0])}\s*\]\]?\s*(#.*)?$")
        hits = [n for n in headers if header.match(lines[n])]
        index = keys[1] if isinstance(keys[1], int) else 0
        if index < len(hits):
            start = hits[index]
            end = next((n for n in headers if n > start), len(lines))
            if len(names) == 1:  # the element itself, e.g. roster[1]
                return f":{start + 1}"
    leaf = names[-1]
    assign = re.compile(rf"^\s*[\"']?{re.escape(leaf)}[\"']?\s*=")
    for n in range(start, end):
        if assign.match(lines[n]):
            return f":{n + 1}"
    if start:
        return f":{start + 1}"
    anywhere = re.compile(rf"^\s*\[*\s*[\"']?{re.escape(names[0])}[\"']?\s*[=\].]")
    for n, line in enumerate(lines):
        if anywhere.match(line):
            return f":{n + 1}"
    return ""


def preview_spec(
    services: Sequence[str],
    facts: Mapping[str, FactValue] | None = None,
    licenses: Mapping[str, int] | None = None,
) -> EngagementSpec:
    """A stand-in engagement for ``onboard plan``/``onboard assess`` without a file.

    Licences default to the eligibility threshold's usual 150 per requested offer so
    that a preview shows the plan; pass ``licenses`` to check eligibility for real.
    """
    return EngagementSpec(
        engagement_id="preview",
        tenant="preview",
        customer="preview",
        services=tuple(services),
        licenses=dict(licenses) if licenses is not None else dict.fromkeys(services, 150),
        purchased_on=datetime.now(UTC),
        roster=(
            Person("provider", "Provider", Party.PROVIDER),
            Person("customer", "Customer", Party.CUSTOMER),
        ),
        facts=dict(facts or {}),
        policy=Policy(),
    )


def parse_fact(text: str) -> tuple[str, FactValue]:
    """``key=value`` from the command line; ``true``/``false`` and integers are typed."""
    if "=" not in text:
        raise SpecError(f"fact {text!r} must look like key=value")
    key, raw = (part.strip() for part in text.split("=", 1))
    value: FactValue = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    elif re.fullmatch(r"-?\d+", raw):
        value = int(raw)
    return key, value
