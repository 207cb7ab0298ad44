"""Today's IdFix rules, frozen: the reference the faster scan is tested against.

This is :mod:`onboard.core.assessment.idfix_rules` as it was at commit d375a2f, copied
unchanged but for this docstring.  ``tests/assessment/test_idfix_differential.py``
runs :mod:`tests.assessment.idfix_reference` (which uses these rules) and the scan
side by side.  Do not "fix" anything here: a difference in behaviour must show up as a
failing differential test, and be decided there.
"""

import re
from collections.abc import Callable
from enum import IntFlag, StrEnum
from functools import cache
from importlib import resources

from onboard.core.assessment.ldif import LdifRecord, text


class ErrorKind(IntFlag):
    """IdFix's ``ErrorType`` flags; the names are what IdFix's ERROR column shows."""

    Format = 1
    Blank = 2
    Duplicate = 4
    Character = 8
    TopLevelDomain = 16
    DomainPart = 32
    LocalPart = 64
    Length = 128

    @classmethod
    def names_of(cls, flags: int) -> list[str]:
        """The kinds set in ``flags``, in IdFix's order (lowest bit first)."""
        return [kind.name for kind in cls if flags & kind and kind.name]


class Action(StrEnum):
    """IdFix's proposed actions (PROPOSEDACTION column)."""

    EDIT = "Edit"
    REMOVE = "Remove"
    COMPLETE = "Complete"


#: One failing rule: (error flags, proposed value, proposed action).
Failure = tuple[int, str, Action]

# -- character sets and formats (Constants.cs) -------------------------------------

_I = re.IGNORECASE
UPN_INVALID = re.compile(r"[\s\\%&*+/=?'{}|<>()\;:,\[\]\"äëïöüÿÄËÏÖÜŸ]", _I)
SMTP_INVALID = re.compile(r"[\s<>()\;,\[\]\"]", _I)
PROXY_INVALID = re.compile(r"[\s<>(),\[\]\"]", _I)
TARGET_SMTP_INVALID = re.compile(r"[\s\\<>()\;,\[\]\"]", _I)
TARGET_INVALID = re.compile(r"[\s\\<>(),\[\]\"]", _I)
X400_INVALID = re.compile(r"[\f\n\r\t\v\[\]\"']", _I)  # RFC 2253 special characters
X500_INVALID = X400_INVALID
SAM_INVALID = re.compile(r"[\\\"|,/\[\]:<>+=;?*]", _I)
LEADING_PERIODS = re.compile(r"^[.]+", _I)

SMTP_PREFIX = re.compile("smtp:", _I)  # IdFix searches anywhere in the value
X400_PREFIX = re.compile(r"^x\.?400", _I)
X500_PREFIX = re.compile(r"^x\.?500", _I)

_LOCAL = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_DOMAIN = r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,17})"
DOMAIN_PART = re.compile(r"@" + _DOMAIN + r"$", _I)
LOCAL_PART = re.compile(r"^" + _LOCAL + r"@", _I)
RFC2822 = re.compile(r"^" + _LOCAL + r"@" + _DOMAIN + r"$", _I)
_NOT_DOMAIN_CHAR = re.compile(r"[^a-z0-9.-]", _I)
_NOT_LOCAL_CHAR = re.compile(r"[^a-z0-9.!#$%&'*+/=?^_`{|}~-]", _I)

#: Objects whose cn starts with one of these are not synchronized (WellKnownExclusions).
WELL_KNOWN_EXCLUSIONS = (
    "Admini",
    "CAS_{",
    "DiscoverySearchMailbox",
    "FederatedEmail",
    "Guest",
    "HTTPConnector",
    "krbtgt",
    "iusr_",
    "iwam",
    "msol",
    "support_",
    "SystemMailbox",
    "WWIOadmini",
    "HealthMailbox",
    "Exchange Online-ApplicationAccount",
)
_EXCLUSIONS_UPPER = tuple(e.upper() for e in WELL_KNOWN_EXCLUSIONS)
#: System mailboxes (msExchRecipientTypeDetails) that are never synchronized.
SKIPPED_RECIPIENT_TYPES = frozenset({0x1000, 0x2000, 0x4000, 0x400000, 0x800000, 0x1000000, 0x20000000})


