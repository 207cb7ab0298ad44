"""Table layout for the CLI: ids stay whole, other text wraps; and the plain form for scripts.

Rich shrinks the widest columns when a table is too wide and folds whatever no longer
fits, ids included (``fix.core.verifi|ed-domains``), which breaks copy and paste into
``onboard approve`` or ``onboard complete``.  :func:`fit` lays a table out before rich
does: a column that does not wrap (an id column, ``no_wrap=True``) always gets its
widest cell; every other column wraps at spaces and is, where the width allows, never
narrower than its longest word (up to :data:`WORD_FLOOR`), so ids named in a text
column stay whole too; only when that does not fit do its words fold (down to
:data:`TEXT_FLOOR`, the widest first).  When even the ids do not fit, :func:`fit` says how wide the
table must be; the caller prints it that wide and the terminal wraps the lines.

:func:`plain_lines` is ``--plain``: a table as tab-separated rows, its title as a
``#`` line, its header first; no box characters and no colour.
"""

import re
from collections.abc import Iterator

from rich import box
from rich.cells import cell_len
from rich.console import Console, Group, RenderableType
from rich.errors import MarkupError
from rich.measure import Measurement
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Column, Table
from rich.text import Text

#: A wrapping column is never narrower than its longest word, up to this many cells
#: (an id named in a title or a list stays whole; a long URL may fold).
WORD_FLOOR = 48
#: When even that does not fit, text columns fold their longest words, the widest
#: column first, down to this width (an id column never).
TEXT_FLOOR = 4
#: What an empty cell shows in a table; ``--plain`` prints it as an empty field.
NOTHING = "—"

_SPACE = re.compile(r"\s+")


def plain_text(cell: object, markup: bool = True) -> str:
    """A cell's text without rich markup ("" for a renderable that is not text)."""
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        if not markup:
            return cell
        # No markup tag, emoji code or control character: rich would give it back as it is
        # (and parsing each cell of a 10,000-row `onboard --plain list` costs a second).
        if "[" not in cell and ":" not in cell and cell.isprintable():
            return cell
        try:
            return Text.from_markup(cell).plain
        except MarkupError:  # brackets that are not markup: rich prints them as they are
            return cell
    return ""


def _extent(cell: object, console: Console) -> tuple[int, int]:
    """(longest word, widest line) of a cell, in terminal cells."""
    if not isinstance(cell, str | Text):
        measured = Measurement.get(console, console.options, cell)
        return measured.minimum, measured.maximum
    lines = plain_text(cell).splitlines() or [""]
    widest = max(cell_len(line) for line in lines)
    longest = max((cell_len(word) for line in lines for word in _SPACE.split(line)), default=0)
    return longest, widest


def _chrome(table: Table) -> int:
    """Borders and padding: the width a table takes beyond its columns' content."""
    _, right, _, left = table.padding
    borders = (2 if table.box and table.show_edge else 0) + (len(table.columns) - 1 if table.box else 0)
    edges = 0 if table.pad_edge else left + right  # the first column's left, the last's right
    return borders + (left + right) * len(table.columns) - edges


def _bounds(column: Column, console: Console) -> tuple[int, int, int]:
    """(narrowest, without folding a word, natural) content width of a column, header included."""
    longest, widest = 0, 0
    for cell in (column.header, *column.cells):
        word, line = _extent(cell, console)
        longest, widest = max(longest, word), max(widest, line)
    if column.no_wrap:  # an id: always whole
        return widest, widest, widest
    unfolded = min(widest, max(1, min(longest, WORD_FLOOR)))
    return min(unfolded, TEXT_FLOOR), unfolded, widest


def compact(table: Table) -> None:
    """Borderless: a rule under the header, two spaces between columns."""
    table.box, table.show_edge, table.pad_edge = box.SIMPLE_HEAD, False, False
    table.padding = (0, 1, 0, 0)


def _water_fill(floors: list[int], naturals: list[int], room: int) -> list[int]:
    """Widths within [floor, natural] summing to at most ``room``: the widest columns
    give way first, down to a common level (what rich does, but never below a floor)."""
    low, high = 0, max(naturals, default=0)
    while low < high:  # the highest level whose widths still fit
        level = (low + high + 1) // 2
        if sum(min(n, max(f, level)) for f, n in zip(floors, naturals, strict=True)) <= room:
            low = level
        else:
            high = level - 1
    widths = [min(n, max(f, low)) for f, n in zip(floors, naturals, strict=True)]
    spare = room - sum(widths)
    for i, (width, natural) in enumerate(zip(widths, naturals, strict=True)):
        if spare <= 0:
            break
        if width < natural:  # the level is a whole number: hand out the remainder
            widths[i] += 1
            spare -= 1
    return widths


def fit(table: Table, console: Console, width: int) -> int:
    """Lay ``table`` out for ``width`` cells; return the width it needs (> ``width``
    when its ids and longest words cannot fit, else ``width``)."""
    if not table.columns:
        return width
    floors, unfolded, naturals = zip(*(_bounds(column, console) for column in table.columns), strict=True)
    room = width - _chrome(table)
    if sum(naturals) <= room:  # rich lays it out as it is: nothing wraps
        return width
    if sum(unfolded) > room and table.box is not None:  # borders cost 3 cells a column
        compact(table)
        room = width - _chrome(table)
    if sum(unfolded) <= room:  # text wraps at spaces
        widths = _water_fill(list(unfolded), list(naturals), room)
    elif sum(floors) <= room:  # the longest words in text columns fold too; ids stay whole
        widths = _water_fill(list(floors), list(unfolded), room)
    else:
        widths = list(floors)
    for column, column_width in zip(table.columns, widths, strict=True):
        column.width = column_width
        column.overflow = "ignore" if column.no_wrap else "fold"
    return max(width, sum(widths) + _chrome(table))


def fit_all(renderable: object, console: Console, width: int) -> int:
    """:func:`fit` every table in ``renderable`` (a table, or a group holding some)."""
    if isinstance(renderable, Table):
        return fit(renderable, console, width)
    if isinstance(renderable, Group):
        return max((fit_all(r, console, width) for r in renderable.renderables), default=width)
    return width


def _field(cell: object) -> str:
    text = _SPACE.sub(" ", plain_text(cell)).strip()
    return "" if text == NOTHING else text


def plain_lines(renderable: RenderableType, console: Console, markup: bool = True) -> Iterator[str]:
    """``renderable`` as plain lines: tables as tab-separated rows, text without markup."""
    if isinstance(renderable, Table):
        if renderable.title:
            yield f"# {plain_text(renderable.title)}"
        columns = renderable.columns
        yield "\t".join(_field(c.header) for c in columns)
        for row in zip(*(list(c.cells) for c in columns), strict=True):
            yield "\t".join(_field(cell) for cell in row)
    elif isinstance(renderable, Group):
        for part in renderable.renderables:
            yield from plain_lines(part, console, markup)
    elif isinstance(renderable, Rule):
        if renderable.title:
            yield f"# {plain_text(renderable.title)}"
    elif isinstance(renderable, Padding | Panel):
        yield from plain_lines(renderable.renderable, console, markup)
    elif isinstance(renderable, str | Text):
        yield from plain_text(renderable, markup).splitlines() or [""]
    else:  # anything else rendered without colour, its trailing blanks trimmed
        with console.capture() as captured:
            console.print(renderable, no_wrap=True, crop=False)
        yield from (line.rstrip() for line in captured.get().splitlines())
