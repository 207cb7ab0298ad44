"""Long tables printed without rich laying out every cell must print what rich prints.

A differential test: for generated tables (ids, markup, emoji codes, wide characters,
cells that wrap or span lines), consoles (widths, a terminal with colours or a pipe)
and the two layouts the CLI uses (boxed, and compact when narrow), whatever
:func:`long_tables.render` returns is byte for byte what ``console.print`` writes.
"""

import io
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from onboard.core.cli import long_tables
from onboard.core.cli.list_cmd import rows_table
from onboard.core.cli.output import console as cli_console
from onboard.core.cli.tables import compact, fit
from onboard.core.listing import EngagementSummary
from rich.console import Console
from rich.table import Table


def rich_prints(table: Table, console: Console) -> str:
    with console.capture() as captured:
        console.print(table)
    return captured.get()


def make_console(width: int, terminal: bool) -> Console:
    colours = "truecolor" if terminal else None  # a pipe: no colour (as rich decides for stdout)
    return Console(
        file=io.StringIO(), width=width, force_terminal=terminal, color_system=colours, highlight=False
    )


ONE_LINE = st.one_of(
    st.from_regex(r"[a-z][a-z0-9.-]{0,24}", fullmatch=True),  # ids
    st.sampled_from(
        ["running", "[bold red]STUCK[/]", "[red]blocked[/]", "running [yellow](was terminated)[/]"]
    ),
    st.sampled_from(
        ["—", "0", "[bold red]2[/]", "12:30 :warning: due", "a [b] c", "漢字の顧客", "[bold]x[/] y"]
    ),
)
#: And cells rich must lay out itself: several lines, words that wrap.
CELLS = st.one_of(ONE_LINE, st.just("two\nlines"), st.text(alphabet="abc xyz", max_size=60))


@settings(max_examples=80, deadline=None)
@given(
    columns=st.integers(1, 5),
    rows=st.integers(long_tables.LONG, long_tables.LONG + 20),
    data=st.data(),
    width=st.integers(30, 200),
    terminal=st.booleans(),
    narrow=st.booleans(),
    one_line=st.booleans(),
)
def test_a_long_table_prints_as_rich_prints_it(columns, rows, data, width, terminal, narrow, one_line):
    console = make_console(width, terminal)
    table = Table(header_style="bold")
    for i in range(columns):
        table.add_column(f"column {i}", no_wrap=i == 0, overflow="fold")
    for _ in range(rows):
        table.add_row(
            *data.draw(st.lists(ONE_LINE if one_line else CELLS, min_size=columns, max_size=columns))
        )
    if narrow:
        compact(table)
    fit(table, console, width)  # as the CLI lays every table out first
    quick = long_tables.render(table, console)
    if quick is not None:
        assert quick == rich_prints(table, console)


def engagements(n: int) -> list[EngagementSummary]:
    now = datetime.now(UTC)
    return [
        EngagementSummary(
            engagement_id=f"eng-{i:05d}-contoso",
            status="running",
            phase="initiate",
            tenant="contoso.onmicrosoft.com",
            services=("ems",),
            awaiting=("pat", "party:provider"),
            started=now - timedelta(hours=i),
            customer="Contoso Ltd",
            open_items=i % 4,
            overdue_items=i % 3,  # 1 and 2 are printed in bold red
            escalations=0,
            blocked="failed for good" if i % 17 == 0 else "",
            replaced=("terminated",) if i % 23 == 0 else (),
        )
        for i in range(n)
    ]


def test_onboard_lists_table_takes_the_short_cut_and_prints_what_rich_prints():
    # The table a person sees for thousands of engagements: without the short cut, rich
    # takes seconds; with it the lines must be the same, colours included.
    for terminal in (False, True):
        console = make_console(160, terminal)
        table = rows_table(engagements(300), datetime.now(UTC))
        fit(table, console, 160)
        quick = long_tables.render(table, console)
        assert quick is not None, "onboard list's table should not need rich's layout"
        assert quick == rich_prints(table, console)
        assert ("\x1b[1;31m" in quick) is terminal  # the overdue counts, in bold red on a terminal


def test_a_short_table_or_one_that_wraps_is_left_to_rich():
    console = make_console(60, False)
    short = rows_table(engagements(long_tables.LONG - 1), datetime.now(UTC))
    assert long_tables.render(short, console) is None
    wraps = Table()
    wraps.add_column("id", no_wrap=True)
    wraps.add_column("title")
    for i in range(long_tables.LONG):
        wraps.add_row(f"item-{i}", "a title long enough to wrap at sixty columns " * (i % 2 + 1))
    fit(wraps, console, 60)
    assert long_tables.render(wraps, console) is None


def test_the_cli_prints_a_long_list_through_the_short_cut(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")
    cli_console.configure(pager=False)
    table = rows_table(engagements(200), datetime.now(UTC))
    cli_console.print(table)
    out = capsys.readouterr().out
    cli_console.configure(pager=False)
    expected = rich_prints(rows_table(engagements(200), datetime.now(UTC)), cli_console.rich)
    assert out == expected
    assert out.count("\n") == 200 + 4  # top, header, rule, the rows, bottom
