"""The environment description: ``environment.toml`` (or ``.yaml``) for what no tool exports.

Browsers in use, on-premises Exchange and SharePoint, the servers meant for the RMS
connector, the proxy and TLS facts, AD FS.  The classes below are the schema; the
published JSON Schema (``environment.schema.json`` beside this module, see
``docs/assessment-bundle.md``) is generated from them (:func:`json_schema`), so the
two cannot drift apart.  Unknown keys are errors (a misspelt ``[exchagne]`` must not
read as "no Exchange"); put anything else under ``[custom]``.

Every error names the file, the line of the key and the dotted field, e.g.
``environment.toml:14: field 'rms_connector_servers[1].memory_gb': expected a number, got 'lots'``.
"""

import json
import math
import re
import tomllib
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Union

import attrs
import yaml
from attrs import field, frozen
from onboard.core.assessment.problems import InputProblem
from onboard.core.assessment.textfiles import line_of_toml_path, read_text
from onboard.core.assessment.versions import parse_version

FieldPath = tuple[str | int, ...]


def _doc(text: str) -> dict[str, str]:
    return {"doc": text}


@frozen
class Browser:
    """A browser in use ([[browsers]])."""

    name: str = field(
        metadata=_doc("Browser name: Internet Explorer, Microsoft Edge, Chrome, Firefox, Safari")
    )
    version: str = field(metadata=_doc("Version in use (the oldest, if several)"))
    count: int | None = field(default=None, metadata=_doc("How many users or devices use it"))
    platform: str = field(default="", metadata=_doc("Where it runs (Windows, macOS, iOS, Android)"))


@frozen
class OnPremises:
    """An on-premises product: [exchange] or [sharepoint]."""

    present: bool = field(default=True, metadata=_doc("false when the product is not used on premises"))
    version: str = field(default="", metadata=_doc('Product version, e.g. "2013" or "2010 SP3"'))
    servers: int | None = field(default=None, metadata=_doc("Number of servers"))
    notes: str = field(default="", metadata=_doc("Anything a reviewer should know"))


@frozen
class ConnectorServer:
    """A server set aside for the RMS connector ([[rms_connector_servers]])."""

    name: str = field(metadata=_doc("Server name"))
    os: str = field(metadata=_doc('Operating system, e.g. "Windows Server 2012 R2"'))
    memory_gb: float = field(metadata=_doc("Memory in GB"))
    disk_gb: float = field(metadata=_doc("Free disk space in GB"))
    arch: str = field(default="x64", metadata=_doc("Processor architecture (x64 or x86)"))
    roles: tuple[str, ...] = field(
        default=(), metadata=_doc("Other roles on the server: exchange, sharepoint, fci, domain_controller")
    )


@frozen
class Proxy:
    """The web proxy ([proxy])."""

    present: bool = field(default=True, metadata=_doc("false when clients reach the internet directly"))
    address: str = field(default="", metadata=_doc("Proxy address (host:port)"))
    authentication: str = field(
        default="none", metadata=_doc("none, iwa (integrated Windows), basic, digest, ...")
    )
    tls_inspection: bool = field(default=False, metadata=_doc("The proxy decrypts and inspects TLS traffic"))
    bypass: tuple[str, ...] = field(default=(), metadata=_doc("Host patterns that bypass the proxy"))


@frozen
class Tls:
    """TLS facts ([tls])."""

    minimum_version: str = field(default="", metadata=_doc('Lowest TLS version servers accept, e.g. "1.2"'))
    tls12_enabled: bool | None = field(
        default=None, metadata=_doc("TLS 1.2 is enabled on servers and clients")
    )


@frozen
class Adfs:
    """AD FS ([adfs])."""

    present: bool = field(default=True, metadata=_doc("false when there is no AD FS"))
    version: str = field(default="", metadata=_doc('AD FS version, e.g. "3.0"'))
    servers: int | None = field(default=None, metadata=_doc("Number of federation servers"))
    os: str = field(default="", metadata=_doc("Operating system of the federation servers"))
    federation_service_name: str = field(default="", metadata=_doc("e.g. sts.contoso.com"))


