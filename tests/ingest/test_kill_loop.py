"""kill -9 at random moments of `tinbai poll`, again and again, over a slow link.

A mailbox of N messages on a real Dovecot, polled by the real `tinbai poll` process
through `tests/netproxy.py` with latency added each way. Each round starts a poll, waits
until it has connected, kills it with SIGKILL at a random moment within the time that poll
should take (a whole poll's time, measured first, scaled to what is left to fetch), and checks I1–I4 on what the killed poll left (every stored row whole and
right, nothing twice, the database sound). When a poll gets to the end, the end state is
checked in full (0 missing, 0 duplicates, the counts of the test's own truth) and the
next cycle starts from an empty database, with another batch size.

Size: TINBAI_KILL_LOOP=kills:messages:latency (CI 10:60:0.005; the documented run in
RELIABILITY.md: 200:300:0.02).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from dovecot import Mailbox
from invariants import _rows, check_store
from netmail import message, number, truth
from netproxy import Proxy

pytestmark = pytest.mark.integration

KILLS, MESSAGES, LATENCY = (
    f(v)
    for f, v in zip(
        (int, int, float), os.environ.get("TINBAI_KILL_LOOP", "10:60:0.005").split(":"), strict=True
    )
)
BATCHES = (7, 25, 100)  # messages per FETCH round and commit, one per cycle in turn
TAG = "kill"


def _stored(url: str) -> list[int]:
    return [number(str(r[0])) for r in _rows(url, "SELECT message_id FROM messages")]


def _fresh_database(folder: Path) -> None:
    for name in ("tinbai.db", "tinbai.db-wal", "tinbai.db-shm", "tinbai.db-journal"):
        (folder / name).unlink(missing_ok=True)


def test_kill_9_at_random_moments_loses_and_doubles_nothing(mailbox: Mailbox) -> None:
    rng = random.Random(int(os.environ.get("TINBAI_KILL_SEED", "12")))  # noqa: S311 — test schedule
    mailbox.deliver(*(message(i, TAG) for i in range(MESSAGES)))
    everything = truth(range(MESSAGES), TAG)
    url = f"sqlite:///{mailbox.config.parent / 'tinbai.db'}"
    argv = [sys.executable, "-m", "tinbai", "--config", str(mailbox.config), "poll"]
    seen: Counter[str] = Counter()

    with Proxy(("127.0.0.1", mailbox.server.imap_port), latency=LATENCY, record=False) as proxy:

        def start() -> tuple[subprocess.Popen[bytes], float]:
            """A poll, once it has connected to the proxy (and when that was)."""
            before = len(proxy.connections)
            child = subprocess.Popen(
                argv, env=mailbox.tinbai.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
            )
            deadline = time.monotonic() + 60
            while len(proxy.connections) == before and child.poll() is None:
                assert time.monotonic() < deadline, "the poll never connected"
                time.sleep(0.002)
            return child, time.monotonic()

        def finished(child: subprocess.Popen[bytes]) -> None:
            _, err = child.communicate(timeout=120)
            assert child.returncode == 0, err.decode()
            check_store(url, everything)  # 0 missing, 0 duplicates, the right counts

        # One whole poll: how long a poll takes after it connects (the kills' window).
        mailbox.configure(port=proxy.port, timeout=10, batch_size=BATCHES[0])
        child, connected = start()
        finished(child)
        window = time.monotonic() - connected
        cycles, kills, completed = 1, 0, 0

        _fresh_database(mailbox.config.parent)
        while kills < KILLS:
            # Within the time this poll should take: a poll resumed after a kill has only
            # the rest of the mailbox to do (a fifth of a whole poll is taken as fixed cost).
            db = mailbox.config.parent / "tinbai.db"
            left = MESSAGES - (len(_stored(url)) if db.exists() else 0)
            span = window * (0.2 + 0.8 * left / MESSAGES)
            child, connected = start()
            time.sleep(rng.uniform(0, span))
            if child.poll() is None:
                child.send_signal(signal.SIGKILL)
                _, err = child.communicate(timeout=60)
                # A poll that failed before the kill came would hide here: it must not.
                assert not err.strip(), f"the poll failed before it was killed: {err.decode()}"
                if child.returncode == -signal.SIGKILL:
                    kills += 1
                    if kills % 20 == 0:
                        print(f"{kills} kills, {cycles} cycles", flush=True)  # progress, with -s
                    stored = _stored(url) if (mailbox.config.parent / "tinbai.db").exists() else []
                    seen["kills mid-mailbox" if stored else "kills with nothing stored yet"] += 1
                    if stored:
                        check_store(url, truth(stored, TAG))  # I1–I4 on what the kill left
                    continue
                assert child.returncode == 0  # it ended just before the kill
                check_store(url, everything)
            else:
                finished(child)
            completed += 1
            # The mailbox is all counted: next cycle, from an empty database.
            _fresh_database(mailbox.config.parent)
            mailbox.configure(
                port=proxy.port, timeout=10, batch_size=BATCHES[cycles % len(BATCHES)]
            )
            cycles += 1

        child, _ = start()
        finished(child)
    print(
        f"\n{kills} kill -9 over {cycles} cycle(s) of a {MESSAGES}-message mailbox"
        f" at {LATENCY * 1000:g} ms each way (window {window:.2f} s); {completed}"
        f" poll(s) got to the end between kills; {dict(seen)}"
    )
    assert seen["kills mid-mailbox"] >= KILLS // 2  # most kills hit a poll at work
