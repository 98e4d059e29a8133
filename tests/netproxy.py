"""A loopback TCP proxy for the tests: a slow link, and a link that breaks on purpose.

``Proxy(target, latency=, bandwidth=)`` listens on 127.0.0.1 (``host=``: another loopback
address, e.g. one a server certificate does not name) and forwards every connection
to ``target``. Each direction is a delay line: a chunk read at time t is delivered at
t + latency, however many chunks are in flight (a link's pipelining, not one chunk at a
time), after a token bucket of ``bandwidth`` bytes per second (``None``: no cap). The
counters ``bytes_down`` / ``bytes_up`` are what was delivered so far, ``lines_up`` the CRLF-
terminated lines the client sent (IMAP commands: round trips). With ``record`` the bytes
the client sent are kept in ``client_bytes`` (per connection in ``connections``), so a test
can show that no credential went out.

Faults (``Proxy(..., fault=Fault(...))`` or ``proxy.fault = ...`` before the connection):

- ``Fault("reset", "greeting", at=…)``: RST at a byte of the server's greeting line;
- ``Fault("reset", "literal", nth=…, at=…)``: RST at a byte of the n-th literal the server
  sends (an IMAP FETCH body);
- ``Fault("reset", "tagged_ok", nth=…)``: RST at a byte of the n-th tagged ``OK`` line;
- ``Fault("stall", …)``: at that point nothing more goes either way, the sockets stay
  open (the client's timeout must fire);
- ``Fault("bye", "fetch", nth=…)``: ``* BYE`` before the n-th untagged FETCH response, then
  the connection closes (a server shutting down mid-batch; a BYE is always put at the
  start of its target line);
- ``Fault("close", …)``: a clean FIN at that point.

``at`` is a byte offset into the target (an int), a fraction of its length (a float), or
``None`` for a random byte (``seed`` makes it repeatable). ``connection`` is which accepted
connection (0-based) the fault hits, ``None`` for every one. ``fired`` lists what was
injected, as ``(connection, action, where, absolute byte offset)``.

``strip_starttls=True`` is a man in the middle removing STARTTLS: the capability is renamed
in what the server says (IMAP CAPABILITY, SMTP EHLO) and a STARTTLS command the client
sends anyway is renamed too, so the server refuses it. ``strip_starttls="command"`` leaves
the capability advertised and renames only the command: the server refuses STARTTLS.

Only the standard library: threads, one reader and one writer per direction.
"""

from __future__ import annotations

import contextlib
import fcntl
import queue
import random
import re
import socket
import struct
import termios
import threading
import time
from dataclasses import dataclass, field
from types import TracebackType

_CHUNK = 65536
_STARTTLS = b"STARTTLS"
_STRIPPED = b"XSTRIPPD"  # same length: no framing changes
_LITERAL = re.compile(rb"\{(\d+)\+?\}\r\n$")
_BYE = b"* BYE tinbai test proxy: server shutting down\r\n"

ACTIONS = ("reset", "close", "stall", "bye")
WHERES = ("greeting", "literal", "tagged_ok", "fetch", "byte")


@dataclass
class Fault:
    """One fault to inject into the server-to-client stream (see the module docstring)."""

    action: str
    where: str
    nth: int = 0
    at: int | float | None = None
    connection: int | None = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        if self.action not in ACTIONS:
            raise ValueError(f"unknown fault action {self.action!r}; one of {ACTIONS}")
        if self.where not in WHERES:
            raise ValueError(f"unknown fault place {self.where!r}; one of {WHERES}")
        if self.where == "byte" and not isinstance(self.at, int):
            raise ValueError('Fault(where="byte") needs an int at= (the stream offset)')


@dataclass
class Connection:
    """One proxied connection: its index and, when recording, the client's bytes."""

    index: int
    client: bytearray = field(default_factory=bytearray)
    server: bytearray = field(default_factory=bytearray)


