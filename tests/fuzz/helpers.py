"""Running ``onboard`` in-process and judging what it printed.

Every bad input must end in one line on stderr, a non-zero exit, no traceback, and
a *specific* message: the CLI's catch-all (``cli/__init__.py``: ``onboard: error:
SomeError: ... (run with -v for the traceback)``) means an exception nobody
foresaw reached it, which is a bug even though it prints one line.
"""

import contextlib
import io
import json
import math
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from attrs import frozen
from onboard.core.cli import run

ROOT = Path(__file__).parents[2]
EXAMPLE_ENGAGEMENT = ROOT / "examples" / "contoso.toml"
EXAMPLE_BUNDLE = ROOT / "examples" / "bundles" / "contoso"
#: What the CLI's catch-all appends; a specific error never says it.
CATCH_ALL = "(run with -v for the traceback)"
#: Nothing listens here: commands that need a server fail at once.
NOWHERE = "127.0.0.1:1"


@frozen
class Result:
    code: int
    out: str
    err: str


def onboard(*args: str) -> Result:
    """``onboard ARGS`` in this process, its stdout and stderr captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = run(list(args))
    return Result(code, out.getvalue(), err.getvalue())


def error_line(result: Result, codes: tuple[int, ...] = (1,)) -> str:
    """The one error line (asserting the exit code, one line, no traceback, no catch-all)."""
    assert "Traceback" not in result.err + result.out, result.err[-2000:]
    assert result.code in codes, f"exit {result.code}, expected one of {codes}: {result.err[:500]!r}"
    lines = result.err.rstrip("\n").split("\n")
    assert len(lines) == 1 and lines[0].strip(), f"not one line on stderr: {result.err[:1000]!r}"
    line = lines[0]
    assert CATCH_ALL not in line, f"an unforeseen exception reached the CLI's catch-all: {line[:500]}"
    assert len(line) < 2_000, f"an error line of {len(line):,} characters: {line[:300]}..."
    return line


def shows(line: str, word: str) -> bool:
    """Whether an error line shows ``word`` (as written, or as Python's repr escapes it)."""
    return word in line or repr(word)[1:-1] in line


def assert_names_line(line: str, file: Path, text: str, words: tuple[str, ...], table: str = "") -> None:
    """``line`` names ``file``; a ``file:N:`` line number points at one of ``words``, or at
    ``[table]`` (a key written with escapes is found by its table)."""
    assert f"{file}" in line, f"the error does not name {file}: {line[:500]}"
    found = re.search(re.escape(str(file)) + r":(\d+):", line)
    if found and words:
        lines = text.splitlines()
        number = int(found.group(1))
        assert 1 <= number <= len(lines), f"line {number} is not in the file: {line[:300]}"
        held = lines[number - 1]
        header = bool(table) and held.lstrip().startswith("[") and table in held
        assert header or any(w in held for w in words), (
            f"line {number} ({held[:100]!r}) holds none of {words}: {line[:300]}"
        )


# ---------------------------------------------------------------------------
# TOML out (tomllib only reads): enough for what tomllib gives back
# ---------------------------------------------------------------------------

_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def toml_string(text: str) -> str:
    # JSON's escapes are TOML's; TOML also refuses a raw DEL.
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def toml_key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"no TOML for {value!r}")


def to_toml(data: dict[str, Any]) -> str:
    """Top-level keys, then ``[table]``s, then ``[[array of tables]]``, as a person writes them."""
    simple, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, dict) and value and all(not isinstance(v, dict) for v in value.values()):
            tables.append(
                f"\n[{toml_key(key)}]\n"
                + "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in value.items())
            )
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for item in value:
                arrays.append(
                    f"\n[[{toml_key(key)}]]\n"
                    + "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in item.items())
                )
        else:
            simple.append(f"{toml_key(key)} = {toml_value(value)}\n")
    return "".join(simple) + "".join(tables) + "".join(arrays)
