"""How the CLI prints: ids whole at any width, width from $COLUMNS when piped, --plain, the pager.

No server is needed: ``onboard plan`` and ``onboard plugins`` print real tables from the
installed plugins, and the pager tests run ``onboard`` in a real pseudo-terminal.
"""

import json
import os
import pty
import shlex
import shutil
import struct
import subprocess
import sys
from fcntl import ioctl
from pathlib import Path
from termios import TIOCSWINSZ

import pytest
from onboard.core.cli import run
from onboard.core.cli.output import PIPED_WIDTH, console, table
from onboard.core.cli.pager import pager_command
from onboard.core.scaffold import install_step
from rich.cells import cell_len

ROOT = Path(__file__).resolve().parents[2]
CONTOSO = str(ROOT / "examples" / "contoso.toml")
BOX = set("┏┓┗┛┃━│─┡┩└┘┳┻╇┼")


def onboard(capsys, *args: str) -> tuple[int, str, str]:
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def plan_ids(capsys) -> list[str]:
    """Every id a person may copy from the plan: requirements, steps and gates."""
    code, out, _ = onboard(capsys, "plan", CONTOSO, "--json")
    assert code == 0
    plan = json.loads(out)
    ids = [r["id"] for r in plan["requirements"]] + [s["id"] for s in plan["enable_steps"]]
    return ids + [g["id"] for g in plan["gates"]]


@pytest.mark.parametrize("columns", [80, 120])
def test_ids_in_the_plan_are_whole_at_80_and_120_columns(capsys, monkeypatch, columns):
    ids = plan_ids(capsys)
    assert any(len(i) > 30 for i in ids), "the plan should have long ids to fold"
    monkeypatch.setenv("COLUMNS", str(columns))
    code, out, _ = onboard(capsys, "plan", CONTOSO)
    assert code == 0
    folded = [i for i in ids if i not in out]
    assert not folded, f"ids cut at {columns} columns: {folded[:5]}"
    assert max(cell_len(line) for line in out.splitlines()) <= columns


def test_piped_width_follows_columns_else_a_wide_default(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    _, wide, _ = onboard(capsys, "plan", CONTOSO)
    assert PIPED_WIDTH < max(cell_len(line) for line in wide.splitlines()) <= 200
    monkeypatch.delenv("COLUMNS")
    _, default, _ = onboard(capsys, "plan", CONTOSO)
    assert max(cell_len(line) for line in default.splitlines()) == PIPED_WIDTH


def test_a_table_whose_id_cannot_fit_is_printed_wider_not_cut(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    console.configure()
    long_id = "fix.aad_premium.a-very-long-remediation-item-identifier"
    t = table(None, "item", "title")
    t.add_row(long_id, "Something to fix, in words that wrap")
    console.print(t)
    out = capsys.readouterr().out
    assert long_id in out, out
    row = next(line for line in out.splitlines() if long_id in line)
    assert "wrap" not in row, "the title still wraps, at its narrowest"


@pytest.mark.parametrize("how", ["option", "environment"])
def test_plain_is_tab_separated_without_boxes_or_colour(capsys, monkeypatch, how):
    args = ["plugins"]
    if how == "option":
        args.insert(0, "--plain")
    else:
        monkeypatch.setenv("ONBOARD_PLAIN", "1")
    monkeypatch.setenv("COLUMNS", "40")  # plain never wraps, whatever the width
    code, out, _ = onboard(capsys, *args)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split("\t") == [
        "plugin",
        "distribution",
        "version",
        "status",
        "services",
        "hooks",
        "error",
    ]
    rows = {line.split("\t")[0]: line.split("\t") for line in lines[1:]}
    assert rows["core"][3] == "active" and "assess_requirements" in rows["core"][5]
    assert rows["journal"][4] == "", "an empty cell (— in a table) is an empty field"
    assert all(len(r) == 7 for r in rows.values())
    assert not BOX & set(out) and "\x1b[" not in out


def test_plain_plan_names_each_table_and_keeps_its_ids(capsys):
    ids = plan_ids(capsys)
    code, out, _ = onboard(capsys, "--plain", "plan", CONTOSO)
    assert code == 0 and not BOX & set(out)
    fields = {field for line in out.splitlines() for field in line.split("\t")}
    assert set(ids) <= fields
    assert "# gate" in out.splitlines()


# --- the pager, in a real terminal -----------------------------------------------------


def in_terminal(args: list[str], rows: int, env: dict[str, str]) -> str:
    """Run ``onboard ARGS`` with a pseudo-terminal of ``rows`` x 100 as its stdout; what it showed."""
    leader, follower = pty.openpty()
    ioctl(follower, TIOCSWINSZ, struct.pack("HHHH", rows, 100, 0, 0))
    environment = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "PAGER", "LESS")}
    process = subprocess.Popen(
        [sys.executable, "-c", "from onboard.core.cli import main; main()", *args],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**environment, "TERM": "xterm", **env},
        cwd=ROOT,
    )
    os.close(follower)
    shown = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closed: onboard (and its pager) ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert process.wait() == 0, shown.decode(errors="replace")
    return shown.decode(errors="replace")


