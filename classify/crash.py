"""Named crash points for the reliability tests; inert unless a test asks for one.

`crash_point("poll.committed")` kills the process on the spot — SIGKILL, as a power
cut or `kill -9` would: no `finally`, no flush, no rollback — when the test-only
environment variable ``TINBAI_TEST_CRASH_AT=NAME[:N]`` names that point (at its N-th
pass, first by default). Without the variable a call is one dict lookup. The points
and where they sit are listed in `POINTS`; a test enumerates them (RELIABILITY.md).
"""

from __future__ import annotations

import os
import signal

ENV = "TINBAI_TEST_CRASH_AT"

POINTS: tuple[str, ...] = (
    "migrate.step",  # a migration script applied, the next not yet (its transaction open)
    "poll.fetched",  # a batch's first FETCH answered, nothing parsed
    "poll.parsed",  # a batch read and parsed, nothing written
    "poll.written",  # one message of a batch written, its transaction still open
    "poll.before-commit",  # a whole batch and its mark written, not committed
    "poll.committed",  # a batch committed, the server not yet told (flag / move)
    "poll.acted",  # the after-processing action done on the server for a batch
    "digest.claimed",  # a week's digest claimed in the database, nothing sent
    "smtp.before-data",  # connected (and logged in) to the SMTP server, nothing sent
    "smtp.after-data",  # the server accepted the digest, not yet recorded as delivered
)


def _armed(setting: str | None) -> dict[str, int]:
    if not setting:
        return {}
    name, _, nth = setting.partition(":")
    if name not in POINTS:
        raise ValueError(f"{ENV}={setting!r}: unknown crash point (known: {', '.join(POINTS)})")
    return {name: int(nth) if nth else 1}


_ARMED: dict[str, int] = _armed(os.environ.get(ENV))
_passes: dict[str, int] = {}


def crash_point(name: str) -> None:
    """Die here if the test asked for this point and this is its pass."""
    nth = _ARMED.get(name)
    if nth is None:
        return
    _passes[name] = _passes.get(name, 0) + 1
    if _passes[name] == nth:
        os.write(2, f"crash point {name}:{nth}\n".encode())
        os.kill(os.getpid(), signal.SIGKILL)