class _Bucket:
    """Token bucket with debt: returns when a chunk of n bytes has left the sender."""

    def __init__(self, rate: float | None, burst: int) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.tokens = float(burst)
        self.t = time.monotonic()

    def depart(self, n: int, now: float) -> float:
        if self.rate is None:
            return now
        self.tokens = min(self.burst, self.tokens + (now - self.t) * self.rate)
        self.t = now
        self.tokens -= n
        return now if self.tokens >= 0 else now + (-self.tokens) / self.rate


class _Scanner:
    """Finds a fault's cut point in the server's stream (IMAP / SMTP lines and literals).

    Works on absolute stream offsets. Bytes of a line segment are held back until its CRLF
    (a server always finishes its line without waiting for the client); literal bytes are
    counted, never held.
    """

    def __init__(self, fault: Fault, rng: random.Random) -> None:
        self.fault = fault
        self.rng = rng
        self.pos = 0  # next unscanned absolute offset
        self.literal_left = 0
        self.line_start = 0  # start of the current logical line
        self.continuation = False  # current segment follows a literal
        self.lines = 0
        self.seen: dict[str, int] = {"literal": 0, "tagged_ok": 0, "fetch": 0}
        self.cut: int | None = None

    def _offset(self, start: int, length: int) -> int:
        at = 0 if self.fault.action == "bye" else self.fault.at
        if length <= 0:
            return start
        if at is None:
            k = self.rng.randrange(length)
        elif isinstance(at, float):
            k = int(at * length)
        else:
            k = at
        return start + max(0, min(k, length - 1))

    def _hit(self, kind: str) -> bool:
        n = self.seen[kind]
        self.seen[kind] = n + 1
        return n == self.fault.nth

    def _targets(self, line: bytes) -> bool:
        """Whether this line (the first segment of a logical line) is the fault's target."""
        where = self.fault.where
        words = line.split(None, 3)
        if where == "greeting":
            return self.lines == 0
        if where == "tagged_ok":
            return (
                len(words) >= 2
                and words[0] not in (b"*", b"+")
                and words[1].upper() == b"OK"
                and self._hit("tagged_ok")
            )
        if where == "fetch":
            return (
                len(words) >= 3
                and words[0] == b"*"
                and words[2].upper().startswith(b"FETCH")
                and self._hit("fetch")
            )
        return False

    def scan(self, buf: bytearray, base: int) -> int:
        """Scan ``buf`` (starting at absolute ``base``); return the absolute safe end."""
        where = self.fault.where
        if where == "byte":
            assert isinstance(self.fault.at, int)
            self.cut = self.fault.at
            return base + len(buf)
        end = base + len(buf)
        while self.cut is None and self.pos < end:
            if self.literal_left:
                step = min(self.literal_left, end - self.pos)
                self.pos += step
                self.literal_left -= step
                if not self.literal_left:
                    self.continuation = True
                continue
            i = buf.find(b"\r\n", self.pos - base)
            if i < 0:
                return self.pos  # an incomplete segment: hold it
            seg_start, seg_end = self.pos, base + i + 2
            segment = bytes(buf[seg_start - base : seg_end - base])
            first = not self.continuation
            if first:
                self.line_start = seg_start
            self.pos = seg_end
            m = _LITERAL.search(segment)
            if first and self._targets(segment):
                self.cut = self._offset(seg_start, len(segment))
            if m:
                size = int(m.group(1))
                if where == "literal" and self.cut is None and self._hit("literal"):
                    self.cut = self._offset(seg_end, size)
                self.literal_left = size
                self.continuation = True
                if not size:
                    self.literal_left = 0
            else:
                self.continuation = False
                self.lines += 1
        return end


