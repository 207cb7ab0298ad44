"""The ``onboard`` group imports a command's module only when that command runs.

Its table (:data:`onboard.core.cli.COMMANDS`) must name every command the modules
register, with the help line click would show; ``--help``, the completion of command
names and each command must import no more than they need.
"""

import importlib
import json
import subprocess
import sys

import click
import pytest
from onboard.core.cli import COMMAND_MODULES, COMMANDS, cli
from onboard.core.cli.lazy import short_help

MODULES = [f"onboard.core.cli.{m}" for m in COMMAND_MODULES]


def registered(module: str) -> dict[str, click.Command]:
    group = click.Group()
    importlib.import_module(module).register(group)
    return dict(group.commands)


@pytest.mark.parametrize("module", MODULES)
def test_the_table_names_what_each_module_registers(module: str):
    told = {name for name, (where, _) in COMMANDS.items() if where == module}
    assert set(registered(module)) == told, f"COMMAND_MODULES in cli/__init__.py: {module}'s commands"


@pytest.mark.parametrize("module", MODULES)
def test_the_table_gives_click_s_own_help_line(module: str):
    for name, command in registered(module).items():
        for limit in (45, 60, 80, 1000):
            told = short_help(COMMANDS[name][1], limit)
            assert told == command.get_short_help_str(limit), f"the help of {name!r} in COMMAND_MODULES"


def loaded_after(code: str) -> dict[str, object]:
    """Run ``code`` in a fresh interpreter; what it printed and which modules it imported."""
    probe = (
        "import contextlib, io, json, sys\n"
        "out = io.StringIO()\n"
        "with contextlib.redirect_stdout(out):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + "print(json.dumps({'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_help_imports_no_command_and_lists_them_all():
    lazy = loaded_after("from onboard.core.cli import run\nrun(['--help'])")
    eager = loaded_after(
        "from onboard.core.cli import cli, run\nfor name in list(cli.commands): cli.commands[name]\nrun(['--help'])"
    )
    assert lazy["out"] == eager["out"]
    assert all(f"\n  {name} " in lazy["out"] for name in COMMANDS)
    heavy = ("temporalio", "rich", "attrs", "onboard.core.models", "onboard.core.cli.output", *MODULES)
    assert [m for m in lazy["modules"] if m.startswith(heavy)] == []


def test_a_command_imports_its_own_module_only():
    found = loaded_after("from onboard.core.cli import run\nrun(['approve', '--help'])")
    assert "ENGAGEMENT_ID" in found["out"]
    modules = set(found["modules"])
    assert modules & set(MODULES) == {COMMANDS["approve"][0]}, "not engagement_cmds: its options are apart"
    worker_side = ("pluggy", "temporalio.worker", "onboard.core.plugins", "onboard.core.engagement.workflows")
    assert modules.isdisjoint(worker_side)
    # Nor what an approval does not need: the plan's and the state's models, the other
    # actions', cattrs, rich (tests/engine/test_cli_imports.py runs a real approval).
    heavy = (
        "onboard.core.models.plan",
        "onboard.core.models.state",
        "onboard.core.models.actions",
        "cattrs",
        "rich",
        "onboard.core.cli.bulk",  # several engagements at once only
    )
    assert sorted(m for m in modules if m.startswith(heavy)) == []


def test_list_reads_the_memo_without_the_rules_that_write_it():
    found = loaded_after("from onboard.core.cli import run\nrun(['list', '--help'])")
    assert "--awaiting" in found["out"]
    modules = set(found["modules"])
    assert "onboard.core.listing" in modules
    # The memo's key and layout come from the workflow's interface, not from
    # engagement.summary, which brings the rules, the gates and the plan's models.
    heavy = ("onboard.core.engagement", "onboard.core.gates", "onboard.core.models.plan")
    assert sorted(m for m in modules if m.startswith(heavy)) == []


def test_commands_is_still_a_mapping_of_every_command():
    assert set(cli.commands) == set(COMMANDS) and len(cli.commands) == len(COMMANDS)
    assert "approve" in cli.commands and "no-such-command" not in cli.commands
    assert isinstance(cli.commands["show"], click.Command)
    with click.Context(cli) as ctx:
        assert cli.get_command(ctx, "no-such-command") is None


def test_command_names_complete_from_the_table():
    with click.Context(cli) as ctx:
        offered = {item.value: item.help for item in cli.shell_complete(ctx, "re")}
    assert {"reassess", "reject", "report", "request", "resume"} <= set(offered)
    assert offered["reject"] == short_help(COMMANDS["reject"][1], 45)


def test_the_collector_loads_ntlm_only_for_an_ntlm_bind():
    """pyspnego and cryptography's x509 cost a simple bind 10 MB: only ``--auth ntlm`` imports them."""
    simple = loaded_after("import onboard.core.collect.collector, onboard.core.collect.ldap_client")
    assert not {"spnego", "onboard.core.collect.ntlm_bind"} & set(simple["modules"])
    ntlm = loaded_after("import onboard.core.collect.ntlm_bind")
    assert "spnego" in ntlm["modules"]  # the probe sees the import when there is one
