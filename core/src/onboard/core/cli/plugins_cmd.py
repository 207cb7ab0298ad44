"""``onboard plugins``: what is installed, and ``onboard plugins new`` to start a new one.

The list shows every entry point of the ``onboard.services`` group, including
broken ones (status ``failed`` with the error) and those an operator switched off
(``blocked``), so it is the first thing to run when a service is missing::

    onboard plugins
    onboard plugins --json
    onboard plugins --facts          # every fact an engagement file may set
    onboard plugins new contoso_dlp --dir ~/src
"""

from pathlib import Path

import click
from onboard.core.cli.output import console, print_json, table
from onboard.core.errors import OnboardError
from onboard.core.models import FactDefinition
from onboard.core.plugins import PluginRecord, load_plugin_manager
from onboard.core.scaffold import create_plugin, install_step

_ANY_VALUE = {"bool": "true, false", "int": "a whole number", "text": "text", "choice": "—"}
_STATUS_STYLE = {"active": "green", "failed": "red", "blocked": "yellow"}


@click.group(name="plugins", invoke_without_command=True)
@click.option("--facts", "show_facts", is_flag=True, help="List the facts engagements may set instead.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def plugins(ctx: click.Context, show_facts: bool, as_json: bool) -> None:
    """List the installed plugins: services, hooks, status and errors (or, with --facts, their facts)."""
    if ctx.invoked_subcommand is not None:
        return
    manager = load_plugin_manager()
    if show_facts:
        facts = list(manager.facts().values())
        if as_json:
            print_json(facts)
            return
        with console.paged():
            console.print(facts_table(facts) if facts else "no plugin declares a fact")
        return
    records = sorted(manager.records.values(), key=lambda r: r.name)
    if as_json:
        print_json(records)
        return
    with console.paged():
        console.print(plugins_table(records) if records else "no onboard plugins are installed")


def plugins_table(records: list[PluginRecord]) -> object:
    """One row per plugin; a failed plugin's error is shown in full."""
    t = table(None, "plugin", "distribution", "version", "status", "services", "hooks", "error")
    for r in records:
        status = f"[{_STATUS_STYLE.get(r.status, '')}]{r.status}[/]"
        t.add_row(
            r.name,
            r.dist or "—",
            r.version or "—",
            status,
            ", ".join(r.services) or "—",
            ", ".join(r.hooks) or "—",
            r.error,
        )
    return t


def facts_table(facts: list[FactDefinition]) -> object:
    """One row per fact: who declares it, its values and default."""
    t = table(None, "fact", "service", "kind", "values", "default", "description")
    for f in facts:
        values = ", ".join(f.choices) or _ANY_VALUE[f.kind.value]
        default = (
            "—"
            if f.default is None
            else (str(f.default).lower() if isinstance(f.default, bool) else str(f.default))
        )
        t.add_row(f.key, f.service, f.kind.value, values, default, f.description)
    return t


@plugins.command(name="new")
@click.argument("name")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Where to create the plugin's folder.",
)
@click.option("--title", help="The service's display name (default: from NAME).")
@click.option("--json", "as_json", is_flag=True, help="Print what was created as JSON.")
def new(name: str, directory: Path, title: str | None, as_json: bool) -> None:
    """Create a working plugin package NAME: entry point, hooks and a passing conformance test."""
    taken = load_plugin_manager().services()
    if name in taken:
        raise OnboardError(
            f"a service {name!r} is already installed ({taken[name].name}); choose another NAME"
        )
    folder = create_plugin(name, directory, title=title)
    steps = (
        install_step(folder),
        (f"pytest {folder / 'tests'}", "the conformance suite and a plan test"),
        (f"onboard plugins && onboard plan --services {name}", ""),
    )
    if as_json:
        print_json({"name": name, "path": str(folder), "next": [command for command, _ in steps]})
        return
    console.print(f"created plugin [bold]{name}[/] in {folder}")
    console.print("next:")
    for command, why in steps:
        console.print(f"  {command}" + (f"        # {why}" if why else ""), markup=False)


def register(group: click.Group) -> None:
    group.add_command(plugins)
