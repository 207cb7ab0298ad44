"""A streaming LDIF reader (RFC 2849) for directory exports as ``ldifde`` writes them.

``ldifde -f directory.ldf`` writes CRLF lines folded at 78 columns, a blank line
before every record, ``changetype: add`` in every record and base64 (``attr::``) for
binary values and for text that is not plain ASCII; ``ldifde -u`` writes the same as
UTF-16.  OpenLDAP's ``ldapsearch`` and ``slapcat``, 389-ds and Samba's ``ldbsearch``
write the same format with LF lines, comments and trailers.  How one record is
decoded (attribute options, URL values, ldapsearch's trailers, change records) is in
:mod:`.ldif_lines`.

Records are separated by empty lines.  A line holding only spaces is, by RFC 2849, a
continuation of the line before, which would run the next record into this one; when
a ``dn:`` follows it, it is read as a separator and reported, so that objects never
merge silently (OpenLDAP's tools would refuse the merged record).

A file of change records only (``changetype: modify``, ``delete``, ``modrdn``) is not
an export: that is reported.  A file that ends in the middle of a line was cut off:
that is reported too.  (One cut exactly between two records cannot be told from a
smaller export.)

It streams: the file is read in blocks and one record at a time is decoded, so a
million objects take the memory of one.  Every record carries its byte offset, so a
later pass can read a chosen record again (:meth:`LdifSource.record_at`) without
rereading the file.  A malformed record is logged with its line and attribute and
skipped; the records after it are still read.

What it costs is mostly Python work per line, so the common cases take as little as
they can, each with the exact rule kept for the rest: a block whose lines are all LF,
or all CRLF, is cut into records by splitting at blank lines (only mixed newlines or
a CR alone go to the regular expression); lines that start with ``dn:`` are found once
per block, so that only a record holding one is searched for a line of spaces before
it; and :func:`~.ldif_lines.parse_record` decodes a record whole.  The parser before
this one is kept in ``tests/assessment/ldif_reference.py``, and a differential test
holds this one to it (``benchmarks/ldif_parse`` measures both).
"""

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from onboard.core.assessment.ldif_lines import LdifRecord, ProblemLog, parse_record, text
from onboard.core.assessment.problems import InputProblem, InputState

__all__ = ["MAX_RECORD_BYTES", "LdifRecord", "LdifSource", "ProblemLog", "text"]

_BLOCK = 1 << 22  # 4 MiB reads
#: A "record" larger than this without a blank line is not an LDIF export.
MAX_RECORD_BYTES = 64 << 20
_SEPARATOR = re.compile(rb"\r?\n(?:\r?\n)+")
#: A line of only spaces or tabs before a ``dn:``: RFC 2849 would make it a continuation
#: and run the two records together; it is read as a separator, and reported.
_BLANKISH = re.compile(rb"\r?\n[ \t]+\r?\n(?=[Dd][Nn]:)")
#: Where a record ends, for :meth:`LdifSource.record_at`.
_END = re.compile(_SEPARATOR.pattern + b"|" + _BLANKISH.pattern)


#: A line that starts with ``dn:``: inside a record, only then can _BLANKISH match.
_DN_LINE = re.compile(rb"\n[Dd][Nn]:")


class LdifSource:
    """An LDIF file ready to stream; UTF-16 files (``ldifde -u``) are transcoded first.

    Use as a context manager: a transcoded copy lives in a temporary folder that
    ``close()`` removes.
    """

    def __init__(self, path: Path, file: str = "directory.ldf") -> None:
        self.file = file
        self.problems = ProblemLog(file)
        self._tmp: str | None = None
        # Attribute names as written -> attribute_key, for record_at (records() keeps its own).
        self._keys: dict[str, str] = {}
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
        keys: dict[str, str] = {}
        problems = self.problems
        objects = changes = 0
        with self.path.open("rb") as handle:
            handle.seek(self._skip)
            whole, first = b"", 0
            for whole, first, start, crlf, dn_inside in _raw_records(handle, self._skip, self.file, progress):
                # Only a record with a dn: line after its first can hold a line of spaces
                # before a dn: (_BLANKISH); the others need not be searched for one.
                pieces = (
                    _blankish_split(whole, first, start, problems) if dn_inside else ((whole, first, start),)
                )
                for raw, line, offset in pieces:
                    record = parse_record(raw, line, offset, keys, problems, crlf)
                    if record is not None:
                        if record.changetype == "add":
                            objects += 1
                        else:
                            changes += 1
                        yield record
            lines = first + whole.count(b"\n") if whole else 0  # the last record's last line
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
                match = _END.search(chunk)
                if match or not block:
                    raw = chunk[: match.start()] if match else chunk.rstrip(b"\r\n")
                    return parse_record(raw, line, offset, self._keys, ProblemLog(self.file, keep=0))


def _raw_records(
    handle, start: int, file: str, progress: Callable[[int], None] | None
) -> Iterator[tuple[bytes, int, int, bool, bool]]:
    """Every non-empty record: (bytes, first line, byte offset, CRLF lines only, a dn: line inside).

    The two flags are what :func:`~.ldif_lines.parse_record` and the separator check may
    skip work on; see :func:`_split`.
    """
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


def _split(part: bytes, offset: int, line: int) -> Iterator[tuple[bytes, int, int, bool, bool]]:
    """The records of ``part`` (whole records only) with their first line, offset and flags.

    The flags: every line of the record ends in CRLF (and no other CR is in it), and a
    line after its first starts with ``dn:`` (any case).
    """
    if b"\r" not in part:
        return _split_at(part, offset, line, b"\n\n", b"\n")
    if part.count(b"\r") == part.count(b"\n") == part.count(b"\r\n"):
        # Every line ends in CRLF and no other CR: the separators are runs of two CRLFs or
        # more, and splitting at each pair finds them as _SEPARATOR would.
        return _split_at(part, offset, line, b"\r\n\r\n", b"\r\n")
    return _split_mixed(part, offset, line)


def _split_at(
    part: bytes, offset: int, line: int, separator: bytes, newlines: bytes
) -> Iterator[tuple[bytes, int, int, bool, bool]]:
    """:func:`_split` where every separator is a run of ``separator`` (LF or CRLF lines only)."""
    crlf = len(separator) == 4
    # Where a line starts with dn:, found in the whole part at once; each record checks
    # only whether the next of these falls inside it (a record's own dn: line is before).
    dn_lines = [match.start() for match in _DN_LINE.finditer(part)]
    dn_lines.append(len(part))
    next_dn = 0
    counted, counted_line = 0, line  # newlines are counted incrementally, never from 0 again
    position = 0
    step = len(separator)
    while position <= len(part):
        # One piece at a time (not part.split): the block is not held twice in memory.
        cut = part.find(separator, position)
        if cut < 0:
            cut = len(part)
        start, piece = position, part[position:cut]
        position = cut + step
        body = piece.strip(newlines)
        if not body:
            continue
        # A run of three newlines or more leaves the rest at the start of the next piece.
        begin = start + len(piece) - len(piece.lstrip(newlines))
        while dn_lines[next_dn] < begin:
            next_dn += 1
        counted_line += part.count(b"\n", counted, begin)
        counted = begin
        yield body, counted_line, offset + begin, crlf, dn_lines[next_dn] < begin + len(body)


def _split_mixed(part: bytes, offset: int, line: int) -> Iterator[tuple[bytes, int, int, bool, bool]]:
    """:func:`_split` for LF and CRLF lines mixed, or a CR alone: the separators by expression."""
    counted, counted_line = 0, line
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
            yield stripped, counted_line, offset + begin, False, _DN_LINE.search(stripped) is not None
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
