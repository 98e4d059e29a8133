"""A folder of thumbnails kept under a size: the least recently used go first.

IMAP mail's thumbnails are made when a message page is first opened (`ingest.revisit`)
and kept here, so the next look costs no IMAP session. One file per image, named by a
hash of where the message is (account, folder, UIDVALIDITY, UID) and the part; a file's
modification time is its last use. Several processes may share the folder: every write
is a rename, and a file that vanished under us is simply a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from classify.message import Mark

log = logging.getLogger(__name__)


class ThumbnailCache:
    def __init__(self, folder: Path, max_bytes: int) -> None:
        self.folder = folder
        self.max_bytes = max_bytes

    @staticmethod
    def key(mark: Mark, part: str) -> str:
        where = "\0".join(map(str, (mark.account, mark.folder, mark.uidvalidity, mark.uid, part)))
        return hashlib.sha256(where.encode()).hexdigest()[:32]

    def _path(self, mark: Mark, part: str) -> Path:
        return self.folder / f"{self.key(mark, part)}.jpg"

    def get(self, mark: Mark, part: str) -> bytes | None:
        path = self._path(mark, part)
        try:
            data = path.read_bytes()
            os.utime(path)  # used now: the last to be evicted
        except OSError:
            return None
        return data

    def has(self, mark: Mark, part: str) -> bool:
        return self._path(mark, part).exists()

    def put(self, mark: Mark, part: str, data: bytes) -> None:
        """Keep a thumbnail, then evict the least recently used past the size bound."""
        if len(data) > self.max_bytes:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            Path(tmp).replace(self._path(mark, part))
        except OSError as e:  # a full disk or a read-only folder: the page shows no picture
            log.warning("thumbnail cache %s: cannot write (%s)", self.folder, e.strerror)
            return
        self.evict()

    def evict(self) -> None:
        entries: list[tuple[float, int, Path]] = []
        for path in self.folder.glob("*.jpg"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
            total -= size

    def total_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.folder.glob("*.jpg"))
