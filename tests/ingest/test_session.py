"""The service's IMAP session, kept logged in between polls, on a real Dovecot.

An idle poll on it is one NOOP; anything the server says, a broken or stale
session, or a stored mark that moved sends the poll down the usual road.
"""

from __future__ import annotations

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg

from tinbai.app import App
from tinbai.polling import MAX_IDLE, MailboxSession, poll_once
from tinbai.service import Service

pytestmark = pytest.mark.integration

# Commands that read or open a folder: an idle poll on a kept session sends none of them.
READING = {"STATUS", "SELECT", "EXAMINE", "SEARCH", "UID", "FETCH"}


class Clock:
    """A monotonic clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_an_idle_poll_on_a_kept_session_is_one_noop_and_new_mail_is_still_counted(
    mailbox: Mailbox, app: App
) -> None:
    mailbox.deliver(build_message(subject="[Tin] một"))
    mailbox.server.rawlog(mailbox.user)
    session = MailboxSession()
    try:
        first = poll_once(app, session=session)
        idle = [poll_once(app, session=session) for _ in range(3)]
        (polls,) = mailbox.poll_sessions()
        mailbox.deliver(build_message(subject="[Tin] hai"))
        busy = poll_once(app, session=session)
        after = poll_once(app, session=session)
    finally:
        session.close()

    assert first.new == 1
    assert [s.new for s in idle] == [0, 0, 0]
    assert (busy.new, after.new) == (1, 0)
    assert mailbox.totals()["news"] == 2
    assert session.logins == 1
    # One session for all the polls: the first opened the folder; the idle ones said NOOP only.
    assert "EXAMINE" in polls
    read = max(i for i, verb in enumerate(polls) if verb in READING)
    assert polls[read + 1 :] == ["NOOP"] * 3
    (whole,) = mailbox.poll_sessions()
    assert whole[: len(polls)] == polls
    # The new mail: the NOOP heard EXISTS, so the folder was read again; then NOOP again.
    assert whole[len(polls)] == "NOOP"
    assert "EXAMINE" in whole[len(polls) :]
    assert whole[-2:] == ["NOOP", "LOGOUT"]


def test_bytes_fetched_are_this_polls_own_on_a_kept_session(mailbox: Mailbox, app: App) -> None:
    photo = make_jpeg(1600, 1200, 11)
    session = MailboxSession()
    try:
        poll_once(app, session=session)
        mailbox.deliver(
            build_message(subject="[Ảnh] Lễ", attachments=[Attachment("le.jpg", photo)])
        )
        busy = poll_once(app, session=session)
        idle = poll_once(app, session=session)
    finally:
        session.close()

    assert busy.items["photo"] == 1
    assert 2_000 < busy.bytes_fetched < 30_000  # the photo's head, not the photo
    assert 0 < idle.bytes_fetched < 200  # the NOOP's answer, nothing of the polls before


@pytest.mark.parametrize("outage", ["kick", "restart"])
def test_a_session_the_server_dropped_is_replaced_on_the_same_poll(
    mailbox: Mailbox, app: App, outage: str
) -> None:
    mailbox.deliver(build_message(subject="[Tin] trước"))
    session = MailboxSession()
    try:
        assert poll_once(app, session=session).new == 1
        if outage == "kick":
            mailbox.server.kick(mailbox.user)
        else:
            mailbox.server.restart()
        mailbox.deliver(build_message(subject="[Tin] sau"))

        stats = poll_once(app, session=session)

        assert stats.new == 1
        if outage == "kick":
            assert session.logins == 2
        # Dovecot 2.3's imap processes outlive a restart of its master: the session may
        # simply go on. Either way the new mail is counted, without an error.
        assert poll_once(app, session=session).new == 0
    finally:
        session.close()
    assert mailbox.totals()["news"] == 2


def test_a_folder_recreated_under_a_kept_session_is_read_again_without_counting_twice(
    mailbox: Mailbox,
    app: App,
) -> None:
    mailbox.configure(folders=["Submissions"])
    messages = [
        build_message(
            subject="[Tin] một", attachments=[Attachment("a.jpg", make_jpeg(600, 400, 2))]
        ),
        build_message(subject="[Bài] hai"),
    ]
    mailbox.deliver(*messages, folder="Submissions")
    session = MailboxSession()
    try:
        poll_once(app, session=session)
        before = mailbox.totals()
        mailbox.server.recreate("Submissions", *messages, user=mailbox.user)

        stats = poll_once(app, session=session)
        idle = poll_once(app, session=session)
    finally:
        session.close()

    assert (stats.resyncs, stats.new, stats.already) == (1, 0, 2)
    assert idle.new == idle.already == 0
    assert mailbox.totals() == before == {"news": 1, "article": 1, "photo": 1}


def test_mail_that_arrives_while_a_poll_runs_is_counted_by_the_next(
    mailbox: Mailbox, app: App
) -> None:
    mailbox.configure(folders=["INBOX", "Archive"])
    mailbox.deliver(build_message(subject="[Tin] một"))
    mailbox.deliver(build_message(subject="[Tin] lưu"), folder="Archive")
    late: list[int] = []

    def deliver_once(done: int, total: int) -> None:  # after INBOX's SEARCH, before Archive
        if not late:
            late.extend(mailbox.deliver(build_message(subject="[Tin] đến muộn")))

    session = MailboxSession()
    try:
        first = poll_once(app, progress=deliver_once, session=session)
        second = poll_once(app, session=session)
        third = poll_once(app, session=session)
    finally:
        session.close()

    assert late
    assert (first.new, second.new, third.new) == (2, 1, 0)
    assert mailbox.totals()["news"] == 3


def test_a_mark_moved_by_another_poller_is_not_trusted_to_the_noop(
    mailbox: Mailbox, app: App
) -> None:
    mailbox.deliver(build_message(subject="[Tin] một"))
    mailbox.server.rawlog(mailbox.user)
    session = MailboxSession()
    try:
        poll_once(app, session=session)
        mailbox.deliver(build_message(subject="[Tin] hai"))
        assert mailbox.tinbai("poll").stdout.startswith("1 new message(s)")  # `tinbai poll` by hand
        (kept,) = [c for c in mailbox.poll_sessions() if c[-1] != "LOGOUT"]
        read = len(kept)

        assert poll_once(app, session=session).new == 0
    finally:
        session.close()

    (kept,) = [c for c in mailbox.poll_sessions() if "STATUS" not in c]  # `tinbai poll` asks it
    assert kept[read] == "EXAMINE"  # the stored mark moved: no NOOP can vouch, read it again
    assert mailbox.totals()["news"] == 2


def test_a_session_idle_for_too_long_is_replaced_before_it_is_used(
    mailbox: Mailbox, app: App
) -> None:
    mailbox.server.rawlog(mailbox.user)
    clock = Clock()
    session = MailboxSession(clock=clock)
    try:
        poll_once(app, session=session)
        clock.now += MAX_IDLE - 1
        poll_once(app, session=session)
        assert session.logins == 1
        clock.now += MAX_IDLE + 1  # the server may have logged it out by now

        poll_once(app, session=session)

        assert session.logins == 2
    finally:
        session.close()
    old, new = mailbox.poll_sessions()
    assert old[-2:] == ["NOOP", "LOGOUT"]  # logged out politely before the new login
    assert new[-1] == "LOGOUT"


def test_the_service_keeps_one_session_and_logs_it_out_when_it_stops(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] dịch vụ"))
    mailbox.server.rawlog(mailbox.user)
    service = Service(App(config_path=mailbox.config))
    try:
        service.poll_job()
        service.poll_job()
        mailbox.deliver(build_message(subject="[Tin] lần hai"))
        service.poll_job()
        service.poll_job()
        (polls,) = mailbox.poll_sessions()  # one session for the four polls ...
        assert "LOGOUT" not in polls  # ... still logged in between them
    finally:
        service.close()
        service.app.close()

    (polls,) = mailbox.poll_sessions()
    assert polls.count("NOOP") == 3
    assert polls[-1] == "LOGOUT"
    assert mailbox.totals()["news"] == 2


def test_tinbai_poll_still_logs_in_and_out_every_time(mailbox: Mailbox) -> None:
    mailbox.deliver(build_message(subject="[Tin] một lần"))
    mailbox.server.rawlog(mailbox.user)

    mailbox.tinbai("poll")
    mailbox.tinbai("poll")

    sessions = mailbox.poll_sessions()
    assert len(sessions) == 2
    assert all(s[-1] == "LOGOUT" and "NOOP" not in s for s in sessions)
    assert "STATUS" in sessions[1]  # nothing new: STATUS said so, as before


@pytest.mark.parametrize("action", ["mark-seen", "move:Counted"])
def test_after_processing_on_a_kept_session_acts_once_and_counts_once(
    mailbox: Mailbox, action: str, app: App
) -> None:
    mailbox.configure(after_processing=action)
    with mailbox.server.client(mailbox.user) as other:
        other.create_folder("Counted")
    mailbox.server.rawlog(mailbox.user)
    session = MailboxSession()
    try:
        mailbox.deliver(build_message(subject="[Tin] một"))
        first = poll_once(app, session=session)
        mailbox.deliver(build_message(subject="[Tin] hai"))
        second = poll_once(app, session=session)
        idle = [poll_once(app, session=session) for _ in range(2)]
    finally:
        session.close()

    assert (first.new, second.new, [s.new for s in idle]) == (1, 1, [0, 0])
    assert mailbox.totals()["news"] == 2
    (polls,) = mailbox.poll_sessions()
    assert "SELECT" in polls  # read-write, to act on the mail
    assert "EXAMINE" not in polls
    # Our own MOVE is heard as EXPUNGE: the next poll reads the folder again, to be sure;
    # the one after that is a NOOP alone.
    assert polls[-3:] == ["SELECT" if action.startswith("move:") else "NOOP", "NOOP", "LOGOUT"]
    with mailbox.server.client(mailbox.user) as other:
        if action == "mark-seen":
            other.select_folder("INBOX", readonly=True)
            assert all(b"\\Seen" in f for f in other.get_flags(other.search()).values())
        else:
            assert other.folder_status("INBOX", ["MESSAGES"])[b"MESSAGES"] == 0
            assert other.folder_status("Counted", ["MESSAGES"])[b"MESSAGES"] == 2
