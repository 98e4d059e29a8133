"""Read a stored message's images again, by UID, to show them: read-only, never `\\Seen`.

The poll keeps only what counting needs (a photo's first kilobytes); the message page
wants to show the photos, so their parts are fetched when a person opens the page —
with the folder EXAMINEd (read-only) and `BODY.PEEK`, which leave every flag alone.
A message whose folder's UIDVALIDITY changed, or whose UID is no longer there, is gone:
the answer says which, and the page says so.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from classify.message import Mark
from ingest.structure import Leaf, StructureError, leaves
from ingest.thumbnails import part_thumbnails

log = logging.getLogger(__name__)

Gone = Literal["uidvalidity", "expunged"]


@dataclass(frozen=True)
class Revisited:
    thumbnails: dict[str, bytes] = field(default_factory=dict)  # by part path
    gone: Gone | None = None
    too_big: tuple[str, ...] = ()  # parts over the size limit: not fetched


def _leaf_path(path: str) -> str:
    """The server's part that holds ``path``: "3" for "3/2" (in a .zip), "1" for "1#img2"."""
    return re.split(r"[/#]", path, maxsplit=1)[0]


def fetch_thumbnails(client: Any, mark: Mark, paths: Sequence[str], *, max_bytes: int) -> Revisited:
    """Thumbnails of the images at ``paths`` of the message at ``mark``, fetched read-only.

    One EXAMINE, one FETCH of the BODYSTRUCTURE, one FETCH of the parts that hold the
    images (each whole, below ``max_bytes``).
    """
    selected = client.select_folder(mark.folder, readonly=True)
    if int(selected.get(b"UIDVALIDITY", -1)) != mark.uidvalidity:
        log.info(
            "%s/%s: UIDVALIDITY changed: message %s is gone", mark.account, mark.folder, mark.uid
        )
        return Revisited(gone="uidvalidity")
    answer = client.fetch([mark.uid], ["BODYSTRUCTURE"]).get(mark.uid, {})
    if b"BODYSTRUCTURE" not in answer:
        log.info("%s/%s: UID %s is no longer there", mark.account, mark.folder, mark.uid)
        return Revisited(gone="expunged")
    try:
        by_path = {leaf.path: leaf for leaf in leaves(answer[b"BODYSTRUCTURE"])}
    except StructureError as e:
        log.warning("%s/%s UID %s: %s: no thumbnails", mark.account, mark.folder, mark.uid, e)
        return Revisited()
    wanted: dict[str, Leaf] = {}
    too_big: list[str] = []
    for path in paths:
        leaf = by_path.get(_leaf_path(path))
        if leaf is None:
            continue
        if leaf.encoded_size > max_bytes:
            too_big.append(path)
        else:
            wanted[leaf.path] = leaf
    if not wanted:
        return Revisited(too_big=tuple(too_big))
    parts = client.fetch([mark.uid], [f"BODY.PEEK[{p}]" for p in wanted]).get(mark.uid, {})
    found: dict[str, bytes] = {}
    for path, leaf in wanted.items():
        data = parts.get(f"BODY[{path}]".encode())
        if isinstance(data, bytes):
            found.update(part_thumbnails(path, leaf.mime_header(), data))
    return Revisited({p: t for p, t in found.items() if p in paths}, too_big=tuple(too_big))
