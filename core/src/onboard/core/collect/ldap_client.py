"""One LDAP session to a domain controller (ldap3), and what can go wrong with it.

ldap3 is pure Python: a customer-side worker installs it from a wheel, with no
libldap, SASL headers or compiler (python-ldap needs all three).  It is about half
as fast as python-ldap (see benchmarks/README.md); reading the directory is not the
collection's bottleneck next to the server.  Only this module imports it, so it
could be replaced.

Every fault becomes a :class:`CollectError` whose one-line message names the server
and, where there is one, the object: a server that cannot be reached or refuses
the connection, a certificate that does not verify, a bind that fails (with what
Active Directory's ``data`` code means), an answer that does not come within the
timeout, and a search that ends early (a size, time or administrative limit, or a
referral): :class:`SearchCutOff`, raised *after* the entries that did arrive.
"""

import contextlib
import math
import re
import socket
import ssl
from collections.abc import Iterator
from typing import Any

import ldap3
from ldap3.core import exceptions as ldap_errors
from onboard.core.collect.config import CollectConfig, LdapServer
from onboard.core.collect.credentials import Secret
from onboard.core.errors import OnboardError

PAGED_RESULTS = "1.2.840.113556.1.4.319"
#: Result codes that end a search with some of its entries sent.
CUT_OFF = {3: "timeLimitExceeded", 4: "sizeLimitExceeded", 10: "referral", 11: "adminLimitExceeded"}
#: Active Directory's reason in a failed bind (``data 52e``), in words.
_AD_BIND_REASONS = {
    "525": "no such user",
    "52e": "wrong password",
    "530": "not permitted to log on at this time",
    "531": "not permitted to log on at this workstation",
    "532": "password expired",
    "533": "account disabled",
    "701": "account expired",
    "773": "the password must be changed first",
    "775": "account locked out",
}
_DATA = re.compile(r"data ([0-9a-f]{3})", re.IGNORECASE)


class CollectError(OnboardError):
    """A collection fault; the message names the server and, where known, the object."""


class SearchCutOff(CollectError):
    """The server ended a search before its end: the entries read so far are a part."""

    def __init__(self, message: str, code: int, name: str, entries: int) -> None:
        super().__init__(message)
        self.code = code
        self.name = name  # sizeLimitExceeded, referral, ...
        self.entries = entries


class Reference:
    """A continuation reference (``searchResRef``): objects another naming context holds."""

    __slots__ = ("uris",)

    def __init__(self, uris: list[str]) -> None:
        self.uris = uris


def _tls(config: CollectConfig, server: LdapServer) -> ldap3.Tls:
    names = [config.tls_name] if config.tls_name else None
    return ldap3.Tls(
        validate=ssl.CERT_REQUIRED if config.tls_verify else ssl.CERT_NONE,
        ca_certs_file=config.tls_ca_file,
        valid_names=names,
        version=ssl.PROTOCOL_TLS_CLIENT,
        sni=config.tls_name or None,
    )


