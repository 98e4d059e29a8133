"""Sending the digest refuses a wrong CA, a wrong host name and a STARTTLS-stripping
proxy before the SMTP password goes out, with one line naming the fix.

The real SMTP server (aiosmtpd, STARTTLS required, a certificate for 127.0.0.1 from the
test CA), reached through the test proxy, which records what tinbai sent: no AUTH, no
password, nothing inside TLS but the handshake and an alert; and nothing was delivered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from digestkit import SMTP_PASSWORD, use_smtp
from netproxy import Proxy
from tlscheck import assert_no_credential, other_ca

from tinbai.errors import DeliveryError

pytestmark = pytest.mark.integration

WRONG_HOST = "127.0.0.2"  # this machine, a name the certificate does not carry

CASES = {
    # case: (ca, host, strip, the one line must say)
    "a CA that did not sign the server's certificate": (
        "wrong",
        "127.0.0.1",
        False,
        r"TLS certificate not trusted .* — set smtp.ca_file to the server's CA",
    ),
    "a host name the certificate does not name": (
        "right",
        WRONG_HOST,
        False,
        r"certificate is for another name .*127.0.0.2.* — set smtp.host to the name",
    ),
    "STARTTLS removed by a man in the middle": (
        "right",
        "127.0.0.1",
        True,
        r"does not offer STARTTLS .* sent no password — set smtp.security = \"tls\"",
    ),
    "STARTTLS advertised, then refused by a man in the middle": (
        "right",
        "127.0.0.1",
        "command",
        r"answered 5\d\d .* — ",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_smtp_refuses_before_sending_the_password(
    case: str,
    *,
    run: Any,
    quarter: Path,
    tls_smtp_server: Any,
    certificates: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    ca, host, strip, says = CASES[case]
    monkeypatch.setenv("TINBAI_SMTP_PASSWORD", SMTP_PASSWORD)
    target = (tls_smtp_server.host, tls_smtp_server.port)
    with Proxy(target, strip_starttls=strip, host=host) as proxy:
        use_smtp(
            quarter,
            host,
            proxy.port,
            security="starttls",
            username="tinbai",
            password_env="TINBAI_SMTP_PASSWORD",
            ca_file=str(other_ca(tmp_path) if ca == "wrong" else certificates.ca),
        )
        with pytest.raises(DeliveryError, match=says) as refused:
            run("digest", "--send", "--as-of", "2020-05-17")
        sent = bytes(proxy.client_bytes)
    assert "\n" not in str(refused.value)
    assert b"EHLO" in sent.upper()  # it did talk to the server: the test proves something
    assert_no_credential(sent, SMTP_PASSWORD)
    assert tls_smtp_server.mailbox.envelopes == []
