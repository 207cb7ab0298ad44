"""One LDIF record from its lines (RFC 2849): what :mod:`.ldif` hands over, decoded.

The streaming (blocks, separators, offsets) is in :mod:`.ldif`; this module turns the
bytes of one record into an :class:`LdifRecord` (:func:`parse_record`, which says how it
keeps the work per line small), as the tools that write LDIF mean it:

* **attribute options** (RFC 4512 §2.5): ``sn;lang-en`` is an attribute of its own,
  so ``sn`` reads only the untagged values, as an LDAP server answers a request for
  ``sn``.  ``;binary`` (RFC 4522) is only how the value was transferred, so
  ``userCertificate;binary`` *is* ``userCertificate``.  Options are case-insensitive
  and unordered: ``cn;lang-en-US;x`` is stored as ``cn;lang-en-us;x`` sorted.
* **URL values** (``jpegPhoto:< file:///tmp/photo.jpg``) are valid LDIF; the file is
  on the machine that wrote the export, not in the bundle, so it is not read: the URL
  is kept in :attr:`LdifRecord.urls` and the attribute has no value in ``attrs``.
* **ldapsearch's trailers** (``search: 2`` / ``result: 0 Success``) are skipped; a
  result other than 0 (``4 Size limit exceeded``) means the export is incomplete and
  is reported.  Search references (``ref:`` without ``dn:``) are skipped.
* OpenLDAP's ``include: file://...`` names another file, which the bundle does not
  have: it is reported, as the objects it holds are missing.
* ``changetype: modify``/``delete``/``modrdn`` records are changes, not objects: the
  record is returned with its ``changetype`` and no attributes.
"""

import binascii
import functools
import re

from onboard.core.assessment.problems import InputProblem

_RESULT = re.compile(rb"^result:\s*(\d+)\s*(.*)$", re.IGNORECASE | re.MULTILINE)


class LdifRecord:
    """One LDIF record: its DN, attributes (lower-case names) and where it was.

    Values are ``str`` when written as plain text and ``bytes`` when written in
    base64 (``attr::``); :meth:`text` decodes either.  ``changetype`` is ``"add"``
    for content records, else the change record's type.  ``urls`` holds the values
    given as URLs (``attr:< url``), by attribute.
    """

    __slots__ = ("attrs", "base", "changetype", "dn", "line", "offset", "raw", "urls")

    def __init__(
        self,
        dn: str,
        attrs: dict[str, list[str | bytes]],
        line: int,
        offset: int,
        changetype: str,
        raw: bytes,
        base: int,
        urls: dict[str, list[str]] | None = None,
    ) -> None:
        self.dn = dn
        self.base = base  # line of raw's first line (a comment may precede the dn)
        self.attrs = attrs
        self.line = line
        self.offset = offset
        self.changetype = changetype
        self.raw = raw
        self.urls = urls or {}

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
        return self.base + _physical_line(self.raw, name, index)

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


def attribute_key(name: bytes) -> str:
    """``SN;Lang-EN`` -> ``sn;lang-en``; ``userCertificate;binary`` -> ``usercertificate``."""
    base, *options = name.strip().decode("ascii", errors="replace").lower().split(";")
    kept = sorted({o for o in options if o and o != "binary"})
    return ";".join([base, *kept])


