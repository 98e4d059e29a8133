"""`tinbai explain MESSAGE`: the parsed facts of one stored message and every rule that ran."""

from __future__ import annotations

import click

from classify.labels import code_of
from classify.rules import PARSED
from store.trace import MessageFacts, message_facts
from texts import outcome_label
from tinbai.app import App
from tinbai.cli import cli
from tinbai.cli.common import pass_app
from tinbai.cli.table import wide_option, wrapped
from tinbai.errors import TinbaiError


class MessageNotFoundError(TinbaiError):
    """No stored message has that number or Message-ID."""


@cli.command("explain")
@click.argument("message")
@wide_option
@pass_app
def explain(app: App, message: str, wide: bool) -> None:
    """Why a stored message counts as it does (MESSAGE: its number or Message-ID)."""
    facts = message_facts(app.store, message)
    if facts is None:
        raise MessageNotFoundError(
            f"no stored message {message!r} — give its number or its Message-ID"
        )
    click.echo(wrapped(render(facts, app.config.model.language), wide=wide))


def render(facts: MessageFacts, language: str = "vi") -> str:
    sender = (
        f"{facts.sender_name} <{facts.sender}>" if facts.sender_name else facts.sender or "(none)"
    )
    lines = [
        f"message #{facts.id}  {facts.message_id or '(no Message-ID)'}",
        f"  from:      {sender}",
        f"  to:        {facts.recipients or '(none)'}",
        f"  subject:   {facts.subject or '(none)'}",
        f"  date:      {facts.sent_at.isoformat() if facts.sent_at else '(none)'}",
        f"  received:  {facts.received_at.isoformat()}  (via {facts.source})",
        f"  size:      {facts.size:,} bytes",
        f"  status:    {facts.status} ({outcome_label(code_of(facts.status, facts.reason), language)})"
        + (f" — {facts.reason}" if facts.reason else ""),
    ]
    if facts.defects:
        lines.append(f"  defects:   {'; '.join(facts.defects)}")
    parsed = [hit for hit in facts.trace if hit.rule == PARSED]
    if parsed:
        lines.append(f"  parsed:    {parsed[0].note}")
    lines.append("items:")
    lines.extend(f"  {count} {kind}: {reason}" for kind, count, reason in facts.items)
    if not facts.items:
        lines.append("  (none)")
    lines.append("rules, in order (+ fired, - did not):")
    for hit in facts.trace:
        if hit.rule == PARSED:
            continue
        lines.append(
            f"  {'+' if hit.fired else '-'} {hit.rule}" + (f": {hit.note}" if hit.note else "")
        )
    return "\n".join(lines)
