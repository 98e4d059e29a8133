"""IMAP refuses a wrong CA, a wrong host name and a STARTTLS-stripping proxy before any
credential goes out, with one line naming the fix.

Against the real Dovecot (imaps and STARTTLS on its plain port), through the test proxy,
which records every byte tinbai sent: no LOGIN, no password, nothing inside the TLS
session but the handshake and an alert; and Dovecot saw no login attempt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dovecot import PASSWORD, Dovecot, Mailbox
from netproxy import Proxy
from tlscheck import assert_no_credential, other_ca

from ingest.errors import MailboxError

pytestmark = pytest.mark.integration

# The server certificate names localhost and 127.0.0.1; 127.0.0.2 is this machine too,
# under a name the certificate does not carry.
WRONG_HOST = "127.0.0.2"


@pytest.fixture(scope="module")
def wrong_ca(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return other_ca(tmp_path_factory.mktemp("other-ca"))


CASES = {
    # case: (security, ca, host, strip, the one line must say)
    "imaps, a CA that did not sign the server's certificate": (
        "tls",
        "wrong",
        "127.0.0.1",
        False,
        r"TLS certificate not trusted .* — set mailbox.ca_file to the server's CA",
    ),
    "imaps, a host name the certificate does not name": (
        "tls",
        "right",
        WRONG_HOST,
        False,
        r"certificate is for another name .*not valid for .127.0.0.2.* — set mailbox.host to the name",
    ),
    "STARTTLS, a CA that did not sign the server's certificate": (
        "starttls",
        "wrong",
        "127.0.0.1",
        False,
        r"TLS certificate not trusted .* — set mailbox.ca_file to the server's CA",
    ),
    "STARTTLS, a host name the certificate does not name": (
        "starttls",
        "right",
        WRONG_HOST,
        False,
        r"certificate is for another name .*not valid for .127.0.0.2.* — set mailbox.host to the name",
    ),
    "STARTTLS removed by a man in the middle": (
        "starttls",
        "right",
        "127.0.0.1",
        True,
        r"does not offer STARTTLS .* sent no password — set mailbox.security = \"tls\"",
    ),
    "STARTTLS advertised, then refused by a man in the middle": (
        "starttls",
        "right",
        "127.0.0.1",
        "command",
        r"refused STARTTLS .* sent no password — set mailbox.security = \"tls\"",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_imap_refuses_before_sending_a_credential(
    case: str, mailbox: Mailbox, dovecot: Dovecot, wrong_ca: Path
) -> None:
    security, ca, host, strip, says = CASES[case]
    port = dovecot.imaps_port if security == "tls" else dovecot.imap_port
    with Proxy(("127.0.0.1", port), strip_starttls=strip, host=host) as proxy:
        mailbox.configure(
            security=security,
            host=host,
            port=proxy.port,
            ca_file=str(wrong_ca if ca == "wrong" else dovecot.cert),
            timeout=10,
        )
        with pytest.raises(MailboxError, match=says) as refused:
            mailbox.poll()
        sent = bytes(proxy.client_bytes)
    assert "\n" not in str(refused.value)
    assert sent, "the client never connected: the test proves nothing"
    assert_no_credential(sent, PASSWORD)
    assert dovecot.login_methods(mailbox.user) == []
    assert dovecot.failed_logins(mailbox.user) == 0


def test_the_cli_says_it_in_one_line_and_the_right_settings_then_work(
    mailbox: Mailbox, dovecot: Dovecot
) -> None:
    with Proxy(("127.0.0.1", dovecot.imaps_port), host=WRONG_HOST) as proxy:
        mailbox.configure(
            security="tls", host=WRONG_HOST, port=proxy.port, ca_file=str(dovecot.cert)
        )
        tinbai: Any = mailbox.tinbai
        line = tinbai.fails("poll")
        assert "mailbox.host" in line
        assert_no_credential(bytes(proxy.client_bytes), PASSWORD)
    mailbox.configure(security="tls", port=dovecot.imaps_port, ca_file=str(dovecot.cert))
    assert mailbox.poll().folders == 1
