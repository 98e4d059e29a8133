"""What each outcome is called, in Vietnamese (default) and English, for the editor's eyes.

A rule's note is written for whoever debugs it; the label of its code is what the
digest and `tinbai explain` show beside it. The code is the deciding rule's name, and
stored reasons start with it ("bounce: sent by mailer-daemon"), so `code_of` recovers it.
"""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "counted": "Đã đếm",
        "bounce": "Thư báo lỗi gửi thư",
        "auto-reply": "Thư trả lời tự động",
        "invitation": "Thư mời họp",
        "spoofed": "Người gửi bị giả mạo",
        "not-addressed": "Không gửi tới địa chỉ nhận tin bài",
        "outside-period": "Ngoài thời gian kế hoạch",
        "revision": "Thư trả lời, không có gì mới",
        "empty": "Thư trống",
        "needs-review": "Cần biên tập viên xem lại",
        "failed": "Không xử lý được",
    },
    "en": {
        "counted": "Counted",
        "bounce": "Delivery failure report",
        "auto-reply": "Automatic reply",
        "invitation": "Calendar invitation",
        "spoofed": "Forged sender",
        "not-addressed": "Not sent to the collection address",
        "outside-period": "Outside the plan's period",
        "revision": "A reply with nothing new",
        "empty": "Empty message",
        "needs-review": "Needs the editor's review",
        "failed": "Could not be processed",
    },
}


def code_of(status: str, reason: str) -> str:
    """The outcome's code from a stored status and reason."""
    if status in ("counted", "failed"):
        return status
    if status == "needs-review":
        return "needs-review"
    head = reason.split(":", 1)[0].strip()
    if head == "nothing-found":
        return "empty"
    return head if head in LABELS["en"] else status


def label(code: str, language: str = "vi") -> str:
    table = LABELS.get(language, LABELS["vi"])
    return table.get(code, code)
