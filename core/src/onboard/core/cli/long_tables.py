"""Long tables printed quickly: the lines rich would print, without rich laying out every cell.

Rich renders a table cell by cell (padding, wrapping, cropping, segments), some 0.6 ms
a row for ``onboard list``'s nine columns: 6 s of CPU for 10,000 engagements, where
the rest of the listing takes under one.  Most long tables are one line per row, every
cell shorter than its column; for those, :func:`render` asks rich for the table's top,
header and bottom and for its first and last rows only (every column at the width the
whole table needs), and writes the rows between the same way, as text.  A row is then
its cells, each padded to its column, joined by the box's dividers; a cell with markup
is styled once by rich for each distinct text (a few: statuses, counts) and reused.

The two rows rich printed are also built that way and compared with rich's: where they
differ (a table or box this module does not know), :func:`render` gives up and rich
prints the table itself, as it does any table that has wrapped or multi-line cells,
row styles, sections, a title or a caption, or fewer than :data:`LONG` rows.
"""

import copy

from rich.box import Box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

#: Rows from which a table is worth the short cut (below, rich's time is not noticed).
LONG = 100


def render(table: object, console: Console) -> str | None:
    """What ``console.print(table)`` would write, or None where rich must lay it out itself."""
    if not isinstance(table, Table):
        return None
    rows = len(table.rows)
    if rows < LONG or not _plain_layout(table):
        return None
    pad_top, pad_right, pad_bottom, pad_left = table.padding
    if pad_top or pad_bottom:
        return None
    widths = _widths(table, console)
    if widths is None:
        return None
    last = len(table.columns) - 1
    pads = [
        (
            0 if i == 0 and not table.pad_edge else pad_left,
            0 if i == last and not table.pad_edge else pad_right,
        )
        for i in range(last + 1)
    ]
    edges = 2 if table.show_edge else 0
    if sum(widths) + sum(left + right for left, right in pads) + edges + last > console.width:
        return None  # rich would narrow the columns (tables.fit has set widths where it must)
    sample = _rich_lines(table, console, widths, [0, rows - 1])
    if sample is None:
        return None
    top, body, bottom = sample
    safe = table.safe_box if table.safe_box is not None else console.safe_box
    box = table.box.substitute(console.options, safe=safe)  # type: ignore[union-attr]
    styled: dict[str, tuple[str, int]] = {}
    cells = [list(column.cells) for column in table.columns]

    def line(index: int, left: str, divider: str, right: str) -> str | None:
        parts = []
        for column, (width, (pad_l, pad_r)) in enumerate(zip(widths, pads, strict=True)):
            text = _styled(cells[column][index], console, styled)
            if text is None:
                return None
            shown, length = text
            parts.append(" " * pad_l + shown + " " * (width - length + pad_r))
        return (left if table.show_edge else "") + divider.join(parts) + (right if table.show_edge else "")

    mid = (box.mid_left, box.mid_vertical, box.mid_right)
    foot = (box.foot_left, box.foot_vertical, box.foot_right)
    if [line(0, *mid), line(rows - 1, *foot)] != body:  # not the table rich would print
        return None
    between = [line(i, *mid) for i in range(1, rows - 1)]
    if None in between:
        return None
    return "\n".join([*top, body[0], *between, body[1], *bottom]) + "\n"  # type: ignore[list-item]


def _plain_layout(table: Table) -> bool:
    """A box, one header, rows without styles or sections, left-justified unstyled columns."""
    return (
        isinstance(table.box, Box)
        and table.show_header
        and not (table.title or table.caption or table.show_footer or table.show_lines or table.leading)
        and table.style in (None, "", "none")
        and not (table.border_style or table.row_styles or table.expand)
        and table.width is None
        and table.min_width is None
        and not table.collapse_padding
        and all(row.style is None and not row.end_section for row in table.rows)
        and all(_plain_column(column) for column in table.columns)
    )


def _plain_column(column: Column) -> bool:
    return (
        column.justify == "left"
        and not column.style
        and not column.highlight
        and column.ratio is None
        and column.min_width is None
        and column.max_width is None
    )


def _widths(table: Table, console: Console) -> list[int] | None:
    """Each column's content width: its own where set, else its widest cell; None where a
    cell is not one line of text within it (rich would wrap or fold it)."""
    widths = []
    for column in table.columns:
        natural = 0
        for cell in (column.header, *column.cells):
            if not isinstance(cell, str | Text):
                return None
            plain = _plain(cell, console)
            if plain is None:
                return None
            natural = max(natural, cell_len(plain))
        if column.width is not None and natural > column.width:
            return None
        widths.append(natural if column.width is None else column.width)
    return widths


def _plain(cell: str | Text, console: Console) -> str | None:
    """A cell's text as shown, when it is one printable line; else None."""
    if isinstance(cell, Text):
        text = cell.plain
    elif "[" not in cell and ":" not in cell:  # no markup or emoji code: shown as it is
        text = cell
    else:
        text = console.render_str(cell, highlight=False).plain
    return text if text.isprintable() else None


def _styled(cell: object, console: Console, seen: dict[str, tuple[str, int]]) -> tuple[str, int] | None:
    """A body cell as rich writes it (with its colours, if any) and its width."""
    if isinstance(cell, str) and "[" not in cell and ":" not in cell and cell.isprintable():
        return cell, cell_len(cell)
    if not isinstance(cell, str):  # Text with its own spans: rare in a long table
        return None
    if cell not in seen:
        text = console.render_str(cell, highlight=False)
        with console.capture() as captured:
            console.print(text, end="", soft_wrap=True)
        seen[cell] = captured.get(), cell_len(text.plain)
    return seen[cell]


def _rich_lines(
    table: Table, console: Console, widths: list[int], rows: list[int]
) -> tuple[list[str], list[str], list[str]] | None:
    """Rich's own lines for ``rows`` of the table, every column at ``widths``:
    (the lines above the rows, one line per row, the lines below)."""
    sample = copy.copy(table)
    sample.rows = [table.rows[i] for i in rows]
    sample.columns = []
    for column, width in zip(table.columns, widths, strict=True):
        narrow = copy.copy(column)
        narrow._cells = [column._cells[i] for i in rows]
        narrow.width = width
        sample.columns.append(narrow)
    with console.capture() as captured:
        console.print(sample, crop=False)
    lines = captured.get().split("\n")
    if lines[-1] != "":
        return None
    lines.pop()
    above = 3 if table.show_edge else 2  # top edge, header, the rule under it
    below = 1 if table.show_edge else 0
    if len(lines) != above + len(rows) + below:  # a row took two lines after all
        return None
    return lines[:above], lines[above : above + len(rows)], lines[above + len(rows) :]
