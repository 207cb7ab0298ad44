"""Today's LDIF parser, frozen: the reference the fast decoder is tested against.

This is :mod:`onboard.core.assessment.ldif` and :mod:`~onboard.core.assessment.ldif_lines`
as they were before the lean decoder replaced them (at commit 7bd3116; last changed in
3bd3f79), copied unchanged but for names: :class:`ReferenceLdifSource` streams and
decodes exactly as that code did.
``tests/assessment/test_ldif_differential.py`` reads every test input with both and
requires identical records, problems and errors; ``benchmarks/ldif_parse`` measures
both side by side.  Do not "fix" anything here: a difference in behaviour must show
up as a failing differential test, and be decided there.

What the two share is not the parser: :class:`LdifSource`'s constructor (the BOM, the
UTF-16 transcoding), :meth:`LdifSource.lines_at`, and the record and problem classes.
"""

import base64
import binascii
import re
from collections.abc import Callable, Iterator

from onboard.core.assessment.ldif import LdifSource
from onboard.core.assessment.ldif_lines import LdifRecord, ProblemLog, text
from onboard.core.assessment.problems import InputProblem

__all__ = ["ReferenceLdifSource", "parse_record"]

_BLOCK = 1 << 22  # 4 MiB reads (the differential tests make it small)
MAX_RECORD_BYTES = 64 << 20
_SEPARATOR = re.compile(rb"\r?\n(?:\r?\n)+")
_BLANKISH = re.compile(rb"\r?\n[ \t]+\r?\n(?=[Dd][Nn]:)")
_END = re.compile(_SEPARATOR.pattern + b"|" + _BLANKISH.pattern)
_RESULT = re.compile(rb"^result:\s*(\d+)\s*(.*)$", re.IGNORECASE | re.MULTILINE)


class ReferenceLdifSource(LdifSource):
    """:class:`LdifSource` with today's ``records()`` and ``record_at()``."""

    def records(self, progress: Callable[[int], None] | None = None) -> Iterator[LdifRecord]:
        """Every well-formed record in file order; malformed ones go to :attr:`problems`.

        ``progress(bytes_read)`` is called after every block.
        """
        names: dict[bytes, str] = {}
        problems = self.problems
        objects = changes = 0
        with self.path.open("rb") as handle:
            handle.seek(self._skip)
            lines = 0
            for whole, first, start in _raw_records(handle, self._skip, self.file, progress):
                lines = first + whole.count(b"\n")
                for raw, line, offset in _blankish_split(whole, first, start, problems):
                    record = parse_record(raw, line, offset, names, problems)
                    if record is not None:
                        if record.changetype == "add":
                            objects += 1
                        else:
                            changes += 1
                        yield record
            if changes and not objects:
                problems.add(
                    f"holds only change records ({changes} with changetype modify, delete or modrdn): "
                    "an LDIF of changes, not a directory export (export with ldifde -f or ldapsearch)",
                    None,
                    "changetype",
                )
            if handle.seek(0, 2) > self._skip:
                handle.seek(-1, 2)
                if handle.read(1) != b"\n":  # exports end every line: this one was cut off
                    problems.add(
                        "the file ends in the middle of a line (cut off?); its last record may be incomplete",
                        lines or None,
                    )

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
                match = _END.search(chunk)
                if match or not block:
                    raw = chunk[: match.start()] if match else chunk.rstrip(b"\r\n")
                    return parse_record(raw, line, offset, {}, ProblemLog(self.file, keep=0))


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


def _blankish_split(
    raw: bytes, line: int, offset: int, problems: ProblemLog
) -> Iterator[tuple[bytes, int, int]]:
    """``raw`` cut at lines holding only whitespace before a ``dn:`` (each reported)."""
    if b"\n " not in raw and b"\n\t" not in raw:
        yield raw, line, offset
        return
    position = 0
    for match in _BLANKISH.finditer(raw):
        problems.add(
            "this line holds only spaces or tabs: read as the empty line between two records "
            "(RFC 2849 would join them); make it empty",
            line + raw.count(b"\n", 0, match.start()) + 1,
        )
        yield raw[position : match.start()], line + raw.count(b"\n", 0, position), offset + position
        position = match.end()
    yield raw[position:], line + raw.count(b"\n", 0, position), offset + position


