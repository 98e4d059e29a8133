"""Polling a real Dovecot: what a user of the mailbox would check.

Most tests call the library in this process (`Mailbox.poll`) to stay fast;
the CLI's own contract (summary line, exit code, one-line errors) is checked
through a real `tinbai poll` subprocess.
"""

from __future__ import annotations

import functools
import logging
import socket
from pathlib import Path

import pytest
from dovecot import PASSWORD, Dovecot, Mailbox
from filelock import FileLock
from mailkit import Attachment, build_message, make_jpeg
from sqlalchemy import func, select

from classify.message import image_fingerprint
from ingest.imap import connect, disconnect
from store.models import FolderStateRow, Item, Message, MessageLocation
from tinbai.config import mailbox_settings
from tinbai.errors import MailboxError
from tinbai.polling import credentials, lock_path

pytestmark = pytest.mark.integration


@functools.cache
def photo(seed: int, width: int = 900, height: int = 600) -> bytes:
    return make_jpeg(width, height, seed)


def count_rows(box: Mailbox, model: type) -> int:
    app = box.app()
    try:
        with app.store.session() as s:
            return int(s.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        app.close()


def test_new_mail_is_counted_and_a_second_poll_fetches_nothing(mailbox: Mailbox) -> None:
    mailbox.deliver(
        build_message(
            subject="[Tin] Hội nghị công nhân", attachments=[Attachment("a.jpg", photo(1))]
        ),
        build_message(subject="[Bài] Tháng Công nhân"),
    )
    first = mailbox.tinbai("poll")
    assert "2 new message(s): 1 news, 1 article(s), 1 photo(s)" in first.stdout
    assert mailbox.totals() == {"news": 1, "article": 1, "photo": 1}

    second = mailbox.tinbai("poll")
    assert second.stdout.startswith("0 new message(s)")
    assert mailbox.totals() == {"news": 1, "article": 1, "photo": 1}
    # The second session only logged in, selected and left: a few hundred bytes.
    assert mailbox.sessions()[-1][1] < 2_000


def test_an_idle_poll_asks_status_and_never_opens_the_folder(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] một"))
    mailbox.poll()
    mailbox.server.rawlog(mailbox.user)

    idle = mailbox.poll()
    mailbox.deliver(build_message(subject="[Tin] hai"))
    busy = mailbox.poll()

    assert (idle.new, busy.new) == (0, 1)
    assert mailbox.totals()["news"] == 2
    polls = mailbox.poll_sessions()
    idle_session, busy_session = polls
    # Nothing new: STATUS answers it; no SELECT, SEARCH or FETCH.
    assert "STATUS" in idle_session
    assert not {"SELECT", "EXAMINE", "SEARCH", "UID", "FETCH"} & set(idle_session)
    assert "EXAMINE" in busy_session  # something new: opened read-only, then read


def test_a_message_that_came_and_went_moves_the_mark_so_idle_polls_stay_cheap(
    mailbox: Mailbox,
) -> None:
    mailbox.deliver(build_message(subject="[Tin] một"))
    mailbox.poll()
    (gone,) = mailbox.deliver(build_message(subject="[Tin] rút lại"))
    with mailbox.server.client(mailbox.user) as other:  # the editor deletes it before the poll
        other.select_folder("INBOX")
        other.delete_messages([gone])
        other.expunge()

    assert mailbox.poll().new == 0
    mailbox.server.rawlog(mailbox.user)
    assert mailbox.poll().new == 0

    app = mailbox.app()
    with app.store.session() as s:
        assert s.scalar(select(FolderStateRow.highest_uid)) == gone
    app.close()
    (last,) = mailbox.poll_sessions()
    assert "STATUS" in last
    assert "EXAMINE" not in last


@pytest.mark.parametrize("debug", [False, True])
def test_imaplib_formats_its_debug_text_only_when_someone_reads_it(
    mailbox: Mailbox, debug: bool, caplog: pytest.LogCaptureFixture
) -> None:
    # imapclient turns imaplib's debug level to 5: it then builds a repr of every literal.
    if debug:
        caplog.set_level(logging.DEBUG, logger="imapclient.imaplib")
    app = mailbox.app()
    config = mailbox_settings(app.config)
    client = connect(config, credentials(app, config))
    try:
        assert client._imap.debug == (5 if debug else 0)
        assert client.folder_status("INBOX", [b"UIDNEXT"])[b"UIDNEXT"] >= 1
    finally:
        disconnect(client)
        app.close()
    assert any("STATUS" in r.getMessage() for r in caplog.records) is debug


def test_wrong_password_gives_one_line_and_a_non_zero_exit(mailbox: Mailbox) -> None:
    mailbox.tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = "not-the-password"

    line = mailbox.tinbai.fails("poll")

    assert "refused the login" in line
    assert "check the password" in line
    assert "not-the-password" not in line
    assert mailbox.server.failed_logins(mailbox.user, at_least=1) == 1  # a password: no retry


def test_the_password_never_reaches_the_logs_even_at_debug_level(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] nhật ký"))

    done = mailbox.tinbai("-vv", "poll")

    assert "LOGIN" in done.stderr  # imapclient's protocol log is on ...
    assert PASSWORD not in done.stderr + done.stdout  # ... and redacts the login


def test_a_server_that_never_answers_times_out_with_one_line(mailbox: Mailbox) -> None:
    with socket.socket() as silent:  # accepts connections (backlog) but never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        mailbox.configure(port=silent.getsockname()[1], timeout=1)
        with pytest.raises(MailboxError, match=r"did not answer within 1 s — check mailbox.host"):
            mailbox.poll()


def test_mail_another_client_has_read_is_still_counted_and_we_never_set_seen(
    mailbox: Mailbox,
) -> None:
    uids = mailbox.deliver(build_message(subject="[Tin] một"), build_message(subject="[Tin] hai"))
    with mailbox.server.client(mailbox.user) as editor:
        editor.select_folder("INBOX")
        editor.add_flags([uids[0]], [b"\\Seen"])

    mailbox.poll()

    assert mailbox.totals()["news"] == 2
    with mailbox.server.client(mailbox.user) as editor:
        editor.select_folder("INBOX", readonly=True)
        flags = editor.get_flags(uids)
    assert b"\\Seen" not in flags[uids[1]]


def test_a_photo_is_never_fetched_whole(mailbox: Mailbox) -> None:
    big = photo(7, 1600, 1200)
    assert len(big) > 500_000
    mailbox.deliver(
        build_message(subject="[Ảnh] Lễ mít tinh", attachments=[Attachment("le.jpg", big)])
    )

    stats = mailbox.poll()

    assert stats.items["photo"] == 1
    assert stats.bytes_fetched < 30_000
    assert mailbox.sessions()[-1][1] < 30_000  # Dovecot's own count of what it sent
    app = mailbox.app()
    with app.store.session() as s:
        fingerprint = s.scalar(select(Item.fingerprint).where(Item.kind == "photo"))
    app.close()
    # The head fetched over IMAP fingerprints the photo exactly as the whole file does.
    assert fingerprint == image_fingerprint(big)


def test_uidvalidity_reset_reads_the_folder_again_without_counting_twice(mailbox: Mailbox) -> None:
    mailbox.configure(folders=["Submissions"])
    messages = [
        build_message(subject="[Tin] một", attachments=[Attachment("a.jpg", photo(2))]),
        build_message(subject="[Bài] hai"),
    ]
    mailbox.deliver(*messages, folder="Submissions")
    mailbox.poll()
    before = mailbox.totals()
    mailbox.server.recreate("Submissions", *messages, user=mailbox.user)

    stats = mailbox.poll()

    assert (stats.resyncs, stats.new, stats.already) == (1, 0, 2)
    assert mailbox.totals() == before == {"news": 1, "article": 1, "photo": 1}
    assert stats.bytes_fetched < 20_000  # recognised from structure and headers alone


def test_server_restarted_between_polls(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] trước"))
    mailbox.poll()
    mailbox.server.restart()
    mailbox.deliver(build_message(subject="[Tin] sau"))

    stats = mailbox.poll()

    assert stats.new == 1
    assert mailbox.totals()["news"] == 2


def test_server_gone_during_a_poll_resumes_after_the_last_committed_message(
    mailbox: Mailbox,
) -> None:
    mailbox.configure(batch_size=1)
    mailbox.deliver(*(build_message(subject=f"[Tin] số {i}") for i in range(5)))

    reported: list[int] = []

    def kick_after_first(done: int, total: int) -> None:
        reported.append(done)
        if done == 1:
            mailbox.server.kick(mailbox.user)

    with pytest.raises(MailboxError, match=r"closed the connection") as failed:
        mailbox.poll(progress=kick_after_first)
    assert "\n" not in str(failed.value)
    # The second and third batches may have been read (asked ahead) before the kick: then
    # they commit too. The fourth's parts are asked for only after it.
    committed = reported[-1]
    assert committed in (1, 2, 3)
    assert mailbox.totals()["news"] == committed

    stats = mailbox.poll()

    assert stats.new == 5 - committed
    assert mailbox.totals()["news"] == 5
    assert count_rows(mailbox, Message) == 5


def test_tls_with_a_self_signed_certificate_needs_ca_file(
    mailbox: Mailbox, dovecot: Dovecot
) -> None:
    mailbox.deliver(build_message(subject="[Tin] bảo mật"))
    mailbox.configure(security="tls", port=dovecot.imaps_port)
    with pytest.raises(MailboxError, match=r"TLS certificate not trusted .* set mailbox.ca_file"):
        mailbox.poll()

    mailbox.configure(security="tls", port=dovecot.imaps_port, ca_file=str(dovecot.cert))
    assert mailbox.poll().new == 1


def test_the_same_message_in_two_folders_counts_once(mailbox: Mailbox) -> None:
    mailbox.configure(folders=["INBOX", "Archive"])
    raw = build_message(subject="[Tin] nhãn", attachments=[Attachment("a.jpg", photo(3))])
    mailbox.deliver(raw)
    mailbox.deliver(raw, folder="Archive")

    stats = mailbox.poll()

    assert (stats.new, stats.already) == (1, 1)
    assert mailbox.totals() == {"news": 1, "article": 0, "photo": 1}
    assert count_rows(mailbox, MessageLocation) == 2


def test_a_letter_counted_from_a_file_is_not_counted_again_when_polled(
    mailbox: Mailbox, tmp_path: Path
) -> None:
    # The editor loaded last month's mbox export by hand; the poller then meets the same mail.
    raw = build_message(subject="[Tin] Đã nạp từ tệp", attachments=[Attachment("a.jpg", photo(7))])
    exported = tmp_path / "export.eml"
    exported.write_bytes(raw)
    mailbox.tinbai("ingest-file", str(exported))
    before = mailbox.totals()
    mailbox.deliver(raw)

    stats = mailbox.poll()

    assert (stats.new, stats.already) == (0, 1)
    assert mailbox.totals() == before == {"news": 1, "article": 0, "photo": 1}
    assert count_rows(mailbox, Message) == 1


def test_a_reused_message_id_with_other_content_is_kept(mailbox: Mailbox) -> None:
    mailbox.deliver(
        build_message(subject="[Tin] một", message_id="<same@example.org>"),
        build_message(subject="[Tin] khác hẳn", message_id="<same@example.org>"),
    )

    assert mailbox.poll().new == 2
    assert mailbox.totals()["news"] == 2


def test_an_untrustworthy_structure_is_fetched_whole_and_a_broken_message_never_blocks(
    mailbox: Mailbox,
) -> None:
    tnef = build_message(
        subject="[Tin] từ Outlook",
        attachments=[
            Attachment("winmail.dat", b"\x78\x9f\x3e\x22" * 300, "application", "ms-tnef")
        ],
    )
    mailbox.deliver(tnef, build_message(subject="[Tin] bình thường"))

    stats = mailbox.poll()

    assert (stats.new, stats.full_fetches) == (2, 1)
    assert mailbox.totals()["news"] == 2

    # Too big to fetch whole: recorded as failed, with the reason, and the next one still counts.
    mailbox.configure(max_message_bytes=500)
    mailbox.deliver(
        build_message(
            subject="[Tin] lại từ Outlook",
            attachments=[Attachment("winmail.dat", b"\x78" * 900, "application", "ms-tnef")],
        )
    )
    mailbox.deliver(build_message(subject="[Tin] sau đó"))

    stats = mailbox.poll()

    assert (stats.statuses["failed"], stats.new) == (1, 2)
    assert mailbox.totals()["news"] == 3
    app = mailbox.app()
    with app.store.session() as s:
        reason = s.scalar(select(Message.reason).where(Message.status == "failed"))
        highest = s.scalar(select(FolderStateRow.highest_uid))
    app.close()
    assert "max_message_bytes" in (reason or "")
    assert highest == 4


def test_starttls_on_the_plain_port_works_with_ca_file(mailbox: Mailbox, dovecot: Dovecot) -> None:
    mailbox.deliver(build_message(subject="[Tin] starttls"))
    mailbox.configure(security="starttls", ca_file=str(dovecot.cert), host="localhost")

    assert mailbox.poll().new == 1


@pytest.mark.parametrize("action", ["mark-seen", "move:Counted"])
def test_after_processing_acts_only_on_committed_mail(mailbox: Mailbox, action: str) -> None:
    uids = mailbox.deliver(build_message(subject="[Tin] một"), build_message(subject="[Tin] hai"))
    mailbox.configure(after_processing=action)
    if action.startswith("move:"):
        with mailbox.server.client(mailbox.user) as other:
            other.create_folder("Counted")

    assert mailbox.poll().new == 2

    with mailbox.server.client(mailbox.user) as other:
        if action == "mark-seen":
            other.select_folder("INBOX", readonly=True)
            assert all(b"\\Seen" in flags for flags in other.get_flags(uids).values())
        else:
            assert other.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
            assert other.folder_status("Counted", ["MESSAGES"])[b"MESSAGES"] == 2
    assert mailbox.totals()["news"] == 2


def test_a_missing_folder_is_named_and_the_others_are_still_polled(mailbox: Mailbox) -> None:
    mailbox.configure(folders=["Nope", "INBOX"])
    mailbox.deliver(build_message(subject="[Tin] vẫn đếm"))

    line = mailbox.tinbai.fails("poll")

    assert line.startswith("tinbai: cannot open the folder(s) 'Nope' (")
    assert line.endswith("— check mailbox.folder / mailbox.folders")
    assert mailbox.totals()["news"] == 1


def test_two_polls_of_one_mailbox_never_run_at_once(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] khóa"))
    app = mailbox.app()
    held = FileLock(lock_path(app, mailbox_settings(app.config)))
    app.close()

    with held:  # as `tinbai run` holds it while it polls
        done = mailbox.tinbai("poll", check=False)

    assert done.returncode == 1
    assert done.stderr.strip() == (
        f"tinbai: another tinbai process is polling {mailbox.user}@127.0.0.1 right now"
        " — let it finish, then try again"
    )
    assert mailbox.totals()["news"] == 0
    assert mailbox.tinbai("poll").stdout.startswith("1 new message(s)")
