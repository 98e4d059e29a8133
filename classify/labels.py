"""The code of a message's outcome, which the editor reads as a label in their language.

A rule's note is written for whoever debugs it; the label of its code (`texts.outcome_label`,
words in `texts/`) is what the digest and `tinbai explain` show beside it. The code is the
deciding rule's name, and stored reasons start with it ("bounce: sent by mailer-daemon"),
so `code_of` recovers it.
"""

from __future__ import annotations

# Every outcome a person is shown a label for; `texts` names each as ``outcome.<code>``.
OUTCOME_CODES: tuple[str, ...] = (
    "counted",
    "bounce",
    "auto-reply",
    "invitation",
    "spoofed",
    "not-addressed",
    "outside-period",
    "revision",
    "empty",
    "needs-review",
    "failed",
)


def code_of(status: str, reason: str) -> str:
    """The outcome's code from a stored status and reason."""
    if status in ("counted", "failed"):
        return status
    if status == "needs-review":
        return "needs-review"
    head = reason.split(":", 1)[0].strip()
    if head == "nothing-found":
        return "empty"
    return head if head in OUTCOME_CODES else status
