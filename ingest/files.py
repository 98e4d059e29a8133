"""Messages from files: single .eml files, mbox files, or folders of them."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ingest.errors import ParseError


@dataclass(frozen=True)
class RawMessage:
    origin: str  # "path" or "path#N" for the Nth message of an mbox
    raw: bytes


def _is_mbox(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(5) == b"From "


def read_messages(path: Path) -> Iterator[RawMessage]:
    """Yield each raw message held by ``path``; raise ParseError if it cannot be read."""
    try:
        if path.is_dir():
            for child in sorted(p for p in path.iterdir() if p.suffix.lower() in {".eml", ".mbox"}):
                yield from read_messages(child)
            return
        if _is_mbox(path):
            box = mailbox.mbox(path, create=False)
            try:
                for i, key in enumerate(box.iterkeys(), 1):
                    yield RawMessage(f"{path}#{i}", box.get_bytes(key))
            finally:
                box.close()
            return
        yield RawMessage(str(path), path.read_bytes())
    except FileNotFoundError as e:
        raise ParseError(f"{path}: no such file — check the path") from e
    except IsADirectoryError as e:  # pragma: no cover — handled above
        raise ParseError(f"{path}: is a folder") from e
    except OSError as e:
        raise ParseError(f"{path}: cannot read it ({e.strerror}) — check its permissions") from e
