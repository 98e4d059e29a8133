"""docs/admin.md documents every admin command, option and `[web]` key."""

from __future__ import annotations

from pathlib import Path

import click
import pytest

from tinbai.cli import _register, cli
from tinbai.config import WebConfig

DOC = (Path(__file__).resolve().parents[2] / "docs" / "admin.md").read_text(encoding="utf-8")
ADMIN_COMMANDS = ["senders", "unmapped", "submissions", "audit", "users", "serve"]


def _commands() -> list[click.Command]:
    _register()
    found: list[click.Command] = []
    for name in ADMIN_COMMANDS:
        command = cli.commands[name]
        found += list(command.commands.values()) if isinstance(command, click.Group) else [command]
    return found


@pytest.mark.parametrize("command", _commands(), ids=lambda c: c.name)
def test_every_admin_command_and_option_is_documented(command):
    assert f" {command.name}" in DOC
    for param in command.params:
        if isinstance(param, click.Option) and param.name != "help":
            assert any(opt in DOC for opt in param.opts), f"{command.name} {param.opts}"


def test_every_web_key_is_documented():
    missing = [key for key in WebConfig.model_fields if f"`{key}`" not in DOC]
    assert missing == []


def test_the_doc_says_whether_csv_import_is_all_or_nothing():
    assert "**Import is all-or-nothing.**" in DOC
    assert "**no row is imported**" in DOC
