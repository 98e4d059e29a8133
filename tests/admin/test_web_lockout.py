"""The sign-in limit, per client address and user name, on a real server whose clock the test moves.

The server runs in a thread (`tinbai.web.start_in_thread`, as `tinbai run` starts it) on
an `App` whose `now` the test sets: fifteen minutes pass without a sleep. The client
address comes from X-Forwarded-For, which uvicorn trusts from a proxy on 127.0.0.1.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from store.users import add_user
from tinbai.app import App
from tinbai.web import start_in_thread

OWNER, PASSWORD = "an", "admin-secret-1"
ATTACKER, OWNER_DESK, OFFICE = "203.0.113.9", "198.51.100.7", "192.0.2.50"


@dataclass
class ClockedApp(App):
    """The real App, with the clock it is given: time is injected, not mocked."""

    at: datetime = datetime(2020, 5, 15, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.at


@dataclass
class Door:
    app: ClockedApp
    base: str

    def sign_in(self, name: str, password: str, address: str) -> int:
        """One sign-in from ``address`` in a fresh browser session; the HTTP status."""
        with httpx.Client(base_url=self.base, timeout=30) as client:
            page = client.get("/login").text
            token = page.split('name="csrf_token" value="')[1].split('"')[0]
            done = client.post(
                "/login",
                headers={"x-forwarded-for": address},
                data={"csrf_token": token, "username": name, "password": password},
            )
            return done.status_code

    def fail(self, times: int, name: str, address: str) -> None:
        for _ in range(times):
            assert self.sign_in(name, "a wrong guess", address) == 401


@pytest.fixture
def door(config_file) -> Iterator[Door]:
    app = ClockedApp(config_path=config_file)
    for name in (OWNER, "binh"):
        add_user(app.store.session, name, PASSWORD, "admin", actor="test", now=app.now())
    server = start_in_thread(app, "127.0.0.1", 0)
    try:
        yield Door(app, server.url.removesuffix("/login"))
    finally:
        server.stop()
        app.close()


def test_guessing_from_another_address_does_not_lock_the_owner_out(door):
    door.fail(5, OWNER, ATTACKER)
    assert door.sign_in(OWNER, PASSWORD, ATTACKER) == 429  # the right password, too late
    assert door.sign_in(OWNER.upper(), "a wrong guess", ATTACKER) == 429  # case is no way round
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 303


def test_the_limit_lifts_when_the_window_has_passed(door):
    door.fail(5, OWNER, OWNER_DESK)
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 429
    door.app.at += timedelta(minutes=14, seconds=59)
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 429
    door.app.at += timedelta(seconds=1)
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 303


def test_one_address_trying_many_names_meets_a_ceiling(door):
    for i in range(20):
        door.fail(1, f"guess-{i}", OFFICE)
    assert door.sign_in("binh", PASSWORD, OFFICE) == 429
    assert door.sign_in("binh", PASSWORD, OWNER_DESK) == 303


def test_users_unlock_lets_the_owner_in_at_once_and_is_audited(door, tinbai):
    door.fail(5, OWNER, OWNER_DESK)
    door.fail(5, OWNER, ATTACKER)
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 429
    done = tinbai("users", "unlock", OWNER)
    assert (
        done.stdout.strip()
        == f"user {OWNER}: 10 failed sign-in(s) forgotten; they may sign in again"
    )
    assert door.sign_in(OWNER, PASSWORD, OWNER_DESK) == 303
    assert tinbai("users", "unlock", OWNER).stdout.strip() == (
        f"no failed sign-ins for {OWNER}; nothing changed"
    )
    entries = json.loads(tinbai("audit", "--action", "user-unlock", "--format", "json").stdout)
    assert [(e["target"], e["old"]) for e in entries] == [(OWNER, "10 failed sign-in(s)")]