class _Direction:
    """One direction of one connection: a reader thread feeding a delay line to a writer."""

    def __init__(self, proxy: Proxy, conn: _Link, up: bool) -> None:
        self.proxy = proxy
        self.conn = conn
        self.up = up
        self.src = conn.client if up else conn.server
        self.dst = conn.server if up else conn.client
        self.line: queue.Queue[tuple[float, bytes | str]] = queue.Queue()
        self.bucket = _Bucket(proxy.bandwidth, proxy.burst)
        self.last = 0.0
        self.base = 0  # absolute offset of self.held[0]
        self.held = bytearray()  # bytes the fault scanner holds back
        self.tail = bytearray()  # bytes the STARTTLS stripper holds back
        self.dead = False
        self.cr = False  # the previous up chunk ended with CR
        fault = proxy.fault
        self.scanner: _Scanner | None = None
        if (
            not up
            and fault is not None
            and (fault.connection is None or fault.connection == conn.record.index)
        ):
            seed = None if fault.seed is None else fault.seed + conn.record.index
            rng = random.Random(seed)  # noqa: S311 — where to break a test link, not a secret
            self.scanner = _Scanner(fault, rng)

    # -- reader ---------------------------------------------------------------------------
    def _put(self, data: bytes | str) -> None:
        now = time.monotonic()
        depart = self.bucket.depart(len(data), now) if isinstance(data, bytes) else now
        self.last = max(self.last, depart + self.proxy.latency)
        self.line.put((self.last, data))

    def _strip(self, data: bytes, final: bool) -> bytes:
        """Rename STARTTLS; hold a tail that could be the start of the word."""
        self.tail += data
        out = bytes(self.tail).replace(_STARTTLS, _STRIPPED)
        keep = 0
        if not final:
            for k in range(len(_STARTTLS) - 1, 0, -1):
                if out.endswith(_STARTTLS[:k]):
                    keep = k
                    break
        self.tail = bytearray(out[len(out) - keep :]) if keep else bytearray()
        return out[: len(out) - keep] if keep else out

    def _feed(self, data: bytes) -> None:
        proxy = self.proxy
        if self.up:
            with proxy.lock:
                proxy.lines_up += data.count(b"\r\n") + (self.cr and data[:1] == b"\n")
                if proxy.record:
                    self.conn.record.client += data
                    proxy.client_bytes += data
            self.cr = data[-1:] == b"\r"
        elif proxy.record:
            self.conn.record.server += data
        if self.dead:
            return
        if proxy.strip_starttls is True or (proxy.strip_starttls == "command" and self.up):
            data = self._strip(data, final=False)
        self._feed_plain(data)

    def _feed_plain(self, data: bytes) -> None:
        """Through the fault scanner, if any, onto the delay line."""
        proxy = self.proxy
        if self.scanner is None:
            if data:
                self._put(data)
            return
        self.held += data
        safe = self.scanner.scan(self.held, self.base)
        cut = self.scanner.cut
        if cut is not None and cut <= self.base + len(self.held):
            before = bytes(self.held[: cut - self.base])
            if before:
                self._put(before)
            fault = self.scanner.fault
            with proxy.lock:
                proxy.fired.append((self.conn.record.index, fault.action, fault.where, cut))
            self._put(fault.action)
            self.dead = True
            self.held = bytearray()
            if fault.action == "stall":
                self.conn.stalled = True
            return
        if cut is not None:
            safe = min(safe, cut)
        n = safe - self.base
        if n > 0:
            self._put(bytes(self.held[:n]))
            del self.held[:n]
            self.base = safe

    def read(self) -> None:
        try:
            while True:
                data = self.src.recv(_CHUNK)
                if not data:
                    break
                if self.conn.stalled:
                    continue
                self._feed(data)
        except OSError:
            pass
        if not self.dead and not self.conn.stalled:
            rest = self._strip(b"", final=True) if self.tail else b""
            if rest:
                self._feed_plain(rest)
            if self.held:
                self._put(bytes(self.held))
                self.held = bytearray()
            self._put("eof")
        elif self.conn.stalled and self.up:
            # The client gave up on a stalled link: now close the whole connection.
            self._put("close-all")

    # -- writer ---------------------------------------------------------------------------
    def _count(self, n: int) -> None:
        with self.proxy.lock:
            if self.up:
                self.proxy.bytes_up += n
            else:
                self.proxy.bytes_down += n

    def write(self) -> None:
        while True:
            when, data = self.line.get()
            delay = when - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                if isinstance(data, bytes):
                    # Counted before it is sent, so a reader that has the bytes also sees
                    # them counted; taken back if the send fails.
                    self._count(len(data))
                    try:
                        self.dst.sendall(data)
                    except OSError:
                        self._count(-len(data))
                        raise
                    continue
                if data == "eof":
                    self.dst.shutdown(socket.SHUT_WR)
                    self.conn.half_closed()
                elif data == "reset":
                    self.conn.reset()
                elif data in ("close", "close-all"):
                    self.conn.close()
                elif data == "bye":
                    self.dst.sendall(_BYE)
                    self.conn.close()
                # "stall": nothing more, the sockets stay open
            except OSError:
                pass
            return


