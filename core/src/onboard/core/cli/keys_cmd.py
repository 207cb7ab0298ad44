"""``onboard keys``: the key a person signs actions with, and the workers' allowed-signers file.

Every action (a gate decision, a completion, …) is signed with the person's Ed25519
key; the workers accept it only if their allowed-signers file gives that key to the
person's roster e-mail.  So a new person runs ``keys new`` and sends operations the
line it prints; operations run ``keys check`` on the file before deploying it::

    onboard keys new --principal casey@contoso.com
    onboard keys new ~/.ssh/onboard_ed25519 --passphrase --comment "casey laptop"
    onboard keys show                     # which key the CLI would sign with, and why
    onboard keys show --key ~/.ssh/id_ed25519.pub    # a key the ssh-agent holds
    onboard keys check /etc/onboard/allowed_signers --principal casey@contoso.com
"""

import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from onboard.core.cli.output import console, print_json, table
from onboard.core.errors import OnboardError
from onboard.core.trust import NAMESPACE, keys
from onboard.core.trust.signers import AllowedKey, AllowedSigners
from onboard.core.trust.sshsig import RawSigner, fingerprint, public_key_from_openssh
from sshsig import PublicKey

#: What ``keys new`` and ``keys show`` put in the line when no --principal is given.
PLACEHOLDER = "YOUR-ROSTER-EMAIL"

_PRINCIPAL_HELP = "The principal for the allowed-signers line: your roster e-mail (else your roster id)."


def allowed_signers_line(principal: str, public_key: str) -> str:
    """The line operations add for a key: ``<principal> namespaces="action@onboard" ssh-ed25519 AAAA…``."""
    who = f'"{principal}"' if any(c.isspace() for c in principal) else principal
    key_type, blob = public_key.split()[:2]
    return f'{who} namespaces="{NAMESPACE}" {key_type} {blob}'


def _say(text: str) -> None:
    """Plain text that must survive copy and paste: no markup, no wrapping."""
    console.print(text, markup=False, soft_wrap=True)


def _new_passphrase() -> str:
    """``$ONBOARD_KEY_PASSPHRASE``, else asked twice on the terminal (hidden)."""
    secret = os.environ.get(keys.PASSPHRASE_ENV)
    if secret is None:
        if not sys.stdin.isatty():
            raise OnboardError(f"--passphrase needs a terminal to ask on, or ${keys.PASSPHRASE_ENV}")
        secret = click.prompt("passphrase for the new key", hide_input=True, confirmation_prompt=True)
    if not secret:
        raise OnboardError("the passphrase is empty; use --no-passphrase for a key without one")
    return secret


@click.group(name="keys")
def keys_group() -> None:
    """Signing keys: make one, show which one the CLI uses, check an allowed-signers file."""