@cache
def valid_tlds() -> frozenset[str]:
    """The top-level domains the TopLevelDomain rule accepts (package data ``tlds.txt``)."""
    content = resources.files("onboard.core.assessment").joinpath("tlds.txt").read_text(encoding="utf-8")
    return frozenset(
        line.strip().lower().lstrip(".")
        for line in content.splitlines()
        if line.strip() and not line.startswith("#")
    )


def is_routable(domain: str) -> bool:
    """Whether a domain's last label is a top-level domain on the list."""
    label = domain.strip().rstrip(".").rsplit(".", 1)[-1].lower()
    return "." in domain.strip().rstrip(".") and label in valid_tlds()


# -- the object being checked ---------------------------------------------------


class Entry:
    """What the rules need of a record: its cn, object type and attributes."""

    __slots__ = ("cn", "object_type", "record")

    def __init__(self, record: LdifRecord) -> None:
        self.record = record
        cn = record.attrs.get("cn")
        self.cn = (cn[0] if isinstance(cn[0], str) else text(cn[0])) if cn else ""
        classes = record.attrs.get("objectclass")
        # IdFix: the object type is the *last* objectClass value.
        self.object_type = text(classes[-1]) if classes else ""

    def has(self, name: str) -> bool:
        """Whether the object has attribute ``name`` (lower case)."""
        return name in self.record.attrs


def in_scope(record: LdifRecord) -> bool:
    """IdFix's multi-tenant query: ``(|(objectCategory=Person)(objectCategory=Group))``.

    An export without objectCategory falls back to objectClass (person or group,
    never computer).
    """
    category = record.attrs.get("objectcategory")
    if category:
        rdn = text(category[0]).split(",", 1)[0].strip().lower()
        return rdn in ("cn=person", "cn=group")
    classes = {text(c).lower() for c in record.attrs.get("objectclass", ())}
    if "computer" in classes:
        return False
    return bool(classes & {"person", "user", "contact", "inetorgperson", "group"})


def _is_true(value: str | None) -> bool:
    return value is not None and value.strip().lower() == "true"


def _number(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value.strip(), 0)
    except ValueError:
        return None


def skip_reason(entry: Entry) -> str:
    """Why IdFix would not check this object ("" when it is checked)."""
    record = entry.record
    cn = entry.cn
    if cn.endswith("$"):
        return "cn ends with $"
    upper = cn.upper()
    if upper.startswith(_EXCLUSIONS_UPPER):
        return "well-known exclusion"
    if "\\0ACNF:" in record.dn.upper():
        return "conflict object"
    if "iscriticalsystemobject" in record.attrs and _is_true(record.first("iscriticalsystemobject")):
        return "critical system object"
    kind = entry.object_type.lower()
    attrs = record.attrs
    if kind == "user":
        if "samaccountname" in attrs and record.first("samaccountname").upper().startswith(
            ("CAS_", "SUPPORT_", "MSOL_")
        ):
            return "service account"
        if "mailnickname" in attrs and record.first("mailnickname").upper().startswith(
            ("CAS_", "SYSTEMMAILBOX")
        ):
            return "system mailbox"
        if (
            "msexchhidefromaddresslists" in attrs
            and _is_true(record.first("msexchhidefromaddresslists"))
            and (record.first("displayname") or "").upper().startswith("MSOL")
        ):
            return "hidden MSOL account"
        if (
            "msexchrecipienttypedetails" in attrs
            and _number(record.first("msexchrecipienttypedetails")) in SKIPPED_RECIPIENT_TYPES
        ):
            return "system mailbox"
    elif kind == "group":
        group_type = _number(record.first("grouptype")) or 0
        if group_type < 0 and not entry.has("mail"):
            return "security group without mail"
        if group_type >= 0 and not entry.has("proxyaddresses"):
            return "distribution group without proxyAddresses"
    return ""


