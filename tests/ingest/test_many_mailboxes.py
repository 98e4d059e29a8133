"""Several mailboxes, one database: a `tinbai run --mailbox NAME` process per mailbox.

The federation's case: each province (or desk) has its collection mailbox, and one
PostgreSQL holds every count. Two pollers run at once on two mailboxes, the web admin
maps a sender and corrects a count, and the weekly digest goes out, all at the same
time; afterwards every message has exactly one row, nothing is counted twice, and the
report equals what the test delivered. On SQLite, a second service is refused with a
line that says PostgreSQL is the way.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from dovecot import PASSWORD, Dovecot
from mailkit import Attachment, build_message, make_jpeg
from webserver import running_server

pytestmark = pytest.mark.integration

# Messages per mailbox; TINBAI_MANY_MAILBOXES=500 for the larger run RELIABILITY.md reports.
PER_MAILBOX = int(os.environ.get("TINBAI_MANY_MAILBOXES", "120"))
UNITS = {  # sender -> unit, from the shipped config
    "muonglay@example.org": "muong-lay",
    "dienbien@example.org": "dien-bien",
    "muongnhe@example.org": "muong-nhe",
    "tuyengiao@example.org": "tuyen-giao",
}
NEWCOMER = "moi.donvi@example.org"  # unknown until the admin maps it, during the polls
NEWCOMER_UNIT = "nam-po"
ADMIN = ("an", "mat-khau-admin-dai-12")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Received:
    """The SMTP test server's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        self.messages.append(envelope.content)  # type: ignore[attr-defined]
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Received]]:
    handler = Received()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller.port, handler
    finally:
        controller.stop()


def _mailbox_table(name: str, server: Dovecot, user: str, **extra: object) -> str:
    keys: dict[str, object] = {
        "host": "127.0.0.1",
        "port": server.imap_port,
        "security": "plain",
        "username": user,
        "password_env": "TINBAI_TEST_IMAP_PASSWORD",
        "address": user,
        "timeout": 10,
        "poll_interval": 10,
        **extra,
    }
    return f"[mailboxes.{name}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in keys.items())


def _several(
    config: Path, server: Dovecot, users: dict[str, str], url: str, smtp_port: int
) -> None:
    """The shipped config with [mailbox] replaced by [mailboxes.*], on `url`."""
    text = config.read_text(encoding="utf-8")
    head, rest = text.split("[mailbox]\n", 1)
    rest = rest[rest.index("\n[") + 1 :]  # drop the [mailbox] table
    boxes = "".join(
        _mailbox_table(name, server, user, **({"plans": ["2020-q2"]} if name == "north" else {}))
        + "\n"
        for name, user in users.items()
    )
    rest = rest.replace('url = "sqlite:///tinbai.db"', f'url = "{url}"', 1)
    smtp = (
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\nsecurity = "plain"\n'
        'from = "tinbai@example.org"\n\n'
    )
    start, end = rest.index("[smtp]\n"), rest.index("\n[", rest.index("[smtp]\n")) + 1
    config.write_text(head + boxes + rest[:start] + smtp + rest[end:], encoding="utf-8")


def _message(sender: str, n: int, box: str, photo: bool) -> bytes:
    attachments = [Attachment(f"{box}-{n}.jpg", make_jpeg(400, 300, seed=2 * n + (box == "south")))]
    return build_message(
        sender=sender,
        to=f"{box}@example.org",
        subject=f"[{'Ảnh' if photo else 'Tin'}] {box} số {n}",
        message_id=f"<{box}-{n}@example.org>",
        attachments=attachments if photo else (),
    )


