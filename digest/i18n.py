"""What the editor and the admin read, in Vietnamese (default) and English."""

from __future__ import annotations

LABELS: dict[str, dict[str, str]] = {
    "vi": {
        "news": "Tin",
        "article": "Bài",
        "photo": "Ảnh",
        "unit": "Đơn vị",
        "group": "Khối",
        "totals": "Toàn kế hoạch",
        "as_of": "Tính đến ngày",
        "unmapped": "Người gửi chưa gán đơn vị",
        "messages": "thư",
        "no_quota": "–",
        "members_meeting": "{met}/{of} đơn vị đạt tối thiểu {need} {kind}",
        "id": "Mã",
    },
    "en": {
        "news": "News",
        "article": "Articles",
        "photo": "Photos",
        "unit": "Unit",
        "group": "Group",
        "totals": "Whole plan",
        "as_of": "As of",
        "unmapped": "Senders not mapped to a unit",
        "messages": "messages",
        "no_quota": "–",
        "members_meeting": "{met}/{of} units have their minimum {need} {kind}",
        "id": "Id",
    },
}


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["vi"])
