"""`tinbai explain MESSAGE`: the parsed facts of one stored message and every rule that ran."""

from __future__ import annotations

from collections.abc import Mapping

import click

from classify.labels import code_of
from classify.rules import PARSED
from digest.i18n import quantity
from store.trace import MessageFacts, message_facts
from texts import number, outcome_label, reason_text, text
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
    click.echo(wrapped(render(facts, app.config.model.language, theme_names(app)), wide=wide))


def theme_names(app: App) -> dict[str, str]:
    """Every plan's themes and dates by their tag: what `explain` prints for a tag."""
    names: dict[str, str] = {}
    for plan in app.config.model.plans:
        names |= {t.id: t.name for t in plan.themes}
        names |= {d.tag: f"{d.day:%d/%m/%Y} {d.name}" for d in plan.calendar if d.tag}
    return names


def render(
    facts: MessageFacts, language: str = "vi", themes: Mapping[str, str] | None = None
) -> str:
    """The message's facts, its items, the plan's themes it touches and every rule's note."""

    def say(key: str, **params: object) -> str:
        return text(f"explain.{key}", language, **params)

    none = say("none")
    heads = {k: say(k) for k in ("from", "to", "subject", "date", "received", "size", "status")}
    heads |= {k: say(k) for k in ("defects", "parsed", "themes")}
    width = max(len(h) for h in heads.values()) + 1  # as wide as before, in English

    def line(key: str, value: str) -> str:
        return f"  {heads[key]:<{width}} {value}"

    sender = f"{facts.sender_name} <{facts.sender}>" if facts.sender_name else facts.sender or none
    code = code_of(facts.status, facts.reason)
    reason = reason_text(facts.reason, language)
    lines = [
        f"{say('message', id=facts.id)}  {facts.message_id or say('no_message_id')}",
        line("from", sender),
        line("to", facts.recipients or none),
        line("subject", facts.subject or none),
        line("date", facts.sent_at.isoformat() if facts.sent_at else none),
        line("received", f"{facts.received_at.isoformat()}  {say('via', source=facts.source)}"),
        line("size", say("bytes", bytes=number(facts.size, language))),
        line(
            "status",
            f"{text(f'status.{facts.status}', language)} ({outcome_label(code, language)})"
            + (f" — {reason}" if reason else ""),
        ),
    ]
    if facts.defects:
        lines.append(line("defects", "; ".join(facts.defects)))
    parsed = [hit for hit in facts.trace if hit.rule == PARSED]
    if parsed:
        lines.append(line("parsed", reason_text(parsed[0].note, language)))
    names = themes or {}
    lines.append(
        line(
            "themes",
            "; ".join(f"{names[t]} ({t})" if t in names else t for t in facts.themes) or none,
        )
    )
    lines.append(say("items"))
    lines.extend(
        f"  {quantity(count, kind, language)}: {reason_text(reason, language)}"
        for kind, count, reason in facts.items
    )
    if not facts.items:
        lines.append(f"  {none}")
    lines.append(say("rules"))
    for hit in facts.trace:
        if hit.rule == PARSED:
            continue
        note = reason_text(hit.note, language)
        lines.append(f"  {'+' if hit.fired else '-'} {hit.rule}" + (f": {note}" if note else ""))
    return "\n".join(lines)