# -- single rules ---------------------------------------------------------------

#: A rule: (current value, entry) -> a failure, or None when the value passes.
Rule = Callable[[str, Entry], Failure | None]
#: Marks where the duplicate check runs in a chain (it needs the whole directory).
DUPLICATE = object()


def utf16_length(value: str) -> int:
    """Length as .NET counts it (UTF-16 code units)."""
    return len(value) if value.isascii() else len(value.encode("utf-16-le")) // 2


def _truncate(value: str, limit: int) -> str:
    if value.isascii():
        return value[:limit]
    return value.encode("utf-16-le")[: 2 * limit].decode("utf-16-le", errors="ignore")


def max_length(limit: int) -> Rule:
    """StringMaxLengthRule: longer than ``limit`` is a Length error; the fix truncates."""

    def rule(value: str, entry: Entry) -> Failure | None:
        if len(value) <= limit and (value.isascii() or utf16_length(value) <= limit):
            return None
        return ErrorKind.Length, _truncate(value, limit), Action.EDIT

    return rule


def sam_account_name_length(value: str, entry: Entry) -> Failure | None:
    """SamAccountNameMaxLengthRule: 20 for users, 256 for other objects."""
    limit = 20 if entry.object_type.lower() == "user" else 256
    return max_length(limit)(value, entry)


def characters(pattern: re.Pattern[str]) -> Rule:
    """RegexRule: a match is a Character error; the fix removes the matches (cn if empty)."""

    def rule(value: str, entry: Entry) -> Failure | None:
        if pattern.search(value) is None:
            return None
        fixed = pattern.sub("", value)
        return ErrorKind.Character, fixed or entry.cn, Action.EDIT

    return rule


def colon_in_suffix(value: str, entry: Entry) -> Failure | None:
    """FixProxyTargetAddressRule: a ':' after the prefix's colon is a Character error."""
    colon = value.find(":")
    if colon > 0 and ":" in value[colon + 1 :]:
        return ErrorKind.Character, value[:colon] + ":" + value[colon + 1 :].replace(":", ""), Action.EDIT
    return None


def rfc2822(value: str, entry: Entry) -> Failure | None:
    """RFC2822Rule: top-level domain, domain part, local part and overall format."""
    smtp = SMTP_PREFIX.search(value) is not None
    address = value[value.find(":") + 1 :] if smtp else value
    tlds = valid_tlds()
    if RFC2822.search(address) and address[address.rfind(".") + 1 :].lower() in tlds:
        return None  # the common case: a well-formed address on a known TLD
    flags = 0
    dot = address.rfind(".")
    if dot != -1:
        tld = address.lower()[dot:]
        if len(tld) > 1 and tld[1:] not in tlds:
            flags |= ErrorKind.TopLevelDomain
    if not DOMAIN_PART.search(address):
        flags |= ErrorKind.DomainPart
        at = address.rfind("@")
        if at != -1:
            address = address[: at + 1] + _NOT_DOMAIN_CHAR.sub("", address[at + 1 :])
    if not LOCAL_PART.search(address) or address.count("@") > 1:
        flags |= ErrorKind.LocalPart
        at = address.rfind("@")
        if at != -1:
            local = _NOT_LOCAL_CHAR.sub("", address[:at])
            address = (local + address[at:]).replace(".@", "@")
    if not RFC2822.search(address):
        flags |= ErrorKind.Format
    if not flags:
        return None
    fixed = value[: value.find(":") + 1].strip() + address if smtp else address
    return flags, fixed, Action.EDIT


