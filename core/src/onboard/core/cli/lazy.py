"""A click group whose commands are imported only when they run.

The ``onboard`` group knows each command's name, the module that registers it and its
one-line help (:data:`onboard.core.cli.COMMANDS`), so ``onboard --help`` and the
shell's completion of command names import no command module, and ``onboard approve``
imports the module of ``approve`` alone.  A command module still exposes
``register(group)``; loading one registers all of its commands.

``group.commands`` stays a mapping of every command, as click's own groups have: a
lookup imports the command's module, and iterating lists the names without importing
anything.  A name that the table lacks but a module registers is still found, by
importing every module (slow, so ``tests/core/test_cli_lazy.py`` keeps the table
complete).
"""

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import click
from click.shell_completion import CompletionItem


def short_help(text: str, limit: int = 45) -> str:
    """``text`` shortened to ``limit`` as click shortens a command's help (its own code,
    on a stand-in command: click's helper for it is deprecated)."""
    return click.Command(None, help=text).get_short_help_str(limit)


class LazyCommands(MutableMapping[str, click.Command]):
    """``name -> command`` for a :class:`LazyGroup`, importing modules on lookup."""

    def __init__(self, group: click.Group, table: Mapping[str, tuple[str, str]]) -> None:
        self._group = group
        self._table = dict(table)
        self._loaded: dict[str, click.Command] = {}
        self._imported: set[str] = set()

    def module_of(self, name: str) -> str | None:
        """The module that registers command ``name`` according to the table."""
        entry = self._table.get(name)
        return entry[0] if entry else None

    def help_of(self, name: str) -> str | None:
        """The table's help line for ``name`` (None once loaded: the command's own counts)."""
        if name in self._loaded or name not in self._table:
            return None
        return self._table[name][1]

    def is_loaded(self, name: str) -> bool:
        return name in self._loaded

    def load_module(self, module: str) -> None:
        """Import ``module`` and let it register its commands (once)."""
        if module in self._imported:
            return
        self._imported.add(module)
        try:
            imported = importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a command group not written yet
            if exc.name != module:
                raise
            return
        imported.register(self._group)

    def __getitem__(self, name: str) -> click.Command:
        if name not in self._loaded:
            module = self.module_of(name)
            if module is not None:
                self.load_module(module)
            else:  # not in the table: perhaps a module registers it anyway
                for other in dict.fromkeys(m for m, _ in self._table.values()):
                    self.load_module(other)
        return self._loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        found = self._loaded.pop(name, None) is not None
        if self._table.pop(name, None) is None and not found:
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self._table, *self._loaded]))

    def __len__(self) -> int:
        return len(set(self._table) | set(self._loaded))

    def __contains__(self, name: object) -> bool:
        return name in self._table or name in self._loaded


class LazyGroup(click.Group):
    """A group built from a table ``name -> (module, one-line help)``; see the module doc."""

    def __init__(self, *args: Any, lazy_commands: Mapping[str, tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands: LazyCommands = LazyCommands(self, lazy_commands)

    def short_help_of(self, ctx: click.Context, name: str, limit: int = 45) -> str | None:
        """What ``--help`` and completion say of ``name``, from the table while it is not
        loaded (None: no such command, or hidden)."""
        told = self.commands.help_of(name)
        if told is not None:
            return short_help(told, limit)
        command = self.get_command(ctx, name)
        if command is None or command.hidden:
            return None
        return command.get_short_help_str(limit)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, with the help lines from the table (nothing imported)."""
        names = self.list_commands(ctx)
        if not names:
            return
        # As click does: what is left of the width after the names and 3 times the spacing.
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = [(name, text) for name in names if (text := self.short_help_of(ctx, name, limit)) is not None]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def shell_complete(self, ctx: click.Context, incomplete: str) -> list[CompletionItem]:
        """Command names (and the group's options) as click completes them, nothing imported."""
        results = [
            CompletionItem(name, help=text)
            for name in self.list_commands(ctx)
            if name.startswith(incomplete) and (text := self.short_help_of(ctx, name)) is not None
        ]
        # click.Group.shell_complete would look every command up; its base class does the options.
        results.extend(click.Command.shell_complete(self, ctx, incomplete))
        return results
