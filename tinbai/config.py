"""Load and validate `config.toml`: one clear line for every mistake.

Unknown keys are refused (with a "did you mean"), types are checked, and
cross references (a unit's group, a quota's unit) are resolved here, so the
rest of tinbai can trust what it is handed. Secrets are never read from the
file: only the *names* of the environment variable or file that holds them.
"""

from __future__ import annotations

import difflib
import logging
import os
import re
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from classify.message import KINDS, Kind
from classify.tags import DEFAULT_TAG_WORDS, vocabulary
from classify.themes import ThemeMatcher, Topic, date_tag, words_of
from digest import plan as digest
from digest.settings import Editor, SmtpSettings
from ingest.settings import MailboxSettings, Security, is_loopback
from tinbai.errors import ConfigError
from tinbai.schedule import parse_schedule

log = logging.getLogger(__name__)

DEFAULT_CONFIG = "config.toml"

Count = Annotated[int, Field(ge=0)]
Id = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", max_length=64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Counts(_Strict):
    """A count or quota per kind; ``None`` means "no quota here", not zero."""

    news: Count | None = None
    article: Count | None = None
    photo: Count | None = None

    def get(self, kind: str) -> int | None:
        value: int | None = getattr(self, kind)
        return value

    def is_empty(self) -> bool:
        return all(self.get(k) is None for k in KINDS)


class QuotaRow(_Strict):
    """One row of the plan's table: a quota on a unit or on a group."""

    unit: Id | None = None
    group: Id | None = None
    news: Count | None = None
    article: Count | None = None
    photo: Count | None = None
    member_minimum: Counts | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_owner(self) -> Self:
        if (self.unit is None) == (self.group is None):
            raise ValueError(
                "a quota row names exactly one of `unit` or `group` — keep one of them"
            )
        if self.member_minimum is not None and self.group is None:
            raise ValueError("`member_minimum` belongs on a group row — move it to the group's row")
        return self

    def counts(self) -> Counts:
        return Counts(news=self.news, article=self.article, photo=self.photo)


# --- the plan's themes and calendar (README "Themes and calendar")


class ThemeConfig(_Strict):
    """A theme the plan asks units to cover, and the words that show a piece is about it."""

    id: Id
    name: str = Field(min_length=1)
    name_en: str | None = None
    keywords: list[str] = Field(min_length=1)

    @field_validator("keywords")
    @classmethod
    def _words(cls, keywords: list[str]) -> list[str]:
        for keyword in keywords:
            if not words_of(keyword):
                raise ValueError(
                    f"keyword {keyword!r} has no letters or digits — write a word or phrase"
                )
        return keywords


class DateConfig(_Strict):
    """A day of the plan's calendar (an anniversary), found in pieces by a theme or keywords."""

    day: date
    name: str = Field(min_length=1)
    name_en: str | None = None
    theme: Id | None = None
    keywords: list[str] = []

    @model_validator(mode="after")
    def _findable(self) -> Self:
        if self.theme is None and not self.keywords:
            raise ValueError(
                f"date {self.day} ({self.name}) names neither `theme` nor `keywords`"
                " — add the id of a theme or a list of keywords"
            )
        for keyword in self.keywords:
            if not words_of(keyword):
                raise ValueError(
                    f"keyword {keyword!r} has no letters or digits — write a word or phrase"
                )
        return self

    @property
    def tag(self) -> str | None:
        """The tag stored on messages that carry this date's own keywords."""
        return date_tag(self.day, self.name) if self.keywords else None


class PlanConfig(_Strict):
    id: Id
    title: str
    start: date
    end: date
    timezone: str | None = None
    quota: Counts = Counts()
    totals: Counts | None = None
    quotas: list[QuotaRow] = []
    themes: list[ThemeConfig] = []
    calendar: list[DateConfig] = []

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.end < self.start:
            raise ValueError(
                f"plan {self.id!r} ends ({self.end}) before it starts ({self.start})"
                " — swap `start` and `end`"
            )
        return self

    @model_validator(mode="after")
    def _theme_references(self) -> Self:
        ids = [t.id for t in self.themes]
        for theme_id in ids:
            if ids.count(theme_id) > 1:
                raise ValueError(
                    f"plan {self.id!r}: two themes have the id {theme_id!r} — give each its own id"
                )
        for entry in self.calendar:
            if entry.theme is not None and entry.theme not in ids:
                raise ValueError(
                    f"plan {self.id!r}: date {entry.day} ({entry.name}) names unknown theme"
                    f" {entry.theme!r}{_did_you_mean(entry.theme, ids)} — add it under"
                    " [[plans.themes]] or fix the id"
                )
        return self