def blank(value: str, entry: Entry) -> Failure | None:
    """BlankStringRule (displayName): an empty value is a Blank error; the fix is the cn."""
    if value:
        return None
    return ErrorKind.Blank, entry.cn, Action.EDIT


def duplicate_action(attribute: str, original: str, current: str, entry: Entry) -> Action:
    """NoDuplicatesRule's proposed action for a duplicate value."""
    if original != current:
        return Action.EDIT  # an earlier rule already changed it
    if attribute == "proxyaddresses":
        if SMTP_PREFIX.search(current):
            if entry.has("mailnickname"):
                return Action.COMPLETE if current[:5].lower() == "smtp:" else Action.EDIT
            return Action.REMOVE
    elif attribute in ("userprincipalname", "mail", "samaccountname"):
        if entry.has("mailnickname"):
            return Action.COMPLETE
    elif attribute == "mailnickname" and entry.has("homemdb"):
        return Action.COMPLETE
    return Action.EDIT


# -- the rule set ---------------------------------------------------------------


class AttributeRules:
    """The composed rule for one attribute: its chain, and how a missing value fares."""

    def __init__(
        self,
        name: str,
        chain: Callable[[str, Entry], tuple],
        clean: Callable[[str, Entry], bool],
        *,
        multi: bool = False,
        blank_fix: bool = False,
        duplicate: bool = True,
        duplicate_unless: str = "",
    ) -> None:
        self.name = name  # as IdFix writes it (ATTRIBUTE column)
        self.key = name.lower()
        self.chain = chain  # (value, entry) -> the rules to run, DUPLICATE included
        # (value, entry) -> True when no rule but the duplicate check can fail: the
        # common case, decided without running the chain (the scan's hot path).
        self.clean = clean
        self.multi = multi  # every value is checked (proxyAddresses), not only the first
        self.blank_fix = blank_fix  # a missing value is a Blank error (displayName)
        self.duplicate = duplicate  # the chain has a duplicate check
        self.duplicate_unless = duplicate_unless  # skip the duplicate check when this attribute exists


def _fixed(*rules: object) -> Callable[[str, Entry], tuple]:
    return lambda value, entry: rules


_PROXY_BASE = (max_length(256), colon_in_suffix, DUPLICATE)
_PROXY_SMTP = (*_PROXY_BASE, characters(SMTP_INVALID), rfc2822)
_PROXY_X400 = (*_PROXY_BASE, characters(X400_INVALID))
_PROXY_X500 = (*_PROXY_BASE, characters(X500_INVALID))
_PROXY_OTHER = (*_PROXY_BASE, characters(PROXY_INVALID))


def _proxy_chain(value: str, entry: Entry) -> tuple:
    if SMTP_PREFIX.search(value):
        return _PROXY_SMTP
    if X400_PREFIX.match(value):
        return _PROXY_X400
    if X500_PREFIX.match(value):
        return _PROXY_X500
    return _PROXY_OTHER


_TARGET_BASE = (max_length(255), colon_in_suffix, DUPLICATE)
_TARGET_SMTP = (*_TARGET_BASE, characters(TARGET_SMTP_INVALID), rfc2822)
_TARGET_OTHER = (*_TARGET_BASE, characters(TARGET_INVALID))


def _target_chain(value: str, entry: Entry) -> tuple:
    return _TARGET_SMTP if SMTP_PREFIX.search(value) else _TARGET_OTHER


# -- fast paths -----------------------------------------------------------------
# Each ``clean`` predicate answers "would every rule but the duplicate check pass?"
# with one regular expression where the chain would run three to five rules.  A
# predicate may say False for a value that would pass (the chain then decides
# exactly), never True for one that would fail: the property tests check this.

