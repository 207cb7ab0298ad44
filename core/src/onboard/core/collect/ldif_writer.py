"""Directory objects written as ``ldifde -f`` writes them (RFC 2849), one at a time.

CRLF lines, folded at 78 columns, ``changetype: add`` in every record, base64
(``attr::``) for a value that is not plain ASCII or that RFC 2849 says must be
(one starting with a space, ``:`` or ``<``, one ending with a space, one holding
NUL, CR or LF).  A comment at the top says where and when the objects were read.
The search's end is written as ldapsearch writes it (``search:``/``result:``): the
LDIF reader skips ``result: 0 Success`` and reports any other result (``4 Size limit
exceeded``), so an export cut short never reads as a whole one.

Each record is also handed back already decoded, as an
:class:`~onboard.core.assessment.ldif.LdifRecord` equal to what the reader would
make of the bytes (the same DN, attribute keys, values, line numbers and offset),
so the collector can feed the IdFix scan without parsing what it just wrote.
"""

import base64
from typing import BinaryIO

from onboard.core.assessment.ldif_lines import LdifRecord, attribute_key

FOLD = 78
CRLF = b"\r\n"
_UNSAFE_FIRST = frozenset(b" :<")
_RESULT_TEXT = {
    0: "Success",
    3: "Time limit exceeded",
    4: "Size limit exceeded",
    10: "Referral",
    11: "Administrative limit exceeded",
}


def _needs_base64(value: bytes) -> bool:
    if not value:
        return False
    if value[0] in _UNSAFE_FIRST or value[-1] == 0x20:
        return True
    if not value.isascii():
        return True
    return b"\x00" in value or b"\r" in value or b"\n" in value


def _lines(name: str, value: bytes) -> tuple[bytes, str | bytes]:
    """The (unfolded) line for one value, and the value as the LDIF reader returns it."""
    if _needs_base64(value):
        return name.encode("ascii") + b":: " + base64.b64encode(value), value
    return name.encode("ascii") + b": " + value, value.decode("ascii")


def _fold(line: bytes) -> bytes:
    if len(line) <= FOLD:
        return line
    parts = [line[:FOLD]]
    parts.extend(b" " + line[i : i + FOLD - 1] for i in range(FOLD, len(line), FOLD - 1))
    return CRLF.join(parts)


class LdifWriter:
    """Writes records to ``out`` and keeps the offset and line of the next one."""

    def __init__(self, out: BinaryIO, header: list[str]) -> None:
        self.out = out
        self.offset = 0
        self.line = 1
        self.records = 0
        #: (bytes, line, offset) of each search's result record, as the reader will see them.
        self.trailers: list[tuple[bytes, int, int]] = []
        text = b"".join(b"# " + h.encode("utf-8") + CRLF for h in header) + CRLF
        self._write(text)

    def _write(self, data: bytes) -> None:
        self.out.write(data)
        self.offset += len(data)
        self.line += data.count(b"\n")

    def add(self, dn: str, attributes: dict[str, list[bytes]]) -> LdifRecord:
        """Write one object (``changetype: add``); the record as the reader would see it."""
        dn_line, _ = _lines("dn", dn.encode("utf-8"))
        lines = [_fold(dn_line), b"changetype: add"]
        attrs: dict[str, list[str | bytes]] = {}
        for name, values in attributes.items():
            key = attribute_key(name.encode("ascii", "replace"))
            kept = attrs.setdefault(key, [])
            for value in values:
                line, read_back = _lines(name, value)
                lines.append(_fold(line))
                kept.append(read_back)
        raw = CRLF.join(lines)
        offset, line = self.offset, self.line
        self._write(raw + CRLF + CRLF)
        self.records += 1
        return LdifRecord(dn, attrs, line, offset, "add", raw, line)

    def end(self, code: int = 0, text: str = "") -> None:
        """The search's result, as ldapsearch writes it after the last record."""
        said = text or _RESULT_TEXT.get(code, "Other")
        raw = b"# search result" + CRLF + b"search: 2" + CRLF + f"result: {code} {said}".encode()
        self.trailers.append((raw, self.line, self.offset))
        self._write(raw + CRLF + CRLF)
        self._write(f"# numEntries: {self.records}".encode() + CRLF + CRLF)