def test_long_output_on_a_terminal_goes_through_the_pager(tmp_path):
    paged, options = tmp_path / "paged", tmp_path / "less"
    pager = f"echo $LESS > {shlex.quote(str(options))}; cat > {shlex.quote(str(paged))}"
    # $ONBOARD_PAGER comes before $PAGER (which would fail here).
    shown = in_terminal(["plan", CONTOSO], rows=24, env={"PAGER": "false", "ONBOARD_PAGER": pager})
    text = paged.read_text()
    assert "Plan for Contoso Ltd" in text and "joint-verification" in text
    assert "\x1b[" in text, "colours pass through to the pager"
    assert "Plan for Contoso Ltd" not in shown
    assert options.read_text().strip() == "FRX", "less quits on one screen, keeps colours and the text"


def test_no_pager_for_output_that_fits_or_with_no_pager(tmp_path):
    paged = tmp_path / "paged"
    env = {"PAGER": f"cat > {shlex.quote(str(paged))}"}
    shown = in_terminal(["plugins"], rows=500, env=env)
    assert "aad_premium" in shown and not paged.exists(), "it fits the screen"
    shown = in_terminal(["--no-pager", "plugins"], rows=10, env=env)
    assert "aad_premium" in shown and not paged.exists()


class Terminal:
    """sys.stdout as a terminal, for the pager's choice (which reads only the environment)."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("onboard_pager", "pager", "chosen"),
    [
        (None, "cat -v", "cat -v"),
        ("cat -n", "cat -v", "cat -n"),
        ("", "cat -v", None),
        (None, "cat", None),
        (None, "no-such-pager-here --x", None),
    ],
)
def test_which_pager(monkeypatch, onboard_pager, pager, chosen):
    for name, value in (("ONBOARD_PAGER", onboard_pager), ("PAGER", pager)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert pager_command() == chosen
    assert pager_command(enabled=False) is None


@pytest.mark.skipif(shutil.which("less") is None, reason="less is not installed")
def test_the_default_pager_is_less(monkeypatch):
    monkeypatch.delenv("ONBOARD_PAGER", raising=False)
    monkeypatch.delenv("PAGER", raising=False)
    monkeypatch.setattr(sys, "stdout", Terminal())
    assert pager_command() == "less"


def test_plugins_new_prints_what_it_made_as_json(capsys, tmp_path):
    code, out, _ = onboard(capsys, "plugins", "new", "contoso_json", "--dir", str(tmp_path), "--json")
    made = json.loads(out)
    assert code == 0 and made["name"] == "contoso_json" and Path(made["path"]).is_dir()
    assert made["next"][0] == install_step(Path(made["path"]))[0]


@pytest.mark.parametrize("columns", ["", "30", "100"])
@pytest.mark.parametrize("plain", [False, True])
@pytest.mark.parametrize(
    "objects",
    [
        ("gate 'kickoff' passed",),
        ("approval recorded; gate 'joint-verification' still needs the customer side",),
        ("a", "b"),
        ("",),
        ("[bold]markup[/bold] is rich's",),
        ("an emoji :thumbs_up: code",),
        ("tab\tand non-ASCII … go through rich",),
        ("x" * 170,),
    ],
)
def test_a_plain_line_prints_as_rich_prints_it(capsys, monkeypatch, columns, plain, objects):
    # The one-line fast path (no rich) must print exactly what rich prints.
    monkeypatch.setenv("COLUMNS", columns) if columns else monkeypatch.delenv("COLUMNS", raising=False)
    printed = []
    for fast in (True, False):
        console.configure(plain=plain)
        if not fast:
            assert console.rich is not None  # a console made first: everything goes through rich
        console.print(*objects)
        printed.append(capsys.readouterr().out)
    assert printed[0] == printed[1]


@pytest.mark.parametrize(
    "cell",
    [
        "scale-abc-00001",
        "Contoso Ltd",
        "[bold red]3[/]",
        "12:30 :warning: done",
        "Contoso\x07",
        "a [b] c",
        "—",
    ],
)
def test_plain_text_of_a_cell_is_what_rich_would_print(cell: str):
    # Cells without markup skip rich's parser (a 10,000-row list); the text must not change.
    from onboard.core.cli.tables import plain_text
    from rich.text import Text

    assert plain_text(cell) == Text.from_markup(cell).plain
