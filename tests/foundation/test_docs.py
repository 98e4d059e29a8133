"""Every command and every config key is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import click
from pydantic import BaseModel

from tinbai.cli import _register, cli
from tinbai.config import ConfigModel

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "tinbai") -> list[str]:
    names = []
    for name, command in group.commands.items():
        full = f"{prefix} {name}"
        if isinstance(command, click.Group):
            names += _commands(command, full)
        else:
            names.append(full)
    return names


def _keys(model: type[BaseModel]) -> set[str]:
    keys = set()
    for name, field in model.model_fields.items():
        keys.add(field.alias or name)
        for candidate in _models_in(field.annotation):
            keys |= _keys(candidate)
    return keys


def _models_in(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()):
        found += _models_in(arg)
    return found


def test_every_command_is_in_the_readme():
    _register()
    missing = [c for c in _commands(cli) if f"`{c}" not in README]
    assert missing == []


def test_every_config_key_is_in_the_readme():
    prose = re.sub(r"```.*?```", "", README, flags=re.DOTALL)
    code_spans = " ".join(re.findall(r"`([^`\n]+)`", prose))
    documented = set(re.findall(r"[a-z_]+", code_spans))
    missing = sorted(_keys(ConfigModel) - documented - {"groups", "units", "plans", "quotas"})
    assert missing == []