class GroupConfig(_Strict):
    name: str
    name_en: str | None = None


class UnitConfig(_Strict):
    name: str
    name_en: str | None = None
    group: Id
    senders: list[str] = []


class _Server(_Strict):
    host: str
    port: int | None = Field(default=None, ge=1, le=65535)
    security: Security = "tls"
    username: str | None = None
    password_env: str | None = None
    password_file: Path | None = None
    ca_file: Path | None = None
    timeout: float = Field(default=30.0, gt=0)

    @model_validator(mode="after")
    def _plain_only_on_loopback(self) -> Self:
        if self.security == "plain" and not is_loopback(self.host):
            raise ValueError(
                f'security = "plain" sends the password in clear to {self.host}'
                ' — use "tls" or "starttls" (plain is allowed only on 127.0.0.1)'
            )
        return self


class MailboxConfig(_Server):
    username: str
    address: str
    folder: str = "INBOX"
    folders: list[str] | None = None
    shared: bool = False
    # XOAUTH2 instead of a password: a JSON token file that tinbai refreshes and rewrites.
    oauth_token_file: Path | None = None
    # What to do with a message once its count is committed: nothing (read-only), or
    # "mark-seen", or "move:FOLDER".
    after_processing: str = Field(default="none", pattern=r"^(none|mark-seen|move:.+)$")
    poll_interval: float = Field(default=300.0, ge=10)  # seconds between scheduled polls
    batch_size: int = Field(default=100, ge=1, le=1000)  # messages per FETCH round and commit
    alert_after: float = Field(
        default=3600.0, ge=0
    )  # seconds of failing polls before the editor is emailed
    max_message_bytes: int = Field(
        default=50_000_000, ge=1
    )  # larger messages are never fetched whole
    # With several mailboxes: the plans this one collects for (empty: every plan). Its
    # mail dated outside those plans' periods counts for none.
    plans: list[str] = []

    @model_validator(mode="after")
    def _one_way_to_log_in(self) -> Self:
        if self.oauth_token_file and (self.password_env or self.password_file):
            raise ValueError(
                "set either `oauth_token_file` or `password_env`/`password_file`, not both"
                " — OAuth2 replaces the password"
            )
        return self

    def folder_list(self) -> list[str]:
        return list(self.folders) if self.folders else [self.folder]


class SmtpConfig(_Server):
    from_: str = Field(alias="from")

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class DatabaseConfig(_Strict):
    url: str = "sqlite:///tinbai.db"


class DigestConfig(_Strict):
    to: list[str] = []
    schedule: str = "30 7 * * mon"
    timezone: str = "Asia/Ho_Chi_Minh"
    language: Literal["vi", "en"] | None = None

    @field_validator("schedule")
    @classmethod
    def _cron(cls, schedule: str) -> str:
        parse_schedule(schedule)  # refused here, so every command refuses it, not only `run`
        return schedule


class WebConfig(_Strict):
    """The web admin: off unless enabled, on loopback unless told otherwise."""

    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    secret_key_env: str | None = None
    secret_key_file: Path | None = None
    session_hours: float = Field(default=8.0, gt=0, le=24 * 30)
    login_attempts: int = Field(default=5, ge=1)
    login_window_minutes: float = Field(default=15.0, gt=0)
    # Thumbnails of IMAP mail's photos, fetched when a message page is opened: a folder
    # (default: `tinbai-thumbnails` beside the SQLite database) kept under this many MB.
    thumbnail_cache: Path | None = None
    thumbnail_cache_mb: float = Field(default=50.0, gt=0)


class ReceiptsConfig(_Strict):
    """Short replies to units about what their mail counted for: off unless enabled."""

    enabled: bool = False
    interval_minutes: float = Field(default=60.0, ge=0)  # at most one receipt per sender per this
    language: Literal["vi", "en"] | None = None  # default: the config's language


class RemindersConfig(_Strict):
    """One email to each unit behind pace on each of these dates: off unless enabled."""

    enabled: bool = False
    dates: list[date] = []
    language: Literal["vi", "en"] | None = None


