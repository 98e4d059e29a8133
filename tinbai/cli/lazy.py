"""A click group that imports a command's module only when that command runs.

This is click's "lazily loading subcommands" pattern. A command module adds its
commands to the group when imported (`@cli.command()`), so loading a command is
importing its module. `--help` lists every command from its summary alone:
click's own listing would import every module for one line each.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any, NamedTuple

import click


class LazyCommand(NamedTuple):
    module: str  # importing it adds the command to the group
    summary: str  # the first line of the command's help, listed by the group's --help


class LazyGroup(click.Group):
    def __init__(self, *args: Any, lazy_commands: Mapping[str, LazyCommand], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy_commands = dict(lazy_commands)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy_commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        lazy = self.lazy_commands.get(cmd_name)
        if lazy is not None and cmd_name not in self.commands:
            importlib.import_module(lazy.module)
        return super().get_command(ctx, cmd_name)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        if args and args[0] not in self.list_commands(ctx):
            # An unknown name: click suggests the nearest of the commands it holds, so hold them all.
            self.load_all()
        return super().resolve_command(ctx, args)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # A stand-in carries the summary of each command not imported yet; click lays out the list.
        listed = [
            self.commands.get(name) or click.Command(name, help=self.lazy_commands[name].summary)
            for name in self.list_commands(ctx)
        ]
        click.Group(commands=listed).format_commands(ctx, formatter)

    def load_all(self) -> None:
        """Import every command's module, for code that walks `commands` (the docs' tests)."""
        for module in dict.fromkeys(lazy.module for lazy in self.lazy_commands.values()):
            importlib.import_module(module)
