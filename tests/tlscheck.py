"""For the TLS refusal tests: a CA nobody configured, and proof that no credential left.

`assert_no_credential(sent, password)` reads the bytes a client sent (a test proxy's
record): before STARTTLS no login command and no password in clear; after it (or from
the first byte, for implicit TLS) TLS records only, and no encrypted record larger than
an alert: the handshake failed and nothing was sent inside it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

# An alert inside TLS 1.3 is 2 bytes + content type + 16 bytes of AEAD tag: 19.
_ALERT_RECORD_MAX = 32
_COMMANDS = (b"LOGIN", b"AUTHENTICATE", b"AUTH ", b"AUTH\r\n", b"MAIL FROM")


def self_signed(key: Path, cert: Path, subject: str, *extra: str, days: int = 30) -> Path:
    """A self-signed EC certificate ``cert`` (its key at ``key``), made by openssl."""
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-subj",
            subject,
            *extra,
            "-days",
            str(days),
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert


def other_ca(folder: Path) -> Path:
    """A self-signed CA certificate that signed nothing the test servers use."""
    return self_signed(
        folder / "other-ca.key", folder / "other-ca.pem", "/CN=someone else's CA", days=2
    )


def _split(sent: bytes) -> tuple[bytes, bytes]:
    """(clear text, TLS) of what a client sent."""
    if sent[:1] == b"\x16":
        return b"", sent
    upper = sent.upper()
    at = upper.find(b"STARTTLS\r\n")
    if at < 0:
        return sent, b""
    end = at + len(b"STARTTLS\r\n")
    if sent[end : end + 1] not in (b"", b"\x16"):
        return sent, b""  # STARTTLS was refused: the rest stayed in clear (e.g. QUIT)
    return sent[:end], sent[end:]


def assert_no_credential(sent: bytes, password: str) -> None:
    clear, tls = _split(sent)
    assert password.encode() not in sent, "the password went out in clear"
    for command in _COMMANDS:
        assert command not in clear.upper(), f"{command!r} went out in clear: {clear!r}"
    i = 0
    while i < len(tls):
        assert i + 5 <= len(tls), "a torn TLS record"
        kind, size = tls[i], int.from_bytes(tls[i + 3 : i + 5], "big")
        assert kind in (20, 21, 22, 23), f"not TLS after STARTTLS: {tls[i : i + 16]!r}"
        if kind == 23:
            assert size <= _ALERT_RECORD_MAX, f"{size} bytes of application data went out"
        i += 5 + size