class TagsConfig(_Strict):
    """Words a unit may put in a subject tag, per kind; case and diacritics do not matter."""

    news: list[str] = Field(default_factory=lambda: list(DEFAULT_TAG_WORDS["news"]))
    article: list[str] = Field(default_factory=lambda: list(DEFAULT_TAG_WORDS["article"]))
    photo: list[str] = Field(default_factory=lambda: list(DEFAULT_TAG_WORDS["photo"]))


class ClassifyConfig(_Strict):
    """Thresholds of the counting rules (README.md, "Counting rules")."""

    article_min_words: int = Field(default=600, ge=1)
    piece_min_words: int = Field(default=50, ge=0)
    document_article_min_bytes: int = Field(default=60_000, ge=0)
    photo_min_bytes: int = Field(default=20_000, ge=0)
    photo_min_pixels: int = Field(default=300, ge=0)
    max_items_per_message: int = Field(default=50, ge=1)
    check_authentication: bool = True
    trusted_authserv_ids: list[str] = []
    ignore_outside_plans: bool = True
    tags: TagsConfig = TagsConfig()

    @field_validator("trusted_authserv_ids")
    @classmethod
    def _authserv_ids(cls, ids: list[str]) -> list[str]:
        # Compared exactly with the header's id: written the way servers write theirs.
        out = []
        for given in ids:
            value = given.strip().rstrip(".").lower()
            if not value or any(c.isspace() or c in ';()"' for c in value):
                raise ValueError(
                    f"trusted_authserv_ids: {given!r} is not an authserv-id — write the name your"
                    ' mail server puts first in Authentication-Results, such as "mx.google.com",'
                    ' or "microsoft-365" for Microsoft 365'
                )
            out.append(value)
        return out


class ConfigModel(_Strict):
    language: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    mailbox: MailboxConfig | None = None
    mailboxes: dict[Id, MailboxConfig] = {}
    smtp: SmtpConfig | None = None
    database: DatabaseConfig = DatabaseConfig()
    digest: DigestConfig = DigestConfig()
    web: WebConfig = WebConfig()
    classify: ClassifyConfig = ClassifyConfig()
    receipts: ReceiptsConfig = ReceiptsConfig()
    reminders: RemindersConfig = RemindersConfig()
    groups: dict[Id, GroupConfig]
    units: dict[Id, UnitConfig]
    plans: list[PlanConfig]

    @model_validator(mode="after")
    def _references(self) -> Self:
        for tz in {self.timezone, self.digest.timezone} | {
            p.timezone for p in self.plans if p.timezone
        }:
            _check_timezone(tz)
        for unit_id, unit in self.units.items():
            if unit.group not in self.groups:
                raise ValueError(
                    f"units.{unit_id}.group: unknown group {unit.group!r}"
                    f"{_did_you_mean(unit.group, self.groups)} — every unit belongs to a group"
                    " declared under [groups]"
                )
        seen: set[str] = set()
        for plan in self.plans:
            if plan.id in seen:
                raise ValueError(
                    f"plans: two plans have the id {plan.id!r} — give each quarter its own id"
                )
            seen.add(plan.id)
            for row in plan.quotas:
                if row.unit is not None and row.unit not in self.units:
                    raise ValueError(
                        f"plans.{plan.id}.quotas: quota on unknown unit {row.unit!r}"
                        f"{_did_you_mean(row.unit, self.units)} — declare it under [units]"
                    )
                if row.group is not None and row.group not in self.groups:
                    raise ValueError(
                        f"plans.{plan.id}.quotas: quota on unknown group {row.group!r}"
                        f"{_did_you_mean(row.group, self.groups)} — declare it under [groups]"
                    )
        if not self.plans:
            raise ValueError("plans: no plan — add a [[plans]] table with id, title, start and end")
        for table in ("receipts", "reminders"):
            if getattr(self, table).enabled and self.smtp is None:
                raise ValueError(
                    f"{table}.enabled: units are written to through [smtp], and there is none"
                    f" — add an [smtp] table (host, port, from) or set {table}.enabled = false"
                )
        self._check_mailboxes()
        return self

    def _check_mailboxes(self) -> None:
        if self.mailbox is not None and self.mailboxes:
            raise ValueError(
                "both [mailbox] and [mailboxes.*] are set — with several mailboxes, move"
                " [mailbox] to [mailboxes.NAME] too"
            )
        plans = {p.id for p in self.plans}
        accounts: dict[tuple[str, str], str] = {}
        for name, box in self.named_mailboxes().items():
            where = f"mailboxes.{name}" if self.mailboxes else "mailbox"
            for plan in box.plans:
                if plan not in plans:
                    raise ValueError(
                        f"{where}.plans: unknown plan {plan!r}{_did_you_mean(plan, plans)}"
                        " — list ids of [[plans]]"
                    )
            account = (box.username.lower(), box.host.lower())
            if account in accounts:
                raise ValueError(
                    f"mailboxes.{name}: the same account as mailboxes.{accounts[account]}"
                    f" ({box.username} on {box.host}) — each mailbox is polled once"
                )
            accounts[account] = name

    def named_mailboxes(self) -> dict[str, MailboxConfig]:
        """Every mailbox by name; a lone `[mailbox]` is named "mailbox"."""
        if self.mailbox is not None:
            return {"mailbox": self.mailbox}
        return dict(self.mailboxes)


