"""The test link (tests/netproxy.py) does what the reliability tests and bench rely on:
latency pipelined like a link, a bandwidth cap, exact counters, and faults at the byte
they name."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from netproxy import Fault, Proxy

GREETING = b"* OK test server ready\r\n"
BODY = b"x" * 200_000
FETCH = b"* 1 FETCH (UID 7 BODY[] {%d}\r\n" % len(BODY) + BODY + b")\r\n"


@pytest.fixture
def received() -> list[bytes]:
    """The lines the test server received."""
    return []


@pytest.fixture
def server(received: list[bytes]) -> Iterator[tuple[str, int]]:
    """A line server: greets, answers `BIG` with a FETCH + tagged OK, echoes other lines
    as `a OK <line>`, and keeps what it received in `received`."""
    listener = socket.create_server(("127.0.0.1", 0))

    def handle(c: socket.socket) -> None:
        with c:
            c.sendall(GREETING)
            for line in c.makefile("rb"):
                received.append(line)
                if line.startswith(b"BIG"):
                    c.sendall(FETCH + FETCH + b"b OK FETCH done\r\n")
                elif line.startswith(b"EHLO"):
                    c.sendall(b"250-test\r\n250-STARTTLS\r\n250 AUTH PLAIN\r\n")
                else:
                    c.sendall(b"a OK " + line)

    def serve() -> None:
        while True:
            try:
                c, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(c,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    yield listener.getsockname()
    listener.close()


_OPEN: list[object] = []  # what `_connect` opened, closed after each test


@pytest.fixture(autouse=True)
def _close_what_was_opened() -> Iterator[None]:
    """Even a failing test leaves no socket for the garbage collector to warn about later."""
    yield
    while _OPEN:
        _OPEN.pop().close()  # type: ignore[attr-defined]


def _connect(proxy: Proxy) -> tuple[socket.socket, object]:
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=10)
    f = s.makefile("rb")
    _OPEN.extend((s, f))
    return s, f


def _read_all(s: socket.socket) -> tuple[bytes, str]:
    """Everything until EOF, a reset or a timeout, and which of the three it was."""
    got = b""
    try:
        while data := s.recv(65536):
            got += data
    except ConnectionResetError:
        return got, "reset"
    except TimeoutError:
        return got, "timeout"
    return got, "eof"


def test_latency_is_pipelined_and_counted(server: tuple[str, int]) -> None:
    with Proxy(server, latency=0.2) as proxy:
        s, f = _connect(proxy)
        start = time.monotonic()
        assert f.readline() == GREETING  # type: ignore[attr-defined]
        greeted = time.monotonic() - start
        start = time.monotonic()
        s.sendall(b"one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n")
        answers = [f.readline() for _ in range(5)]  # type: ignore[attr-defined]
        five = time.monotonic() - start
        s.close()
        assert answers[4] == b"a OK five\r\n"
        assert proxy.lines_up == 5
        assert proxy.bytes_up == len(b"one\r\ntwo\r\nthree\r\nfour\r\nfive\r\n")
        assert proxy.bytes_down == len(GREETING) + sum(map(len, answers))
    assert greeted >= 0.2  # one way
    # Five commands in flight at once: one round trip (0.4 s), not five (2 s).
    assert 0.4 <= five < 1.6


def test_bandwidth_caps_each_way(server: tuple[str, int]) -> None:
    with Proxy(server, bandwidth=1_000_000) as proxy:
        s, f = _connect(proxy)
        f.readline()  # type: ignore[attr-defined]
        start = time.monotonic()
        s.sendall(b"BIG\r\n")
        while not f.readline().startswith(b"b OK"):  # type: ignore[attr-defined]
            pass
        took = time.monotonic() - start
        s.close()
    assert took >= 0.38  # 400 kB at 1 MB/s, less the 16 kB burst


@pytest.mark.parametrize(
    ("fault", "kept"),
    [
        (Fault("reset", "greeting", at=5), GREETING[:5]),
        (Fault("reset", "greeting", at=0.5), GREETING[: len(GREETING) // 2]),
        (
            Fault("reset", "literal", nth=1, at=1234),
            GREETING + FETCH + FETCH[: FETCH.index(b"\r\n") + 2 + 1234],
        ),
        (Fault("reset", "tagged_ok", at=3), GREETING + FETCH + FETCH + b"b O"),
        (Fault("close", "tagged_ok", at=3), GREETING + FETCH + FETCH + b"b O"),
        (Fault("bye", "fetch", nth=1), GREETING + FETCH + b"* BYE"),
    ],
)
def test_a_fault_cuts_at_the_byte_it_names(
    server: tuple[str, int], fault: Fault, kept: bytes
) -> None:
    with Proxy(server, fault=fault) as proxy:
        s, _ = _connect(proxy)
        s.sendall(b"BIG\r\n")
        got, end = _read_all(s)
        s.close()
        assert proxy.fired
        assert proxy.fired[0][:3] == (0, fault.action, fault.where)
    assert got.startswith(kept)
    if fault.action == "bye":
        assert got.endswith(b"\r\n")
        assert end == "eof"
        assert got.count(b"* BYE") == 1
    else:
        assert got == kept
        assert end == ("reset" if fault.action == "reset" else "eof")


def test_only_the_named_connection_breaks(server: tuple[str, int]) -> None:
    with Proxy(server, fault=Fault("reset", "greeting", at=2)) as proxy:
        first, _ = _connect(proxy)
        assert _read_all(first) == (GREETING[:2], "reset")
        second, f = _connect(proxy)
        assert f.readline() == GREETING  # type: ignore[attr-defined]
        second.close()
        first.close()


def test_a_stall_sends_nothing_more_and_keeps_the_socket_open(server: tuple[str, int]) -> None:
    with Proxy(server, fault=Fault("stall", "literal", at=0.5)) as proxy:
        s, _ = _connect(proxy)
        s.settimeout(1.0)
        s.sendall(b"BIG\r\n")
        got, end = _read_all(s)
        s.close()
    assert end == "timeout"
    assert got == GREETING + FETCH[: FETCH.index(b"\r\n") + 2 + len(BODY) // 2]


def test_starttls_is_stripped_both_ways(server: tuple[str, int], received: list[bytes]) -> None:
    with Proxy(server, strip_starttls=True) as proxy:
        s, f = _connect(proxy)
        f.readline()  # type: ignore[attr-defined]
        s.sendall(b"EHLO me\r\n")
        said = [f.readline() for _ in range(3)]  # type: ignore[attr-defined]
        s.sendall(b"STARTTLS\r\n")
        f.readline()  # type: ignore[attr-defined]
        s.close()
        assert bytes(proxy.client_bytes) == b"EHLO me\r\nSTARTTLS\r\n"  # what the client sent
    assert b"STARTTLS" not in b"".join(said)
    assert said[0] == b"250-test\r\n"
    assert said[2] == b"250 AUTH PLAIN\r\n"
    assert received[-1] == b"XSTRIPPD\r\n"  # the server never saw the command
