"""The message page fetches IMAP mail's photos on demand: read-only, cached, bounded, and
plain about a message that is gone from the server. On the real Dovecot."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import httpx
import pytest
from mailkit import Attachment, build_message, make_scene

from store import users as user_store
from tinbai import admin, previews
from tinbai.app import App
from tinbai.web import start_in_thread

pytestmark = pytest.mark.integration

UNIT = "tuangiao@example.org"


def photo_mail(subject: str, seeds: tuple[int, ...]) -> bytes:
    return build_message(
        sender=UNIT,
        subject=subject,
        body="Đơn vị gửi ảnh hội nghị.",
        attachments=[Attachment(f"anh-{s}.jpg", make_scene(seed=s)) for s in seeds],
    )


def shown(app: App, subject: str) -> previews.MessageShown:
    found = admin.submissions(app, limit=50)
    pk = next(s.row.id for s in found if s.row.subject == subject)
    detail, _ = admin.submission(app, pk)
    result = previews.message_shown(app, detail)
    assert result is not None
    return result


def with_cache_limit(mailbox, megabytes: float) -> None:
    text = mailbox.config.read_text(encoding="utf-8")
    mailbox.config.write_text(
        text + f"\n[web]\nthumbnail_cache_mb = {megabytes}\n", encoding="utf-8"
    )


def sent_lines(dovecot, user: str) -> list[str]:
    """Every line tinbai's IMAP sessions sent (Dovecot's rawlog), the test's own APPENDs aside."""
    logs = (dovecot.dir / "rawlog" / user).glob("*.in")
    texts = [p.read_text(errors="replace") for p in logs]
    return [line for t in texts if "APPEND" not in t for line in t.splitlines()]


def settled_sessions(mailbox) -> int:
    """The finished IMAP sessions, once Dovecot has logged every one that was ending.

    Dovecot writes "Logged out" when its side of a session ends, a moment after the
    client's LOGOUT: counted at once, a busy machine can miss the last one.
    """
    count, stable_since = len(mailbox.sessions()), time.monotonic()
    while time.monotonic() - stable_since < 0.5:
        time.sleep(0.05)
        now = len(mailbox.sessions())
        if now != count:
            count, stable_since = now, time.monotonic()
    return count


def test_photos_are_fetched_read_only_and_cached(mailbox, dovecot):
    dovecot.rawlog(mailbox.user)
    mailbox.deliver(photo_mail("[Ảnh] Hội nghị", (1, 2)))
    mailbox.poll()
    app = mailbox.app()
    try:
        first = shown(app, "[Ảnh] Hội nghị")
        assert first.server == "ok"
        assert [(i.name, i.verdict, i.thumbnail) for i in first.images] == [
            ("anh-1.jpg", "counted", True),
            ("anh-2.jpg", "counted", True),
        ]
        cached = sorted(app.config.thumbnail_cache.glob("*.jpg"))
        assert len(cached) == 2
        assert cached[0].parent == app.config.thumbnail_cache
        assert app.config.thumbnail_cache.parent == mailbox.config.parent  # beside the database
        sessions = settled_sessions(mailbox)
        again = shown(app, "[Ảnh] Hội nghị")  # from the cache: no new IMAP session
        assert all(i.thumbnail for i in again.images)
        assert settled_sessions(mailbox) == sessions
        pk = admin.submissions(app, limit=5)[0].row.id
        thumb = previews.thumbnail(app, pk, "imap", again.images[0].path)
        assert thumb is not None
        assert thumb.startswith(b"\xff\xd8")  # a JPEG
    finally:
        app.close()
    lines = sent_lines(dovecot, mailbox.user)
    whole_parts = [line for line in lines if re.search(r"BODY\.PEEK\[\d+\] *\)?$", line)]
    assert whole_parts, lines  # the photos' parts, fetched whole on demand…
    assert not any(re.search(r"BODY\[|RFC822\b(?!\.SIZE)", ln, re.I) for ln in lines), lines
    assert not any(re.search(r"\bSELECT\b|\bSTORE\b", ln, re.I) for ln in lines), lines
    with dovecot.client(mailbox.user) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search("ALL"))
    assert all(b"\\Seen" not in f for f in flags.values()), flags


def test_the_thumbnail_cache_stays_under_its_bound(mailbox):
    with_cache_limit(mailbox, 0.03)  # 30 KB: room for two or three thumbnails
    subjects = [f"[Ảnh] Đợt {n}" for n in range(4)]
    mailbox.deliver(*(photo_mail(s, (10 + 2 * n, 11 + 2 * n)) for n, s in enumerate(subjects)))
    mailbox.poll()
    app = mailbox.app()
    try:
        for subject in subjects:
            assert shown(app, subject).server == "ok"
            total = sum(p.stat().st_size for p in app.config.thumbnail_cache.glob("*.jpg"))
            assert total <= 30_000
        assert len(list(app.config.thumbnail_cache.glob("*.jpg"))) >= 1
        assert not list(app.config.thumbnail_cache.glob("*.tmp"))
    finally:
        app.close()


def test_a_message_expunged_from_the_server_says_so_on_its_page(mailbox, dovecot):
    mailbox.deliver(photo_mail("[Ảnh] Sẽ bị xóa", (30,)))
    mailbox.poll()
    with dovecot.client(mailbox.user) as client:
        client.select_folder("INBOX")
        client.delete_messages(client.search("ALL"))
        client.expunge()
    app = mailbox.app()
    try:
        gone = shown(app, "[Ảnh] Sẽ bị xóa")
        assert gone.server == "gone-expunged"
        assert [i.thumbnail for i in gone.images] == [False]
        page = page_of(app, "[Ảnh] Sẽ bị xóa")
    finally:
        app.close()
    assert "Thư này không còn trên máy chủ thư (đã bị xóa hoặc chuyển đi)" in page
    assert "không có ảnh xem trước" in page
    assert "anh-30.jpg" in page


def test_a_folder_recreated_on_the_server_says_so(mailbox, dovecot):
    mailbox.configure(folder="Tin")  # INBOX cannot be deleted
    mailbox.deliver(photo_mail("[Ảnh] Thư mục mới", (40,)), folder="Tin")
    mailbox.poll()
    dovecot.recreate("Tin", photo_mail("[Ảnh] Thư khác", (41,)), user=mailbox.user)
    app = mailbox.app()
    try:
        assert shown(app, "[Ảnh] Thư mục mới").server == "gone-uidvalidity"
    finally:
        app.close()


def page_of(app: App, subject: str) -> str:
    """The message page as the editor sees it, from the real web app in this process."""
    user_store.add_user(
        app.store.session, "binh", "editor-secret-1", "editor", actor="test", now=datetime.now(UTC)
    )
    pk = next(s.row.id for s in admin.submissions(app, limit=50) if s.row.subject == subject)
    server = start_in_thread(app, "127.0.0.1", 0)
    base = server.url.removesuffix("/login")
    try:
        with httpx.Client(base_url=base, follow_redirects=True, timeout=30) as client:
            return _signed_in_get(client, f"/submissions/{pk}")
    finally:
        server.stop()


def _signed_in_get(client: httpx.Client, path: str) -> str:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={"csrf_token": token.group(1), "username": "binh", "password": "editor-secret-1"},
    )
    answer = client.get(path)
    assert answer.status_code == 200
    return answer.text