def _check_timezone(name: str) -> None:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise ValueError(
            f"unknown timezone {name!r} — use an IANA name such as 'Asia/Ho_Chi_Minh'"
        ) from e


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------- loading


@dataclass(frozen=True)
class Config:
    """A validated configuration, with where it came from."""

    model: ConfigModel
    path: Path
    warnings: tuple[str, ...] = ()

    @property
    def base_dir(self) -> Path:
        return self.path.parent

    @property
    def database_url(self) -> str:
        """The database URL, a relative SQLite path taken from the config's folder."""
        url = self.model.database.url
        prefix = "sqlite:///"
        if (
            url.startswith(prefix)
            and not url.startswith(prefix + "/")
            and url != prefix + ":memory:"
        ):
            return prefix + str((self.base_dir / url[len(prefix) :]).resolve())
        return url

    @property
    def thumbnail_cache(self) -> Path:
        """Where IMAP mail's thumbnails are cached: `[web] thumbnail_cache`, else beside
        the SQLite database (beside the config for another database)."""
        chosen = self.model.web.thumbnail_cache
        if chosen is not None:
            return chosen if chosen.is_absolute() else self.base_dir / chosen
        url, prefix = self.database_url, "sqlite:///"
        if url.startswith(prefix) and url != prefix + ":memory:":
            return Path(url[len(prefix) :]).parent / "tinbai-thumbnails"
        return self.base_dir / "tinbai-thumbnails"

    def plan(self, plan_id: str | None = None, *, on: date) -> PlanConfig:
        """The plan named by ``plan_id``, else the one whose period holds ``on``.

        With no plan holding the date, the latest plan that has started is used
        (between quarters the last one stays visible), else the first plan. ``on``
        comes from the caller's clock (`App.today`), never the machine's.
        """
        plans = self.model.plans
        if plan_id is not None:
            for plan in plans:
                if plan.id == plan_id:
                    return plan
            ids = [p.id for p in plans]
            raise ConfigError(
                f"no plan {plan_id!r}{_did_you_mean(plan_id, ids)} — the config has: {', '.join(ids)}"
            )
        holding = [p for p in plans if p.start <= on <= p.end]
        if holding:
            return holding[0]
        started = sorted((p for p in plans if p.start <= on), key=lambda p: p.start)
        return started[-1] if started else sorted(plans, key=lambda p: p.start)[0]

    def plan_timezone(self, plan: PlanConfig) -> ZoneInfo:
        return ZoneInfo(plan.timezone or self.model.timezone)


