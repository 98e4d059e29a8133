"""docs/digest.md documents every option of `tinbai digest` and every key it reads."""

from __future__ import annotations

import re

import pytest
from digestkit import ROOT

from tinbai.cli import _register, cli
from tinbai.config import DigestConfig, SmtpConfig

DOC = (ROOT / "docs" / "digest.md").read_text(encoding="utf-8")


def _options() -> list[str]:
    _register()
    command = cli.commands["digest"]
    return [opt for p in command.params for opt in getattr(p, "opts", []) if opt.startswith("--")]


@pytest.mark.parametrize("option", _options())
def test_every_digest_option_is_documented(option):
    assert f"{option} " in DOC or f"{option}`" in DOC


@pytest.mark.parametrize(
    "key",
    [f.alias or name for name, f in SmtpConfig.model_fields.items()]
    + [f"{name}" for name in DigestConfig.model_fields],
)
def test_every_smtp_and_digest_key_is_documented(key):
    assert re.search(rf"(?m)^(# )?{key} = ", DOC)
