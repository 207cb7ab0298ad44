"""Printing for the CLI: tables for people, tab-separated rows with ``--plain``, JSON with ``--json``.

Every command prints through :data:`console`, which the ``onboard`` group configures
for each run (``onboard --plain``, ``onboard --no-pager``, ``$ONBOARD_PLAIN``):

- **width**: the terminal's; piped, ``$COLUMNS`` or else :data:`PIPED_WIDTH`;
- **tables**: id columns never wrap and are never cut, other columns wrap at spaces
  (:mod:`.tables`); a table whose ids cannot fit is printed wider rather than cut;
  a long one whose cells all fit on one line is written without rich laying out
  every cell, the same lines (:mod:`.long_tables`);
- **plain** (for scripts): tables as tab-separated rows under a header line, a title
  as a ``#`` line, no box characters, no colour, no wrapping.  Never automatic: piped
  output is often still read by a person (``| less``, ``| tee``, a mail), and it has no
  colour anyway (nor with ``$NO_COLOR``);
- **pager** (:mod:`.pager`): a command's report that is longer than the screen goes
  through ``$ONBOARD_PAGER``/``$PAGER``/``less`` when stdout is a terminal;
- **JSON** (:func:`print_json`): the models through the project's cattrs converter.

rich is imported on first use, not here: a command that prints one short line of
plain text (most that change something) writes it itself, as rich would have, and
skips rich's import and its markup and emoji tables (some 60 ms of ``onboard approve``).
"""

import io
import json
import os
import re
import sys
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from onboard.core.cli import PLAIN_ENV
from onboard.core.cli.pager import page, pager_command, screen_lines

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

#: The width of piped output when ``$COLUMNS`` does not say (rich would assume 80).
PIPED_WIDTH = 160


def _wanted(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


#: Text rich prints as it is: printable ASCII without markup (``[``) or emoji codes (``:x:``).
_AS_IS = re.compile(r"[ -~]*")
_EMOJI_CODE = re.compile(r":\S*?:")
#: Rich's width when nothing says otherwise (the narrowest a plain line is written at).
_NARROWEST = 80


def _as_is(objects: tuple[Any, ...], sep: str, end: str) -> str | None:
    """What rich would print for ``objects``, when that is just their text: plain strings
    that fit on one line of the narrowest width rich might use here; else None."""
    if os.name != "posix" or not all(type(o) is str for o in objects) or end not in ("\n", ""):
        return None
    line = sep.join(objects)
    if not _AS_IS.fullmatch(line) or "[" in line or _EMOJI_CODE.search(line):
        return None
    columns = os.environ.get("COLUMNS", "").strip()
    limit = int(columns) if columns.isdigit() and int(columns) > 0 else _NARROWEST
    if sys.stdout.isatty():  # rich might take the terminal's width instead of $COLUMNS
        import shutil  # here: output to a pipe (scripts) never needs it

        limit = min(limit, shutil.get_terminal_size().columns)
    return line + end if len(line) <= limit else None


def _rich_console() -> "Console":
    """A console for stdout: the terminal's width, else ``$COLUMNS``, else :data:`PIPED_WIDTH`."""
    from rich.console import Console

    columns = os.environ.get("COLUMNS", "").strip()
    told = columns.isdigit() and int(columns) > 0  # rich reads $COLUMNS itself
    width = None if told or Console().is_terminal else PIPED_WIDTH
    return Console(highlight=False, width=width)


class Output:
    """The CLI's console: a rich console for people, plain lines for scripts, a buffer
    while a report is paged.  Other attributes are the rich console's."""

    def __init__(self) -> None:
        self.plain = False
        self.paging = True
        self._console: Console | None = None

    def configure(self, *, plain: bool = False, pager: bool = True) -> None:
        """Set up for one run of the CLI (``plain`` also from ``$ONBOARD_PLAIN``)."""
        self.plain = plain or _wanted(os.environ.get(PLAIN_ENV))
        self.paging = pager
        self._console = None  # made for this run when first needed

    @property
    def rich(self) -> "Console":
        if self._console is None:
            self._console = _rich_console()
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.rich, name)

    def print(
        self, *objects: Any, sep: str = " ", end: str = "\n", markup: bool | None = None, **kwargs: Any
    ) -> None:
        """Like rich's ``print``; tables keep their ids whole, and plain mode prints plain lines."""
        if self._console is None and not kwargs:  # nothing held for a pager: stdout itself
            text = _as_is(objects, sep, end)
            if text is not None:
                sys.stdout.write(text)
                return
        from rich.text import Text

        console = self.rich
        text_only = all(isinstance(o, str | Text) for o in objects)
        if text_only and not self.plain:  # no table to fit: rich's own print
            console.print(*objects, sep=sep, end=end, markup=markup, **kwargs)
            return
        # Imported here: tables bring rich's table, box and panel modules, which a command
        # that prints a line of text (most that change something) does not need.
        from onboard.core.cli import long_tables, tables

        if self.plain:
            if text_only:
                self.write(sep.join(tables.plain_text(o, markup is not False) for o in objects) + end)
            else:
                lines = [
                    line for o in objects for line in tables.plain_lines(o, console, markup is not False)
                ]
                self.write("\n".join(lines) + end)
            return
        normal = console.width
        width = max((tables.fit_all(o, console, normal) for o in objects), default=normal)
        wider = width > normal  # wider than the screen: the terminal wraps the lines, ids whole
        if wider:
            console.width = width
        try:
            quick = len(objects) == 1 and end == "\n" and markup is not False and not kwargs
            text = long_tables.render(objects[0], console) if quick else None
            if text is not None:
                console.file.write(text)
            else:
                console.print(*objects, sep=sep, end=end, markup=markup, crop=not wider, **kwargs)
        finally:
            if wider:
                console.width = normal

    def write(self, text: str) -> None:
        """``text`` exactly as it is (JSON, exports): no markup, no wrapping."""
        (sys.stdout if self._console is None else self._console.file).write(text)

    @contextmanager
    def paged(self) -> Iterator[None]:
        """Hold what is printed inside; then page it if it is longer than the screen."""
        command = pager_command(self.paging)
        from rich.console import Console

        normal = self.rich
        if command is None or normal.file is not sys.stdout:  # not a terminal, or already held
            yield
            return
        held = io.StringIO()
        self._console = Console(file=held, force_terminal=True, width=normal.width, highlight=False)
        done = False
        try:
            yield
            done = True
        finally:
            self._console = normal
            text = held.getvalue()
            if done and text.count("\n") >= screen_lines():
                page(text, command)
            else:  # short, or cut short by an error: what was printed stays visible
                sys.stdout.write(text)


#: The one console every command prints through.
console = Output()


def print_json(value: Any) -> None:
    """Any model (or plain data) as indented JSON on stdout."""
    # Here: the converter brings temporalio's converters, which only --json needs.
    from onboard.core.converter import to_json_value

    console.write(json.dumps(to_json_value(value), indent=2, sort_keys=False, default=str) + "\n")


def table(title: str | None, *columns: str, ids: Collection[str] | None = None) -> "Table":
    """A table whose id columns (``ids``; by default the first) never wrap or fold.

    Every other column wraps at spaces; see :mod:`onboard.core.cli.tables`.
    """
    from rich.table import Table

    id_columns = set(columns[:1] if ids is None else ids)
    t = Table(title=title, title_justify="left", show_lines=False, header_style="bold")
    for column in columns:
        t.add_column(column, no_wrap=column in id_columns, overflow="fold")
    return t
