"""The web admin's pages: a Starlette app built from an `App`, with no import-time state.

Every page needs a signed-in user; every POST needs this session's CSRF
token and no other site's Origin; changing a mapping needs the admin role. Handlers run in a worker
thread, since the store is synchronous.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from classify.labels import code_of
from classify.links import links_of
from classify.message import KINDS
from classify.preview import EXCERPT_WORDS
from classify.reasons import Reason
from digest.chart import render_chart
from digest.progress import PlanProgress, percent_text
from digest.view import chart_weeks, themes_and_calendar
from digest.weeks import PLAN_SCOPE, scopes, series
from store import users as user_store
from store.audit import audit_entries
from store.users import UserRow
from texts import outcome_label, reason_text
from tinbai import admin, previews
from tinbai.app import App
from tinbai.errors import TinbaiError
from tinbai.paging import Page
from tinbai.web.i18n import words
from tinbai.web.kept import Kept
from tinbai.web.security import (
    CSRF_FIELD,
    SESSION_COOKIE,
    LoginLimiter,
    SameOriginPosts,
    SecureCookieOverHttps,
    SecurityHeaders,
    csrf_ok,
    csrf_token,
    loggable,
    secret_key,
)

log = logging.getLogger(__name__)

UNKNOWN_PER_PAGE = 50  # unknown senders per page, most messages first: each has its own form
SENDERS_PER_PAGE = 50  # mappings per page, by pattern: each has its own form
UNIT_SELECT_MAX = 200  # more units than this: a text box and one list of them per page

Handler = Callable[[Request, UserRow], Response]
FLASH_MAX = 200  # characters of one note
FLASHES_BUDGET = 2000  # bytes of JSON for all notes: the cookie stays under 4 KB once signed


class Site:
    """The pages, bound to one `App`."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.language = app.config.model.language
        self.t = words(self.language)
        self.kept = Kept(lambda: app.store)
        web = app.config.model.web
        self.limiter = LoginLimiter(
            app.store.session,
            web.login_attempts,
            timedelta(minutes=web.login_window_minutes),
            app.now,
        )
        env = Environment(
            loader=PackageLoader("tinbai.web", "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["when"] = self._when
        env.filters["day"] = self._day
        env.filters["reason"] = self._reason
        env.globals["zip"] = zip
        env.globals["percent_text"] = percent_text  # the one way a share is shown
        self.templates = Jinja2Templates(env=env)

    # ------------------------------------------------------------------ plumbing

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return ""
        return f"{moment.astimezone(self.app.config.plan_timezone(self.app.plan())):%d/%m/%Y %H:%M}"

    def _day(self, day: date | None) -> str:
        return "" if day is None else f"{day:%d/%m/%Y}"

    def _reason(self, reason: Reason) -> str:
        return reason_text(reason, self.language)

    def render(
        self,
        request: Request,
        template: str,
        user: UserRow | None,
        status: int = 200,
        **context: Any,
    ) -> Response:
        flash = request.session.pop("flash", [])
        base = {
            "t": self.t,
            "lang": self.language,
            "user": user,
            "csrf_field": CSRF_FIELD,
            "csrf": csrf_token(request),
            "flash": flash,
            "kinds": KINDS,
            "path": request.url.path,
            "many_units": len(self.app.config.model.units) > UNIT_SELECT_MAX,
        }
        return self.templates.TemplateResponse(
            request, template, {**base, **context}, status_code=status
        )

    def flash(self, request: Request, text: str, kind: str = "ok") -> None:
        """A note for the next page, kept in the signed session cookie.

        Bounded: a browser drops a cookie over 4 KB without a word, and with it the note
        (a 6,000-character sender quoted in an error did that), so a long note is cut and
        the oldest notes go first.
        """
        if len(text) > FLASH_MAX:
            text = f"{text[:FLASH_MAX]}… ({len(text)} characters)"
        notes = [*request.session.get("flash", []), [kind, text]]
        while len(notes) > 1 and len(json.dumps(notes)) > FLASHES_BUDGET:
            notes.pop(0)
        request.session["flash"] = notes

    def error(self, request: Request, status: int, text: str, user: UserRow | None) -> Response:
        return self.render(request, "error.html", user, status=status, message=text)

    def current_user(self, request: Request) -> UserRow | None:
        name = request.session.get("user")
        if not isinstance(name, str):
            return None
        # Read on every request: a removed user, a changed role or a sign-out elsewhere
        # takes effect at once.
        user = user_store.get_user(self.app.store.session, name)
        if user is None or request.session.get("epoch") != user.session_epoch:
            return None
        return user

    def page(
        self, handler: Handler, *, admin_only: bool = False
    ) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            form = await request.form() if request.method == "POST" else None
            try:
                return await run_in_threadpool(self._guarded, handler, request, form, admin_only)
            finally:
                if form is not None:
                    await form.close()

        return endpoint

    def _guarded(
        self, handler: Handler, request: Request, form: FormData | None, admin_only: bool
    ) -> Response:
        user = self.current_user(request)
        if user is None:
            request.session.pop("user", None)
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target)}", status_code=303)
        if form is not None:
            if not csrf_ok(request, form.get(CSRF_FIELD)):
                log.warning(
                    "web: POST %s by %s refused: missing or wrong CSRF token",
                    loggable(request.url.path),
                    loggable(user.name),
                )
                return self.error(request, 403, self.t["csrf"], user)
            request.state.form = form
        if admin_only and not user.is_admin:
            log.warning(
                "web: %s (editor) refused %s %s",
                loggable(user.name),
                loggable(request.method),
                loggable(request.url.path),
            )
            return self.error(request, 403, self.t["forbidden"], user)
        try:
            return handler(request, user)
        except TinbaiError as e:
            # A store or config problem: one line for the person, the detail in the log.
            log.warning(
                "web: %s %s: %s", loggable(request.method), loggable(request.url.path), loggable(e)
            )
            return self.error(
                request, 400 if isinstance(e, admin.AdminError) else 503, str(e), user
            )

    @staticmethod
    def form(request: Request) -> FormData:
        form: FormData = request.state.form
        return form

    @staticmethod
    def field(form: FormData, name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    @staticmethod
    def next_url(value: str, default: str) -> str:
        """Only a path on this site: never an open redirect."""
        if value.startswith("/") and not value.startswith("//") and "\\" not in value:
            return value
        return default

    @staticmethod
    def message_pk(request: Request) -> int:
        """The route's message number; one beyond the id column is a missing page, not a crash."""
        try:
            return admin.check_message_pk(int(request.path_params["id"]))
        except admin.AdminError:
            raise HTTPException(404) from None

    def parse_day(self, value: str) -> date | None:
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise admin.AdminError(self.t["bad_date"].format(value=value)) from None

    def unit_label(self, unit_id: str | None) -> str:
        units = self.app.config.model.units
        if unit_id is None or unit_id not in units:
            return unit_id or ""
        unit = units[unit_id]
        return (unit.name_en or unit.name) if self.language == "en" else unit.name

    def unit_choices(self) -> list[tuple[str, list[tuple[str, str]]]]:
        model = self.app.config.model
        units_of: dict[str, list[tuple[str, str]]] = {}
        for uid, u in model.units.items():
            units_of.setdefault(u.group, []).append((uid, self.unit_label(uid)))
        out = []
        for group_id, group in model.groups.items():
            members = units_of.get(group_id, [])
            name = (group.name_en or group.name) if self.language == "en" else group.name
            out.append((name, members))
        return out

    # ------------------------------------------------------------------ sign in / out

    async def login(self, request: Request) -> Response:
        if request.method in ("GET", "HEAD"):  # HEAD is a GET without the body, never a sign-in
            if await run_in_threadpool(self.current_user, request) is not None:
                nxt = self.next_url(request.query_params.get("next", ""), "/")
                return RedirectResponse(nxt, status_code=303)
            return await run_in_threadpool(self._login_page, request, "", 200)
        form = await request.form()
        return await run_in_threadpool(self._login_post, request, form)

    def _login_page(self, request: Request, message: str, status: int, name: str = "") -> Response:
        nxt = self.next_url(request.query_params.get("next", ""), "/")
        return self.render(
            request, "login.html", None, status=status, message=message, name=name, next=nxt
        )

    def _login_post(self, request: Request, form: FormData) -> Response:
        if not csrf_ok(request, form.get(CSRF_FIELD)):
            return self._login_page(request, self.t["csrf"], 403)
        name, password = self.field(form, "username"), form.get("password")
        address = request.client.host if request.client else "?"
        wait = self.limiter.wait(address, name)
        if wait is not None:
            log.warning(
                "web: sign-in for '%s' from %s refused: too many failures",
                loggable(name),
                loggable(address),
            )
            minutes = max(1, int(wait.total_seconds() // 60) + 1)
            return self._login_page(
                request, self.t["login_limited"].format(minutes=minutes), 429, name
            )
        user = user_store.authenticate(
            self.app.store.session, name, password if isinstance(password, str) else ""
        )
        if user is None:
            self.limiter.failed(address, name)
            log.info("web: failed sign-in for '%s' from %s", loggable(name), loggable(address))
            return self._login_page(request, self.t["login_failed"], 401, name)
        self.limiter.succeeded(address, name)
        request.session.clear()  # a fresh session (and CSRF token) at sign-in: no fixation
        request.session["user"] = user.name
        request.session["epoch"] = user.session_epoch
        csrf_token(request)
        log.info("web: %s signed in from %s", loggable(user.name), loggable(address))
        return RedirectResponse(self.next_url(self.field(form, "next"), "/"), status_code=303)

    def logout(self, request: Request, user: UserRow) -> Response:
        user_store.end_sessions(self.app.store.session, user.name)
        request.session.clear()
        self.flash(request, self.t["logged_out"])
        return RedirectResponse("/login", status_code=303)

    # ------------------------------------------------------------------ dashboard

    def _dashboard_day(self, request: Request) -> tuple[date, str]:
        chosen = self.parse_day(request.query_params.get("as_of", ""))
        day = chosen or self.app.today()
        plan = self.app.plan(None, day)
        if chosen is None and day > plan.end:
            day = plan.end  # between quarters, the last plan as it ended
        return day, plan.id

    def scope_choices(self, progress: PlanProgress) -> list[tuple[str, list[tuple[str, str]]]]:
        """The chart's scopes as the select shows them: the plan, then each group and its units."""
        en = self.language == "en"
        out: list[tuple[str, list[tuple[str, str]]]] = [("", [(PLAN_SCOPE, self.t["chart_plan"])])]
        for g in progress.groups:
            name = (g.name_en or g.name) if en else g.name
            members = [(f"unit:{u}", self.unit_label(u)) for u in g.members]
            out.append((name, [(f"group:{g.id}", name), *members]))
        return out

    def progress(self, plan_id: str, day: date) -> PlanProgress:
        """The plan's progress on ``day``, kept until the store's data changes."""
        return self.kept.get(
            ("progress", plan_id, day), lambda: admin.progress(self.app, day, plan_id)
        )

    def chart(self, request: Request, user: UserRow) -> Response:
        """The progress chart of one scope (the plan, a group, a unit) as a PNG."""
        day, plan_id = self._dashboard_day(request)
        progress = self.progress(plan_id, day)
        scope = request.query_params.get("scope", PLAN_SCOPE)
        if scope not in scopes(progress):
            raise HTTPException(404)
        png = self.kept.get(
            ("chart", plan_id, day, scope),
            lambda: render_chart(series(progress, progress.daily, scope), self.t),
        )
        return Response(png, media_type="image/png")

    def dashboard(self, request: Request, user: UserRow) -> Response:
        day, plan_id = self._dashboard_day(request)
        progress = self.progress(plan_id, day)
        scope = request.query_params.get("scope", PLAN_SCOPE)
        if scope not in scopes(progress):
            scope = PLAN_SCOPE
        # The page's body is the same for every user: drawn once per (plan, day, scope)
        # and generation; only the frame around it (user, notes, CSRF token) each time.
        body = self.kept.get(
            ("dashboard", plan_id, day, scope),
            # An autoescaped template's output: already markup.
            lambda: Markup(self._dashboard_body(progress, day, scope)),  # noqa: S704
        )
        return self.render(request, "dashboard.html", user, body=body)

    def _dashboard_body(self, progress: PlanProgress, day: date, scope: str) -> str:
        manual = admin.corrected(self.app, self.app.plan(progress.plan_id, day), day)
        units_by_group: dict[str, list[Any]] = {}
        for unit in progress.units:
            units_by_group.setdefault(unit.group, []).append(unit)
        return self.templates.get_template("_dashboard.html").render(
            t=self.t,
            kinds=KINDS,
            progress=progress,
            units_by_group=units_by_group,
            manual=len(manual),
            unit_label=self.unit_label,
            as_of=day,
            themes=themes_and_calendar(progress, self.app.config.model.language),
            scope=scope,
            scope_choices=self.scope_choices(progress),
            chart_weeks=chart_weeks(progress, self.language, scope),
            chart_src="/chart.png?" + urlencode({"scope": scope, "as_of": day.isoformat()}),
        )

    # ------------------------------------------------------------------ senders

    def senders(self, request: Request, user: UserRow) -> Response:
        search = request.query_params.get("q", "")
        wanted = Page(self.page_number(request), SENDERS_PER_PAGE)
        rows, at = admin.mappings_page(self.app, search, wanted)
        return self.render(
            request,
            "senders.html",
            user,
            rows=rows,
            page=at,
            here=self.listed("/senders", at, q=search),
            search=search,
            choices=self.unit_choices(),
            unit_label=self.unit_label,
        )

    def senders_assign(self, request: Request, user: UserRow) -> Response:
        form = self.form(request)
        back = self.next_url(self.field(form, "next"), "/senders")
        pattern, unit_id = self.field(form, "sender"), self.field(form, "unit")
        try:
            since = self.parse_day(self.field(form, "from"))
            change = admin.assign(self.app, pattern, unit_id, actor=f"web:{user.name}", since=since)
        except admin.AdminError as e:
            self.flash(request, str(e), "error")
            return RedirectResponse(back, status_code=303)
        values = {
            "pattern": change.pattern,
            "unit": self.unit_label(change.new),
            "old": self.unit_label(change.old),
            "since": self._day(since),
        }
        if not change.changed:
            key = "unchanged"
        elif change.old is None:
            key = "mapped"
        else:
            key = "moved_from" if change.since is not None else "moved"
        self.flash(request, self.t[key].format(**values))
        return RedirectResponse(back, status_code=303)

    def senders_remove(self, request: Request, user: UserRow) -> Response:
        form = self.form(request)
        back = self.next_url(self.field(form, "next"), "/senders")
        try:
            pattern, old = admin.unassign(
                self.app, self.field(form, "sender"), actor=f"web:{user.name}"
            )
        except admin.AdminError as e:
            self.flash(request, str(e), "error")
            return RedirectResponse(back, status_code=303)
        if old is not None:
            self.flash(
                request, self.t["removed"].format(pattern=pattern, unit=self.unit_label(old))
            )
        elif any(r.pattern == pattern and r.source == "config" for r in admin.mappings(self.app)):
            self.flash(request, self.t["seeded"].format(pattern=pattern), "error")
        else:
            self.flash(request, self.t["not_mapped"].format(pattern=pattern))
        return RedirectResponse(back, status_code=303)

    def senders_import(self, request: Request, user: UserRow) -> Response:
        upload = self.form(request).get("file")
        if not isinstance(upload, UploadFile) or not upload.filename:
            self.flash(request, self.t["no_file"], "error")
            return RedirectResponse("/senders", status_code=303)
        raw = upload.file.read()
        try:
            text = raw.decode("utf-8-sig")
            rows = admin.parse_senders_csv(text, self.app, name=Path(upload.filename).name)
            done = admin.import_senders(self.app, rows, actor=f"web:{user.name}")
        except UnicodeDecodeError:
            self.flash(
                request, f"{upload.filename}: not UTF-8 text — save the CSV as UTF-8", "error"
            )
        except admin.AdminError as e:
            self.flash(request, str(e), "error")
        else:
            self.flash(request, self.t["imported"].format(**vars(done)))
        return RedirectResponse("/senders", status_code=303)

    def senders_csv(self, request: Request, user: UserRow) -> Response:
        return Response(
            admin.export_senders_csv(self.app),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="senders.csv"'},
        )

    # ------------------------------------------------------------------ unknown senders

    def unknown(self, request: Request, user: UserRow) -> Response:
        day = self.app.today()
        strangers, at = admin.unknown_page(
            self.app,
            self.app.plan(None, day),
            day,
            samples=5,
            page=Page(self.page_number(request), UNKNOWN_PER_PAGE),
        )
        return self.render(
            request,
            "unknown.html",
            user,
            strangers=strangers,
            choices=self.unit_choices(),
            page=at,
            here=self.listed("/unknown", at),
        )

    @staticmethod
    def page_number(request: Request) -> int:
        """``?page=N`` (1 for anything that is not a whole number of at least 1)."""
        text = request.query_params.get("page", "1")
        return int(text) if text.isdigit() and 0 < len(text) < 7 and int(text) > 0 else 1

    @staticmethod
    def listed(path: str, at: Page, **query: str) -> str:
        """The address of page ``at`` of a list: what a form on it returns to."""
        kept = {k: v for k, v in query.items() if v}
        if at.number > 1:
            kept["page"] = str(at.number)
        return path + (f"?{urlencode(kept)}" if kept else "")

    # ------------------------------------------------------------------ submissions

    def submissions(self, request: Request, user: UserRow) -> Response:
        params = request.query_params
        unit_id = params.get("unit") or None
        status = params.get("status") or None
        manual = params.get("manual") == "1"
        since_text = params.get("since", "")
        since = self.parse_day(since_text)
        found = admin.submissions(
            self.app, unit_id=unit_id, since=since, status=status, overridden_only=manual, limit=300
        )
        return self.render(
            request,
            "submissions.html",
            user,
            found=found,
            unit=unit_id or "",
            status_filter=status or "",
            since=since_text,
            manual=manual,
            statuses=admin.STATUSES,
            choices=self.unit_choices(),
            unit_label=self.unit_label,
            # The label beside the status where it says more than the status: possible spoofing.
            outcomes={
                s.row.id: outcome_label(code, self.language)
                for s in found
                if (code := code_of(s.row.status, s.row.reason)) == "spoofed"
            },
        )

    def submission(self, request: Request, user: UserRow) -> Response:
        message_pk = self.message_pk(request)
        try:
            detail, unit_id = admin.submission(self.app, message_pk)
        except admin.AdminError:
            return self.error(request, 404, self.t["not_found"], user)
        return self.render(
            request,
            "submission.html",
            user,
            d=detail,
            shown=previews.message_shown(self.app, detail),
            excerpt_words=EXCERPT_WORDS,
            outcome=outcome_label(code_of(detail.row.status, detail.reason), self.language),
            cloud=links_of(detail.reason),
            unit_id=unit_id,
            unit_label=self.unit_label,
            max=admin.MAX_COUNT,
        )

    def thumbnail(self, request: Request, user: UserRow) -> Response:
        """One image of a message, small: stored with it, or from the IMAP thumbnail cache."""
        message_pk = self.message_pk(request)
        part = request.query_params.get("part", "")
        try:
            detail, _ = admin.submission(self.app, message_pk)
        except admin.AdminError:
            raise HTTPException(404) from None
        data = previews.thumbnail(self.app, message_pk, detail.source, part) if part else None
        if data is None:
            raise HTTPException(404)
        return Response(
            data, media_type="image/jpeg", headers={"cache-control": "private, max-age=86400"}
        )

    def reclassify(self, request: Request, user: UserRow) -> Response:
        message_pk = self.message_pk(request)
        form = self.form(request)
        back = f"/submissions/{message_pk}"
        counts: dict[str, int] = {}
        for kind in KINDS:
            raw = self.field(form, kind)
            if not raw.isdigit() or int(raw) > admin.MAX_COUNT:
                self.flash(request, self.t["bad_count"].format(max=admin.MAX_COUNT), "error")
                return RedirectResponse(back, status_code=303)
            counts[kind] = int(raw)
        old, new = admin.reclassify(
            self.app,
            message_pk,
            counts,
            reason=self.field(form, "reason"),
            actor=f"web:{user.name}",
        )
        fmt = self._counts
        self.flash(
            request, self.t["reclassified"].format(id=message_pk, old=fmt(old), new=fmt(new))
        )
        return RedirectResponse(back, status_code=303)

    def clear(self, request: Request, user: UserRow) -> Response:
        message_pk = self.message_pk(request)
        if admin.clear_reclassification(self.app, message_pk, actor=f"web:{user.name}"):
            self.flash(request, self.t["override_cleared"].format(id=message_pk))
        return RedirectResponse(f"/submissions/{message_pk}", status_code=303)

    def _counts(self, counts: Mapping[str, int]) -> str:
        return ", ".join(f"{self.t[k]} {counts.get(k, 0)}" for k in KINDS)

    # ------------------------------------------------------------------ audit

    def audit(self, request: Request, user: UserRow) -> Response:
        action = request.query_params.get("action") or None
        entries = audit_entries(self.app.store.session, limit=300, action=action)
        return self.render(request, "audit.html", user, entries=entries, action=action or "")

    # ------------------------------------------------------------------ errors

    async def not_found(self, request: Request, exc: Exception) -> Response:
        user = await run_in_threadpool(self.current_user, request)
        if user is None:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        text = self.t["not_found"] if status == 404 else str(getattr(exc, "detail", ""))
        return await run_in_threadpool(self.error, request, status, text, user)

    async def crashed(self, request: Request, exc: Exception) -> Response:
        log.error(
            "web: %s %s failed",
            loggable(request.method),
            loggable(request.url.path),
            exc_info=exc,
        )
        body = f"<!doctype html><meta charset=utf-8><title>500</title><p>{self.t['error']}</p>"
        return HTMLResponse(body, status_code=500)


def create_app(app: App, *, secret: str | None = None) -> Starlette:
    """The web admin for ``app``: routes, sessions and security headers."""
    site = Site(app)
    web = app.config.model.web
    app.store  # noqa: B018 — open and migrate the database now: a bad url fails at start, not at a click
    page = site.page
    routes = [
        Route("/login", site.login, methods=["GET", "POST"]),
        Route("/logout", page(site.logout), methods=["POST"]),
        Route("/", page(site.dashboard)),
        Route("/chart.png", page(site.chart)),
        Route("/senders", page(site.senders)),
        Route("/senders.csv", page(site.senders_csv)),
        Route("/senders/assign", page(site.senders_assign, admin_only=True), methods=["POST"]),
        Route("/senders/remove", page(site.senders_remove, admin_only=True), methods=["POST"]),
        Route("/senders/import", page(site.senders_import, admin_only=True), methods=["POST"]),
        Route("/unknown", page(site.unknown)),
        Route("/submissions", page(site.submissions)),
        Route("/submissions/{id:int}", page(site.submission)),
        Route("/submissions/{id:int}/thumbnail", page(site.thumbnail)),
        Route("/submissions/{id:int}/reclassify", page(site.reclassify), methods=["POST"]),
        Route("/submissions/{id:int}/clear", page(site.clear), methods=["POST"]),
        Route("/audit", page(site.audit)),
        Mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static"),
    ]
    middleware = [
        Middleware(SecurityHeaders),
        Middleware(SameOriginPosts, refusal=site.t["cross_site"]),
        Middleware(SecureCookieOverHttps),
        Middleware(
            SessionMiddleware,
            secret_key=secret or secret_key(app.config),
            session_cookie=SESSION_COOKIE,
            max_age=int(web.session_hours * 3600),
            same_site="lax",
        ),
    ]
    return Starlette(
        routes=routes,
        middleware=middleware,
        exception_handlers={404: site.not_found, 405: site.not_found, Exception: site.crashed},
    )
