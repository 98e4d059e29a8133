"""The errors of reading mail: the mailbox failed, or a message file could not be read."""

from __future__ import annotations

from classify.errors import TinbaiError


class MailboxError(TinbaiError):
    """The IMAP mailbox cannot be reached or read."""


class ParseError(TinbaiError):
    """A message is unreadable even by a forgiving parser."""
