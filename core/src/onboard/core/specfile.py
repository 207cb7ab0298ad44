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
    # allow_unsigned = true           # accept unsigned actions (loudly flagged; never in production)

Every error names the file, the field and, where it can be found, the line.
"""

import re
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import cattrs
from onboard.core.converter import make_cattrs_converter
from onboard.core.errors import PlanError, SpecError
from onboard.core.models import EngagementSpec, FactValue, Party, Person, Policy
from onboard.core.planning import MAX_DURATION, check_sizes

#: Engagement files are written by people: a misspelt key is an error, not ignored.
STRICT = make_cattrs_converter(forbid_extra_keys=True)

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(w|d|h|m|s)\s*$")
_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str | int | float) -> timedelta:
    """``"30d"``, ``"12h"``, ``"90s"``, ``"2w"`` or a number of seconds, at most :data:`MAX_DURATION`."""
    if isinstance(text, int | float) and not isinstance(text, bool):
        seconds = float(text)
    else:
        match = _DURATION.match(str(text))
        if not match:
            raise ValueError(f"{text!r} is not a duration like '30d', '12h', '90s' or '2w'")
        seconds = float(match.group(1)) * _UNITS[match.group(2)]
    if not seconds <= MAX_DURATION.total_seconds():
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days // 365} years")
    return timedelta(seconds=seconds)


def load_spec(path: Path) -> EngagementSpec:
    """Read and check an engagement file; :class:`SpecError` names what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read engagement file: {exc.strerror}") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path}: not valid TOML: {exc}") from exc
    return spec_from_mapping(data, source=str(path), text=text, base=path.parent)


def spec_from_mapping(
    data: Mapping[str, Any], *, source: str = "<engagement>", text: str = "", base: Path | None = None
) -> EngagementSpec:
    data = dict(data)
    policy = dict(data.get("policy") or {})
    durations = {f.name for f in attrs.fields(Policy) if f.type is timedelta}
    for key, value in policy.items():
        if key == "allow_unsigned" and not isinstance(value, bool):
            raise SpecError(f"{source}{_line_of(text, key)}: field 'policy.{key}': must be true or false")
        if key not in durations:
            continue  # allow_unsigned, and a misspelt key (the structure step names it)
        try:
            duration = parse_duration(value)
            if duration <= timedelta(0):
                raise ValueError(f"{value!r} must be longer than zero")
        except ValueError as exc:
            raise SpecError(f"{source}{_line_of(text, key)}: field 'policy.{key}': {exc}") from exc
        policy[key] = duration.total_seconds()
    data["policy"] = policy
    purchased = data.get("purchased_on")
    if isinstance(purchased, datetime):
        data["purchased_on"] = (purchased if purchased.tzinfo else purchased.replace(tzinfo=UTC)).isoformat()
    if data.get("bundle") and base is not None and not Path(data["bundle"]).is_absolute():
        data["bundle"] = str((base / data["bundle"]).resolve())
    for required in ("engagement_id", "tenant", "customer", "services", "purchased_on", "roster"):
        if required not in data:
            raise SpecError(f"{source}: missing field {required!r}")
    data.setdefault("licenses", {})
    for offer, count in (data["licenses"] or {}).items() if isinstance(data["licenses"], dict) else ():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise SpecError(
                f"{source}{_line_of(text, offer)}: field 'licenses.{offer}': {count!r} is not a whole number "
                "of licences"
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
            unknown = extra.group(1).split(",")[0].strip()
            field = f"{field}.{unknown}" if field else unknown
            problem = "unknown field (misspelt?)"
        named = re.match(r"^\w+\.(\w+) (.*)$", problem)  # a model's own check: "Person.id must be ..."
        if named and not field:
            field, problem = named.group(1), named.group(2)
        words = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", field)
        leaf = words[-1] if words else ""
        raise SpecError(f"{source}{_line_of(text, leaf)}: field {field!r}: {problem}") from exc
    except (ValueError, TypeError) as exc:
        raise SpecError(f"{source}: {exc}") from exc
    _check_roster(spec, source)
    try:
        check_sizes(spec)
    except PlanError as exc:
        field = re.search(r"field '([\w.:-]+)'", str(exc))
        leaf = field.group(1).rsplit(".", 1)[-1] if field else ""
        raise SpecError(f"{source}{_line_of(text, leaf)}: {exc}") from exc
    return spec


def _format_exception(exc: BaseException, type_: Any) -> str:
    """cattrs' wording, except that a model's own ValueError keeps its message."""
    if isinstance(exc, ValueError) and not isinstance(exc, cattrs.BaseValidationError) and str(exc):
        return str(exc)
    return cattrs.v.format_exception(exc, type_)


def _check_roster(spec: EngagementSpec, source: str) -> None:
    ids = [p.id for p in spec.roster]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate:
        raise SpecError(f"{source}: field 'roster': person {duplicate!r} is listed twice")
    for party in Party:
        if not any(p.party is party for p in spec.roster):
            raise SpecError(f"{source}: field 'roster': nobody from the {party.value} side is listed")


def _line_of(text: str, key: str) -> str:
    if not text or not key:
        return ""
    pattern = re.compile(rf"^\s*\[*\s*{re.escape(key)}\s*[=\]]")
    for number, line in enumerate(text.splitlines(), 1):
        if pattern.match(line):
            return f":{number}"
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
