"""A streaming LDIF reader (RFC 2849) for directory exports as ``ldifde`` writes them.

``ldifde -f directory.ldf`` writes CRLF lines folded at 78 columns, a blank line
before every record, ``changetype: add`` in every record and base64 (``attr::``) for
binary values and for text that is not plain ASCII; ``ldifde -u`` writes the same as
UTF-16.  The reader handles all of that, plus comments, ``version: 1``, attribute
options (``;binary``) and change records (``changetype: modify`` and friends, which
are reported as change records rather than directory objects).

It streams: the file is read in blocks and one record at a time is decoded, so a
million objects take the memory of one.  Every record carries its byte offset, so a
later pass can read a chosen record again (:meth:`LdifSource.record_at`) without
rereading the file.  A malformed record is logged with its line and attribute and
skipped; the records after it are still read.
"""

import base64
import binascii
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from onboard.core.assessment.problems import InputProblem, InputState

_BLOCK = 1 << 22  # 4 MiB reads
#: A "record" larger than this without a blank line is not an LDIF export.
MAX_RECORD_BYTES = 64 << 20
_SEPARATOR = re.compile(rb"\r?\n(?:\r?\n)+")


class LdifRecord:
    """One LDIF record: its DN, attributes (lower-case names) and where it was.

    Values are ``str`` when written as plain text and ``bytes`` when written in
    base64 (``attr::``); :meth:`text` decodes either.  ``changetype`` is ``"add"``
    for content records, else the change record's type.
    """

    __slots__ = ("attrs", "base", "changetype", "dn", "line", "offset", "raw")

    def __init__(
        self,
        dn: str,
        attrs: dict[str, list[str | bytes]],
        line: int,
        offset: int,
        changetype: str,
        raw: bytes,
        base: int,
    ) -> None:
        self.dn = dn
        self.base = base  # line of raw's first line (a comment may precede the dn)
        self.attrs = attrs
        self.line = line
        self.offset = offset
        self.changetype = changetype
        self.raw = raw

    def has(self, name: str) -> bool:
        """Whether the record has attribute ``name`` (lower-case)."""
        return name in self.attrs

    def first(self, name: str) -> str | None:
        """The first value of ``name`` as text, or ``None``."""
        values = self.attrs.get(name)
        if not values:
            return None
        return text(values[0])

    def texts(self, name: str) -> list[str]:
        """Every value of ``name`` as text."""
        return [text(v) for v in self.attrs.get(name, ())]

    def line_of(self, name: str, index: int = 0) -> int:
        """The file line where the ``index``-th value of attribute ``name`` starts."""
        return self.base + _physical_line(self.raw, name.encode(), index)

    def __repr__(self) -> str:
        return f"LdifRecord({self.dn!r}, line={self.line})"


def text(value: str | bytes) -> str:
    """A value as text: base64 values are UTF-8 (what ldifde encodes)."""
    if isinstance(value, str):
        return value
    return value.decode("utf-8", errors="replace")


class ProblemLog:
    """Problems found while reading, with a total and the first ``keep`` of them."""

    def __init__(self, file: str, keep: int = 100) -> None:
        self.file = file
        self.keep = keep
        self.total = 0
        self.items: list[InputProblem] = []

    def add(self, message: str, line: int | None, field: str = "") -> None:
        """Count a problem; keep it if fewer than ``keep`` are kept."""
        self.total += 1
        if len(self.items) < self.keep:
            self.items.append(InputProblem(self.file, message, line=line, field=field))


def _physical_line(raw: bytes, name: bytes, index: int) -> int:
    """0-based line inside ``raw`` of the ``index``-th logical line for attribute ``name``."""
    lowered = name.lower()
    seen = 0
    for number, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")):
        if line[:1] in (b" ", b"#"):
            continue
        attr = line.split(b":", 1)[0].split(b";", 1)[0].lower()
        if attr == lowered:
            if seen == index:
                return number
            seen += 1
    return 0


