"""Wire the IMAP poller to the store and the classifier: one poll of the configured mailbox.

Used by `tinbai poll` (log in, poll, log out) and by the service's scheduled job,
which keeps one logged-in session between polls (`MailboxSession`): an idle poll is
then one NOOP, whatever the mailbox's size. A file lock next to the config makes
sure two tinbai processes never poll the same mailbox at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import imaplib
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import imapclient
from filelock import FileLock, Timeout

from classify import Classification, ClassifyContext, Mark, ParsedMessage
from classify.crash import crash_point
from classify.reasons import Reason
from ingest import oauth2
from ingest.imap import (
    ByteCounter,
    Credentials,
    LoginRefused,
    Untagged,
    connect,
    disconnect,
    mailbox_errors,
)
from ingest.poller import Poller, PollStats, Progress, Selection
from ingest.settings import MailboxSettings, account_name
from store import Store
from store.mailbox_state import (
    acted_mark,
    known_messages,
    record_seen_again,
    save_acted_mark,
    save_folder_state,
)
from tinbai.app import App
from tinbai.config import MailboxConfig, mailbox_config, mailbox_settings, read_secret
from tinbai.errors import MailboxError
from tinbai.pipeline import classify_context, submit
from tinbai.receipt_queue import receipt_addresses

log = logging.getLogger(__name__)


class PollBusy(MailboxError):
    """Another tinbai process holds the mailbox's poll lock: not a failure of the mailbox."""