@frozen
class Environment:
    """The whole environment description."""

    organization: str = field(default="", metadata=_doc("The customer's name"))
    domains: tuple[str, ...] = field(
        default=(), metadata=_doc("E-mail and sign-in domains (added to those found in forest.json)")
    )
    browsers: tuple[Browser, ...] = field(default=(), metadata=_doc("Browsers in use"))
    exchange: OnPremises | None = field(default=None, metadata=_doc("On-premises Exchange"))
    sharepoint: OnPremises | None = field(default=None, metadata=_doc("On-premises SharePoint"))
    rms_connector_servers: tuple[ConnectorServer, ...] | None = field(
        default=None, metadata=_doc("Servers set aside for the RMS connector")
    )
    proxy: Proxy | None = field(default=None, metadata=_doc("The web proxy between clients and the internet"))
    tls: Tls | None = field(default=None, metadata=_doc("TLS facts"))
    adfs: Adfs | None = field(default=None, metadata=_doc("Active Directory Federation Services"))
    custom: dict[str, Any] = field(
        factory=dict, metadata=_doc("Anything else, free-form (environment.value reads it)")
    )
    #: The mapping as read, for ``environment.value`` (not part of the schema).
    raw: dict[str, Any] = field(factory=dict, metadata={"internal": True})


ENVIRONMENT_FILES = ("environment.toml", "environment.yaml", "environment.yml")


