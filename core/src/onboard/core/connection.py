"""How the CLI and workers reach Temporal: flags, environment, or an envconfig profile.

The precedence, lowest first: Temporal's local default, the envconfig profile
(``$HOME/.config/temporalio/temporal.toml`` or ``--config-file``/``TEMPORAL_CONFIG_FILE``,
profile from ``--profile``/``TEMPORAL_PROFILE``), the ``TEMPORAL_*`` environment
variables (``TEMPORAL_ADDRESS``, ``TEMPORAL_NAMESPACE``, ``TEMPORAL_API_KEY``,
``TEMPORAL_TLS*``), then command-line flags.  The same profile works with the
``temporal`` CLI.
"""

import asyncio
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
from attrs import frozen
from onboard.core.converter import DATA_CONVERTER
from onboard.core.errors import OnboardError
from onboard.core.settings import DEFAULT_ADDRESS, DEFAULT_NAMESPACE
from temporalio.client import Client
from temporalio.envconfig import ClientConfig
from temporalio.runtime import Runtime
from temporalio.service import TLSConfig

#: Seconds a command waits for the server, and for the engagement's answer.
DEFAULT_TIMEOUT = 30.0


@frozen
class ConnectionOptions:
    address: str | None = None
    namespace: str | None = None
    profile: str | None = None
    config_file: str | None = None
    api_key: str | None = None
    tls: bool | None = None
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    timeout: float = DEFAULT_TIMEOUT

    @property
    def deadline(self) -> timedelta:
        return timedelta(seconds=self.timeout)


def connect_config(options: ConnectionOptions) -> dict[str, Any]:
    """Keyword arguments for ``Client.connect`` from the profile, env and flags."""
    try:
        config: dict[str, Any] = dict(
            ClientConfig.load_client_connect_config(profile=options.profile, config_file=options.config_file)
        )
    except Exception as exc:
        where = options.config_file or "the Temporal config file"
        raise OnboardError(
            f"cannot load connection profile {options.profile or 'default'!r} from {where}: {exc}"
        ) from exc
    config.setdefault("target_host", DEFAULT_ADDRESS)
    config.setdefault("namespace", DEFAULT_NAMESPACE)
    if options.address:
        config["target_host"] = options.address
    if options.namespace:
        config["namespace"] = options.namespace
    if options.api_key:
        config["api_key"] = options.api_key
        config.setdefault("tls", True)
    if options.tls_cert or options.tls_key or options.tls_ca:
        config["tls"] = TLSConfig(
            client_cert=_read(options.tls_cert),
            client_private_key=_read(options.tls_key),
            server_root_ca_cert=_read(options.tls_ca),
        )
    elif options.tls is not None:
        config["tls"] = options.tls
    return config


def _read(path: str | None) -> bytes | None:
    if not path:
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as exc:
        raise OnboardError(f"cannot read TLS file {path}: {exc.strerror}") from exc


async def connect(options: ConnectionOptions, *, runtime: Runtime | None = None) -> Client:
    """A client using onboard's data converter; a clear error when unreachable."""
    config = connect_config(options)
    try:
        return await asyncio.wait_for(
            Client.connect(**config, data_converter=DATA_CONVERTER, runtime=runtime or Runtime.default()),
            options.timeout,
        )
    except TimeoutError as exc:
        raise OnboardError(
            f"cannot reach Temporal at {config['target_host']} (namespace {config['namespace']}): "
            f"no answer within {options.timeout:g} s (--timeout)"
        ) from exc
    except Exception as exc:
        raise OnboardError(
            f"cannot reach Temporal at {config['target_host']} (namespace {config['namespace']}): {exc}"
        ) from exc


def connection_options(command: Callable) -> Callable:
    """Click decorator: the connection flags, gathered into ``connection=ConnectionOptions``."""
    flags = [
        click.option(
            "--timeout",
            type=click.FloatRange(min=0.1, max=3600),
            default=DEFAULT_TIMEOUT,
            show_default=True,
            envvar="ONBOARD_TIMEOUT",
            metavar="SECONDS",
            help="How long to wait for the server and the engagement's answer (or set ONBOARD_TIMEOUT).",
        ),
        click.option("--tls-ca", help="Server CA certificate (PEM) for TLS."),
        click.option("--tls-key", help="Client private key (PEM) for mTLS."),
        click.option("--tls-cert", help="Client certificate (PEM) for mTLS."),
        click.option("--tls/--no-tls", default=None, help="Use TLS (on by default with an API key)."),
        click.option("--api-key", envvar="TEMPORAL_API_KEY", help="Temporal Cloud API key."),
        click.option("--config-file", help="Temporal envconfig TOML file (as used by the temporal CLI)."),
        click.option("--profile", help="Profile in the envconfig file (default: 'default')."),
        click.option("--namespace", "-n", help=f"Temporal namespace (default: {DEFAULT_NAMESPACE})."),
        click.option("--address", help=f"Temporal frontend host:port (default: {DEFAULT_ADDRESS})."),
    ]
    names = [
        "tls_ca",
        "tls_key",
        "tls_cert",
        "tls",
        "api_key",
        "config_file",
        "profile",
        "namespace",
        "address",
        "timeout",
    ]

    def wrapper(**kwargs: Any) -> Any:
        kwargs["connection"] = ConnectionOptions(**{n: kwargs.pop(n) for n in names})
        return command(**kwargs)

    wrapper.__name__ = command.__name__
    wrapper.__doc__ = command.__doc__
    for flag in flags:
        wrapper = flag(wrapper)
    return wrapper