@keys_group.command("new")
@click.argument("path", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--comment", default="", help="The public key's comment, e.g. your name and machine.")
@click.option("--principal", default=None, help=_PRINCIPAL_HELP)
@click.option(
    "--passphrase/--no-passphrase",
    default=False,
    help=f"Encrypt the private key (asked twice, or ${keys.PASSPHRASE_ENV}).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def new(path: Path | None, comment: str, principal: str | None, passphrase: bool, as_json: bool) -> None:
    """Make an Ed25519 key pair at PATH (default: onboard's config folder) and print its allowed-signers line."""
    path = (path or keys.default_key_path()).expanduser()
    for existing in (path, Path(f"{path}.pub")):
        if existing.exists():
            raise OnboardError(f"{existing} already exists; choose another path or remove it first")
    secret = _new_passphrase() if passphrase else None
    public = keys.generate(path, comment, secret)
    info = _describe(public_key_from_openssh(public), principal or PLACEHOLDER, public)
    if as_json:
        print_json({"path": str(path), "public_path": f"{path}.pub", "encrypted": bool(secret), **info})
        return
    _say(f"wrote {path} (private, mode 0600) and {path}.pub")
    _print_details(info, principal)


@keys_group.command("show")
@click.option(
    "--key", "key", type=click.Path(path_type=Path), help="A private key, or a .pub the ssh-agent holds."
)
@click.option("--principal", default=None, help=_PRINCIPAL_HELP)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def show(key: Path | None, principal: str | None, as_json: bool) -> None:
    """Which key the CLI would sign with (--key, $ONBOARD_KEY, ssh-agent, or the default) and its line."""
    signer = keys.resolve(key)
    info = {"source": _source(key, signer), **_describe(_public_key(signer), principal or PLACEHOLDER)}
    if as_json:
        print_json(info)
        return
    _say(f"source       {info['source']}")
    _print_details(info, principal)


@keys_group.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--principal", default=None, help="Also say which keys the file gives this principal.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def check(file: Path, principal: str | None, as_json: bool) -> None:
    """Parse an allowed-signers FILE: each key line, or the first error (file:line)."""
    signers = AllowedSigners.load(file)
    now = datetime.now(UTC)
    given = signers.keys_for(principal) if principal is not None else ()
    if as_json:
        print_json(
            {
                "path": signers.path,
                "sha256": signers.sha256,
                "keys": [_key_json(k, now) for k in signers.keys],
                **({"principal": principal, "principal_keys": [k.line for k in given]} if principal else {}),
            }
        )
        return
    t = table(
        f"{file}: {len(signers.keys)} key(s)", "line", "principals", "fingerprint", "namespaces", "valid"
    )
    t.columns[2].no_wrap = True  # a fingerprint stays whole, to compare and copy
    for k in signers.keys:
        t.add_row(str(k.line), k.principals, k.fingerprint, _namespaces(k), _validity(k, now))
    if signers.keys:
        console.print(t)
    else:
        _say(f"{file}: no keys (every signed action would be refused)")
    if principal is None:
        return
    if not given:
        _say(f"{principal}: no key for {NAMESPACE} in this file")
    for k in given:
        _say(f"{principal}: line {k.line}: " + (k.invalid_at(now) or f"key {k.fingerprint}, valid now"))


def _describe(public_key: PublicKey, principal: str, text: str | None = None) -> dict[str, str]:
    text = text or public_key.openssh_str()
    return {
        "public_key": text,
        "fingerprint": fingerprint(public_key),
        "allowed_signers": allowed_signers_line(principal, text),
    }


def _print_details(info: dict[str, str], principal: str | None) -> None:
    _say(f"fingerprint  {info['fingerprint']}")
    _say(f"public key   {info['public_key']}")
    ask = "Ask operations to add this line to the workers' allowed-signers file"
    _say(ask + ("" if principal else f" (put your roster e-mail in place of {PLACEHOLDER})") + ":")
    _say(info["allowed_signers"])


def _public_key(signer: RawSigner) -> PublicKey:
    try:
        return PublicKey.from_ssh_encoding(signer.public_key_blob())
    except (ValueError, NotImplementedError) as exc:
        raise OnboardError(f"the signing key cannot be read: {exc}") from None


def _source(key: Path | None, signer: RawSigner) -> str:
    """Where :func:`keys.resolve` found ``signer``, in the order it looks."""
    in_agent = isinstance(signer, keys.AgentSigner)
    if key is not None:
        where = f"--key {key}"
    elif os.environ.get(keys.KEY_ENV):
        where = f"${keys.KEY_ENV} ({os.environ[keys.KEY_ENV]})"
    elif in_agent:
        return "ssh-agent ($SSH_AUTH_SOCK)"
    else:
        return f"default ({keys.default_key_path()})"
    return where + (", private half in the ssh-agent" if in_agent else "")


def _namespaces(k: AllowedKey) -> str:
    if k.namespaces is None:
        return "all"
    listed = ",".join(k.namespaces)
    return listed if k.for_onboard() else f"{listed} (not {NAMESPACE})"


def _when(at: datetime) -> str:
    return at.strftime("%Y-%m-%d" if (at.hour, at.minute, at.second) == (0, 0, 0) else "%Y-%m-%d %H:%M:%SZ")


def _validity(k: AllowedKey, now: datetime) -> str:
    if k.valid_after is None and k.valid_before is None:
        return "always"
    parts = [f"from {_when(k.valid_after)}"] if k.valid_after else []
    parts += [f"until {_when(k.valid_before)}"] if k.valid_before else []
    state = "expired" if k.valid_before and now >= k.valid_before else ""
    state = "not yet" if k.valid_after and now < k.valid_after else state
    return " ".join(parts) + (f" ({state})" if state else "")


def _key_json(k: AllowedKey, now: datetime) -> dict[str, Any]:
    return {
        "line": k.line,
        "principals": k.principals,
        "fingerprint": k.fingerprint,
        "public_key": k.public_key,
        "namespaces": list(k.namespaces) if k.namespaces is not None else None,
        "for_onboard": k.for_onboard(),
        "valid_after": k.valid_after.isoformat() if k.valid_after else None,
        "valid_before": k.valid_before.isoformat() if k.valid_before else None,
        "valid_now": not k.invalid_at(now),
    }


def register(group: click.Group) -> None:
    group.add_command(keys_group)
