"""Load and check the workers' channel configuration (``channels.yml``).

The file belongs to the workers, never to an engagement file: an engagement names
people, operations decides how each of them is reached.  Everything is checked when
the file is read, so a typo is one clear error naming the file and key on the first
notice (and in ``onboard worker``'s log), not a silent non-delivery weeks later.
Secrets stay in the environment (``${VAR}``); only apprise's privacy-masked URLs are
ever logged.
"""

import hashlib
import logging
import os
import re
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

import apprise
import platformdirs
import yaml
from apprise.plugins.email.base import NotifyEmail
from attrs import frozen
from onboard.core.errors import OnboardError

#: Environment variable naming the configuration file.
CHANNELS_ENV = "ONBOARD_CHANNELS"
DEFAULT_WEB_UI = "http://localhost:8233"
DEFAULT_RETRY = 2
#: Seconds one notice may take in all: below the notify activity's 60 s
#: start-to-close timeout, so a hung channel is reported rather than killed.
DEFAULT_TIMEOUT = 40.0
#: A value of ``people`` that means "their e-mail, through the ``email`` URL".
EMAIL_ALIAS = "email"

_KEYS = {"web_ui", "email", "people", "operations", "everyone", "retry", "wait", "timeout", "delivered"}
_REFERENCE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_CAPTURE_LOCK = threading.Lock()


class ChannelConfigError(OnboardError):
    """The channel configuration is unusable; the message names the file and key."""


@frozen
class Channel:
    """One apprise URL from the file, with where it came from.

    ``key`` is a stable id for the delivered record: a digest of the URL as written
    (before ``${VAR}`` expansion), so rotating a secret does not resend anything and
    no secret is stored.  ``label`` is apprise's privacy-masked URL, for logs.
    """

    where: str  # "people.casey[0]", "operations[1]", "email", ...
    url: str = ""  # expanded: holds secrets, never logged
    key: str = ""
    label: str = ""
    email_alias: bool = False  # the person's "email" entry

    @property
    def is_email(self) -> bool:
        return self.email_alias or self.where == "email"


@frozen
class ChannelConfig:
    """What the plugin needs, checked.  ``people`` keys are roster ids or
    lower-cased e-mail addresses."""

    source: Path
    web_ui: str = DEFAULT_WEB_UI
    email: Channel | None = None
    people: Mapping[str, tuple[Channel, ...]] = {}
    operations: tuple[Channel, ...] = ()
    everyone: tuple[Channel, ...] = ()
    retry: int = DEFAULT_RETRY
    wait: float = 0.5
    timeout: float = DEFAULT_TIMEOUT
    delivered: Path | None = None

    def asset(self) -> apprise.AppriseAsset:
        """The apprise asset every send uses: our name, and the retry defaults."""
        asset = apprise.AppriseAsset(
            app_id="onboard", app_desc="onboard engagement notices", app_url="https://temporal.io"
        )
        asset.default_service_retry = self.retry
        asset.default_service_wait = self.wait
        return asset


def channels_path() -> Path:
    """``$ONBOARD_CHANNELS``, else ``channels.yml`` in the onboard config folder."""
    configured = os.environ.get(CHANNELS_ENV)
    if configured:
        return Path(configured)
    return Path(platformdirs.user_config_dir("onboard")) / "channels.yml"


