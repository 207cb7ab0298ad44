"""Reading the small text inputs as Windows tools write them, and finding lines again.

PowerShell 5.1 writes ``> file`` and ``Out-File`` as UTF-16 with a byte-order mark,
``Set-Content`` as the ANSI code page, PowerShell 7 as UTF-8; Excel saves CSV as
UTF-8 with a BOM or as UTF-16 "Unicode text".  :func:`read_text` accepts all of them.

The parsers of the standard library do not say on which line a key stood, so the
``line_of_*`` helpers look for it again in the text: good enough to point a person
at the right place, and ``None`` rather than a wrong guess when it is not found.
"""

import json
import re
from collections.abc import Sequence
from pathlib import Path

from onboard.core.assessment.problems import InputProblem, InputState

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def decode_text(data: bytes, file: str) -> str:
    """Bytes from a Windows or Unix tool as text; :class:`InputProblem` if it is binary."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise InputProblem(file, f"not valid {encoding} text: {exc.reason}") from exc
    # UTF-16 without a BOM shows as a zero byte in every other position.
    sample = data[:4096]
    if len(sample) >= 4 and sample[1::2].count(0) > len(sample) // 4 and sample[::2].count(0) == 0:
        return data.decode("utf-16-le", errors="replace")
    if b"\x00" in sample:
        raise InputProblem(file, "is a binary file, not text", state=InputState.UNREADABLE)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        # Windows PowerShell's Set-Content writes the ANSI code page.
        return data.decode("cp1252", errors="replace")


def read_text(path: Path, file: str) -> str:
    """Read ``path`` as text (see :func:`decode_text`); ``file`` names it in problems."""
    try:
        data = path.read_bytes()
    except IsADirectoryError as exc:
        raise InputProblem(file, "is a folder, not a file", state=InputState.UNREADABLE) from exc
    except OSError as exc:
        raise InputProblem(file, f"cannot be read: {exc.strerror}", state=InputState.UNREADABLE) from exc
    return decode_text(data, file)


def line_at(text: str, position: int) -> int:
    """1-based line number of a character position."""
    return text.count("\n", 0, max(position, 0)) + 1


def line_of_json_key(text: str, key: str, occurrence: int = 0) -> int | None:
    """Line of the ``occurrence``-th ``"key":`` in a JSON text (case-insensitive)."""
    pattern = re.compile(r'"' + re.escape(key) + r'"\s*:', re.IGNORECASE)
    for n, match in enumerate(pattern.finditer(text)):
        if n == occurrence:
            return line_at(text, match.start())
    return None


def json_element_lines(text: str) -> list[int]:
    """Lines where the top-level objects of a JSON document start.

    A document holding one object gives one line; an array of objects gives the
    line of each element's ``{``.  Strings are skipped, so braces inside them do not count.
    """
    lines: list[int] = []
    root = ""
    depth = 0
    in_string = escaped = False
    line = 1
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            if depth == 0:
                root = char
                if char == "{":
                    lines.append(line)
            elif depth == 1 and root == "[" and char == "{":
                lines.append(line)
            depth += 1
        elif char in "}]":
            depth -= 1
    return lines


def parse_json(text: str, file: str) -> object:
    """JSON text to data; a syntax error becomes a problem naming the line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputProblem(file, f"not valid JSON: {exc.msg}", line=exc.lineno) from exc
    except RecursionError:
        raise InputProblem(file, "not valid JSON: arrays or objects are nested too deeply") from None
    except ValueError as exc:  # e.g. a number of more than 4,300 digits
        raise InputProblem(file, f"not valid JSON: {exc}".split(";")[0]) from None


def line_of_toml_path(text: str, path: Sequence[str | int]) -> int | None:
    """Best-effort line of a dotted TOML path such as ``("proxy", "authentication")``.

    Finds the table header (``[proxy]``, or the n-th ``[[rms_connector_servers]]``)
    and then the key after it; falls back to the first line assigning the last key.
    """
    lines = text.splitlines()
    keys = [p for p in path if isinstance(p, str)]
    if not keys:
        return None
    start = 0
    # Walk down the tables: [a], [a.b], [[a]] (the n-th when an index follows).
    table: list[str] = []
    for position, part in enumerate(path[:-1]):
        if isinstance(part, int):
            continue
        table.append(part)
        index = (
            path[position + 1] if position + 1 < len(path) and isinstance(path[position + 1], int) else None
        )
        header = re.compile(
            r"^\s*\[\[?\s*" + r"\s*\.\s*".join(re.escape(t) for t in table) + r"\s*\]\]?\s*(#.*)?$"
        )
        hits = [n for n, line in enumerate(lines) if header.match(line)]
        if hits:
            chosen = hits[index] if index is not None and index < len(hits) else hits[0]
            start = max(start, chosen)
    last = keys[-1]
    if not isinstance(path[-1], int):
        # The path may name a table itself: [a.b] or [[a.b]].
        whole = re.compile(
            r"^\s*\[\[?\s*" + r"\s*\.\s*".join(re.escape(k) for k in keys) + r"\s*\]\]?\s*(#.*)?$"
        )
        for n, line in enumerate(lines):
            if n >= start and whole.match(line):
                return n + 1
    assign = re.compile(r"^\s*(\"?)" + re.escape(last) + r"\1\s*=")
    if isinstance(path[-1], int):
        # The element itself: its table header is the best we have.
        return start + 1 if start else None
    for n in range(start, len(lines)):
        if assign.match(lines[n]):
            return n + 1
        if n > start and lines[n].lstrip().startswith("["):
            break  # the next table began without the key: look for it anywhere instead
    for n, line in enumerate(lines):
        if assign.match(line) or re.search(r"[{,]\s*" + re.escape(last) + r"\s*=", line):
            return n + 1
    return start + 1 if start else None