@dataclass
class StoreLedger:
    """The poller's `Ledger` over the store: every write shares a transaction with the mark.

    Inside `batch()` the writes of a whole batch are one transaction, and the folder's
    mark is written once, at its end, with the highest mark of the batch.
    """

    app: App
    store: Store
    ctx: ClassifyContext
    _in_batch: bool = field(default=False, init=False)
    _deferred: Mark | None = field(default=None, init=False)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        with self.store.transaction():
            self._in_batch, self._deferred = True, None
            try:
                yield
                if self._deferred is not None:
                    save_folder_state(self.store, self._deferred, self.app.now())
                crash_point("poll.before-commit")
            finally:
                self._in_batch, self._deferred = False, None

    def _advance(self, mark: Mark) -> Mark | None:
        """The mark to write with this message now, or None when the batch writes it at its end."""
        if not self._in_batch:
            return mark
        last = self._deferred
        if last is not None and (last.folder, last.uidvalidity) != (mark.folder, mark.uidvalidity):
            save_folder_state(self.store, last, self.app.now())  # another folder's mark
            last = None
        if last is None or mark.uid > last.uid:
            self._deferred = mark
        return None

    def high_water(self, account: str, folder: str) -> tuple[int, int] | None:
        state = self.store.folder_state(account, folder)
        return None if state is None else (state.uidvalidity, state.uid)

    def set_high_water(self, mark: Mark) -> None:
        advance = self._advance(mark)
        if advance is not None:
            save_folder_state(self.store, advance, self.app.now())

    def acted(self, account: str, folder: str) -> tuple[int, int] | None:
        return acted_mark(self.store, account, folder)

    def set_acted(self, mark: Mark) -> None:
        save_acted_mark(self.store, mark)

    def known(self, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
        return known_messages(self.store, identities)

    def seen_again(self, message_pk: int, mark: Mark) -> None:
        record_seen_again(self.store, message_pk, mark, self._advance(mark), self.app.now())

    def submit(
        self, parsed: ParsedMessage, mark: Mark, failed: str | None = None
    ) -> tuple[bool, Classification]:
        advance = self._advance(mark)
        if failed is not None:
            # ingest's own words for what went wrong: technical, kept as they are
            result = Classification("failed", (), Reason("failed.unreadable", {"error": failed}))
            outcome = self.store.record(
                parsed,
                result,
                source="imap",
                location=mark,
                advance=advance,
                now=self.app.now(),
            )
            return outcome.created, result
        done = submit(
            parsed,
            store=self.store,
            ctx=self.ctx,
            source="imap",
            now=self.app.now(),
            location=mark,
            advance=advance,
            receipts=receipt_addresses(self.app.config),
        )
        return done.outcome.created, done.classification


def account_of(mailbox: MailboxConfig | MailboxSettings) -> str:
    return account_name(mailbox.username, mailbox.host)


def credentials(app: App, mailbox: MailboxSettings, refused: str | None = None) -> Credentials:
    """Read the secret only now, when the mailbox is about to be used.

    ``refused``: an OAuth2 access token the server just turned down, to be replaced.
    """
    if mailbox.oauth_token_file:
        token = oauth2.current_token(
            mailbox.oauth_token_file,
            now=app.now().timestamp(),
            timeout=mailbox.timeout,
            refused=refused,
        )
        return Credentials(
            access_token=token.value, refresh_at=token.refresh_at, refreshed=token.refreshed
        )
    # the secret's names stay with the config, not in ingest
    section = mailbox_config(app.config, mailbox.name)
    return Credentials(
        password=read_secret(
            _secret_label(app, mailbox.name),
            section.password_env,
            section.password_file,
            app.config.base_dir,
        )
    )


def _secret_label(app: App, name: str) -> str:
    return "mailbox" if app.config.model.mailbox is not None else f"mailboxes.{name}"


def login(
    app: App, mailbox: MailboxSettings, counter: ByteCounter
) -> tuple[imapclient.IMAPClient, Credentials]:
    """A logged-in client and the credentials it used.

    An OAuth2 access token can die before its time (the provider revoked it, a clock is
    off): when the server refuses one, it is refreshed and tried once more. A token
    refused right after its refresh is the provider's or the account's problem, and
    the one-line reason says so.
    """
    creds = credentials(app, mailbox)
    try:
        return connect(mailbox, creds, counter), creds
    except LoginRefused as e:
        if creds.access_token is None or creds.refreshed:
            raise
        log.info(
            "%s: the server refused the OAuth2 access token (%s): refreshing it once",
            account_of(mailbox),
            e.reason,
        )
    again = credentials(app, mailbox, refused=creds.access_token)
    return connect(mailbox, again, counter), again


def lock_path(app: App, mailbox: MailboxSettings) -> Path:
    digest = hashlib.sha256(account_of(mailbox).encode()).hexdigest()[:12]
    return app.config.base_dir / f".tinbai-poll-{digest}.lock"


# What a kept session meets when the server has gone (BYE, restart, timeout, reset), or
# any answer that puts it in doubt: worth one new login on the same poll.
BROKEN = (imaplib.IMAP4.error, OSError, EOFError)

# Servers may log out a session idle for 30 minutes (RFC 3501 §5.4): past this, log in
# again rather than find out. And a session is not kept for ever (tokens, server restarts).
MAX_IDLE = 25 * 60.0
MAX_AGE = 45 * 60.0
LOGOUT_TIMEOUT = 5.0  # seconds for an old session's LOGOUT before it is simply dropped


class MailboxSession:
    """The service's logged-in IMAP session, kept between scheduled polls.

    It owns the client, the byte counter and what the server has selected; it is
    used only under the poll lock, by one poll at a time. A session idle past
    `MAX_IDLE`, older than `MAX_AGE`, or whose OAuth2 token is due for a refresh is
    replaced by a new login before it is used.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.client: imapclient.IMAPClient | None = None
        self.counter = ByteCounter()  # one for the session's life: polls count their share
        self.heard = Untagged()  # what the server said since the selected folder was read
        self.selection: Selection | None = None
        self.logins = 0
        self._opened = self._used = 0.0
        self._refresh_at: float | None = None  # on `clock`'s scale
        self._guard = threading.Lock()  # close() from the service's stop, beside a poll

    def open(self, app: App, mailbox: MailboxSettings) -> tuple[imapclient.IMAPClient, bool]:
        """The kept client, or a new login; True when it is new (this poll's own)."""
        if self.client is not None and self._stale():
            log.info("the kept IMAP session is old or idle too long: logging in again")
            with contextlib.suppress(Exception):  # a link dropped in silence: do not wait long
                self.client.socket().settimeout(min(mailbox.timeout, LOGOUT_TIMEOUT))
            self.close()
        if self.client is not None:
            return self.client, False
        self.client, creds = login(app, mailbox, self.counter)
        self.heard.attach(self.client._imap)
        self.heard.clear()
        self.logins += 1
        self._opened = self._used = self.clock()
        self._refresh_at = (
            None
            if creds.refresh_at is None
            else self._opened + creds.refresh_at - app.now().timestamp()
        )
        return self.client, True

    def _stale(self) -> bool:
        now = self.clock()
        if self._refresh_at is not None and now >= self._refresh_at:
            return True
        return now - self._used > MAX_IDLE or now - self._opened > MAX_AGE

    def used(self, selection: Selection | None) -> None:
        """A poll ended well on the session: remember when, and what is selected."""
        self._used = self.clock()
        self.selection = selection

    def drop(self) -> None:
        """Forget a session in doubt or broken, without waiting on it."""
        with self._guard:
            client, self.client, self.selection = self.client, None, None
        if client is not None:
            with contextlib.suppress(Exception):
                client.shutdown()

    def close(self) -> None:
        """Log out (the service stops, or the session is too old to trust)."""
        with self._guard:
            client, self.client, self.selection = self.client, None, None
        if client is not None:
            disconnect(client)


def poll_once(
    app: App,
    progress: Progress | None = None,
    *,
    wait: float = 0,
    session: MailboxSession | None = None,
    mailbox_name: str | None = None,
) -> PollStats:
    """Poll every configured folder once; raise MailboxError (one line) if the mailbox fails.

    Without a ``session``: log in, poll, log out. With one: poll on it, logging in
    only when it has none or it cannot be trusted; if it broke since the last poll,
    log in again once on this poll. It is left open for the next. ``mailbox_name``: which
    of several configured mailboxes (with one, it may be left out).
    """
    mailbox = mailbox_settings(app.config, mailbox_name)
    lock = FileLock(lock_path(app, mailbox))
    try:
        lock.acquire(timeout=wait)
    except Timeout as e:
        raise PollBusy(
            f"another tinbai process is polling {account_of(mailbox)} right now"
            " — let it finish, then try again"
        ) from e
    except OSError as e:
        raise MailboxError(
            f"cannot create the poll lock {lock.lock_file} ({e.strerror}) — make the config file's folder writable"
        ) from e
    try:
        if session is not None:
            return _poll_kept(app, mailbox, progress, session)
        return _poll_locked(app, mailbox, progress)
    finally:
        lock.release()


def _poll_locked(app: App, mailbox: MailboxSettings, progress: Progress | None) -> PollStats:
    ledger = StoreLedger(app, app.store, classify_context(app.config, mailbox.name))
    counter = ByteCounter()
    client, _ = login(app, mailbox, counter)
    poller = Poller(client, mailbox, ledger, progress=progress)
    try:
        with mailbox_errors(mailbox):
            poller.poll()
    finally:
        disconnect(client)
        poller.stats.bytes_fetched = counter.received
    return poller.stats


def _poll_kept(
    app: App, mailbox: MailboxSettings, progress: Progress | None, session: MailboxSession
) -> PollStats:
    ledger = StoreLedger(app, app.store, classify_context(app.config, mailbox.name))
    before = session.counter.received
    stats = PollStats()
    try:
        with mailbox_errors(mailbox):
            client, new = session.open(app, mailbox)
            poller = Poller(
                client,
                mailbox,
                ledger,
                progress=progress,
                heard=session.heard,
                selection=session.selection,
            )
            stats = poller.stats
            try:
                poller.poll()
            except BROKEN as e:
                if new:
                    raise
                # Gone since the last poll (or just now): once more on a new login. What the
                # broken try committed stays committed; the new one resumes after it.
                log.info("the kept IMAP session broke (%s): logging in again", e)
                session.drop()
                client, _ = session.open(app, mailbox)
                poller.client, poller.selection = client, None
                stats.folders = 0
                poller.poll()
    except BaseException:
        session.drop()
        raise
    finally:
        stats.bytes_fetched = session.counter.received - before
    session.used(poller.selection)
    return stats
