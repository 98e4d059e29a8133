"""Open an IMAP session the safe way, and turn every failure into one `MailboxError` line.

TLS is verified unless the config names its own CA (`ca_file`); `plain` is
refused by the config for anything but loopback. The password or OAuth2 token
is handed in by the caller and never logged. Every byte the server sends is
counted, so a poll can report what it cost.
"""

from __future__ import annotations

import contextlib
import imaplib
import logging
import socket
import ssl
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

import imapclient
from imapclient import exceptions as imap_errors
from imapclient.response_parser import parse_fetch_response

from ingest.errors import MailboxError
from ingest.settings import MailboxSettings

# imaplib refuses a response line over 1 MB, and the session is lost mid-line. A hostile
# message of 50,000 parts has a BODYSTRUCTURE of several MB on one line: the first FETCH
# of its batch then failed at every poll, and the poller never got past it. 64 MB holds
# the structure of any message under `max_message_bytes`'s default with room to spare.
MAX_RESPONSE_LINE = 64 * 1024 * 1024
setattr(imaplib, "_MAXLINE", max(getattr(imaplib, "_MAXLINE", 0), MAX_RESPONSE_LINE))  # noqa: B010 — a private module setting, read at each line

log = logging.getLogger(__name__)


class LoginRefused(MailboxError):
    """The server turned the credentials down (not the network, not TLS)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason  # the server's own words


@dataclass(frozen=True)
class Credentials:
    """How to log in: a password, or an OAuth2 access token (XOAUTH2)."""

    password: str | None = None
    access_token: str | None = None
    refresh_at: float | None = None  # Unix time the access token is due for a refresh
    refreshed: bool = False  # the access token came from the provider just now

    def __repr__(self) -> str:  # never show a secret, even in a debugger or a traceback
        shown = ("***" if self.password else None, "***" if self.access_token else None)
        return f"Credentials(password={shown[0]}, access_token={shown[1]})"


class ByteCounter:
    """Counts the bytes the server sends, by wrapping imaplib's two read methods."""

    def __init__(self) -> None:
        self.received = 0

    def attach(self, imap: Any) -> None:
        read: Callable[[int], bytes] = imap.read
        readline: Callable[[], bytes] = imap.readline

        def counting_read(size: int) -> bytes:
            data = read(size)
            self.received += len(data)
            return data

        def counting_readline() -> bytes:
            data = readline()
            self.received += len(data)
            return data

        imap.read, imap.readline = counting_read, counting_readline


class Untagged:
    """The kinds of untagged answer (EXISTS, EXPUNGE, UIDNEXT …) heard since `clear()`.

    imaplib keeps untagged answers in a dict it trims on its own (NO and BAD at each
    command's start, the data a command asked for when it returns): this records
    every kind as it arrives, so a kept session knows all the server said.
    """

    def __init__(self) -> None:
        self.kinds: set[str] = set()

    def attach(self, imap: Any) -> None:
        append: Callable[[str, Any], None] = imap._append_untagged

        def recording_append(kind: str, data: Any) -> None:
            self.kinds.add(kind.upper())
            append(kind, data)

        imap._append_untagged = recording_append

    def clear(self) -> None:
        self.kinds.clear()


# OpenSSL's verify codes for a certificate issued to another host name / IP address / email.
NAME_MISMATCH = frozenset({62, 63, 64})


def where(mailbox: MailboxSettings) -> str:
    return f"IMAP server {mailbox.host}:{mailbox.server_port}"


def tls_context(mailbox: MailboxSettings) -> ssl.SSLContext:
    """Certificate and host name verified, always; `ca_file` trusts a private CA instead."""
    return ssl.create_default_context(cafile=str(mailbox.ca_file) if mailbox.ca_file else None)


