"""Network faults between tinbai and its IMAP server, through the loopback fault proxy.

Each trial delivers two new messages to a real Dovecot and polls them the way the
service does (`poll_once` on a kept `MailboxSession`) through `tests/netproxy.py`, which
breaks the connection once: a reset at a random byte of the greeting, of a FETCH literal
or of a tagged OK, a stall past the client's timeout, or a `* BYE` before a FETCH
response. A poll that meets the fault fails with one line (or, on a kept session, logs
in again by itself); the next poll completes; after every poll I1–I4 hold.

Trials: TINBAI_FAULT_TRIALS (CI: 20; the documented run in RELIABILITY.md: 240).
"""

from __future__ import annotations

import os
import random
import re
from collections import Counter
from collections.abc import Callable

import pytest
from dovecot import Mailbox
from invariants import _rows, check_store
from netmail import message, number, truth
from netproxy import Fault, Proxy

from ingest.errors import MailboxError
from tinbai.polling import MailboxSession, poll_once

pytestmark = pytest.mark.integration

TRIALS = int(os.environ.get("TINBAI_FAULT_TRIALS", "20"))
PER_TRIAL = 2  # new messages per trial
TIMEOUT = 1.5  # the client's timeout (seconds): a stall must outlast it

# What one poll of two new messages shows on the wire (measured): 4 literals or more
# (two header blocks, two or more body parts), 4 untagged FETCH responses or more, and
# 6 tagged OKs or more on a fresh login (CAPABILITY, LOGIN, EXAMINE, SEARCH, 2+ FETCH);
# a tagged OK past those is one of the next poll's, on the kept session, which must then
# log in again by itself.
FAULTS: list[Callable[[random.Random], Fault]] = [
    lambda r: Fault("reset", "greeting", seed=r.randrange(1 << 30)),
    lambda r: Fault("reset", "literal", nth=r.randrange(4), seed=r.randrange(1 << 30)),
    lambda r: Fault("reset", "tagged_ok", nth=r.randrange(9), seed=r.randrange(1 << 30)),
    lambda r: Fault("stall", "literal", nth=r.randrange(4), seed=r.randrange(1 << 30)),
    lambda r: Fault("bye", "fetch", nth=r.randrange(4)),
    lambda r: Fault("close", "literal", nth=r.randrange(4), seed=r.randrange(1 << 30)),
]


def _stored(url: str) -> list[int]:
    return [number(str(r[0])) for r in _rows(url, "SELECT message_id FROM messages")]


def test_the_service_survives_random_network_faults(mailbox: Mailbox) -> None:
    rng = random.Random(int(os.environ.get("TINBAI_FAULT_SEED", "12")))  # noqa: S311 — test schedule
    url = f"sqlite:///{mailbox.config.parent / 'tinbai.db'}"
    outcomes: Counter[str] = Counter()
    said: Counter[str] = Counter()
    with Proxy(("127.0.0.1", mailbox.server.imap_port), record=False) as proxy:
        mailbox.configure(port=proxy.port, timeout=TIMEOUT)
        app = mailbox.app()
        session = MailboxSession()
        try:
            for trial in range(TRIALS):
                first = trial * PER_TRIAL
                mailbox.deliver(*(message(i) for i in range(first, first + PER_TRIAL)))
                fault = FAULTS[trial % len(FAULTS)](rng)
                fault.connection = len(proxy.connections)  # the next login's connection
                proxy.fault = fault
                session.close()  # so that the next poll logs in through the fault
                fired = len(proxy.fired)
                try:
                    poll_once(app, session=session)
                    outcomes["poll went through"] += 1
                except MailboxError as e:
                    line = str(e)
                    outcomes["poll failed"] += 1
                    said[re.sub(r"\d+", "N", line)] += 1
                    assert "\n" not in line
                    assert " — " in line, f"no fix named: {line}"
                    # Whatever the broken poll stored is whole and right (I1–I4 so far).
                    check_store(url, truth(_stored(url)))
                # The next scheduled polls: on the kept session if it survived (when the
                # fault breaks it now, the poll logs in again by itself), else a new login.
                # Every one completes.
                for _ in range(4):
                    before = len(proxy.fired)
                    poll_once(app, session=session)
                    if len(proxy.fired) > before:
                        outcomes["kept session broke mid-poll, the poll logged in again"] += 1
                    if len(proxy.fired) > fired:
                        break
                assert len(proxy.fired) == fired + 1, f"trial {trial}: {fault} never fired"
                outcomes[f"{fault.action} at {fault.where}"] += 1
                check_store(url, truth(range(first + PER_TRIAL)))
        finally:
            session.close()
            app.close()
    print(f"\n{TRIALS} network-fault trials: {dict(outcomes)}")
    for line, n in said.most_common():
        print(f"{n:4} × {line}")
    assert outcomes["poll went through"] < TRIALS  # the faults did break polls
