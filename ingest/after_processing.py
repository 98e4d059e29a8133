"""What the poller does to a batch of messages once their count is committed.

`mailbox.after_processing` names one action, chosen once per poll (`action_for`):
leave the mail alone (the default: the folder is then opened read-only), mark it
seen, or move it to another folder.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import imapclient
from imapclient.imapclient import join_message_ids


class AfterProcessing(Protocol):
    @property
    def name(self) -> str:
        """The setting's own words: "none", "mark-seen", "move:FOLDER"."""
        ...

    @property
    def readonly(self) -> bool:
        """True: the folder can be opened read-only (EXAMINE)."""
        ...

    def apply(self, client: imapclient.IMAPClient, uids: list[int]) -> None:
        """Act on the committed ``uids`` of the selected folder."""
        ...

    def command(
        self, client: imapclient.IMAPClient, uids: list[int]
    ) -> tuple[str | bytes, ...] | None:
        """The action as one command that may be sent without waiting (`FetchPipeline`),
        or None: it is done by `apply`."""
        ...


@dataclass(frozen=True)
class LeaveAlone:
    name: str = "none"
    readonly: bool = True

    def apply(self, client: imapclient.IMAPClient, uids: list[int]) -> None:
        return None

    def command(
        self, client: imapclient.IMAPClient, uids: list[int]
    ) -> tuple[str | bytes, ...] | None:
        return None


@dataclass(frozen=True)
class MarkSeen:
    name: str = "mark-seen"
    readonly: bool = False

    def apply(self, client: imapclient.IMAPClient, uids: list[int]) -> None:
        client.add_flags(uids, [imapclient.SEEN])

    def command(
        self, client: imapclient.IMAPClient, uids: list[int]
    ) -> tuple[str | bytes, ...] | None:
        return ("UID", "STORE", join_message_ids(uids), "+FLAGS.SILENT", "(\\Seen)")


@dataclass(frozen=True)
class MoveTo:
    folder: str
    readonly: bool = False

    @property
    def name(self) -> str:
        return f"move:{self.folder}"

    def apply(self, client: imapclient.IMAPClient, uids: list[int]) -> None:
        if b"MOVE" in client.capabilities():
            client.move(uids, self.folder)
        else:
            client.copy(uids, self.folder)
            client.delete_messages(uids)
            client.uid_expunge(uids)

    def command(
        self, client: imapclient.IMAPClient, uids: list[int]
    ) -> tuple[str | bytes, ...] | None:
        if b"MOVE" not in client.capabilities():
            return None  # COPY, STORE and EXPUNGE, one after the other (`apply`)
        return ("UID", "MOVE", join_message_ids(uids), client._normalise_folder(self.folder))


def action_for(setting: str) -> AfterProcessing:
    """The action a `mailbox.after_processing` value names (the config has checked its form)."""
    if setting == "none":
        return LeaveAlone()
    if setting == "mark-seen":
        return MarkSeen()
    if setting.startswith("move:"):
        return MoveTo(setting.removeprefix("move:"))
    raise ValueError(f"unknown after_processing {setting!r}")