def config_path(explicit: str | os.PathLike[str] | None) -> Path:
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("TINBAI_CONFIG") or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, validate and cross-check a config file; raise ConfigError with one line."""
    cfg_path = config_path(path)
    try:
        raw = tomllib.loads(cfg_path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise ConfigError(
            f"{cfg_path}: no such config file — pass --config PATH or set TINBAI_CONFIG"
        ) from e
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            f"{cfg_path}: cannot read the config file ({e}) — check its permissions and encoding"
        ) from e
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{cfg_path}: not valid TOML: {e} — fix the syntax there") from e
    try:
        model = ConfigModel.model_validate(raw)
    except ValidationError as e:
        error = ConfigError(f"{cfg_path}: {_explain(e)}")
        error.problems = tuple(f"{cfg_path}: {line}" for line in explain_each(e))
        raise error from e
    config = Config(model=model, path=cfg_path.resolve(), warnings=tuple(_total_warnings(model)))
    return config


def _explain(error: ValidationError) -> str:
    lines = explain_each(error)
    more = len(lines) - 1
    return lines[0] + (f" (and {more} more problem{'s' if more > 1 else ''})" if more else "")


def explain_each(error: ValidationError) -> list[str]:
    """One line per problem, an unknown key first (it usually explains a "missing" one next
    to it: a misspelling)."""
    errors = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
    return [_explain_one(e) for e in errors]


def _explain_one(error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    where = _format_loc(loc)
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        if key.lower() in {"password", "token", "secret", "pass", "passwd"}:
            return (
                f"{where}: a secret never goes in the config file"
                " — put it in an environment variable named by `password_env`"
                " or a file named by `password_file`"
            )
        allowed = _fields_at(ConfigModel, loc[:-1])
        return f"{where}: unknown key{_did_you_mean(key, allowed)} — remove it or fix its spelling"
    if kind == "missing":
        return f"{where}: required key is missing — add it"
    if kind == "value_error":
        msg = str(error["msg"]).removeprefix("Value error, ")
        return f"{where}: {msg}" if where else msg
    if loc and str(loc[-1]) in SECRET_REFERENCES:
        return f"{where}: {error['msg']} — fix the value (not shown: it may be a secret)"
    return f"{where}: {error['msg']} (got {error.get('input')!r}) — fix the value"


def _format_loc(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for item in loc:
        if isinstance(item, int):
            parts[-1:] = [f"{parts[-1]}[{item}]"] if parts else [f"[{item}]"]
        else:
            parts.append(str(item))
    return ".".join(parts)


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Field names of the model that sits at ``loc`` (for "did you mean")."""
    current: Any = model
    for item in loc:
        current = _unwrap(current, item)
        if current is None:
            return []
    if typing.get_origin(current) in (typing.Union, types.UnionType):
        current = next((a for a in typing.get_args(current) if a is not type(None)), None)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


def _unwrap(tp: Any, step: Any) -> Any:  # noqa: PLR0911 — one return per kind of type annotation
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(tp):
            if arg is not type(None):
                return _unwrap(arg, step)
        return None
    if origin is list:
        return typing.get_args(tp)[0] if isinstance(step, int) else None
    if origin is dict:
        return typing.get_args(tp)[1]
    if origin is Annotated:
        return _unwrap(typing.get_args(tp)[0], step)
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(step, str):
        field = tp.model_fields.get(step)
        if field is None:
            for f in tp.model_fields.values():
                if f.alias == step:
                    field = f
        return field.annotation if field else None
    return None


def _total_warnings(model: ConfigModel) -> list[str]:
    """Stated totals that the rows of a plan do not add up to."""
    warnings = []
    for plan in model.plans:
        if plan.totals is None:
            continue
        sums = digest.summed_quota(digest_plan(model, plan))
        for kind in KINDS:
            stated = plan.totals.get(kind)
            if stated is not None and stated != sums[kind]:
                diff = stated - sums[kind]
                warnings.append(
                    f"plan {plan.id}: the rows add up to {sums[kind]} {kind} but the stated total is"
                    f" {stated} ({'+' if diff > 0 else ''}{diff}) — fix a row or `totals.{kind}`"
                )
    return warnings


_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Keys whose value names where a secret is; a value given for one is never printed as is.
SECRET_REFERENCES = frozenset(
    {"password_env", "password_file", "secret_key_env", "secret_key_file", "oauth_token_file"}
)


def looks_like_secret(value: str, *, env_name: bool) -> bool:
    """True when a value given as a variable name (``env_name``) or a file name is likely the
    secret itself, pasted by mistake: then no message may print it.

    A name is words joined by `_` (or a path's `/`, `.`, `-`); a password or token is a long
    run of letters and digits, or has spaces, or mixes lower case, upper case and digits.
    """
    if env_name and not _ENV_NAME.fullmatch(value):
        return True
    if not env_name and (len(value) > 255 or (" " in value and not re.search(r"[/\\.]", value))):
        return True
    for word in re.split(r"[/\\._\-\s]+", value):
        mixed = all(re.search(p, word) for p in ("[a-z]", "[A-Z]", "[0-9]"))
        if (
            len(word) >= 24
            or (len(word) >= 16 and not word.isupper())
            or (len(word) >= 8 and mixed)
        ):
            return True
    return False


