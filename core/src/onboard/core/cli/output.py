"""Printing for the CLI: rich tables for people, ``--json`` for scripts."""

import json
from typing import Any

from onboard.core.converter import to_json_value
from rich.console import Console
from rich.table import Table


def _console() -> Console:
    # Rich assumes 80 columns when output is piped; tables of ids need more.
    probe = Console()
    return Console(highlight=False, width=None if probe.is_terminal else 160)


console = _console()


def print_json(value: Any) -> None:
    """Any model (or plain data) as indented JSON on stdout."""
    print(json.dumps(to_json_value(value), indent=2, sort_keys=False, default=str))


def table(title: str | None, *columns: str) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, overflow="fold")
    return t
