"""Render the digest: HTML for mail clients (CSS inlined), text/plain, and the .xlsx.

Jinja2 with autoescape and StrictUndefined: a missing value fails loudly in
tests instead of leaving a hole in the editor's mail.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import tzinfo
from functools import cache

import css_inline
from jinja2 import Environment, PackageLoader, StrictUndefined

from digest.chart import render_chart
from digest.i18n import labels
from digest.progress import PlanProgress
from digest.view import DigestView, build_view
from digest.weeks import PLAN_SCOPE, series
from digest.xlsx import progress_workbook

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RenderedDigest:
    subject: str
    text: str
    html: str
    attachment_name: str
    attachment: bytes
    chart: bytes = b""  # the plan-wide progress chart, a PNG the HTML shows as cid:chart_cid
    chart_cid: str = ""

    def html_with_inline_chart(self) -> str:
        """The HTML with the chart as a data: URL, for a preview file opened in a browser."""
        if not self.chart:
            return self.html
        data = "data:image/png;base64," + base64.b64encode(self.chart).decode("ascii")
        return self.html.replace(f"cid:{self.chart_cid}", data)


@cache
def _environment(autoescape: bool) -> Environment:
    return Environment(
        loader=PackageLoader("digest", "templates"),
        autoescape=autoescape,  # noqa: S701 — off only for the text/plain part, which is no HTML
        undefined=StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
        keep_trailing_newline=True,
    )


@cache
def _inliner() -> css_inline.CSSInliner:
    # Gmail and Outlook drop <style> rules but keep style attributes; the phone
    # media query stays in a <style> block for the clients that honour it.
    return css_inline.CSSInliner(keep_at_rules=True, load_remote_stylesheets=False, minify_css=True)


def render_html(view: DigestView) -> str:
    html = _environment(autoescape=True).get_template("digest.html.j2").render(v=view)
    return _inliner().inline(html)


def render_text(view: DigestView) -> str:
    text = _environment(autoescape=False).get_template("digest.txt.j2").render(v=view)
    lines = [line.rstrip() for line in text.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return "\n".join(lines) + "\n"


def render_digest(
    progress: PlanProgress, *, language: str, tz: tzinfo, notes: Mapping[str, str] | None = None
) -> RenderedDigest:
    """The digest of ``progress``: subject, both bodies and the progress table."""
    t = labels(language)
    name = t["filename"].format(plan=progress.plan_id, week=progress.week.number)
    chart = b""
    if progress.as_of >= progress.start:
        chart = render_chart(series(progress, progress.daily, PLAN_SCOPE), t)
    cid = (
        f"chart-{progress.plan_id}-{progress.week.year}-w{progress.week.number}@tinbai"
        if chart
        else ""
    )
    view = build_view(progress, language=language, tz=tz, attachment=name, chart_cid=cid)
    return RenderedDigest(
        subject=view.subject,
        text=render_text(view),
        html=render_html(view),
        attachment_name=name,
        attachment=progress_workbook(progress, language=language, notes=notes or {}),
        chart=chart,
        chart_cid=cid,
    )
