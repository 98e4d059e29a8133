"""`digest --send` killed before and after SMTP DATA (issue 12, part 1).

The week's digest reaches the editor after the next cycle whatever the moment of
the crash, and at most twice (once more only when the crash came after the SMTP
server had accepted it, before tinbai could record that).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from digestkit import SmtpServer, use_smtp

pytestmark = pytest.mark.integration

WEEK = ("digest", "--send", "--as-of", "2020-05-17")


@pytest.mark.parametrize(
    ("point", "delivered"),
    [("digest.claimed", 1), ("smtp.before-data", 1), ("smtp.after-data", 2)],
)
def test_a_digest_killed_mid_send_arrives_after_the_next_cycle_at_most_twice(
    tinbai: object, quarter: Path, smtp_server: SmtpServer, point: str, delivered: int
) -> None:
    use_smtp(quarter, smtp_server.host, smtp_server.port)
    crashing = type(tinbai)(quarter, dict(tinbai.env, TINBAI_TEST_CRASH_AT=point))  # type: ignore[attr-defined]

    crashed = crashing(*WEEK, check=False)
    assert crashed.returncode == -9, crashed.stderr
    assert len(smtp_server.mailbox.messages()) == delivered - 1

    again = tinbai(*WEEK)  # type: ignore[operator]  # the next cycle
    assert "sent to bientap@example.org" in again.stdout
    third = tinbai(*WEEK)  # type: ignore[operator]  # and the one after: nothing more
    assert "sent to" not in third.stdout
    received = smtp_server.mailbox.messages()
    assert len(received) == delivered
    assert len({m["Subject"] for m in received}) == 1