def shown_reference(value: str | os.PathLike[str], key: str) -> str:
    """How an error names the value of ``key`` (a variable or file name): as is, or hidden."""
    text = str(value)
    if looks_like_secret(text, env_name=key.endswith(("_env", "-env"))):
        return f"(the value of `{key}`, not shown: it looks like a secret, not a name)"
    return text


def read_secret(
    what: str,
    password_env: str | None,
    password_file: Path | None,
    base_dir: Path,
    *,
    keys: tuple[str, str] = ("password_env", "password_file"),
) -> str:
    """Read a password from the environment or a file, only when a server needs it.

    ``keys`` are the config's names for the two (`secret_key_env`/`_file` for the web).
    An error never prints a value that looks like the secret itself pasted in by mistake.
    """
    env_key, file_key = keys
    if password_env:
        value = os.environ.get(password_env)
        if value:
            return value
        if not password_file:
            if looks_like_secret(password_env, env_name=True):
                raise ConfigError(
                    f"{what}: `{env_key}` holds something that is not an environment variable"
                    " name — it looks like a secret, so it is not shown; put the secret in an"
                    f" environment variable, give that variable's name in `{env_key}`, and"
                    " change the secret if others have seen the config"
                )
            raise ConfigError(
                f"{what}: the environment variable {password_env} is not set"
                f" — export {password_env}=… or set `{file_key}`"
            )
    if password_file:
        path = password_file if password_file.is_absolute() else base_dir / password_file
        shown = (
            shown_reference(password_file, file_key)
            if looks_like_secret(str(password_file), env_name=False)
            else str(path)
        )
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except OSError as e:
            raise ConfigError(
                f"{what}: cannot read {file_key} {shown} ({e.strerror}) — create it or fix the path"
            ) from e
        if not secret:
            raise ConfigError(f"{what}: {file_key} {shown} is empty — write the secret into it")
        return secret
    raise ConfigError(f"{what}: no password configured — set `{env_key}` or `{file_key}`")


# --- settings for digest


def _quota(counts: Counts) -> digest.Quota:
    return digest.Quota(news=counts.news, article=counts.article, photo=counts.photo)


def digest_plan(model: ConfigModel, plan: PlanConfig) -> digest.Plan:
    """What the digest needs of ``plan``: its period, the config's groups and units, its quotas."""
    return digest.Plan(
        id=plan.id,
        title=plan.title,
        start=plan.start,
        end=plan.end,
        timezone=plan.timezone or model.timezone,
        groups=tuple(
            digest.Group(id=gid, name=g.name, name_en=g.name_en) for gid, g in model.groups.items()
        ),
        units=tuple(
            digest.Unit(id=uid, name=u.name, group=u.group, name_en=u.name_en)
            for uid, u in model.units.items()
        ),
        quotas=tuple(
            digest.QuotaRow(
                quota=_quota(row.counts()),
                unit=row.unit,
                group=row.group,
                member_minimum=_quota(row.member_minimum) if row.member_minimum else None,
                note=row.note,
            )
            for row in plan.quotas
        ),
        quota=_quota(plan.quota),
        totals=_quota(plan.totals) if plan.totals is not None else None,
        themes=tuple(digest.Theme(t.id, t.name, t.name_en) for t in plan.themes),
        calendar=tuple(
            digest.PlanDate(
                day=d.day,
                name=d.name,
                tags=frozenset(tag for tag in (d.theme, d.tag) if tag),
                name_en=d.name_en,
            )
            for d in plan.calendar
        ),
    )


def smtp_password(smtp: SmtpConfig, base_dir: Path) -> str | None:
    """The SMTP secret, by the one rule every mail to the editor follows.

    A login needs a username and a named secret; a username alone names no secret,
    so the mail goes without a login (a relay on loopback may need none). A secret
    that is named but unreadable is a ConfigError.
    """
    if not smtp.username or not (smtp.password_env or smtp.password_file):
        return None
    return read_secret("smtp", smtp.password_env, smtp.password_file, base_dir)