def _run(tinbai, *args: str) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    argv = [sys.executable, "-m", "tinbai", "--config", str(tinbai.config), *args]
    return subprocess.Popen(
        argv, env=tinbai.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert "Traceback" not in out + err, err
    return err


def _wait_for(url: str, messages: int, timeout: float = 120) -> None:
    engine = sa.create_engine(url)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with engine.connect() as c:
                if c.execute(sa.text("SELECT count(*) FROM messages")).scalar_one() >= messages:
                    return
            time.sleep(0.5)
        raise AssertionError(f"the pollers did not store {messages} messages in {timeout} s")
    finally:
        engine.dispose()


def test_two_pollers_the_web_admin_and_the_digest_at_once_on_postgresql(
    dovecot: Dovecot, config_file: Path, tinbai, postgres_db: str, smtp
):  # type: ignore[no-untyped-def]
    smtp_port, received = smtp
    stamp = os.getpid()
    users = {"north": f"north{stamp}@example.org", "south": f"south{stamp}@example.org"}
    _several(config_file, dovecot, users, postgres_db, smtp_port)
    tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = PASSWORD
    tinbai.env["NEW_PASSWORD"] = ADMIN[1]
    tinbai("users", "add", ADMIN[0], "--role", "admin", "--password-env", "NEW_PASSWORD")

    # Ground truth, as the test delivers it: per unit and kind, and per mailbox.
    expected: Counter[tuple[str, str]] = Counter()
    delivered: Counter[str] = Counter()
    senders = list(UNITS)

    def deliver(box: str, numbers: range) -> None:
        batch = []
        for n in numbers:
            sender = NEWCOMER if n % 10 == 3 else senders[n % len(senders)]
            photo = n % 4 == 0
            batch.append(_message(sender, n, box, photo))
            unit = NEWCOMER_UNIT if sender == NEWCOMER else UNITS[sender]
            expected[unit, "photo" if photo else "news"] += 1
        dovecot.deliver(*batch, user=users[box])
        delivered[box] += len(batch)

    half = PER_MAILBOX // 2
    for box in users:
        deliver(box, range(half))
    # The same message sent to both mailboxes: one row, seen in two places, counted once.
    both = build_message(
        sender=senders[0], subject="[Tin] gửi cả hai", message_id="<both@example.org>"
    )
    for box, user in users.items():
        dovecot.deliver(both, user=user)
        delivered[box] += 1
    expected[UNITS[senders[0]], "news"] += 1

    north = _run(tinbai, "run", "--mailbox", "north")
    south = _run(tinbai, "run", "--mailbox", "south")
    try:
        with running_server(config_file) as web:
            # While the first polls run: more mail, the admin's writes, the digest.
            for box in users:
                deliver(box, range(half, PER_MAILBOX))
            with web.login(*ADMIN) as client:
                token = web.csrf_of(client.get("/senders").text)
                done = client.post(
                    "/senders/assign",
                    data={"csrf_token": token, "sender": NEWCOMER, "unit": NEWCOMER_UNIT},
                )
                assert done.status_code == 303
            digest = tinbai("digest", "--send", "--as-of", "2020-05-17")
            assert "Traceback" not in digest.stderr
            _wait_for(postgres_db, 2 * PER_MAILBOX + 1)
            # A correction by the editor on one stored message, with the pollers still on.
            listed = json.loads(
                tinbai("submissions", "list", "--format", "json", "--limit", "100000").stdout
            )
            corrected = next(r for r in listed if r["subject"] == "[Tin] north số 1")
            with web.login(*ADMIN) as client:
                page = client.get(f"/submissions/{corrected['id']}")
                token = web.csrf_of(page.text)
                done = client.post(
                    f"/submissions/{corrected['id']}/reclassify",
                    data={
                        "csrf_token": token,
                        "news": "2",
                        "article": "0",
                        "photo": "0",
                        "reason": "hai tin trong một thư",
                    },
                )
                assert done.status_code == 303
            corrected_unit = UNITS[senders[1 % len(senders)]]
            expected[corrected_unit, "news"] += 1
            time.sleep(11)  # one more scheduled poll of each: nothing new, nothing counted again
    finally:
        logs = [_stop(p) for p in (north, south)]

    # Each process polled only its own mailbox.
    assert users["south"].split("@")[0] not in logs[0]
    assert users["north"].split("@")[0] not in logs[1]
    engine = sa.create_engine(postgres_db)
    try:
        with engine.connect() as c:
            q = lambda sql: c.execute(sa.text(sql)).all()  # noqa: E731
            # I1: one row per message; a row per place it was seen.
            assert q("SELECT count(*) FROM messages")[0][0] == 2 * PER_MAILBOX + 1
            assert q("SELECT count(*) FROM message_locations")[0][0] == sum(delivered.values())
            assert q("SELECT status, count(*) FROM messages GROUP BY status") == [
                ("counted", 2 * PER_MAILBOX + 1)
            ]
            highest = dict(q("SELECT account, highest_uid FROM folder_states"))
            assert sorted(highest.values()) == sorted(delivered.values())
            # I2: no photo counted twice.
            photos = q(
                "SELECT fingerprint, count(*) FROM items WHERE kind = 'photo'"
                " AND duplicate_of IS NULL GROUP BY fingerprint HAVING count(*) > 1"
            )
            assert photos == []
            assert q("SELECT count(*) FROM digests")[0][0] == 1
    finally:
        engine.dispose()
    assert len(received.messages) == 1  # the digest, once
    assert message_from_bytes(received.messages[0])["Subject"]

    # I3: the report equals the ground truth, unit by unit.
    report = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-06-30").stdout)
    got = Counter(
        {
            (u["id"], kind): u["counts"][kind]
            for u in report["units"]
            for kind in ("news", "article", "photo")
            if u["counts"][kind]
        }
    )
    assert got == expected
    assert NEWCOMER not in json.dumps(report["unmapped"])


def _sqlite_pair(dovecot: Dovecot, config_file: Path, tinbai) -> dict[str, str]:  # type: ignore[no-untyped-def]
    stamp = f"{os.getpid()}x{_free_port()}"
    users = {"north": f"n{stamp}@example.org", "south": f"s{stamp}@example.org"}
    _several(config_file, dovecot, users, "sqlite:///tinbai.db", _free_port())
    tinbai.env["TINBAI_TEST_IMAP_PASSWORD"] = PASSWORD
    return users


def test_poll_polls_each_mailbox_and_names_it(dovecot: Dovecot, config_file: Path, tinbai):  # type: ignore[no-untyped-def]
    users = _sqlite_pair(dovecot, config_file, tinbai)
    dovecot.deliver(_message("dienbien@example.org", 1, "north", False), user=users["north"])
    dovecot.deliver(
        *(_message("muonglay@example.org", n, "south", True) for n in range(2)), user=users["south"]
    )
    lines = tinbai("poll").stdout.splitlines()
    assert [line.split(":")[0] for line in lines] == ["north", "south"]
    assert lines[0].startswith("north: 1 new message(s)")
    assert lines[1].startswith("south: 2 new message(s)")
    assert tinbai("poll", "--mailbox", "south").stdout.startswith("0 new message(s)")

    line = tinbai.fails("poll", "--mailbox", "nort", code=2)
    assert "no mailbox named 'nort' (did you mean 'north'?)" in line
    # One mailbox failing does not keep the other from being polled.
    text = config_file.read_text(encoding="utf-8")
    config_file.write_text(
        text.replace(f'username = "{users["north"]}"', 'username = "nobody"', 1).replace(
            f"port = {dovecot.imap_port}", "port = 1", 1
        ),
        encoding="utf-8",
    )
    done = tinbai("poll", check=False)
    assert done.returncode == 1
    assert done.stdout.startswith("south: 0 new message(s)")
    assert done.stderr.startswith("tinbai: north: ")
    assert len(done.stderr.splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_a_second_service_on_one_sqlite_file_is_told_to_use_postgresql(
    dovecot: Dovecot, config_file: Path, tinbai
):  # type: ignore[no-untyped-def]
    _sqlite_pair(dovecot, config_file, tinbai)
    first = _run(tinbai, "run", "--mailbox", "north")
    try:
        lock = config_file.parent / ".tinbai.db.run.lock"
        deadline = time.monotonic() + 30
        while not lock.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        line = tinbai.fails("run", "--mailbox", "south", code=2)
        assert "another `tinbai run` is already using" in line
        assert "move to PostgreSQL (`tinbai db copy`" in line
        # A poll by hand still works beside the service: SQLite takes turns.
        assert tinbai("poll", "--mailbox", "south", "--wait", "30").returncode == 0
    finally:
        _stop(first)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (
            lambda t: t.replace(
                "[mailboxes.south]",
                '[mailbox]\nhost = "x"\nusername = "u"\naddress = "a@example.org"\n\n[mailboxes.south]',
                1,
            ),
            "both [mailbox] and [mailboxes.*] are set",
        ),
        (
            lambda t: t.replace('plans = ["2020-q2"]', 'plans = ["2020-q3"]', 1),
            "unknown plan '2020-q3'",
        ),
        (
            lambda t: t.replace(
                t.split('username = "')[2].split('"')[0],
                t.split('username = "')[1].split('"')[0],
                1,
            ),
            "the same account as mailboxes.north",
        ),
    ],
)
def test_a_wrong_mailboxes_table_is_one_line(
    dovecot: Dovecot, config_file: Path, tinbai, change, says
):  # type: ignore[no-untyped-def]
    _sqlite_pair(dovecot, config_file, tinbai)
    config_file.write_text(change(config_file.read_text(encoding="utf-8")), encoding="utf-8")
    assert says in tinbai.fails("report", code=2)