@contextlib.contextmanager
def mailbox_errors(mailbox: MailboxSettings) -> Iterator[None]:
    """Translate whatever the network, TLS or imapclient raise into a one-line MailboxError."""
    at = where(mailbox)
    try:
        yield
    except MailboxError:
        raise
    except imap_errors.LoginError as e:
        if isinstance(e.__context__, imaplib.IMAP4.abort):  # imapclient's oauth2_login wraps it
            raise MailboxError(
                f"{at} closed the connection during the login ({_reason(e)})"
                " — the next poll will try again"
            ) from e
        hint = (
            "check the password (Gmail needs an app password or OAuth2; Microsoft 365 needs OAuth2)"
            if not mailbox.oauth_token_file
            else "the OAuth2 token was refused: run the OAuth2 set-up again (README: Connecting the mailbox)"
        )
        raise LoginRefused(
            f"{at} refused the login of {mailbox.username!r} ({_reason(e)}) — {hint}", _reason(e)
        ) from e
    except ssl.SSLCertVerificationError as e:
        raise _untrusted(at, e) from e
    except ssl.SSLError as e:
        raise MailboxError(
            f"{at}: TLS failed ({e.reason or e}) — check mailbox.security"
            ' ("tls" is usually port 993, "starttls" port 143)'
        ) from e
    except socket.gaierror as e:
        raise MailboxError(f"{at}: host name not found ({e.strerror}) — check mailbox.host") from e
    except TimeoutError as e:
        raise MailboxError(
            f"{at} did not answer within {mailbox.timeout:g} s"
            " — check mailbox.host, mailbox.port and the network"
        ) from e
    except ConnectionRefusedError as e:
        raise MailboxError(
            f"{at} refused the connection — is it running? check mailbox.host and mailbox.port"
        ) from e
    except (imaplib.IMAP4.abort, imap_errors.IMAPClientAbortError, ConnectionError, EOFError) as e:
        raise MailboxError(
            f"{at} closed the connection ({_reason(e)}) — the next poll will try again"
        ) from e
    except imap_errors.CapabilityError as e:
        raise _no_starttls(at, e) or MailboxError(
            f"{at} lacks a capability tinbai needs ({_reason(e)}) — check mailbox.security"
        ) from e
    except (imaplib.IMAP4.error, imap_errors.IMAPClientError, imap_errors.ProtocolError) as e:
        raise _no_starttls(at, e) or MailboxError(
            f"{at} answered with an error ({_reason(e)}) — check the mailbox settings"
        ) from e
    except OSError as e:
        raise MailboxError(f"{at}: {e.strerror or e} — check mailbox.host and the network") from e


def _untrusted(at: str, e: ssl.SSLCertVerificationError) -> MailboxError:
    """A certificate refused: for another name (fix the host), or from an unknown CA."""
    if e.verify_code in NAME_MISMATCH:
        return MailboxError(
            f"{at}: TLS certificate is for another name ({e.verify_message})"
            " — set mailbox.host to the name the server's certificate is issued for"
        )
    return MailboxError(
        f"{at}: TLS certificate not trusted ({e.verify_message})"
        " — set mailbox.ca_file to the server's CA"
    )


def _no_starttls(at: str, e: Exception) -> MailboxError | None:
    """STARTTLS not offered or refused (a server without it, or a stripping man in the
    middle): tinbai stopped before its login; say so and how to get TLS."""
    if "STARTTLS" not in str(e):
        return None
    fix = 'set mailbox.security = "tls" (port 993), or have STARTTLS enabled on the server'
    if isinstance(e, imap_errors.CapabilityError):
        return MailboxError(
            f"{at} does not offer STARTTLS (or something on the way removed it),"
            f" so tinbai sent no password — {fix}"
        )
    return MailboxError(f"{at} refused STARTTLS ({_reason(e)}), so tinbai sent no password — {fix}")


def _reason(error: BaseException) -> str:
    text = str(error).strip()
    for prefix in ("b'", 'b"'):
        if text.startswith(prefix) and text.endswith(text[1]):
            text = text[2:-1]
    return " ".join(text.split())[:200] or type(error).__name__