def attribute_key(name: bytes) -> str:
    """``SN;Lang-EN`` -> ``sn;lang-en``; ``userCertificate;binary`` -> ``usercertificate``."""
    base, *options = name.strip().decode("ascii", errors="replace").lower().split(";")
    kept = sorted({o for o in options if o and o != "binary"})
    return ";".join([base, *kept])


def parse_record(
    raw: bytes, line: int, offset: int, names: dict[bytes, str], problems: ProblemLog
) -> LdifRecord | None:
    """Decode one record; ``None`` (and a logged problem if it was wrong) when it is not an object."""
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
        return None  # comments only, or only "version: 1"
    head = lines[index]
    base = line
    if index:
        line += _logical_to_physical(raw, head)  # point at the dn line, not a comment before it
    if head[:3].lower() != b"dn:":
        _not_an_object(head, body, base, raw, line, problems)
        return None
    try:
        dn = text(_value(head[3:]))
    except (binascii.Error, ValueError, _UrlValue) as exc:
        problems.add(f"invalid DN value ({exc or 'a URL'}); record skipped", line, "dn")
        return None
    attrs: dict[str, list[str | bytes]] = {}
    urls: dict[str, list[str]] = {}
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
        key = names.get(name)
        if key is None:
            key = names[name] = attribute_key(name)
        if key == "dn":
            problems.add(
                "a second 'dn:' inside one record: two records run together (the line between them "
                "must be empty, not hold spaces); record skipped",
                base + _logical_to_physical(raw, ln),
                "dn",
            )
            return None
        try:
            value = _value(rest)
        except (binascii.Error, ValueError) as exc:
            problems.add(
                f"invalid base64 value ({exc}); value ignored", base + _physical_line(raw, key, 0), key
            )
            continue
        except _UrlValue as url:
            urls.setdefault(key, []).append(str(url))
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
    return LdifRecord(dn, attrs, line, offset, changetype, raw, base, urls)


def _not_an_object(head: bytes, body: bytes, base: int, raw: bytes, line: int, problems: ProblemLog) -> None:
    """Log why a record without ``dn:`` is skipped, unless it is ldapsearch's own lines."""
    name = head.split(b":", 1)[0].strip().lower()
    if name == b"search":  # ldapsearch's "# search result" trailer
        result = _RESULT.search(body)
        if result and result.group(1) != b"0":
            said = result.group(0).decode("utf-8", errors="replace").strip()
            problems.add(
                f"ldapsearch ended with {said!r}: the export is incomplete",
                base + _logical_to_physical(raw, result.group(0)),
                "result",
            )
        return
    if name == b"ref":  # a search reference: the objects are on another server
        return
    if name == b"include":
        parts = head.split(b":", 1)
        target = (parts[1] if len(parts) > 1 else b"").strip().decode("utf-8", errors="replace")
        problems.add(
            f"'include: {target}' names another file, which is not in the bundle (a bundle is "
            "self-contained): the objects it holds are missing",
            line,
            "include",
        )
        return
    shown = name.decode("ascii", errors="replace")
    problems.add(f"record does not start with 'dn:' (found {shown!r}); record skipped", line, "dn")


def _physical_line(raw: bytes, name: str, index: int) -> int:
    """0-based line inside ``raw`` of the ``index``-th logical line for attribute ``name``."""
    seen = 0
    for number, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")):
        if line[:1] in (b" ", b"#") or b":" not in line:
            continue
        if attribute_key(line.split(b":", 1)[0]) == name:
            if seen == index:
                return number
            seen += 1
    return 0


class _UrlValue(Exception):
    pass


def _value(rest: bytes) -> str | bytes:
    """The value after ``attr:``: plain text, ``: base64`` or ``< url`` (raises :class:`_UrlValue`)."""
    first = rest[:1]
    if first == b":":
        return base64.b64decode(rest[1:].strip(), validate=True)
    if first == b"<":
        raise _UrlValue(rest[1:].strip().decode("utf-8", errors="replace"))
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