def smtp_config(config: Config) -> SmtpConfig:
    """The `[smtp]` section, or a ConfigError that says what to add (no secret is read)."""
    if config.model.smtp is None:
        raise ConfigError(
            "no [smtp] section — add host, port, security and from to send the digest"
        )
    return config.model.smtp


def smtp_settings(config: Config) -> SmtpSettings:
    """The server to send through, its secret read now: call it only to send."""
    smtp = smtp_config(config)
    return SmtpSettings(
        host=smtp.host,
        security=smtp.security,
        sender=smtp.from_,
        port=smtp.port,
        username=smtp.username,
        password=smtp_password(smtp, config.base_dir),
        ca_file=smtp.ca_file,
        timeout=smtp.timeout,
    )


def editor_settings(config: Config) -> Editor:
    """Who mail to the editor comes from (`smtp.from`) and goes to (`digest.to`)."""
    model = config.model
    if model.smtp is not None:
        sender = model.smtp.from_
    else:  # a preview needs no [smtp]
        boxes = list(model.named_mailboxes().values())
        sender = boxes[0].address if boxes else "tinbai@localhost"
    return Editor(sender=sender, recipients=tuple(model.digest.to))


# --- settings for ingest


def tag_vocabulary(config: Config) -> dict[str, Kind]:
    """The configured tag words (`[classify.tags]`), folded: what the rules and the poller read."""
    tags = config.model.classify.tags
    return vocabulary({"news": tags.news, "article": tags.article, "photo": tags.photo})


def mailbox_names(config: Config) -> list[str]:
    """The configured mailboxes' names, in the config's order (empty without any)."""
    return list(config.model.named_mailboxes())


def mailbox_config(config: Config, name: str | None = None) -> MailboxConfig:
    """One mailbox's section; ConfigError (one line) when there is none or `name` is unknown.

    Without a name, the only mailbox: with several, a caller must say which.
    """
    return named_mailbox(config, name)[1]


def named_mailbox(config: Config, name: str | None = None) -> tuple[str, MailboxConfig]:
    """`mailbox_config` with the mailbox's name."""
    boxes = config.model.named_mailboxes()
    if not boxes:
        raise ConfigError(
            f"{config.path}: no [mailbox] section — add one to poll IMAP (docs/ingest.md)"
        )
    if name is None:
        if len(boxes) > 1:
            raise ConfigError(
                f"{config.path} names {len(boxes)} mailboxes ({', '.join(boxes)})"
                " — say which with --mailbox NAME"
            )
        return next(iter(boxes.items()))
    if name not in boxes:
        raise ConfigError(
            f"{config.path}: no mailbox named {name!r}{_did_you_mean(name, boxes)}"
            f" — the mailboxes are: {', '.join(boxes)}"
        )
    return name, boxes[name]


def mailbox_settings(config: Config, name: str | None = None) -> MailboxSettings:
    """What ingest needs of one mailbox's section; ConfigError when there is none."""
    name, mailbox = named_mailbox(config, name)
    token_file = mailbox.oauth_token_file
    if token_file is not None and not token_file.is_absolute():
        token_file = config.base_dir / token_file
    return MailboxSettings(
        name=name,
        host=mailbox.host,
        username=mailbox.username,
        address=mailbox.address,
        port=mailbox.port,
        security=mailbox.security,
        ca_file=mailbox.ca_file,
        timeout=mailbox.timeout,
        folders=tuple(mailbox.folder_list()),
        shared=mailbox.shared,
        oauth_token_file=token_file,
        after_processing=mailbox.after_processing,
        batch_size=mailbox.batch_size,
        max_message_bytes=mailbox.max_message_bytes,
        vocabulary=tag_vocabulary(config),
        read_documents=any(plan.themes or plan.calendar for plan in config.model.plans),
    )


# --- settings for the themes and calendar


def theme_matcher(config: Config) -> ThemeMatcher | None:
    """Every plan's themes and dated keywords, compiled once; None when no plan has any.

    A theme id in two plans is one tag with both plans' keywords: a message is tagged
    whatever plan its day falls in, and each plan counts the tags it lists.
    """
    topics: list[Topic] = []
    for plan in config.model.plans:
        topics += [Topic(t.id, tuple(t.keywords)) for t in plan.themes]
        topics += [Topic(d.tag, tuple(d.keywords)) for d in plan.calendar if d.tag]
    return ThemeMatcher(topics) if topics else None