# \Z since 2026-12-02 (as in idfix_rules): $ let "a@b.com\n" through as clean.
_DOMAIN_TLD = r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+([a-z]{2,17})\Z"
# RFC 2822 with the local-part characters that the UPN set forbids taken out.
_UPN_FAST = re.compile(r"[a-z0-9!#$^_`~-]+(?:\.[a-z0-9!#$^_`~-]+)*@" + _DOMAIN_TLD, _I)
# "smtp:" then an RFC 2822 address (none of the SMTP set's characters can occur in one).
_SMTP_FAST = re.compile(r"smtp:" + _LOCAL + r"@" + _DOMAIN_TLD, _I)


def _fits(value: str, limit: int) -> bool:
    return len(value) <= limit and (value.isascii() or utf16_length(value) <= limit)


def _clean_upn(value: str, entry: Entry) -> bool:
    match = _UPN_FAST.match(value) if len(value) <= 113 else None
    return match is not None and match.group(1).lower() in valid_tlds()


def _clean_smtp(value: str, limit: int) -> bool:
    match = _SMTP_FAST.match(value) if len(value) <= limit else None
    return match is not None and match.group(1).lower() in valid_tlds()


def _no_colon_in_suffix(value: str) -> bool:
    colon = value.find(":")
    return colon <= 0 or ":" not in value[colon + 1 :]


def _clean_proxy(value: str, entry: Entry) -> bool:
    if _clean_smtp(value, 256):
        return True
    if SMTP_PREFIX.search(value) or not (_fits(value, 256) and _no_colon_in_suffix(value)):
        return False  # an unusual SMTP address: let the rules decide
    if X400_PREFIX.match(value) or X500_PREFIX.match(value):
        return X400_INVALID.search(value) is None
    return PROXY_INVALID.search(value) is None


def _clean_target(value: str, entry: Entry) -> bool:
    if _clean_smtp(value, 255):
        return True
    if SMTP_PREFIX.search(value) or not (_fits(value, 255) and _no_colon_in_suffix(value)):
        return False
    return TARGET_INVALID.search(value) is None


def _clean_sam(value: str, entry: Entry) -> bool:
    limit = 20 if entry.object_type.lower() == "user" else 256
    return _fits(value, limit) and SAM_INVALID.search(value) is None


def multi_tenant_rules(alternate_login_id: bool = False) -> tuple[AttributeRules, ...]:
    """The multi-tenant rule set, in IdFix's order.

    ``alternate_login_id``: the tenant signs in with another attribute, so IdFix's
    "Alternate ID" setting leaves userPrincipalName unchecked.
    """
    rules = [
        AttributeRules(
            "displayName",
            _fixed(max_length(255), blank),
            lambda v, e: bool(v) and _fits(v, 255),
            blank_fix=True,
            duplicate=False,
        ),
        AttributeRules("givenName", _fixed(max_length(63)), lambda v, e: _fits(v, 63), duplicate=False),
        AttributeRules("mail", _fixed(max_length(256), DUPLICATE), lambda v, e: _fits(v, 256)),
        AttributeRules(
            "mailNickname",
            _fixed(max_length(64), characters(LEADING_PERIODS), DUPLICATE),
            lambda v, e: _fits(v, 64) and not v.startswith("."),
        ),
        AttributeRules("proxyAddresses", _proxy_chain, _clean_proxy, multi=True),
        AttributeRules(
            "sAMAccountName",
            _fixed(sam_account_name_length, characters(SAM_INVALID), DUPLICATE),
            _clean_sam,
            duplicate_unless="userprincipalname",
        ),
        AttributeRules("targetAddress", _target_chain, _clean_target),
    ]
    if not alternate_login_id:
        rules.append(
            AttributeRules(
                "userPrincipalName",
                _fixed(max_length(113), characters(UPN_INVALID), rfc2822, DUPLICATE),
                _clean_upn,
            )
        )
    return tuple(rules)


#: The attribute codes used to tell duplicate keys of different attributes apart.
DUPLICATE_CHECKED = (
    "mail",
    "mailnickname",
    "proxyaddresses",
    "samaccountname",
    "targetaddress",
    "userprincipalname",
)
