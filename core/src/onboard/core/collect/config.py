"""What a collection reads, from where, and how: :class:`CollectConfig`.

A configuration is plain data (attrs, so cattrs and the project's data converter
carry it as JSON): a worker's activity can take one as its input.  It never holds a
password, only where to find one (:class:`~.credentials.CredentialRef`), so neither
the history of that activity nor a bundle's record of the collection can hold it.
"""

from urllib.parse import urlsplit

from attrs import field, frozen
from onboard.core.collect.credentials import CredentialRef
from onboard.core.errors import OnboardError

#: How the LDAP session is protected: ``ldaps`` (TLS from the start, port 636),
#: ``starttls`` (plain port, then StartTLS before the bind) or ``none``.
SECURITY = ("ldaps", "starttls", "none")
#: Bind methods: ``simple`` (user and password; TLS protects the password),
#: ``ntlm`` (SASL GSS-SPNEGO with pyspnego's NTLM: see :mod:`.ntlm_bind`) and
#: ``anonymous``.  Kerberos is not offered (see docs/collector.md).
AUTH = ("simple", "ntlm", "anonymous")


class ConfigError(OnboardError):
    """A collection configuration that cannot work (the message names the setting)."""


@frozen
class LdapServer:
    """One domain controller: host, port and how the session is protected."""

    host: str
    port: int
    security: str = "starttls"

    @property
    def url(self) -> str:
        """``ldap://host:389`` or ``ldaps://host:636``: how messages name the server."""
        scheme = "ldaps" if self.security == "ldaps" else "ldap"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self.port}"


def parse_server(text: str, security: str | None = None) -> LdapServer:
    """``dc1.corp.example``, ``ldap://dc1:389`` or ``ldaps://dc1`` as an :class:`LdapServer`.

    ``security`` (from ``--security``) decides for a bare host or ``ldap://``;
    ``ldaps://`` is LDAPS whatever it says.
    """
    raw = text.strip()
    if not raw:
        raise ConfigError("an LDAP server is needed (--server)")
    parts = urlsplit(raw if "://" in raw else f"ldap://{raw}")
    if parts.scheme not in ("ldap", "ldaps"):
        raise ConfigError(f"LDAP server {text!r}: the scheme must be ldap:// or ldaps://")
    if not parts.hostname:
        raise ConfigError(f"LDAP server {text!r} names no host")
    if parts.path not in ("", "/"):
        raise ConfigError(f"LDAP server {text!r}: give the base DN with --base, not in the URL")
    chosen = "ldaps" if parts.scheme == "ldaps" else (security or "starttls")
    if chosen not in SECURITY:
        raise ConfigError(f"--security {chosen!r}: expected one of {', '.join(SECURITY)}")
    try:
        port = parts.port or (636 if chosen == "ldaps" else 389)
    except ValueError as exc:
        raise ConfigError(f"LDAP server {text!r}: {exc}") from exc
    return LdapServer(parts.hostname, port, chosen)


@frozen
class CollectConfig:
    """Everything one collection needs; see ``onboard collect --help`` for each setting.

    ``servers``: one domain controller per domain to read (the first also gives the
    forest's facts).  ``bases``: the naming contexts to search instead of each
    server's own domain.  ``tls_ca_file``: the CA that signed the DCs' certificates
    (``None``: the system's); ``tls_verify`` off accepts any certificate (tests,
    first contact).  ``tls_name``: the name the certificate must carry when
    ``servers`` gives an address.  ``dns_servers``: addresses of the DNS servers to
    ask (empty: the system's resolver).  ``domains``: customer domains beyond those
    the directory names.  ``records``: extra ``(label, type)`` pairs to look up in
    every zone (the plan's ``dns.records``).  ``size_limit``: stop after this many
    directory objects (a sample; the bundle then says it is incomplete).
    """

    servers: tuple[LdapServer, ...]
    user: str = ""
    password: CredentialRef = field(factory=CredentialRef)
    auth: str = "simple"
    bases: tuple[str, ...] = ()
    tls_ca_file: str | None = None
    tls_verify: bool = True
    tls_name: str = ""
    timeout: float = 10.0
    page_size: int = 500
    size_limit: int = 0
    dns: bool = True
    dns_servers: tuple[str, ...] = ()
    dns_port: int = 53
    dns_timeout: float = 3.0
    axfr: bool = True
    domains: tuple[str, ...] = ()
    records: tuple[tuple[str, str], ...] = ()

    def check(self) -> None:
        """:class:`ConfigError` for settings that cannot work together."""
        if not self.servers:
            raise ConfigError("an LDAP server is needed (--server)")
        if self.auth not in AUTH:
            raise ConfigError(f"--auth {self.auth!r}: expected one of {', '.join(AUTH)}")
        if self.auth == "simple" and not self.user:
            raise ConfigError("a simple bind needs --user (e.g. svc-onboard@corp.example)")
        if self.auth == "ntlm" and not _ntlm_user(self.user):
            raise ConfigError(
                f"an NTLM bind needs --user as DOMAIN\\user or user@domain, not {self.user!r}"
                if self.user
                else "an NTLM bind needs --user (CORP\\svc-onboard or svc-onboard@corp.example)"
            )
        if self.auth != "anonymous" and self.password.source == "none":
            method = "an NTLM bind" if self.auth == "ntlm" else "a simple bind"
            raise ConfigError(f"{method} needs a password source (--password-from)")
        if self.bases and len(self.bases) != len(self.servers):
            raise ConfigError("give one --base per --server, or none")
        if not 1 <= self.page_size <= 10_000:
            raise ConfigError(f"--page-size {self.page_size}: expected 1 to 10000")
        if self.size_limit < 0:
            raise ConfigError("--size-limit must be 0 (none) or more")
        if self.timeout <= 0 or self.dns_timeout <= 0:
            raise ConfigError("timeouts must be more than 0 seconds")


def _ntlm_user(user: str) -> bool:
    """``DOMAIN\\user`` or ``user@domain`` (a DN names no account NTLM can log on)."""
    domain, sep, name = user.partition("\\")
    if sep:
        return bool(domain and name) and "\\" not in name
    name, sep, domain = user.rpartition("@")
    return bool(sep and name and domain) and "=" not in user
