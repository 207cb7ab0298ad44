"""An NTLM bind over SASL GSS-SPNEGO, with pyspnego's pure-Python NTLM, on an ldap3 session.

ldap3's own NTLM (``authentication=NTLM``) binds with Microsoft's "Sicily" exchange,
which Samba's LDAP server does not implement (it ends the session); GSS-SPNEGO is
the SASL mechanism both Active Directory and Samba offer, so the bind is driven
here, one SASL bind request per token, the way ldap3 drives its own SASL
mechanisms (``ldap3.protocol.sasl.sasl.send_sasl_negotiation``).  pyspnego's NTLM
needs no system library (its Kerberos would need ``gssapi``/krb5, see
docs/collector.md), and only NTLM is offered to the server, so a machine with
``gssapi`` installed does not silently try Kerberos first.

How the session is protected decides what NTLM negotiates:

* **over TLS** (LDAPS, StartTLS): no signing or sealing, which Windows and Samba
  both refuse on a TLS session, and a channel binding token (``tls-server-end-point``,
  RFC 5929) that ties the NTLM exchange to the certificate the DC showed, as
  Windows wants when "LDAP channel binding" is enforced;
* **over plain LDAP**: signing and sealing, then every later LDAP message wrapped
  in the SASL security layer (:class:`SealedSocket`), as Windows wants when "LDAP
  signing" is required (and Samba by default: ``ldap server require strong auth =
  yes``).

pyspnego always asks for NTLM key exchange, and without signing it sends a one-byte
"encrypted session key" where MS-NLMP says none; Samba refuses that
(``NT_STATUS_INVALID_PARAMETER``, ``data 57``).  Over TLS the key exchange is
therefore not asked for (:func:`_ntlm_context`): with neither signing nor sealing
the key it would protect is never used.
"""

import hashlib
import struct
import warnings
from typing import Any

import ldap3
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from ldap3.operation.bind import bind_operation
from onboard.core.collect.credentials import Secret
from spnego._context import GSSMech
from spnego.channel_bindings import GssChannelBindings
from spnego.exceptions import SpnegoError

MECHANISM = "GSS-SPNEGO"
SASL_BIND_IN_PROGRESS = 14
#: A SASL buffer larger than this is not an LDAP message (a server's default is 64 KiB to 10 MiB).
MAX_SEALED = 64 * 1024 * 1024


class NtlmBindError(Exception):
    """Why the NTLM exchange could not go on (a sentence, never a secret)."""


def offered_mechanisms(conn: ldap3.Connection) -> list[str]:
    """The rootDSE's ``supportedSASLMechanisms`` (readable before any bind)."""
    conn.search("", "(objectClass=*)", ldap3.BASE, attributes=["supportedSASLMechanisms"])
    for item in conn.response or ():
        if item.get("type") == "searchResEntry":
            values = (item.get("raw_attributes") or {}).get("supportedSASLMechanisms") or ()
            return [v.decode("utf-8", "replace") for v in values]
    return []


def ntlm_bind(conn: ldap3.Connection, user: str, password: Secret, hostname: str, *, tls: bool) -> bool:
    """Bind ``conn`` (open, TLS started where asked) as ``user``; ``conn.result`` says why not.

    Returns whether the server accepted the bind.  Raises :class:`NtlmBindError`
    when the server does not offer GSS-SPNEGO or the exchange breaks off (a token
    pyspnego cannot read, a server's last token that does not verify).  Over plain
    LDAP the connection's socket is then sealed.
    """
    offered = offered_mechanisms(conn)
    if MECHANISM not in offered:
        raise NtlmBindError(
            f"the server does not offer SASL {MECHANISM} "
            f"(its supportedSASLMechanisms: {', '.join(offered) or 'none'})"
        )
    bindings = channel_bindings(conn.socket) if tls else None
    context = _ntlm_context(user, password, hostname, bindings, seal=not tls)
    try:
        token = context.step()
        while True:
            result = _send(conn, token or b"")
            code = result.get("result")
            answer = result.get("saslCreds")
            if code == SASL_BIND_IN_PROGRESS and answer:
                token = context.step(answer)
                continue
            if code != 0:
                return False
            if answer:  # SPNEGO's last word: the server's mechListMIC, checked here
                context.step(answer)
            break
    except (SpnegoError, ValueError, struct.error) as exc:  # a token that is not what NTLM expects
        raise NtlmBindError(f"the NTLM exchange failed: {_spnego_said(exc)}") from exc
    if not context.complete:
        raise NtlmBindError("the server accepted the bind before the NTLM exchange was complete")
    if not tls:
        conn.socket = SealedSocket(conn.socket, context)
    conn.bound = True
    return True