class LdifSource:
    """An LDIF file ready to stream; UTF-16 files (``ldifde -u``) are transcoded first.

    Use as a context manager: a transcoded copy lives in a temporary folder that
    ``close()`` removes.
    """

    def __init__(self, path: Path, file: str = "directory.ldf") -> None:
        self.file = file
        self.problems = ProblemLog(file)
        self._tmp: str | None = None
        try:
            with path.open("rb") as handle:
                head = handle.read(4)
        except IsADirectoryError as exc:
            raise InputProblem(file, "is a folder, not a file", state=InputState.UNREADABLE) from exc
        except OSError as exc:
            raise InputProblem(file, f"cannot be read: {exc.strerror}", state=InputState.UNREADABLE) from exc
        self.path = path
        self._skip = 3 if head.startswith(b"\xef\xbb\xbf") else 0
        if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
            self.path = self._transcode(path)
            self._skip = 0
        self.size = self.path.stat().st_size

    def _transcode(self, path: Path) -> Path:
        self._tmp = tempfile.mkdtemp(prefix="onboard-ldif-")
        target = Path(self._tmp) / "utf8.ldf"
        try:
            with (
                path.open(encoding="utf-16", newline="") as source,
                target.open("w", encoding="utf-8", newline="") as out,
            ):
                shutil.copyfileobj(source, out, 1 << 20)
        except UnicodeError as exc:
            raise InputProblem(self.file, f"starts like UTF-16 but is not: {exc}") from exc
        return target

    def close(self) -> None:
        """Remove the transcoded copy, if any."""
        if self._tmp:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def __enter__(self) -> "LdifSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- streaming -----------------------------------------------------------

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[LdifRecord]:
        """Every well-formed record in file order; malformed ones go to :attr:`problems`.

        ``progress(bytes_read)`` is called after every block.
        """
        names: dict[bytes, str] = {}
        problems = self.problems
        with self.path.open("rb") as handle:
            handle.seek(self._skip)
            lines = 0
            for raw, line, offset in _raw_records(handle, self._skip, self.file, progress):
                lines = line + raw.count(b"\n")
                record = _parse(raw, line, offset, names, problems)
                if record is not None:
                    yield record
            if handle.seek(0, 2) > self._skip:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n":  # exports end every line: this one was cut off
                    problems.add(
                        "the file ends in the middle of a line (cut off?); its last record may be incomplete",
                        lines or None,
                    )

    def lines_at(self, offsets: list[int]) -> dict[int, int]:
        """The line number at each byte offset (sorted ascending), in one counting pass."""
        lines: dict[int, int] = {}
        line, position = 1, 0
        with self.path.open("rb") as handle:
            for offset in offsets:
                while position < offset:
                    block = handle.read(min(_BLOCK, offset - position))
                    if not block:
                        break
                    line += block.count(b"\n")
                    position += len(block)
                lines[offset] = line
        return lines

    def record_at(self, offset: int, line: int = 0) -> LdifRecord | None:
        """The record starting at byte ``offset`` (an earlier record's ``offset``).

        ``line`` is the line at that offset (see :meth:`lines_at`), for the record's lines.
        """
        with self.path.open("rb") as handle:
            handle.seek(offset)
            chunk = b""
            while True:
                block = handle.read(1 << 16)
                chunk += block
                match = _SEPARATOR.search(chunk)
                if match or not block:
                    raw = chunk[: match.start()] if match else chunk.rstrip(b"\r\n")
                    return _parse(raw, line, offset, {}, ProblemLog(self.file, keep=0))


def _raw_records(
    handle, start: int, file: str, progress: Callable[[int], None] | None
) -> Iterator[tuple[bytes, int, int]]:
    """(record bytes, first line, byte offset) for every non-empty record."""
    carry = b""
    carry_offset = start  # file offset of carry[0]
    line = 1  # line number of carry[0]
    read = start
    while True:
        block = handle.read(_BLOCK)
        read += len(block)
        data = carry + block if carry else block
        if block:
            cut = max(data.rfind(b"\n\n"), data.rfind(b"\n\r\n"))
            if cut < 0:
                if len(data) > MAX_RECORD_BYTES:
                    raise InputProblem(
                        file,
                        f"a record larger than {MAX_RECORD_BYTES >> 20} MB has no blank line after it: "
                        "not an LDIF export",
                        line=line,
                    )
                carry = data
                continue
            # Keep the separator's first newline with the part, so the part ends a line.
            part, carry = data[: cut + 1], data[cut + 1 :]
        else:
            part, carry = data, b""
        yield from _split(part, carry_offset, line)
        line += part.count(b"\n")
        carry_offset += len(part)
        if progress is not None:
            progress(read)
        if not block:
            return