def load_channels(path: Path | None = None) -> ChannelConfig | None:
    """Read and check the configuration; ``None`` when there is none.

    No file at the default place means "no channels" (local runs, tests).  A file
    named by ``$ONBOARD_CHANNELS`` that is missing is an error: the operator meant
    to configure channels, and silence would hide the typo.
    """
    explicit = path is not None or bool(os.environ.get(CHANNELS_ENV))
    path = path or channels_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise ChannelConfigError(f"{path}: no such file (named by ${CHANNELS_ENV})") from None
        return None
    except OSError as exc:
        raise ChannelConfigError(f"{path}: cannot read: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ChannelConfigError(f"{path}: not valid YAML: {exc}") from exc
    return parse_channels(data if data is not None else {}, path)


def parse_channels(data: Any, source: Path) -> ChannelConfig:
    """Check the parsed YAML ``data`` (from ``source``, named in every error)."""

    def fail(key: str, problem: str) -> ChannelConfigError:
        return ChannelConfigError(f"{source}: {key}: {problem}")

    if not isinstance(data, dict):
        raise ChannelConfigError(f"{source}: expected a mapping of keys, got {type(data).__name__}")
    unknown = sorted(set(map(str, data)) - _KEYS)
    if unknown:
        raise fail(unknown[0], f"unknown key (expected one of {', '.join(sorted(_KEYS))})")
    asset_config = ChannelConfig(
        source,
        retry=_number(data, "retry", DEFAULT_RETRY, int, 0, 10, fail),
        wait=_number(data, "wait", 0.5, float, 0.0, 20.0, fail),
    )
    asset = asset_config.asset()

    def channel(where: str, raw: Any, *, email: bool = False) -> Channel:
        if not isinstance(raw, str) or not raw.strip():
            raise fail(where, "expected an apprise URL (a string)")
        url = _expand(raw.strip(), where, fail)
        return _checked(where, raw.strip(), url, asset, fail, email=email)

    email = channel("email", data["email"], email=True) if data.get("email") is not None else None
    people: dict[str, tuple[Channel, ...]] = {}
    raw_people = data.get("people") or {}
    if not isinstance(raw_people, dict):
        raise fail("people", "expected a mapping of roster id or e-mail to URL(s)")
    for who, urls in raw_people.items():
        name = str(who).strip()
        entries = []
        for index, raw in enumerate(_as_list(urls, f"people.{name}", fail)):
            where = f"people.{name}[{index}]"
            if raw == EMAIL_ALIAS:
                if email is None:
                    raise fail(where, "'email' needs the top-level email URL")
                entries.append(Channel(where, key=email.key, label=email.label, email_alias=True))
            else:
                entries.append(channel(where, raw))
        people[name.lower() if "@" in name else name] = tuple(entries)

    def channels(key: str) -> tuple[Channel, ...]:
        return tuple(channel(f"{key}[{i}]", raw) for i, raw in enumerate(_as_list(data.get(key), key, fail)))

    web_ui = data.get("web_ui", DEFAULT_WEB_UI)
    if not isinstance(web_ui, str) or not re.match(r"https?://[^/\s]+", web_ui):
        raise fail("web_ui", f"expected an http(s) URL, got {web_ui!r}")
    delivered = data.get("delivered")
    if delivered is not None and not isinstance(delivered, str):
        raise fail("delivered", "expected a file path")
    return ChannelConfig(
        source,
        web_ui=_expand(web_ui, "web_ui", fail, encode=False).rstrip("/"),
        email=email,
        people=people,
        operations=channels("operations"),
        everyone=channels("everyone"),
        retry=asset_config.retry,
        wait=asset_config.wait,
        timeout=_number(data, "timeout", DEFAULT_TIMEOUT, float, 1.0, 55.0, fail),
        delivered=Path(_expand(delivered, "delivered", fail, encode=False)).expanduser()
        if delivered
        else None,
    )


def _checked(where: str, raw: str, url: str, asset: apprise.AppriseAsset, fail, *, email: bool) -> Channel:
    """Have apprise parse ``url``; name the key and the likely cause when it cannot."""
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme == "msteams" or "outlook.office.com/webhook" in url or ".webhook.office.com/" in url:
        raise fail(
            where,
            "Office 365 connector URLs (msteams://, …webhook.office.com) were retired by Microsoft "
            "and removed in apprise 1.11; create a Teams Workflow (Power Automate) and use its URL, "
            "or workflows://host:443/{workflow}/{signature}",
        )
    # apprise says why only in its log (its messages mask secrets); the capture is
    # process-wide, hence the lock.
    with _CAPTURE_LOCK, apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        plugin = apprise.Apprise.instantiate(url, asset=asset)
    if plugin is None:
        shown = f"{scheme}://…" if scheme else "(no scheme://)"
        reasons = "; ".join(line for line in captured.getvalue().splitlines() if line.strip())
        raise fail(
            where,
            f"apprise cannot use this URL ({shown})"
            + (f": {reasons}" if reasons else "")
            + "; see https://appriseit.com/services/",
        )
    if email:
        if not isinstance(plugin, NotifyEmail):
            raise fail(where, f"expected a mailto:// or mailtos:// URL, got {scheme}://")
        parsed = NotifyEmail.parse_url(url) or {}
        if parsed.get("targets"):
            raise fail(
                where,
                "remove the recipients (to= or a path after the host): each notice is addressed "
                "to its own recipients; use cc= or bcc= for a copy",
            )
    key = hashlib.sha256(raw.encode()).hexdigest()[:16]
    return Channel(where, url=url, key=key, label=plugin.url(privacy=True))


def _expand(text: str, where: str, fail, *, encode: bool = True) -> str:
    """Replace each ``${VAR}`` with the environment's value.

    A reference that is the whole value is inserted as is (a whole URL kept in a
    secret); one inside a longer URL is percent-encoded, so a password with ``@``,
    ``:`` or ``/`` cannot break the URL around it.  ``$${`` is a literal ``${``.
    """
    whole = _REFERENCE.fullmatch(text) is not None

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if not _NAME.match(name):
            raise fail(where, f"${{{name}}} is not a valid environment variable reference")
        if name not in os.environ:
            raise fail(where, f"environment variable {name} is not set (referenced as ${{{name}}})")
        found = os.environ[name]
        return found if whole or not encode else quote(found, safe="")

    parts = text.split("$${")
    return "${".join(_REFERENCE.sub(value, part) for part in parts)


def _as_list(value: Any, where: str, fail) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise fail(where, "expected a URL or a list of URLs")


def _number(data: dict, key: str, default, kind: type, low: float, high: float, fail):
    value = data.get(key, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or (kind is int and not isinstance(value, int))
    ):
        raise fail(key, f"expected a number, got {value!r}")
    if not low <= value <= high:
        raise fail(key, f"must be between {low:g} and {high:g}, got {value!r}")
    return kind(value)
