"""`tinbai themes retag`: tag stored messages with the plan's themes as the config has them now."""

from __future__ import annotations

import click

from store.themes import add_themes, stored_texts
from texts import text
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.config import theme_matcher
from tinbai.errors import ConfigError


@cli.group()
def themes() -> None:
    """The plan's themes: tag stored messages again after themes or keywords changed."""


@themes.command("retag")
@pass_app
def retag(app: App) -> None:
    """Tag every stored message with the themes its subject and kept text mention now.

    New mail is tagged as it arrives, from its whole text and documents. The store keeps
    a message's subject and the start of its body (the message page's text), so this
    finds a theme named there; it adds tags and never removes one found before.
    """
    language = app.config.model.language
    matcher = theme_matcher(app.config)
    if matcher is None:
        raise ConfigError(text("cli.themes_none", language))
    after, messages, added = 0, 0, 0
    while batch := stored_texts(app.store.session, after):
        with app.store.transaction() as conn:
            for message_pk, subject, body in batch:
                found = matcher.match(subject, body)
                new = add_themes(conn, message_pk, (t for t in matcher.tags if t in found))
                messages += 1 if new else 0
                added += new
        after = batch[-1][0]
    click.echo(text("cli.themes_retagged", language, tags=added, messages=messages))