def _split(part: bytes, offset: int, line: int) -> Iterator[tuple[bytes, int, int]]:
    """The records of ``part`` (whole records only) with their first line and offset."""
    counted, counted_line = 0, line  # newlines are counted incrementally, never from 0 again
    if b"\r" not in part:
        position = 0
        for piece in part.split(b"\n\n"):
            start = position
            position += len(piece) + 2
            body = piece.strip(b"\n")
            if not body:
                continue
            begin = start + len(piece) - len(piece.lstrip(b"\n"))
            counted_line += part.count(b"\n", counted, begin)
            counted = begin
            yield body, counted_line, offset + begin
        return
    position = 0
    spans = [(m.start(), m.end()) for m in _SEPARATOR.finditer(part)]
    spans.append((len(part), len(part)))
    for end, after in spans:
        body = part[position:end]
        stripped = body.lstrip(b"\r\n")
        begin = position + len(body) - len(stripped)
        stripped = stripped.rstrip(b"\r\n")
        if stripped:
            counted_line += part.count(b"\n", counted, begin)
            counted = begin
            yield stripped, counted_line, offset + begin
        position = after


def _attribute_name(name: bytes, names: dict[bytes, str]) -> str:
    key = names.get(name)
    if key is None:
        key = name.split(b";", 1)[0].strip().decode("ascii", errors="replace").lower()
        names[name] = key
    return key


def _parse(
    raw: bytes, line: int, offset: int, names: dict[bytes, str], problems: ProblemLog
) -> LdifRecord | None:
    """Decode one record; ``None`` (and a logged problem) when it is malformed."""
    body = raw.replace(b"\r\n", b"\n") if b"\r" in raw else raw
    if b"\n " in body:
        body = body.replace(b"\n ", b"")  # unfold continuation lines
    lines = body.split(b"\n")
    index = 0
    count = len(lines)
    while index < count and (not lines[index] or lines[index][:1] == b"#"):
        index += 1
    if index < count and lines[index][:8].lower() == b"version:":
        index += 1
        while index < count and (not lines[index] or lines[index][:1] == b"#"):
            index += 1
        if index == count:
            return None  # a record holding only "version: 1"
    if index == count:
        return None
    head = lines[index]
    base = line
    if index:
        line += _logical_to_physical(raw, head)  # point at the dn line, not a comment before it
    if head[:3].lower() != b"dn:":
        name = head.split(b":", 1)[0].decode("ascii", errors="replace")
        problems.add(f"record does not start with 'dn:' (found {name!r}); record skipped", line, "dn")
        return None
    try:
        dn = _value(head[3:])
    except (binascii.Error, ValueError, _UrlValue) as exc:
        problems.add(f"invalid DN value ({exc or 'a URL'}); record skipped", line, "dn")
        return None
    dn = text(dn)
    attrs: dict[str, list[str | bytes]] = {}
    changetype = "add"
    for ln in lines[index + 1 :]:
        if not ln or ln[0] == 35:  # '#': a comment
            continue
        name, sep, rest = ln.partition(b":")
        if not sep:
            shown = ln[:40].decode("utf-8", errors="replace")
            problems.add(
                f"line {shown!r} has no ':'; record skipped", base + _logical_to_physical(raw, ln), ""
            )
            return None
        key = names.get(name) or _attribute_name(name, names)
        try:
            value = _value(rest)
        except (binascii.Error, ValueError) as exc:
            problems.add(
                f"invalid base64 value ({exc}); value ignored", base + _physical_line(raw, name, 0), key
            )
            continue
        except _UrlValue:
            problems.add(
                "values read from a URL ('attr:< file') are not supported; value ignored",
                base + _physical_line(raw, name, 0),
                key,
            )
            continue
        if key == "changetype":
            changetype = text(value).strip().lower()
            if changetype != "add":
                break  # modify/delete/modrdn: a change, not an object
            continue
        existing = attrs.get(key)
        if existing is None:
            attrs[key] = [value]
        else:
            existing.append(value)
    return LdifRecord(dn, attrs, line, offset, changetype, raw, base)


class _UrlValue(Exception):
    pass


def _value(rest: bytes) -> str | bytes:
    """The value after ``attr:``: plain text, ``: base64`` or ``< url``."""
    first = rest[:1]
    if first == b":":
        return base64.b64decode(rest[1:].strip(), validate=True)
    if first == b"<":
        raise _UrlValue
    value = rest.lstrip(b" ")
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("cp1252", errors="replace")


def _logical_to_physical(raw: bytes, logical: bytes) -> int:
    """0-based line in ``raw`` where the (unfolded) line ``logical`` starts."""
    prefix = logical[:20]
    for number, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")):
        if line.startswith(prefix):
            return number
    return 0
