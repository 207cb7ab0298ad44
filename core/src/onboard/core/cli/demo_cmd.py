"""``onboard demo``: the main job of the README (see :mod:`onboard.core.demo`)."""

import asyncio

import click


@click.command()
@click.option("--port", type=int, default=0, show_default=True, help="Frontend port (0: a free one).")
@click.option("--keep", is_flag=True, help="Keep the server and worker running afterwards (Ctrl+C stops).")
@click.option("--fresh", is_flag=True, help="Start from an empty demo database.")
@click.option("--quiet", is_flag=True, help="Only the final status and the mail summary, not every step.")
def demo(port: int, keep: bool, fresh: bool, quiet: bool) -> None:
    """Run a sample engagement through every phase on the embedded Temporal server."""
    from onboard.core.demo import run_demo

    try:
        asyncio.run(run_demo(port=port, keep=keep, fresh=fresh, quiet=quiet))
    except KeyboardInterrupt:
        click.echo("stopped")


def register(group: click.Group) -> None:
    group.add_command(demo)
