"""Next quarter's plan: a new `[[plans]]` block written into config.toml, and a config's check.

`add_plan` copies a plan's block (its quotas, notes and comments) under a new id, title and
period, and appends it to the file with tomlkit, so every comment and the layout of the rest
of the file stay as the admin wrote them. The new file is validated by `load_config` in a
temporary file beside it before it replaces the config, atomically: a refused plan leaves
the config as it was.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import difflib
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import tomlkit
from tomlkit.exceptions import TOMLKitError
from tomlkit.items import AoT, Table

from classify.message import KINDS
from digest.plan import summed_quota
from texts import text
from tinbai.config import Config, ConfigModel, PlanConfig, digest_plan, load_config
from tinbai.errors import ConfigError

_ROMAN = ("I", "II", "III", "IV")
# "quý II", "Quý 2", "quarter II", "Q2": the quarter a title names, kept in its own style.
_QUARTER = re.compile(r"(?P<word>\b(?:quý|quarter)\s+)(?P<n>IV|III|II|I|[1-4])\b", re.IGNORECASE)
_SHORT_QUARTER = re.compile(r"\bQ(?P<n>[1-4])\b")


class PlanRefused(ConfigError):
    """`tinbai plan new` will not write this plan (exit 2, one line)."""


def quarter_of(start: date, end: date) -> int | None:
    """The calendar quarter (1-4) a period lies in, or None when it spans more than one."""
    quarter = (start.month - 1) // 3 + 1
    same = start.year == end.year and (end.month - 1) // 3 + 1 == quarter
    return quarter if same else None


def derive_title(source: PlanConfig, new_id: str, start: date, end: date, language: str) -> str:
    """The source's title with its quarter and year changed, else "Kế hoạch <id>"."""
    quarter = quarter_of(start, end)
    if quarter is not None and (
        _QUARTER.search(source.title) or _SHORT_QUARTER.search(source.title)
    ):

        def roman_or_digit(found: re.Match[str]) -> str:
            n = str(quarter) if found.group("n").isdigit() else _ROMAN[quarter - 1]
            return f"{found.group('word')}{n}"

        title = _QUARTER.sub(roman_or_digit, source.title)
        title = _SHORT_QUARTER.sub(f"Q{quarter}", title)
        if start.year != source.start.year:
            title = re.sub(rf"\b{source.start.year}\b", str(start.year), title)
        return title
    return text("plans.default_title", language, id=new_id)


def overlapping(plans: list[PlanConfig], start: date, end: date) -> PlanConfig | None:
    """The first plan whose period shares a day with start..end."""
    return next((p for p in plans if p.start <= end and start <= p.end), None)


def _did_you_mean(word: str, choices: list[str], language: str) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return text("plans.did_you_mean", language, id=close[0]) if close else ""


def _refuse_or_source(
    model: ConfigModel, new_id: str, from_id: str, start: date, end: date
) -> PlanConfig:
    language = model.language
    ids = [p.id for p in model.plans]
    if new_id in ids:
        raise PlanRefused(text("plans.id_exists", language, id=new_id))
    source = next((p for p in model.plans if p.id == from_id), None)
    if source is None:
        raise PlanRefused(
            text(
                "plans.unknown_from",
                language,
                id=from_id,
                hint=_did_you_mean(from_id, ids, language),
                ids=", ".join(ids),
            )
        )
    if end < start:
        raise PlanRefused(text("plans.end_before_start", language, start=start, end=end))
    other = overlapping(model.plans, start, end)
    if other is not None:
        raise PlanRefused(
            text(
                "plans.overlaps",
                language,
                id=other.id,
                start=other.start,
                end=other.end,
                new_start=start,
                new_end=end,
            )
        )
    return source


@dataclass(frozen=True)
class Written:
    plan: PlanConfig
    source: PlanConfig
    config: Config


def add_plan(path: Path, new_id: str, from_id: str, start: date, end: date) -> Written:
    """Append a copy of plan ``from_id`` as ``new_id`` over start..end to the config at ``path``."""
    config = load_config(path)
    model = config.model
    source = _refuse_or_source(model, new_id, from_id, start, end)
    language = model.language
    original = path.read_text(encoding="utf-8")
    try:
        doc = tomlkit.parse(original)
    except TOMLKitError as e:  # tomllib read it: tomlkit should too, but say so if not
        raise ConfigError(f"{path}: cannot edit this TOML ({e}) — add the plan by hand") from e
    plans = doc.get("plans")
    if not isinstance(plans, AoT):
        raise PlanRefused(text("plans.not_tables", language))
    block = next(t for t in plans if t.get("id") == from_id)
    new: Table = copy.deepcopy(block)
    new["id"] = new_id
    new["title"] = derive_title(source, new_id, start, end, language)
    new["start"] = start
    new["end"] = end
    new.trivia.indent = "\n"  # a blank line before the new block, as between the others
    new.comment(text("plans.written_comment", language, source=from_id))
    plans.append(new)
    written = _replace(path, tomlkit.dumps(doc))
    plan = next(p for p in written.model.plans if p.id == new_id)
    return Written(plan=plan, source=source, config=written)


def _replace(path: Path, content: str) -> Config:
    """Write ``content`` beside ``path``, load it as a config, then put it in place atomically
    (in place of the file a symbolic link points to, not of the link)."""
    target = path.resolve()
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".new", dir=target.parent)
    temporary = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(content)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):
            shutil.copymode(target, temporary)
        try:
            config = load_config(temporary)
        except ConfigError as e:
            raise ConfigError(str(e).replace(str(temporary), str(path))) from e
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)
    return dataclasses.replace(config, path=target)


def quantities(counts: dict[str, int | None], language: str) -> str:
    """``58 tin, 17 bài, 60 ảnh``: each kind that has a number, in the catalogue's words."""
    return ", ".join(
        text(f"quantity.{kind}{'_one' if n == 1 else ''}", language, n=n)
        for kind in KINDS
        if (n := counts.get(kind)) is not None
    )


@dataclass(frozen=True)
class PlanTotals:
    plan: PlanConfig
    summed: dict[str, int]
    stated: dict[str, int | None] | None


def plan_totals(config: Config) -> list[PlanTotals]:
    """Each plan's quota per kind as its rows add up, and as the plan states it."""
    model = config.model
    return [
        PlanTotals(
            plan=plan,
            summed=summed_quota(digest_plan(model, plan)),
            stated={k: plan.totals.get(k) for k in KINDS} if plan.totals is not None else None,
        )
        for plan in model.plans
    ]


def overlaps(config: Config) -> list[tuple[PlanConfig, PlanConfig]]:
    """Pairs of plans whose periods share a day (a date would belong to both)."""
    plans = sorted(config.model.plans, key=lambda p: p.start)
    return [(a, b) for i, a in enumerate(plans) for b in plans[i + 1 :] if b.start <= a.end]