class DirectoryConnection:
    """A bound, read-only LDAP session; use as a context manager."""

    def __init__(self, config: CollectConfig, server: LdapServer, password: Secret | None) -> None:
        self.config = config
        self.server = server
        self.url = server.url
        tls = _tls(config, server) if server.security != "none" else None
        self._server = ldap3.Server(
            server.host,
            port=server.port,
            use_ssl=server.security == "ldaps",
            tls=tls,
            get_info=ldap3.NONE,  # raw values only: no schema download, no formatting
            connect_timeout=config.timeout,
        )
        self._password = password
        simple = config.auth == "simple"  # an NTLM bind is driven by ntlm_bind on an unbound session
        self._conn = ldap3.Connection(
            self._server,
            user=config.user if simple else None,
            password=password.reveal() if simple and password is not None else None,
            authentication=ldap3.SIMPLE if simple else ldap3.ANONYMOUS,
            auto_referrals=False,  # a referral is reported, never followed to another server
            auto_range=False,
            return_empty_attributes=False,
            read_only=True,
            raise_exceptions=False,
            receive_timeout=max(1, math.ceil(config.timeout)),  # ldap3 packs it as whole seconds
            check_names=False,
        )

    def __enter__(self) -> "DirectoryConnection":
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- session ----------------------------------------------------------------

    def open(self) -> None:
        """Connect, StartTLS when asked, and bind; :class:`CollectError` naming the server."""
        conn = self._conn
        try:
            conn.open()
            if self.server.security == "starttls" and not conn.start_tls():
                raise CollectError(f"{self.url}: StartTLS refused: {_said(conn.result)}")
            bound = self._ntlm_bind() if self.config.auth == "ntlm" else conn.bind()
        except CollectError:
            self.close()
            raise
        except (ldap_errors.LDAPException, OSError) as exc:
            self.close()
            raise CollectError(f"{self.url}: {_connection_fault(exc, self.config.timeout)}") from exc
        if not bound:
            result = conn.result or {}
            self.close()
            auth = self.config.auth
            who = "anonymously" if auth == "anonymous" else f"as {self.config.user}"
            said = _ntlm_said(result, self.server.security) if auth == "ntlm" else _bind_said(result)
            raise CollectError(f"{self.url}: {'NTLM ' if auth == 'ntlm' else ''}bind {who} failed: {said}")

    def _ntlm_bind(self) -> bool:
        if self._password is None:  # config.check() asks for a source; resolve() gives one
            raise CollectError(f"{self.url}: an NTLM bind needs a password")
        # Imported here: pyspnego and cryptography's x509 cost a simple bind 10 MB and start-up.
        from onboard.core.collect.ntlm_bind import NtlmBindError, ntlm_bind

        hostname = self.config.tls_name or self.server.host  # the DC's name, where it is known
        tls = self.server.security != "none"
        try:
            return ntlm_bind(self._conn, self.config.user, self._password, hostname, tls=tls)
        except NtlmBindError as exc:
            raise CollectError(f"{self.url}: NTLM bind as {self.config.user} failed: {exc}") from exc

    def close(self) -> None:
        """Unbind (quietly: the session may be gone already)."""
        with contextlib.suppress(ldap_errors.LDAPException, OSError):
            self._conn.unbind()

    # -- reading ----------------------------------------------------------------

    def read(self, dn: str, attributes: list[str], search_filter: str = "(objectClass=*)") -> dict | None:
        """One object's raw attributes (``{name: [bytes]}``), ``None`` when it does not exist."""
        ok = self._call(dn, lambda: self._conn.search(dn, search_filter, ldap3.BASE, attributes=attributes))
        result = self._conn.result or {}
        if not ok and result.get("result") == 32:  # noSuchObject
            return None
        if not ok and result.get("result") not in (0, None):
            raise CollectError(f"{self.url}: reading {dn or 'the rootDSE'} failed: {_said(result)}")
        for item in self._conn.response or ():
            if item.get("type") == "searchResEntry":
                return item.get("raw_attributes") or {}
        return None

    def search(
        self,
        base: str,
        search_filter: str,
        attributes: list[str],
        *,
        scope: str = ldap3.SUBTREE,
        paged: bool = True,
        size_limit: int = 0,
    ) -> Iterator[tuple[str, dict[str, list[bytes]]] | Reference]:
        """Every entry (DN, raw attributes) and continuation reference, one page at a time.

        Raises :class:`SearchCutOff` after the last entry when the server ended the
        search early, and :class:`CollectError` when it failed.
        """
        conn = self._conn
        cookie: bytes | None = None
        seen = 0
        while True:
            ok = self._call(
                base,
                lambda c=cookie: conn.search(
                    base,
                    search_filter,
                    scope,
                    attributes=attributes,
                    paged_size=self.config.page_size if paged else None,
                    paged_cookie=c,
                    paged_criticality=paged,
                    size_limit=size_limit,
                ),
            )
            result = conn.result or {}
            code = result.get("result", 0)
            for item in conn.response or ():
                kind = item.get("type")
                if kind == "searchResEntry":
                    seen += 1
                    yield item["dn"], item.get("raw_attributes") or {}
                elif kind == "searchResRef":
                    yield Reference(list(item.get("uri") or ()))
            if code in CUT_OFF:
                raise SearchCutOff(
                    _cut_off_message(self.url, base, code, result, seen), code, CUT_OFF[code], seen
                )
            if not ok and code != 0:
                raise CollectError(f"{self.url}: search of {base} failed: {_said(result)}")
            if not paged:
                return
            control = (result.get("controls") or {}).get(PAGED_RESULTS)
            if control is None:
                raise CollectError(
                    f"{self.url}: search of {base}: the server ignored the paged-results control "
                    "(a partial answer cannot be told from a whole one)"
                )
            cookie = control["value"]["cookie"]
            if not cookie:
                return

    def _call(self, target: str, operation: Any) -> bool:
        try:
            return bool(operation())
        except ldap_errors.LDAPException as exc:
            raise CollectError(
                f"{self.url}: reading {target or 'the rootDSE'}: {_connection_fault(exc, self.config.timeout)}"
            ) from exc