def _login(client: imapclient.IMAPClient, mailbox: MailboxSettings, password: str) -> None:
    """LOGIN; a non-ASCII user name or password goes as UTF-8 in AUTHENTICATE PLAIN (RFC 4616).

    imaplib sends LOGIN's arguments as ASCII: `Mật-khẩu` would be a UnicodeEncodeError.
    """
    if (mailbox.username + password).isascii():
        client.login(mailbox.username, password)
    elif b"AUTH=PLAIN" in client.capabilities():
        client.plain_login(mailbox.username, password)
    else:
        raise MailboxError(
            f"{where(mailbox)} does not offer AUTH=PLAIN, the only way to send a password"
            " with non-ASCII characters — use an ASCII password (or an app password)"
        )


def connect(
    mailbox: MailboxSettings, credentials: Credentials, counter: ByteCounter | None = None
) -> imapclient.IMAPClient:
    """A logged-in client; raise MailboxError (one line) on any failure."""
    port = mailbox.server_port
    with mailbox_errors(mailbox):
        client = imapclient.IMAPClient(
            mailbox.host,
            port=port,
            ssl=mailbox.security == "tls",
            ssl_context=tls_context(mailbox) if mailbox.security == "tls" else None,
            timeout=mailbox.timeout,
        )
        try:
            _quiet_imaplib(client)
            if counter is not None:
                counter.attach(client._imap)
            client.normalise_times = False  # aware INTERNALDATEs, not the machine's local time
            if mailbox.security == "starttls":
                client.starttls(tls_context(mailbox))
            if credentials.access_token:
                if b"AUTH=XOAUTH2" not in client.capabilities():
                    raise MailboxError(
                        f"{where(mailbox)} does not offer XOAUTH2 logins"
                        " — use password_env or password_file for this server"
                    )
                client.oauth2_login(mailbox.username, credentials.access_token)
            else:
                _login(client, mailbox, credentials.password or "")
        except BaseException:
            with contextlib.suppress(Exception):
                client.shutdown()
            raise
        log.debug("logged in to %s as %s", where(mailbox), mailbox.username)
        return client


def _quiet_imaplib(client: imapclient.IMAPClient) -> None:
    """Stop imaplib formatting debug text nobody reads.

    imapclient sets imaplib's debug level to 5 and sends its messages to the
    "imapclient.imaplib" logger; imaplib builds each message — a repr of every
    literal, of every whole FETCH answer — before the logger can drop it. On a first
    sync that was ~15 % of the time. Kept when that logger is asked for debug output.
    """
    if not logging.getLogger("imapclient.imaplib").isEnabledFor(logging.DEBUG):
        client._imap.debug = 0


def disconnect(client: imapclient.IMAPClient) -> None:
    """Log out politely; a connection already gone is not an error here."""
    try:
        client.logout()
    except Exception:  # noqa: BLE001 — the session is over either way
        with contextlib.suppress(Exception):
            client.shutdown()


FetchRequest = tuple[list[int], list[str]]  # (UIDs, what to fetch of each)


@dataclass
class Ticket:
    """One command sent by a `FetchPipeline`: its tag, its UIDs and, once read, its answer."""

    tag: str
    uids: list[int]
    name: str = "FETCH"
    answer: dict[int, dict[bytes, Any]] = field(default_factory=dict)
    error: imap_errors.IMAPClientError | None = None
    read: bool = False