def _ntlm_context(
    user: str, password: Secret, hostname: str, bindings: GssChannelBindings | None, *, seal: bool
) -> Any:
    """A SPNEGO client context that offers only NTLM (no Kerberos, whatever is installed)."""
    # Without signing and sealing NTLM needs no flag beyond authentication itself.
    wanted = spnego.ContextReq.default if seal else spnego.ContextReq.mutual_auth
    options: dict[str, Any] = {
        "hostname": hostname,
        "service": "ldap",
        "channel_bindings": bindings,
        "context_req": wanted,
    }
    ntlm = spnego.client(user, password.reveal(), protocol="ntlm", **options)
    if not seal:
        # The one-byte key pyspnego sends with key exchange but no signing is refused
        # by Samba (see the module's docstring); drop the request for it.
        from spnego._ntlm_raw.messages import NegotiateFlags

        ntlm._context_req &= ~NegotiateFlags.key_exch
    return spnego.client(
        user,
        password.reveal(),
        protocol="negotiate",
        _negotiate_contexts={GSSMech.ntlm: ntlm},  # the way pyspnego's own new_context() passes them
        **options,
    )


def _send(conn: ldap3.Connection, token: bytes) -> dict:
    """One SASL bind request carrying ``token``; the server's bind response."""
    request = bind_operation(conn.version, ldap3.SASL, None, None, MECHANISM, token)
    conn.post_send_single_response(conn.send("bindRequest", request, None))
    return conn.result or {}


def channel_bindings(sock: Any) -> GssChannelBindings | None:
    """``tls-server-end-point`` of the certificate the server showed (RFC 5929 section 4.1)."""
    try:
        der = sock.getpeercert(True)
    except (AttributeError, ValueError):
        return None
    if not der:
        return None
    try:
        with warnings.catch_warnings():
            # Samba's self-made certificate has a negative serial number, which cryptography
            # still parses but warns about; the hash algorithm is all that is wanted here.
            warnings.simplefilter("ignore")
            algorithm = x509.load_der_x509_certificate(der).signature_hash_algorithm
    except Exception:  # unparsable, or a signature with no hash of its own (Ed25519)
        algorithm = None
    # RFC 5929: the hash of the certificate's signature, MD5 and SHA-1 becoming SHA-256.
    # For a signature without one it defines nothing; SHA-256 is then the likeliest match.
    name = algorithm.name if isinstance(algorithm, hashes.HashAlgorithm) else "sha256"
    try:
        digest = hashlib.new("sha256" if name in ("md5", "sha1") else name.replace("-", "_"), der).digest()
    except ValueError:  # a hash hashlib lacks
        digest = hashlib.sha256(der).digest()
    return GssChannelBindings(application_data=b"tls-server-end-point:" + digest)


def _spnego_said(exc: Exception) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:197] + "..."


class SealedSocket:
    """The SASL security layer over a socket: each LDAP message sealed in a length-prefixed buffer.

    ldap3 sends with ``sendall`` and reads with ``recv`` (its sync strategy); every
    other call goes to the socket underneath.  A buffer that does not verify ends
    the session as a broken connection would (``OSError``, which ldap3 reports).
    """

    def __init__(self, sock: Any, context: Any) -> None:
        self._sock = sock
        self._context = context
        self._plain = b""

    def sendall(self, data: bytes) -> None:
        """Seal ``data`` and send it as one SASL buffer."""
        try:
            sealed = self._context.wrap(data, encrypt=True).data
        except SpnegoError as exc:
            raise OSError(f"cannot seal an LDAP message: {_spnego_said(exc)}") from exc
        self._sock.sendall(struct.pack(">I", len(sealed)) + sealed)

    def recv(self, size: int) -> bytes:
        """Up to ``size`` bytes of the unsealed stream; ``b""`` once the server closed it."""
        if not self._plain:
            head = self._exact(4)
            if not head:
                return b""
            (length,) = struct.unpack(">I", head)
            if length > MAX_SEALED:
                raise OSError(f"a sealed buffer of {length} bytes: not an LDAP message")
            body = self._exact(length)
            if not body:
                return b""
            try:
                self._plain = self._context.unwrap(body).data
            except SpnegoError as exc:
                raise OSError(f"a sealed LDAP message did not verify: {_spnego_said(exc)}") from exc
        chunk, self._plain = self._plain[:size], self._plain[size:]
        return chunk

    def _exact(self, count: int) -> bytes:
        """``count`` bytes from the socket, or ``b""`` when it closes first."""
        parts = []
        while count:
            part = self._sock.recv(count)
            if not part:
                return b""
            parts.append(part)
            count -= len(part)
        return b"".join(parts)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)
