"""Where a kept-session idle poll spends its time, and what came just before it changes.

    .venv/bin/python bench/idle_parts.py [--small 100000] [--runs 100]

Syncs a 1,000- and a --small-message text mailbox on a private Dovecot, then times
`tinbai run`'s idle poll on a kept session and its parts (the poll lock, the folder's
stored mark, the NOOP), the two mailboxes alternating in one loop, with in turn nothing
between two polls, another session's login and logout, another session's SELECT and
SEARCH (the raw floor of bench/run.py), and a 50 ms sleep; then STATUS INBOX on one
session per size, which a poll that logs in each time asks instead of NOOP. Medians in
milliseconds to stdout; about 4 minutes, most of it the large mailbox's sync.
"""

from __future__ import annotations

import argparse
import collections
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path[:0] = [
    str(Path(__file__).resolve().parent),
    str(Path(__file__).resolve().parent.parent / "tests"),
]

import filelock  # noqa: E402
import imapclient  # noqa: E402
import run  # noqa: E402
from dovecot import PASSWORD, Dovecot  # noqa: E402

import tinbai.polling  # noqa: E402
from store.repo import Store  # noqa: E402

PARTS: dict[str, list[float]] = collections.defaultdict(list)


def timed(owner: Any, name: str, label: str) -> None:
    """Wrap owner.name so that each call's time is added to PARTS[label]."""
    inner = getattr(owner, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            PARTS[label].append(time.perf_counter() - start)

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=100)
    args = parser.parse_args()
    os.environ["BENCH_IMAP_PASSWORD"] = PASSWORD
    timed(filelock.FileLock, "acquire", "lock")
    timed(filelock.FileLock, "release", "lock")
    timed(tinbai.polling, "lock_path", "lock name")
    timed(Store, "folder_state", "mark")
    timed(imapclient.IMAPClient, "noop", "NOOP")
    server = Dovecot.create()
    work = Path(tempfile.mkdtemp(prefix="tbparts", dir="/var/tmp"))
    sizes = {"s1k@example.org": 1000, "s100k@example.org": args.small}
    polls: dict[str, Callable[[], float]] = {}
    stops = []
    try:
        server.start()
        for user, count in sizes.items():
            run.text_mailbox(server, user, count)
            config = run.tinbai_config(work / user, server, user)
            run.timed_process([sys.executable, "-m", "tinbai", "--config", str(config), "poll"])
            polls[user], stop = run.scheduled_poll(run.plain_config(server, config))
            stops.append(stop)
            polls[user]()
        between: dict[str, Callable[[str], object]] = {
            "nothing": lambda user: None,
            "another login": lambda user: run.bare_session(server, user),
            "another SELECT": lambda user: run.raw_floor(server, user),
            "a 50 ms sleep": lambda user: time.sleep(0.05),
        }
        users = list(sizes)
        for kind, before in between.items():
            medians: dict[str, dict[str, list[float]]] = {
                u: collections.defaultdict(list) for u in users
            }
            for i in range(args.runs):
                for user in users if i % 2 == 0 else users[::-1]:
                    before(user)
                    PARTS.clear()
                    medians[user]["poll"].append(polls[user]())
                    for label, times in PARTS.items():
                        medians[user][label].append(sum(times))
            for user in users:
                parts = ", ".join(
                    f"{label} {statistics.median(v) * 1000:.3f}"
                    for label, v in medians[user].items()
                )
                print(f"{kind:15} {sizes[user]:>7,}: {parts}", flush=True)
        # What a poll that logs in each time asks instead of NOOP, on one session per size.
        clients = {user: server.client(user) for user in users}
        status: dict[str, list[float]] = {u: [] for u in users}
        for i in range(args.runs):
            for user in users if i % 2 == 0 else users[::-1]:
                start = time.perf_counter()
                clients[user].folder_status("INBOX", [b"UIDVALIDITY", b"UIDNEXT"])
                status[user].append(time.perf_counter() - start)
        for user in users:
            clients[user].logout()
            print(f"{'STATUS':15} {sizes[user]:>7,}: {statistics.median(status[user]) * 1000:.3f}")
    finally:
        for stop in stops:
            stop()
        server.destroy()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