class FetchPipeline:
    """UID FETCHes sent without waiting for the answers before them, read in order when wanted.

    RFC 3501 §5.5 lets a client send commands without waiting; a server answers them in
    order. Over a slow link that keeps the link busy: what is asked next is already on
    its way while the answer before is read. imapclient has no API for it, so this speaks
    through its imaplib connection as `IMAPClient.fetch` does.

    Inside ``with FetchPipeline(client)``, any other command on the client (a FETCH one by
    one, a NOOP, a STORE …) first reads every answer still outstanding, so the session
    stays in step and an answer is never taken for another's. Leaving it reads them too.
    Untagged FETCH answers are given to the FETCH whose UIDs they name (a server may run
    commands that do not conflict side by side); the UIDs of FETCHes outstanding together
    must not overlap. An answer that cannot be parsed fails its FETCH and every one sent
    after it (their lines may have been in it), each for the caller to ask again.
    """

    def __init__(self, client: imapclient.IMAPClient) -> None:
        self.client = client
        self._imap = client._imap
        self._queue: deque[Ticket] = deque()
        self._spare: dict[int, dict[bytes, Any]] = {}  # answers for a FETCH not read yet
        self._own = self._imap._command

    def __enter__(self) -> FetchPipeline:
        self._had = "_command" in vars(self._imap)

        def guarded(*args: Any) -> Any:
            self.drain()
            return self._own(*args)

        self._imap._command = guarded
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self.drain()
            else:  # the session may be gone: what broke it is the error to report
                with contextlib.suppress(Exception):
                    self.drain()
        finally:
            if self._had:
                self._imap._command = self._own
            else:
                del self._imap._command

    def send(self, uids: list[int], wanted: list[str]) -> Ticket:
        tag = self._own(
            "UID",
            "FETCH",
            imapclient.imapclient.join_message_ids(uids),
            imapclient.imapclient.seq_to_parenstr_upper(wanted),
        )
        ticket = Ticket(tag, list(uids))
        self._queue.append(ticket)
        return ticket

    def send_command(self, *args: str | bytes) -> Ticket:
        """Another command sent without waiting (``"UID", "STORE", …``, ``"UID", "MOVE", …``):
        its answer is read in turn, after those sent before it; `result` raises if it failed."""
        name = args[1] if args[0] == "UID" else args[0]
        ticket = Ticket(self._own(*args), [], name if isinstance(name, str) else name.decode())
        self._queue.append(ticket)
        return ticket

    def result(self, ticket: Ticket) -> dict[int, dict[bytes, Any]]:
        """The answer of ``ticket`` (read after all sent before it); a NO or BAD raises."""
        while not ticket.read:
            self._read_next()
        if ticket.error is not None:
            raise ticket.error
        return ticket.answer

    def drain(self) -> None:
        """Read every answer still outstanding."""
        while self._queue:
            self._read_next()

    def _read_next(self) -> None:
        ticket = self._queue.popleft()
        ticket.read = True
        imap = self._imap
        try:
            typ, data = imap._command_complete(ticket.name, ticket.tag)
            if typ != "OK":
                ticket.error = imap_errors.IMAPClientError(
                    f"{ticket.name.lower()} failed: {data!r}"
                )
        except imap_errors.IMAPClientAbortError:
            raise
        except imap_errors.IMAPClientError as e:
            ticket.error = e
        _, lines = imap._untagged_response("OK", [None], "FETCH")
        try:
            answer = parse_fetch_response(lines, self.client.normalise_times, self.client.use_uid)
        except imap_errors.IMAPClientError as e:
            ticket.error = ticket.error or e
            for later in self._queue:
                later.error = later.error or e
            return
        for uid, data in answer.items():
            self._spare.setdefault(uid, {}).update(data)
        wanted = set(ticket.uids)
        for uid in [u for u in self._spare if u in wanted]:
            ticket.answer[uid] = self._spare.pop(uid)


def fetch_pipelined(
    client: imapclient.IMAPClient, requests: list[FetchRequest]
) -> list[dict[int, dict[bytes, Any]]]:
    """Several UID FETCHes sent at once, then their answers read: one round trip, not one each.

    Every answer is read before anything is raised, so the session stays in step; the
    answers come back per request, like ``client.fetch``'s. A NO or BAD for any of them
    raises `IMAPClientError` (the caller may ask again one by one).
    """
    with FetchPipeline(client) as pipeline:
        tickets = [pipeline.send(uids, wanted) for uids, wanted in requests]
        pipeline.drain()
    for ticket in tickets:
        if ticket.error is not None:
            raise ticket.error
    return [ticket.answer for ticket in tickets]