class _Invalid(Exception):
    def __init__(self, path: FieldPath, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def dotted(path: Sequence[str | int]) -> str:
    """``("rms_connector_servers", 1, "memory_gb")`` -> ``rms_connector_servers[1].memory_gb``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text


def _fields(cls: type) -> list[attrs.Attribute]:
    return [a for a in attrs.fields(cls) if not a.metadata.get("internal")]


def _structure(cls: type, data: Any, path: FieldPath) -> Any:
    if not isinstance(data, dict):
        raise _Invalid(path, f"expected a table, got {_shown(data)}")
    hints = typing.get_type_hints(cls)
    known = {a.name for a in _fields(cls)}
    for key in data:
        if key not in known:
            raise _Invalid((*path, key), f"unknown field (known: {', '.join(sorted(known))})")
    values = {}
    for attribute in _fields(cls):
        if attribute.name in data:
            values[attribute.name] = _value(
                hints[attribute.name], data[attribute.name], (*path, attribute.name)
            )
            if attribute.name in _VERSIONS:
                _check_version(values[attribute.name], (*path, attribute.name))
        elif attribute.default is attrs.NOTHING:
            raise _Invalid((*path, attribute.name), "is required")
    return cls(**values)


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return type(value).__name__
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text):,} characters)"


def _value(hint: Any, data: Any, path: FieldPath) -> Any:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if data is None:
            return None
        return _value(options[0], data, path)
    if origin is tuple:
        item = typing.get_args(hint)[0]
        if not isinstance(data, list):
            raise _Invalid(path, f"expected a list, got {_shown(data)}")
        return tuple(_value(item, element, (*path, n)) for n, element in enumerate(data))
    if origin is dict:
        if not isinstance(data, dict):
            raise _Invalid(path, f"expected a table, got {_shown(data)}")
        return dict(data)
    if attrs.has(hint):
        return _structure(hint, data, path)
    if hint is bool:
        if not isinstance(data, bool):
            raise _Invalid(path, f"expected true or false, got {_shown(data)}")
        return data
    if hint is int:
        if isinstance(data, bool) or not isinstance(data, int):
            raise _Invalid(path, f"expected a whole number, got {_shown(data)}")
        return data
    if hint is float:
        if isinstance(data, bool) or not isinstance(data, int | float):
            raise _Invalid(path, f"expected a number, got {_shown(data)}")
        number = float(data) if isinstance(data, float) or abs(data) < 2**1000 else math.inf
        if not math.isfinite(number):
            raise _Invalid(path, f"expected a number, got {_shown(data)}")
        return number
    if hint is str:
        # Versions are often written as numbers (version = 2013, version = 3.0).
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            raise _Invalid(path, f"expected text, got {_shown(data)}")
        return str(data)
    return data


#: Fields the checks read as version numbers.
_VERSIONS = {"version", "minimum_version"}


def _check_version(value: Any, path: FieldPath) -> None:
    try:
        parse_version(value)
    except ValueError:  # more digits than Python turns into a number
        raise _Invalid(path, f"{_shown(value)} is not a version number") from None


def _yaml_line(text: str, path: FieldPath) -> int | None:
    """The line of a path in a YAML document, from the composed node tree."""
    try:
        node = yaml.compose(text)
    except yaml.YAMLError:
        return None
    line = node.start_mark.line + 1 if node is not None else None
    for part in path:
        if isinstance(node, yaml.MappingNode):
            match = next(((k, v) for k, v in node.value if k.value == part), None)
            if match is None:
                return line
            line = match[0].start_mark.line + 1
            node = match[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def read_environment(path: Path, file: str) -> Environment:
    """Read and check ``environment.toml``/``.yaml``; :class:`InputProblem` on any error."""
    text = read_text(path, file)
    is_toml = file.endswith(".toml")
    if is_toml:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            line = _toml_error_line(str(exc))
            raise InputProblem(file, f"not valid TOML: {exc}", line=line) from exc
        except RecursionError:
            raise InputProblem(file, "not valid TOML: arrays or tables are nested too deeply") from None
    else:
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            raise InputProblem(file, f"not valid YAML: {getattr(exc, 'problem', exc)}", line=line) from exc
        except RecursionError:
            raise InputProblem(file, "not valid YAML: lists or mappings are nested too deeply") from None
        if data is None:
            data = {}
    if data == {}:  # a check that reads nothing is no pass ("no [exchange]" would read as "none")
        raise InputProblem(file, "is empty: describe the environment (docs/assessment-bundle.md)", line=1)
    try:
        environment = _structure(Environment, data, ())
    except _Invalid as exc:
        # A missing key has no line of its own: point at the table that lacks it.
        where = exc.path[:-1] if exc.message == "is required" and len(exc.path) > 1 else exc.path
        line = line_of_toml_path(text, where) if is_toml else _yaml_line(text, where)
        raise InputProblem(file, exc.message, line=line, field=dotted(exc.path)) from None
    return attrs.evolve(environment, raw=data)


def _toml_error_line(message: str) -> int | None:
    found = re.search(r"line (\d+)", message)
    return int(found.group(1)) if found else None


def lookup(data: Any, path: str) -> tuple[bool, Any]:
    """A dotted path (``proxy.authentication``, ``browsers.0.name``) in the raw mapping."""
    current = data
    for part in path.split("."):
        if isinstance(current, dict) and part in current:
            current = current[part]
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return False, None
    return True, current


# ---------------------------------------------------------------------------
# The published JSON Schema
# ---------------------------------------------------------------------------

SCHEMA_ID = "https://onboard.invalid/schemas/environment.schema.json"


def _schema_of(hint: Any) -> dict[str, Any]:
    origin = typing.get_origin(hint)
    if origin in (Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return {"anyOf": [_schema_of(options[0]), {"type": "null"}]}
    if origin is tuple:
        return {"type": "array", "items": _schema_of(typing.get_args(hint)[0])}
    if origin is dict:
        return {"type": "object"}
    if attrs.has(hint):
        return _object_schema(hint)
    if hint is str:
        return {"type": ["string", "number"]}
    return {bool: {"type": "boolean"}, int: {"type": "integer"}, float: {"type": "number"}}.get(hint, {})


def _object_schema(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    properties = {}
    for attribute in _fields(cls):
        schema = _schema_of(hints[attribute.name])
        if "doc" in attribute.metadata:
            schema = {"description": attribute.metadata["doc"], **schema}
        properties[attribute.name] = schema
    required = [a.name for a in _fields(cls) if a.default is attrs.NOTHING]
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
    if required:
        schema["required"] = required
    return schema


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the environment description."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "onboard assessment bundle: environment description",
        "description": "environment.toml or environment.yaml in an assessment bundle (docs/assessment-bundle.md)",
        **_object_schema(Environment),
    }


def schema_text() -> str:
    """The schema as the file ``environment.schema.json`` holds it."""
    return json.dumps(json_schema(), indent=2) + "\n"


if __name__ == "__main__":  # python -m onboard.core.assessment.environment > environment.schema.json
    print(schema_text(), end="")
