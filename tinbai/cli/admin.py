"""`tinbai submissions …`, `audit` and `users …`: corrections, and who may make them."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from datetime import date, datetime

import click
from rich.console import Console
from rich.table import Table

from classify.labels import code_of
from classify.message import KINDS
from digest.i18n import quantity
from store import users as user_store
from store.audit import audit_entries
from store.submissions import SubmissionDetail
from texts import reason_text, review_reason, text
from tinbai import admin
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import ISO_DATE, pass_app
from tinbai.cli.table import FittedTable, cli_words, console, wide_option
from tinbai.config import shown_reference


def _counts(counts: Mapping[str, int]) -> str:
    return " ".join(f"{kind} {counts.get(kind, 0)}" for kind in KINDS)


def _short_counts(counts: Mapping[str, int], language: str) -> str:
    """What a message counts, the kinds it has only: "1 tin, 2 ảnh", or "–"."""
    shown = [quantity(n, kind, language) for kind in KINDS if (n := counts.get(kind, 0))]
    return ", ".join(shown) or "–"


def _when(moment: datetime, app: App) -> str:
    return f"{moment.astimezone(app.config.plan_timezone(app.plan())):%Y-%m-%d %H:%M}"


# --------------------------------------------------------------------------- submissions


@cli.group()
def submissions() -> None:
    """The messages units sent, what each counts, and corrections by hand."""


@submissions.command("list")
@click.option("--unit", "unit_id", metavar="UNIT_ID", help="Only mail that counts for this unit.")
@click.option("--since", type=ISO_DATE, help="Only mail received on or after this day.")
@click.option("--status", type=click.Choice(admin.STATUSES), help="Only messages with this status.")
@click.option("--overridden", is_flag=True, help="Only messages whose counts were set by hand.")
@click.option("--limit", type=click.IntRange(1, 100_000), default=200, show_default=True)
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@wide_option
@pass_app
def submissions_list(
    app: App,
    *,
    unit_id: str | None,
    since: date | None,
    status: str | None,
    overridden: bool,
    limit: int,
    fmt: str,
    wide: bool,
) -> None:
    """Messages, newest first; `*` marks counts set by hand."""
    try:
        found = admin.submissions(
            app,
            unit_id=unit_id,
            since=since,
            status=status,
            overridden_only=overridden,
            limit=limit,
        )
    except admin.AdminError as e:
        raise click.UsageError(str(e)) from e
    if fmt == "json":
        data = [
            {
                "id": s.row.id,
                "received_at": s.row.received_at.isoformat(),
                "sender": s.row.sender,
                "unit": s.unit_id,
                "subject": s.row.subject,
                "status": s.row.status,
                "counts": dict(s.row.counts),
                "manual": s.row.overridden,
            }
            for s in found
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    language = app.config.model.language
    t = cli_words(language)
    if not found:
        click.echo(t["no_messages"])
        return
    table = FittedTable(
        "#",
        t["received"],
        t["sender"],
        t["unit"],
        t["subject"],
        t["status"],
        t["counts"],
        wide=wide,
        shorten=(t["sender"], t["unit"], t["subject"]),
        at_most={t["sender"]: 20, t["unit"]: 12},
    )
    for s in found:
        mark = " *" if s.row.overridden else ""
        table.add_row(
            str(s.row.id),
            _when(s.row.received_at, app),
            s.row.sender,
            s.unit_id or "?",
            s.row.subject,
            text(f"status.{s.row.status}", language),
            _short_counts(s.row.counts, language) + mark,
        )
    console(wide=wide).print(table)
    if any(s.row.overridden for s in found):
        click.echo(t["set_by_hand"])


@submissions.command("show")
@click.argument("message_pk", metavar="ID", type=int)
@pass_app
def submissions_show(app: App, message_pk: int) -> None:
    """One message: its parts, the rules that counted them and why, and any correction."""
    detail, unit_id = admin.submission(app, message_pk)
    row = detail.row
    language = app.config.model.language
    reason = review_reason(code_of(row.status, detail.reason), detail.reason, language)
    units = app.config.model.units
    unit = (
        f"{unit_id} ({units[unit_id].name})"
        if unit_id in units
        else "unknown sender — counts for no one"
    )
    lines = [
        f"message #{row.id}  {detail.message_id or '(no Message-ID)'}",
        f"from:      {row.sender_name + ' ' if row.sender_name else ''}<{row.sender}>",
        f"unit:      {unit}",
        f"subject:   {row.subject}",
        f"received:  {_when(row.received_at, app)}",
        f"status:    {text(f'status.{row.status}', language)}{' — ' + reason if reason else ''}",
        f"counted:   {_counts(row.counts)}{'  (set by hand)' if row.overridden else ''}",
        "parts:",
    ]
    for item in detail.items:
        dup = f" (same as item #{item.duplicate_of})" if item.duplicate_of else ""
        shown = reason_text(item.reason, language)
        lines.append(f"  {item.kind:<8} {item.count}  {item.part or '-'}  {shown}{dup}")
    if not detail.items:
        lines.append("  (none)")
    lines += _content_lines(app, detail)
    lines.append("rules:")
    lines += [
        f"  {'✓' if fired else '·'} {rule}: {reason_text(note, language)}"
        for rule, fired, note in detail.trace
    ]
    if detail.override is not None:
        o = detail.override
        lines.append(
            f"override:  {_counts(o.counts)} by {o.actor} on {_when(o.at, app)}"
            f"{' — ' + o.reason if o.reason else ''} (classified: {_counts(detail.classified)})"
        )
    click.echo("\n".join(lines))


def _content_lines(app: App, detail: SubmissionDetail) -> list[str]:
    """What the unit sent, as the message page shows it (tinbai.previews), without pictures."""
    from classify.preview import EXCERPT_WORDS  # noqa: PLC0415 — only `show` pays for these
    from tinbai import previews  # noqa: PLC0415

    language = app.config.model.language

    def t(key: str, **values: object) -> str:
        return text(key, language, **values)

    shown = previews.message_shown(app, detail, fetch=False)
    if shown is None:
        return [f"{t('content.title')}: {t('content.none_kept')}"]
    body = {
        "piece": t("content.piece", kind=t(f"kind.{shown.body_kind or 'news'}")),
        "covering-note": t("content.note"),
        "not-counted": t("content.not_counted"),
    }[shown.body]
    label = {"own": body, "quoted": t("content.quoted"), "signature": t("content.signature")}
    lines = [f"{t('content.text')}:"]
    for passage in shown.passages:
        lines.append(f"  [{label[passage.role]}]")
        lines += [f"    {line}" for line in passage.text.splitlines()]
    if shown.cut:
        lines.append("    " + t("content.cut", n=EXCERPT_WORDS))
    for doc in shown.documents:
        n = doc.words if doc.words is not None else t("content.words_unknown")
        kind = t(f"kind.{doc.counted_as}") if doc.counted_as else t("content.not_counted_short")
        lines.append(f"{t('content.documents')}: {doc.name or doc.path} ({n} — {kind})")
    for img in shown.images:
        verdict = t("content.image_" + img.verdict.replace("-", "_"))
        lines.append(f"{t('content.photos')}: {img.name or img.path} ({verdict})")
    return lines


@submissions.command("reclassify")
@click.argument("message_pk", metavar="ID", type=int)
@click.option("--news", type=click.IntRange(0, admin.MAX_COUNT), help="News items it counts.")
@click.option("--article", type=click.IntRange(0, admin.MAX_COUNT), help="Articles it counts.")
@click.option("--photo", type=click.IntRange(0, admin.MAX_COUNT), help="Photos it counts.")
@click.option("--reason", default="", help="Why, for the audit log and the report.")
@click.option(
    "--clear", is_flag=True, help="Drop the correction: count what the rules found again."
)
@pass_app
def submissions_reclassify(
    app: App,
    *,
    message_pk: int,
    news: int | None,
    article: int | None,
    photo: int | None,
    reason: str,
    clear: bool,
) -> None:
    """Set what message ID counts, by hand; the correction survives every later poll.

    Kinds not given keep what the message counts now.
    """
    given = {"news": news, "article": article, "photo": photo}
    if clear:
        if any(v is not None for v in given.values()):
            raise click.UsageError(
                "--clear drops the correction; give it without --news/--article/--photo"
            )
        if admin.clear_reclassification(app, message_pk, actor=admin.cli_actor()):
            click.echo(
                f"message #{message_pk}: correction dropped; it counts what the rules found again"
            )
        else:
            click.echo(f"message #{message_pk} has no correction; nothing changed")
        return
    if all(v is None for v in given.values()):
        raise click.UsageError("give at least one of --news N, --article N, --photo N (or --clear)")
    detail, _ = admin.submission(app, message_pk)
    counts = {k: v if v is not None else detail.row.counts[k] for k, v in given.items()}
    old, new = admin.reclassify(app, message_pk, counts, reason=reason, actor=admin.cli_actor())
    if old == new and detail.row.overridden:
        click.echo(f"message #{message_pk} already counts {_counts(new)}; nothing changed")
        return
    click.echo(f"message #{message_pk}: {_counts(old)} → {_counts(new)} (set by hand)")


# --------------------------------------------------------------------------- audit


@cli.command()
@click.option("--limit", type=click.IntRange(1, 100_000), default=50, show_default=True)
@click.option(
    "--action", help="Only this action (sender-map, sender-unmap, reclassify, user-add …)."
)
@click.option("--target", help="Only entries whose target contains this text.")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True
)
@pass_app
def audit(app: App, limit: int, action: str | None, target: str | None, fmt: str) -> None:
    """Who changed which mapping, count or user, when, and from what to what."""
    entries = audit_entries(app.store.session, limit=limit, action=action, target=target)
    if fmt == "json":
        data = [
            {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "target": e.target,
                "old": e.old,
                "new": e.new,
            }
            for e in entries
        ]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    if not entries:
        click.echo("the audit log is empty")
        return
    table = Table("when", "who", "action", "target", "old → new")
    for e in entries:
        table.add_row(
            _when(e.at, app), e.actor, e.action, e.target, f"{e.old or '–'} → {e.new or '–'}"
        )
    Console(highlight=False).print(table)


# --------------------------------------------------------------------------- users


@cli.group()
def users() -> None:
    """Who may sign in to the web admin (admins map senders; editors view and reclassify)."""


@users.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(user_store.ROLES), required=True, help="admin or editor.")
@click.option(
    "--password-env",
    metavar="VAR",
    help="Read the password from this environment variable (else it is asked for).",
)
@pass_app
def users_add(app: App, name: str, role: str, password_env: str | None) -> None:
    """Create user NAME, or set a new password and role for it."""
    if not name.strip() or len(name) > 64 or any(c.isspace() for c in name):
        raise click.UsageError(f"{name!r}: a user name is 1 to 64 characters without spaces")
    if password_env:
        password = os.environ.get(password_env, "")
        if not password:
            raise click.UsageError(
                f"the environment variable {shown_reference(password_env, '--password-env')}"
                " is not set — export it first"
            )
    else:
        password = click.prompt("password", hide_input=True, confirmation_prompt=True)
    try:
        created = user_store.add_user(
            app.store.session, name, password, role, actor=admin.cli_actor(), now=app.now()
        )
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    click.echo(f"user {name} {'created' if created else 'updated'} as {role}")


@users.command("list")
@pass_app
def users_list(app: App) -> None:
    """The users of the web admin."""
    found = user_store.list_users(app.store.session)
    if not found:
        click.echo("no users — add one with: tinbai users add NAME --role admin")
        return
    for u in found:
        click.echo(f"{u.name}\t{u.role}\t{_when(u.created_at, app)}")


@users.command("remove")
@click.argument("name")
@pass_app
def users_remove(app: App, name: str) -> None:
    """Remove user NAME; a session they have open ends at their next click."""
    if user_store.remove_user(app.store.session, name, actor=admin.cli_actor(), now=app.now()):
        click.echo(f"user {name} removed")
    else:
        click.echo(f"no user {name}; nothing changed")


@users.command("unlock")
@click.argument("name")
@pass_app
def users_unlock(app: App, name: str) -> None:
    """Let NAME sign in again at once: forget its failed sign-ins, from every address."""
    cleared = user_store.unlock_user(
        app.store.session, name, actor=admin.cli_actor(), now=app.now()
    )
    if cleared:
        click.echo(f"user {name}: {cleared} failed sign-in(s) forgotten; they may sign in again")
    else:
        click.echo(f"no failed sign-ins for {name}; nothing changed")