def _said(result: dict) -> str:
    """``description (code): message`` from an ldap3 result."""
    description = result.get("description") or "error"
    message = (result.get("message") or "").strip()
    text = f"{description} (result {result.get('result')})"
    return f"{text}: {message}" if message else text


def _bind_said(result: dict) -> str:
    text = _said(result)
    match = _DATA.search(result.get("message") or "")
    if match and match.group(1).lower() in _AD_BIND_REASONS:
        return f"{_AD_BIND_REASONS[match.group(1).lower()]}; {text}"
    if result.get("result") == 8:  # strongerAuthRequired: the DC refuses simple binds in clear
        return f"{text} (the server wants a protected session: use --security ldaps or starttls)"
    return text


def _ntlm_said(result: dict, security: str) -> str:
    """:func:`_bind_said` for an NTLM bind: what its refusals mean."""
    text = _said(result)
    message = result.get("message") or ""
    if "80090346" in message:  # SEC_E_BAD_BINDINGS: Windows' channel binding check (untested: Samba has none)
        return (
            f"the channel binding did not match the DC's certificate; {text} "
            "(does a TLS-inspecting proxy stand between here and the DC?)"
        )
    match = _DATA.search(message)
    if match and match.group(1).lower() == "52e":  # NTLM does not tell an unknown user from a wrong password
        return f"unknown user or wrong password; {text}"
    if result.get("result") == 8 and security != "none":
        # Signing and sealing are refused over TLS (by Windows and Samba alike), so a
        # server that wants them for every SASL bind takes NTLM only over plain LDAP.
        return (
            f"{text} (the server wants NTLM signed and sealed, which it refuses over TLS: Samba's "
            "'ldap server require strong auth = yes'; use --security none, where every message is "
            "sealed, or a simple bind over TLS)"
        )
    if result.get("result") == 7:  # authMethodNotSupported
        return f"the server does not accept SASL GSS-SPNEGO; {text}"
    return _bind_said(result)


def _cut_off_message(url: str, base: str, code: int, result: dict, seen: int) -> str:
    name = CUT_OFF[code]
    if code == 10:
        where = ", ".join(result.get("referrals") or ()) or "another server"
        return (
            f"{url}: search of {base}: the server referred it to {where} (referral) after {seen} objects: "
            "that naming context is not held here; collect it from its own domain controller"
        )
    return (
        f"{url}: search of {base} stopped by the server after {seen} objects ({name}, result {code}): "
        "the export is incomplete"
    )


def _connection_fault(exc: BaseException, timeout: float) -> str:
    """What a connection-level exception means, in words."""
    text = str(exc)
    cause = exc
    while cause.__cause__ is not None or cause.__context__ is not None:
        cause = cause.__cause__ or cause.__context__  # type: ignore[assignment]
    if (
        isinstance(exc, ldap_errors.LDAPSocketReceiveError)
        or "timed out" in text
        or isinstance(cause, socket.timeout)
    ):
        return f"no answer within {timeout:g} s"
    if "refused" in text.lower() or isinstance(cause, ConnectionRefusedError):
        return "connection refused (nothing listens there, or a firewall rejects it)"
    if "certificate" in text.lower() or isinstance(cause, ssl.SSLError):
        return f"the TLS handshake failed: {_short(text)} (--tls-ca-file, --tls-name)"
    if isinstance(exc, ldap_errors.LDAPSessionTerminatedByServerError):
        return "the server closed the session"
    if isinstance(cause, socket.gaierror) or "getaddrinfo" in text:
        return "the host name does not resolve"
    return f"cannot connect: {_short(text)}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 300 else text[:297] + "..."
