"""Wire the IMAP poller to the store and the classifier: one poll of the configured mailbox.

Used by `tinbai poll` and by the service's scheduled job. A file lock next to
the config makes sure two tinbai processes never poll the same mailbox at once.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from filelock import FileLock, Timeout

from classify import Classification, ClassifyContext, ParsedMessage
from ingest import oauth2
from ingest.imap import ByteCounter, Credentials, connect, disconnect, mailbox_errors
from ingest.poller import Mark, Poller, PollStats, Progress
from store import FolderState, Location, Store
from store.mailbox_state import known_messages, record_seen_again, save_folder_state
from tinbai.app import App
from tinbai.config import MailboxConfig, read_secret
from tinbai.errors import ConfigError, MailboxError
from tinbai.pipeline import classify_context, submit

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
                    save_folder_state(self.store, _state(self._deferred), self.app.now())
            finally:
                self._in_batch, self._deferred = False, None

    def _advance(self, mark: Mark) -> FolderState | None:
        """The mark to write with this message now, or None when the batch writes it at its end."""
        if not self._in_batch:
            return _state(mark)
        last = self._deferred
        if last is not None and (last.folder, last.uidvalidity) != (mark.folder, mark.uidvalidity):
            save_folder_state(self.store, _state(last), self.app.now())  # another folder's mark
            last = None
        if last is None or mark.uid > last.uid:
            self._deferred = mark
        return None

    def high_water(self, account: str, folder: str) -> tuple[int, int] | None:
        state = self.store.folder_state(account, folder)
        return None if state is None else (state.uidvalidity, state.highest_uid)

    def set_high_water(self, mark: Mark) -> None:
        advance = self._advance(mark)
        if advance is not None:
            save_folder_state(self.store, advance, self.app.now())

    def known(self, identities: Sequence[tuple[str | None, str]]) -> list[int | None]:
        return known_messages(self.store, identities)

    def seen_again(self, message_pk: int, mark: Mark) -> None:
        record_seen_again(
            self.store, message_pk, _location(mark), self._advance(mark), self.app.now()
        )

    def submit(
        self, parsed: ParsedMessage, mark: Mark, failed: str | None = None
    ) -> tuple[bool, Classification]:
        advance = self._advance(mark)
        if failed is not None:
            result = Classification("failed", (), failed)
            outcome = self.store.record(
                parsed,
                result,
                source="imap",
                location=_location(mark),
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
            location=_location(mark),
            advance=advance,
        )
        return done.outcome.created, done.classification


def _location(mark: Mark) -> Location:
    return Location(mark.account, mark.folder, mark.uidvalidity, mark.uid)


def _state(mark: Mark) -> FolderState:
    return FolderState(mark.account, mark.folder, mark.uidvalidity, mark.uid)


def mailbox_config(app: App) -> MailboxConfig:
    mailbox = app.config.model.mailbox
    if mailbox is None:
        raise ConfigError(
            f"{app.config.path}: no [mailbox] section — add one to poll IMAP (docs/ingest.md)"
        )
    return mailbox


def account_of(mailbox: MailboxConfig) -> str:
    return f"{mailbox.username}@{mailbox.host}"


def credentials(app: App, mailbox: MailboxConfig) -> Credentials:
    """Read the secret only now, when the mailbox is about to be used."""
    if mailbox.oauth_token_file:
        path = mailbox.oauth_token_file
        path = path if path.is_absolute() else app.config.base_dir / path
        return Credentials(
            access_token=oauth2.access_token(path, now=time.time(), timeout=mailbox.timeout)
        )
    return Credentials(
        password=read_secret(
            "mailbox", mailbox.password_env, mailbox.password_file, app.config.base_dir
        )
    )


def lock_path(app: App, mailbox: MailboxConfig) -> Path:
    digest = hashlib.sha256(account_of(mailbox).encode()).hexdigest()[:12]
    return app.config.base_dir / f".tinbai-poll-{digest}.lock"


def poll_once(app: App, progress: Progress | None = None, *, wait: float = 0) -> PollStats:
    """Poll every configured folder once; raise MailboxError (one line) if the mailbox fails."""
    mailbox = mailbox_config(app)
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
        return _poll_locked(app, mailbox, progress)
    finally:
        lock.release()


def _poll_locked(app: App, mailbox: MailboxConfig, progress: Progress | None) -> PollStats:
    creds = credentials(app, mailbox)
    ledger = StoreLedger(app, app.store, classify_context(app.config))
    counter = ByteCounter()
    client = connect(mailbox, creds, counter)
    poller = Poller(client, mailbox, ledger, account=account_of(mailbox), progress=progress)
    try:
        with mailbox_errors(mailbox):
            poller.poll()
    finally:
        disconnect(client)
        poller.stats.bytes_fetched = counter.received
    return poller.stats
