"""The web admin's words, in Vietnamese (default) and English (`language = "en"`).

The words live in `texts`; this gives the templates their short names (``t.login``,
``t["status_" + row.status]``).
"""

from __future__ import annotations

from collections.abc import Mapping

from texts import view

# catalogue prefix -> the web admin's name for it (``status.counted`` is ``status_counted``)
_NAMES = (
    ("kind.", ""),
    ("plan.", ""),
    ("status.", "status_"),
    ("content.", "content_"),
    ("web.", ""),
)


def words(language: str) -> Mapping[str, str]:
    return view(language, _NAMES)
