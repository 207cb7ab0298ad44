"""``onboard codec-server``: the codec server for the Web UI and the ``temporal`` CLI.

Payloads of a kilobyte or more are compressed (:mod:`onboard.core.codec`); the Web
UI and ``temporal workflow show`` show them decoded only through a codec server
(:mod:`onboard.core.codec_server`). ``onboard dev`` and the demo run one of their
own; this command is for a Temporal cluster's Web UI.
"""

import signal
import threading

import click
from onboard.core import codec_server
from onboard.core.errors import OnboardError


def register(group: click.Group) -> None:
    group.add_command(codec_server_command)


@click.command("codec-server")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8888, show_default=True, help="Port (0: a free one)."
)
def codec_server_command(host: str, port: int) -> None:
    """Decode onboard's compressed payloads for the Web UI and the temporal CLI, until Ctrl+C.

    In the Web UI: Settings (the gear) > Codec Server > the URL printed below. With the
    CLI: temporal workflow show -w ENGAGEMENT_ID --codec-endpoint URL.
    """
    try:
        server = codec_server.make_server(host, port)
    except OSError as exc:
        raise OnboardError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc}); choose another with --host/--port"
        ) from exc
    codec_server.serve_in_background(server)
    click.echo(f"codec server at {codec_server.url_of(server)}  (POST /decode, /encode); Ctrl+C stops it")
    stop = threading.Event()
    # SIGTERM is what service managers send; SIGINT stays ignored where the shell that
    # started us in the background made it so.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        signal.signal(signal.SIGINT, lambda *_: stop.set())
    try:
        while not stop.wait(3600):
            pass
    finally:
        codec_server.stop(server)
    click.echo("codec server stopped")
