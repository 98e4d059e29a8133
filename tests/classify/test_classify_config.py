"""The `[classify]` section: thresholds and tag words reach the rules; mistakes are refused."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from shapes import message, text

from classify import classify
from tinbai.config import load_config
from tinbai.errors import ConfigError
from tinbai.pipeline import classify_context

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"


def config_with(tmp_path: Path, section: str) -> Path:
    path = tmp_path / "config.toml"
    shutil.copy(SHIPPED, path)
    path.write_text(path.read_text(encoding="utf-8") + "\n" + section, encoding="utf-8")
    return path


def test_the_shipped_config_gives_the_documented_defaults_and_the_plan_period() -> None:
    ctx = classify_context(load_config(SHIPPED))
    assert (ctx.article_min_words, ctx.piece_min_words, ctx.photo_min_bytes) == (600, 50, 20_000)
    assert ctx.vocabulary["bai viet"] == "article"
    assert [(s.isoformat(), e.isoformat()) for s, e in ctx.periods] == [
        ("2020-04-01T00:00:00+07:00", "2020-07-01T00:00:00+07:00")
    ]


def test_thresholds_and_tag_words_from_the_config_reach_the_rules(tmp_path: Path) -> None:
    path = config_with(
        tmp_path,
        '[classify]\narticle_min_words = 100\n[classify.tags]\narticle = ["Phóng sự"]\n',
    )
    ctx = classify_context(load_config(path))
    assert classify(message("Gửi Ban", text(150)), ctx).total("article") == 1
    assert classify(message("[Phóng sự] Điện Biên", text(20)), ctx).total("article") == 1
    assert classify(message("[Bài] Điện Biên", text(20)), ctx).status == "needs-review"


def test_an_unknown_classify_key_is_refused_with_a_suggestion(tmp_path: Path) -> None:
    path = config_with(tmp_path, "[classify]\narticle_min_word = 100\n")
    with pytest.raises(ConfigError, match="did you mean 'article_min_words'"):
        load_config(path)