class _Link:
    """The two sockets of one proxied connection."""

    def __init__(self, proxy: Proxy, client: socket.socket, record: Connection) -> None:
        self.client = client
        self.record = record
        self.stalled = False
        self.halves = 0
        self.lock = threading.Lock()
        self.server = socket.create_connection(proxy.target, timeout=10)
        self.server.settimeout(None)
        for s in (self.client, self.server):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.threads = []
        for up in (True, False):
            d = _Direction(proxy, self, up)
            self.threads += [
                threading.Thread(target=d.read, daemon=True),
                threading.Thread(target=d.write, daemon=True),
            ]
        for t in self.threads:
            t.start()

    def half_closed(self) -> None:
        """One direction has ended; when both have, release the sockets."""
        with self.lock:
            self.halves += 1
            both = self.halves == 2
        if both:
            self.close()

    def reset(self) -> None:
        """RST to the client (SO_LINGER 0, no FIN first), and drop the server side.

        First the bytes before the cut reach the client's kernel (an abortive close drops
        whatever is still in our send queue), so the cut is at the byte the fault names.
        """
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                unsent = struct.unpack("i", fcntl.ioctl(self.client, termios.TIOCOUTQ, b"\0" * 4))
            except OSError:
                break
            if not unsent[0]:
                break
            time.sleep(0.002)
        with contextlib.suppress(OSError):
            self.client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close(rst=True)

    def close(self, rst: bool = False) -> None:
        for s in (self.client, self.server):
            # SHUT_RD wakes this socket's reader thread without sending a FIN.
            how = socket.SHUT_RD if rst and s is self.client else socket.SHUT_RDWR
            with contextlib.suppress(OSError):
                s.shutdown(how)
            with contextlib.suppress(OSError):
                s.close()


class Proxy:
    """A loopback TCP proxy to ``target`` with latency, a bandwidth cap and faults."""

    def __init__(
        self,
        target: tuple[str, int],
        latency: float = 0.0,
        bandwidth: float | None = None,
        record: bool = True,
        *,
        fault: Fault | None = None,
        strip_starttls: bool | str = False,
        burst: int = 16384,
        host: str = "127.0.0.1",
    ) -> None:
        self.target = target
        self.latency = latency
        self.bandwidth = bandwidth
        self.record = record
        self.fault = fault
        self.strip_starttls = strip_starttls
        self.burst = burst
        self.lock = threading.Lock()
        self.bytes_down = 0
        self.bytes_up = 0
        self.lines_up = 0
        self.client_bytes = bytearray()
        self.connections: list[Connection] = []
        self.fired: list[tuple[int, str, str, int]] = []
        self._links: list[_Link] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self.port: int = self._listener.getsockname()[1]
        self._closed = False
        self._thread = threading.Thread(target=self._accept, daemon=True)

    def __enter__(self) -> Proxy:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self._listener.close()
        with self.lock:
            links = list(self._links)
        for link in links:
            link.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            with self.lock:
                record = Connection(len(self.connections))
                self.connections.append(record)
            try:
                link = _Link(self, client, record)
            except OSError:
                client.close()
                continue
            with self.lock:
                self._links.append(link)
