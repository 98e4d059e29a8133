"""Links to files kept in the cloud (Google Drive, OneDrive, Dropbox, Zalo): sent instead of files.

A unit with photos too big for mail often sends a share link instead. tinbai cannot open
it (it would need the unit's sign-in, and it reads mail only), so such a message goes to
review with its links listed, rather than silently counting no photos. `CLOUD_HOSTS` is the
one list of these services; ingest keeps such a link's target when it turns HTML into text.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from classify.context import ClassifyContext, Verdict
from classify.message import Item, ParsedMessage
from classify.reasons import Reason
from classify.tags import is_forward
from classify.text import own_text

# A host is a cloud store when it is one of these or ends with "." + one of these.
CLOUD_HOSTS: tuple[str, ...] = (
    "drive.google.com",
    "docs.google.com",
    "photos.google.com",
    "photos.app.goo.gl",
    "onedrive.live.com",
    "1drv.ms",
    "sharepoint.com",
    "dropbox.com",
    "db.tt",
    "dropboxusercontent.com",
    "zalo.me",
    "zaloapp.com",
)
MAX_LINKS = 20  # listed for the editor; more are counted, not listed
MAX_LINK_CHARS = 300
# Bounded: a URL is one run of non-space characters, at most a few thousand long.
_URL = re.compile(
    r"(?i)\b(?:https?://)?((?:[a-z0-9-]{1,63}\.){1,10}[a-z]{2,24})(/[^\s<>\"')\]]{0,2000})?"
)


def links_of(reason: Reason) -> tuple[str, ...]:
    """The cloud links a stored reason lists (inside joined reasons too), for a page to link."""
    if reason.code == "cloud-links.found":
        return cloud_links(str(reason.params.get("links", "")).replace("; ", "\n"))
    found: list[str] = []
    for value in reason.params.values():
        for inner in value if isinstance(value, tuple) else (value,):
            if isinstance(inner, Reason):
                found.extend(links_of(inner))
    return tuple(dict.fromkeys(found))


def is_cloud_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == h or host.endswith("." + h) for h in CLOUD_HOSTS)


def cloud_links(text: str) -> tuple[str, ...]:
    """The cloud links in ``text``, each once, in order of appearance."""
    found: dict[str, None] = {}
    for match in _URL.finditer(text):
        host, path = match.group(1), match.group(2) or ""
        if not is_cloud_host(host) or not path.strip("/"):
            continue  # a bare "dropbox.com" in a sentence is no link to a file
        link = match.group(0)
        if not link.lower().startswith(("http://", "https://")):
            link = "https://" + link
        found.setdefault(link.rstrip(".,;:")[:MAX_LINK_CHARS], None)
    return tuple(found)


def sent_links(message: ParsedMessage) -> tuple[str, ...]:
    """The cloud links the sender wrote (all of a forward's; not those quoted in a reply)."""
    return cloud_links(message.text if is_forward(message.subject) else own_text(message.text))


class CloudLinks:
    name = "cloud-links"
    description = (
        "Links to Google Drive, OneDrive, Dropbox or Zalo instead of files: the message"
        " goes to review with the links listed, whatever else it counts."
    )

    def apply(self, message: ParsedMessage, ctx: ClassifyContext, found: Sequence[Item]) -> Verdict:
        links = sent_links(message)
        if not links:
            return Verdict(False)
        shown = "; ".join(links[:MAX_LINKS])
        if len(links) > MAX_LINKS:
            shown += f"; … (+{len(links) - MAX_LINKS})"
        why = Reason("cloud-links.found", {"links": shown})
        if found:
            return Verdict(True, why, review=why)
        return Verdict(True, why, status="needs-review", code="needs-review")
