"""`tinbai ingest-file`: .eml files or an mbox, through the same path as IMAP mail."""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import click

from classify.labels import code_of
from ingest.files import read_messages
from ingest.thumbnails import parse_with_thumbnails
from texts import review_reason, text
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.errors import ParseError
from tinbai.pipeline import classify_context, submit
from tinbai.receipt_queue import receipt_addresses

log = logging.getLogger(__name__)


@cli.command("ingest-file")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--mailbox",
    metavar="NAME",
    help="Count them as mail to this mailbox of [mailboxes.NAME] (its address and plans).",
)
@pass_app
def ingest_file(app: App, paths: tuple[Path, ...], mailbox: str | None) -> None:
    """Count the messages in .eml files, mbox files or folders of them."""
    store, ctx = app.store, classify_context(app.config, mailbox)
    language = app.config.model.language
    stats: Counter[str] = Counter()
    unreadable: list[str] = []
    for path in paths:
        try:
            for message in read_messages(path):
                parsed, thumbnails = parse_with_thumbnails(message.raw)
                done = submit(
                    parsed,
                    store=store,
                    ctx=ctx,
                    source="file",
                    now=app.now(),
                    thumbnails=thumbnails,
                    receipts=receipt_addresses(app.config),
                )
                if not done.outcome.created:
                    stats["already"] += 1
                    click.echo(
                        f"{message.origin}: already stored as message #{done.outcome.message_pk}; nothing changed"
                    )
                    continue
                stats["new"] += 1
                stats[done.classification.status] += 1
                for kind, count in done.outcome.counted:
                    stats[kind] += count
                if done.classification.status != "counted":
                    status = done.classification.status
                    reason = review_reason(
                        code_of(status, done.classification.reason),
                        done.classification.reason,
                        language,
                    )
                    click.echo(f"{message.origin}: {text(f'status.{status}', language)}: {reason}")
        except ParseError as e:
            unreadable.append(str(e))
            click.echo(f"tinbai: {e}", err=True)
    click.echo(
        f"{stats['new']} new message(s): {stats['news']} news, {stats['article']} article(s),"
        f" {stats['photo']} photo(s); {stats['ignored']} ignored, {stats['needs-review']} to review,"
        f" {stats['failed']} failed; {stats['already']} already stored"
    )
    if unreadable:
        raise SystemExit(1)