def parse_record(
    raw: bytes, line: int, offset: int, keys: dict[str, str], problems: ProblemLog, crlf: bool = False
) -> LdifRecord | None:
    """Decode one record; ``None`` (and a logged problem if it was wrong) when it is not an object.

    ``keys`` caches attribute names as written -> :func:`attribute_key` across records
    (the reader passes one dict for the whole file).  ``crlf`` says that every newline
    of ``raw`` is a CRLF and it holds no other CR (the reader knows it of whole blocks),
    so its lines are split at CRLF instead of being rewritten to LF first.

    The record is decoded from UTF-8 once, whole, and then split and sliced as text,
    rather than line by line as bytes: UTF-8 never uses an ASCII byte inside a character,
    so every value cut at ``:``, spaces and newlines decodes to what it would alone.  A
    record that is not all UTF-8 is decoded with ``surrogateescape`` (which gives the
    bytes back exactly), and only there is each value checked, and read as cp1252 when
    its own bytes are not UTF-8 -- as every value always was.  What is decoded is the
    unfolded record, as before: a fold may cut a character in two.
    """
    if crlf:
        newline = "\r\n"
        body = raw.replace(b"\r\n ", b"") if b"\r\n " in raw else raw
    else:
        newline = "\n"
        body = _unfolded(raw)
    try:
        decoded = body.decode("utf-8")
        clean = True
    except UnicodeDecodeError:
        decoded = body.decode("utf-8", "surrogateescape")
        clean = False
    lines = decoded.split(newline)
    index = 0
    count = len(lines)
    while index < count and (not lines[index] or lines[index][0] == "#"):
        index += 1
    # str.lower() maps no other character to these ASCII letters: the same test as on bytes.
    if index < count and lines[index][:8].lower() == "version:":
        index += 1
        while index < count and (not lines[index] or lines[index][0] == "#"):
            index += 1
    if index == count:
        return None  # comments only, or only "version: 1"
    head = lines[index]
    base = line
    if index:
        line += _logical_to_physical(raw, _bytes(head))  # point at the dn line, not a comment before it
    if head[:3].lower() != "dn:":
        _not_an_object(_bytes(head), _unfolded(raw), base, raw, line, problems)
        return None
    try:
        dn = text(_value(head[3:], clean))
    except (binascii.Error, ValueError, _UrlValue) as exc:
        problems.add(f"invalid DN value ({exc or 'a URL'}); record skipped", line, "dn")
        return None
    attrs: dict[str, list[str | bytes]] = {}
    urls: dict[str, list[str]] = {}
    changetype = "add"
    value: str | bytes
    known = keys.get
    for ln in lines[index + 1 :]:
        # Most lines are "name: value" with a name met before: one partition, one lookup.
        # Cached names never hold a colon, so "name:: base64", "name:< url" and "name:value"
        # miss and take the whole path below, as do comments, empty lines, new names and
        # dn and changetype (cached apart, under "\n" + name, which no line can hold).
        name, sep, value = ln.partition(": ")
        key = known(name)
        if key is None or not sep:
            if not ln or ln[0] == "#":  # a comment
                continue
            name, sep, rest = ln.partition(":")
            if not sep:
                shown = _bytes(ln)[:40].decode("utf-8", errors="replace")
                problems.add(
                    f"line {shown!r} has no ':'; record skipped",
                    base + _logical_to_physical(raw, _bytes(ln)),
                    "",
                )
                return None
            key = known(name)
            if key is None:
                key = known("\n" + name) or attribute_key(_bytes(name))
                if key == "dn":
                    keys["\n" + name] = key
                    problems.add(
                        "a second 'dn:' inside one record: two records run together (the line between "
                        "them must be empty, not hold spaces); record skipped",
                        base + _logical_to_physical(raw, _bytes(ln)),
                        "dn",
                    )
                    return None
                if key == "changetype":
                    keys["\n" + name] = key
                    try:
                        changetype = text(_value(rest, clean)).strip().lower()
                    except (binascii.Error, ValueError) as exc:
                        problems.add(
                            f"invalid base64 value ({exc}); value ignored",
                            base + _physical_line(raw, key, 0),
                            key,
                        )
                        continue
                    except _UrlValue as url:
                        urls.setdefault(key, []).append(str(url))
                        continue
                    if changetype != "add":
                        break  # modify/delete/modrdn: a change, not an object
                    continue
                keys[name] = key
            first = rest[:1]
            if first == ":":
                try:
                    value = _base64(rest[1:].strip(_ASCII_SPACE))
                except (binascii.Error, ValueError) as exc:
                    problems.add(
                        f"invalid base64 value ({exc}); value ignored",
                        base + _physical_line(raw, key, 0),
                        key,
                    )
                    continue
            elif first == "<":
                urls.setdefault(key, []).append(_url(rest[1:], clean))
                continue
            else:
                value = rest.lstrip(" ")
        else:
            value = value.lstrip(" ")
        if key in attrs:
            attrs[key].append(value)
        else:
            attrs[key] = [value]
    if not clean:  # the plain values as they always were: cp1252 where their bytes are not UTF-8
        for values in attrs.values():
            values[:] = [_plain(v) if isinstance(v, str) else v for v in values]
    return LdifRecord(dn, attrs, line, offset, changetype, raw, base, urls)


def _unfolded(raw: bytes) -> bytes:
    """``raw`` with LF lines, unfolded (before decoding: a fold may cut a character in two)."""
    body = raw.replace(b"\r\n", b"\n") if b"\r" in raw else raw
    return body.replace(b"\n ", b"") if b"\n " in body else body


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
        if _cached_key(line.split(b":", 1)[0]) == name:
            if seen == index:
                return number
            seen += 1
    return 0


#: attribute_key for _physical_line, which runs for every error row (a pure function, so a
#: cache of the names met changes nothing but the time).
_cached_key = functools.lru_cache(maxsize=4096)(attribute_key)


class _UrlValue(Exception):
    pass


#: What ``bytes.strip()`` strips; ``str.strip()`` would strip more (``\x1c``, ``\x85``, ...).
_ASCII_SPACE = " \t\n\r\x0b\x0c"


def _bytes(decoded: str) -> bytes:
    """The bytes a piece of a decoded record was (exactly, undecodable bytes included)."""
    return decoded.encode("utf-8", "surrogateescape")


def _base64(data: str) -> bytes:
    """A base64 value, as ``base64.b64decode(data, validate=True)`` decodes it.

    That is this call, less two Python frames; text that is not ASCII goes in as its
    bytes, so that it fails as the bytes did (a str would fail with another message).
    """
    return binascii.a2b_base64(data if data.isascii() else _bytes(data), strict_mode=True)


def _plain(value: str) -> str:
    """A plain value of a record that is not all UTF-8: cp1252 when its own bytes are not UTF-8."""
    try:
        value.encode("utf-8")  # fails only on the escapes of undecodable bytes
    except UnicodeEncodeError:
        return _bytes(value).decode("cp1252", errors="replace")
    return value


def _url(rest: str, clean: bool) -> str:
    """The URL of an ``attr:< url`` value (undecodable bytes replaced, as ever)."""
    url = rest.strip(_ASCII_SPACE)
    return url if clean else _bytes(url).decode("utf-8", errors="replace")


def _value(rest: str, clean: bool) -> str | bytes:
    """The value after ``attr:``: plain text, ``: base64`` or ``< url`` (raises :class:`_UrlValue`)."""
    first = rest[:1]
    if first == ":":
        return _base64(rest[1:].strip(_ASCII_SPACE))
    if first == "<":
        raise _UrlValue(_url(rest[1:], clean))
    return rest.lstrip(" ") if clean else _plain(rest.lstrip(" "))


def _logical_to_physical(raw: bytes, logical: bytes) -> int:
    """0-based line in ``raw`` where the (unfolded) line ``logical`` starts."""
    prefix = logical[:20]
    for number, line in enumerate(raw.replace(b"\r\n", b"\n").split(b"\n")):
        if line.startswith(prefix):
            return number
    return 0
