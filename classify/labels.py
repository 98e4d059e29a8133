"""The code of a message's outcome, which the editor reads as a label in their language.

The label of the outcome's code (`texts.outcome_label`, words in `texts/`) is what the web
admin, the digest and `tinbai explain` show beside the reason. The code is the deciding
rule's name, and a stored reason's code starts with it (``bounce.sender``), so `code_of`
recovers it; a reason stored as a sentence before codes starts with it too
("bounce: sent by mailer-daemon").
"""

from __future__ import annotations

from classify.reasons import LEGACY, Reason

# Every outcome a person is shown a label for; `texts` names each as ``outcome.<code>``.
OUTCOME_CODES: tuple[str, ...] = (
    "counted",
    "bounce",
    "reply-to-tinbai",
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


def code_of(status: str, reason: Reason) -> str:
    """The outcome's code from a stored status and reason."""
    if status in ("counted", "failed"):
        return status
    if status == "needs-review":
        # Possible spoofing waits for the editor under its own label.
        return "spoofed" if reason.code.startswith("spoofed.") else "needs-review"
    if reason.code == LEGACY:
        head = str(reason.params.get("text", "")).split(":", 1)[0].strip()
    else:
        head = reason.code.split(".", 1)[0]
    if head == "nothing-found":
        return "empty"
    return head if head in OUTCOME_CODES else status
