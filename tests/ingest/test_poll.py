"""`tinbai poll` against a real Dovecot: what a user of the mailbox would check."""

from __future__ import annotations

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg

from classify.message import image_fingerprint

pytestmark = pytest.mark.integration


def test_new_mail_is_counted_and_a_second_poll_fetches_nothing(mailbox: Mailbox) -> None:
    mailbox.deliver(
        build_message(subject="[Tin] Hội nghị công nhân", attachments=[Attachment("a.jpg", make_jpeg(900, 600, 1))]),
        build_message(subject="[Bài] Tháng Công nhân", sender="tuangiao@example.org"),
    )
    first = mailbox.tinbai("poll")
    assert "2 new message(s): 1 news, 1 article(s), 1 photo(s)" in first.stdout
    assert mailbox.totals() == {"news": 1, "article": 1, "photo": 1}

    second = mailbox.tinbai("poll")
    assert second.stdout.startswith("0 new message(s)")
    assert mailbox.totals() == {"news": 1, "article": 1, "photo": 1}
    # The second session only logged in, selected and left: a few hundred bytes.
    assert mailbox.sessions()[-1][1] < 2_000


def test_mail_another_client_has_read_is_still_counted_and_we_never_set_seen(mailbox: Mailbox) -> None:
    uids = mailbox.deliver(build_message(subject="[Tin] một"), build_message(subject="[Tin] hai"))
    with mailbox.server.client(mailbox.user) as editor:
        editor.select_folder("INBOX")
        editor.add_flags([uids[0]], [b"\\Seen"])

    mailbox.tinbai("poll")

    assert mailbox.totals()["news"] == 2
    with mailbox.server.client(mailbox.user) as editor:
        editor.select_folder("INBOX", readonly=True)
        flags = editor.get_flags(uids)
    assert b"\\Seen" not in flags[uids[1]]


def test_a_photo_is_never_fetched_whole(mailbox: Mailbox) -> None:
    photo = make_jpeg(2400, 1800, 7)
    assert len(photo) > 1_500_000
    mailbox.deliver(build_message(subject="[Ảnh] Lễ mít tinh", attachments=[Attachment("le.jpg", photo)]))

    done = mailbox.tinbai("poll")

    assert "1 photo(s)" in done.stdout
    fetched = int(done.stdout.rsplit(";", 1)[-1].split()[0].replace(",", ""))
    assert fetched < 40_000, done.stdout
    assert mailbox.sessions()[-1][1] < 40_000  # Dovecot's own count of what it sent
    # The fingerprint from the partial fetch is the one a file of the same photo gets.
    from store import open_store  # noqa: PLC0415
    from store.models import Item  # noqa: PLC0415

    store = open_store(f"sqlite:///{mailbox.config.parent / 'tinbai.db'}")
    with store.session() as s:
        item = s.query(Item).filter(Item.kind == "photo").one()
    assert item.fingerprint == image_fingerprint(photo)


def test_wrong_password_gives_one_line_and_a_non_zero_exit(mailbox: Mailbox) -> None:
    mailbox.tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = "not-the-password"

    done = mailbox.tinbai("poll", check=False)

    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert "refused the login" in lines[0] and "check the password" in lines[0]
    assert "not-the-password" not in done.stderr + done.stdout
