"""What the editor and the admin read, in Vietnamese (default) and English.

Labels are plain strings looked up by key; the few phrases that hold numbers
are `str.format` patterns filled in Python (the view model), never in a
template. Vietnamese nouns do not inflect, so plurals matter only in English.
"""

from __future__ import annotations

from datetime import date, datetime

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
        # the digest
        "subject": "Tiến độ tin, bài, ảnh – tuần {week} ({range})",
        "heading": "Tiến độ tin, bài, ảnh",
        "week_title": "tuần {week} ({range})",
        "as_of_line": "Số liệu tính đến hết ngày {date}",
        "days_left": "còn {left} ngày",
        "elapsed": "đã qua {days}/{total} ngày ({percent}%)",
        "plan_over": "kế hoạch đã kết thúc",
        "plan_not_started": "kế hoạch chưa bắt đầu",
        "due": "cần {due} đến nay",
        "week_added": "+{n} trong tuần",
        "attention": "Cần chú ý",
        "all_on_pace": "Không đơn vị nào chậm tiến độ.",
        "behind_units": "Chậm tiến độ",
        "nothing_units": "Chưa gửi gì",
        "pace_detail": "{kind} {count}/{target}, cần {due}",
        "unmapped_hint": "Gán người gửi cho đơn vị: tinbai senders add ĐỊA_CHỈ MÃ_ĐƠN_VỊ",
        "unmapped_line": "{n} thư",
        "unmapped_line_one": "{n} thư",
        "review": "Thư cần xem lại",
        "review_hint": "Không đếm được gì từ các thư này: xem và phân loại lại.",
        "no_subject": "(không có tiêu đề)",
        "this_week": "Nhận trong tuần",
        "week_nothing": "Tuần này chưa nhận được tin, bài, ảnh nào từ các đơn vị.",
        "week_summary": "{items} từ {units} đơn vị",
        "detail": "Chi tiết theo đơn vị",
        "detail_hint": "Số đã nhận / chỉ tiêu (hoặc mức tối thiểu của mỗi đơn vị).",
        "attachment": "Bảng tiến độ đính kèm:",
        "footer": "Thư gửi tự động từ tinbai – không cần trả lời.",
        "status.done": "Đã đạt",
        "status.on-pace": "Đúng tiến độ",
        "status.behind": "Chậm tiến độ",
        "status.nothing-yet": "Chưa gửi",
        "status.no-quota": "Không giao chỉ tiêu",
        "qty.news": "{n} tin",
        "qty.article": "{n} bài",
        "qty.photo": "{n} ảnh",
        "qty.none": "chưa có gì",
        # the spreadsheet
        "sheet": "Tiến độ",
        "xlsx_title": "{title} – tiến độ tính đến {date}",
        "col.no": "TT",
        "col.unit": "Đơn vị thực hiện",
        "col.quota": "Chỉ tiêu",
        "col.count": "Đã nhận",
        "col.percent": "Tỷ lệ",
        "col.status": "Tình trạng",
        "col.note": "Ghi chú",
        "total_row": "Cộng",
        "member_minimum_note": "mỗi đơn vị ít nhất {items}",
        "filename": "tien-do-{plan}-tuan-{week}.xlsx",
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
        "subject": "News, articles and photos – week {week} ({range})",
        "heading": "News, articles and photos",
        "week_title": "week {week} ({range})",
        "as_of_line": "Figures up to the end of {date}",
        "days_left": "{left} days left",
        "elapsed": "{days} of {total} days gone ({percent}%)",
        "plan_over": "the plan has ended",
        "plan_not_started": "the plan has not started",
        "due": "{due} due by now",
        "week_added": "+{n} this week",
        "attention": "Needs attention",
        "all_on_pace": "No unit is behind the pace.",
        "behind_units": "Behind the pace",
        "nothing_units": "Nothing sent yet",
        "pace_detail": "{kind} {count}/{target}, {due} due",
        "unmapped_hint": "Map a sender to its unit: tinbai senders add ADDRESS UNIT_ID",
        "unmapped_line": "{n} messages",
        "unmapped_line_one": "{n} message",
        "review": "Messages to review",
        "review_hint": "Nothing could be counted from these: look at them and classify them.",
        "no_subject": "(no subject)",
        "this_week": "Arrived this week",
        "week_nothing": "No news, article or photo arrived from the units this week.",
        "week_summary": "{items} from {units} units",
        "detail": "Unit by unit",
        "detail_hint": "Received / quota (or each unit's minimum).",
        "attachment": "Progress table attached:",
        "footer": "Sent automatically by tinbai – no need to reply.",
        "status.done": "Done",
        "status.on-pace": "On pace",
        "status.behind": "Behind",
        "status.nothing-yet": "Nothing yet",
        "status.no-quota": "No quota",
        "qty.news": "{n} news",
        "qty.article": "{n} articles",
        "qty.photo": "{n} photos",
        "qty.none": "nothing yet",
        "sheet": "Progress",
        "xlsx_title": "{title} – progress as of {date}",
        "col.no": "No.",
        "col.unit": "Unit",
        "col.quota": "Quota",
        "col.count": "Received",
        "col.percent": "Done",
        "col.status": "Status",
        "col.note": "Note",
        "total_row": "Total",
        "member_minimum_note": "each unit at least {items}",
        "filename": "progress-{plan}-week-{week}.xlsx",
    },
}

_SINGULAR = {"news": "{n} news", "article": "{n} article", "photo": "{n} photo"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def labels(language: str) -> dict[str, str]:
    return LABELS.get(language, LABELS["vi"])


def quantity(n: int, kind: str, language: str) -> str:
    """``3 tin`` / ``1 article`` / ``2 photos``."""
    if language == "en" and n == 1:
        return _SINGULAR[kind].format(n=n)
    return labels(language)[f"qty.{kind}"].format(n=n)


def counted(n: int, key: str, language: str) -> str:
    """``labels[key]`` filled with ``n``; its ``_one`` form when ``n`` is 1."""
    t = labels(language)
    return t[f"{key}_one" if n == 1 and f"{key}_one" in t else key].format(n=n)


def format_date(day: date, language: str) -> str:
    """``15/5/2020`` (as Vietnamese offices write it) or ``15 May 2020``."""
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    return f"{day.day}/{day.month}/{day.year}"


def format_day_month(day: date, language: str) -> str:
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{day.day}/{day.month}"


def format_range(start: date, end: date, language: str) -> str:
    """A week as people write it: ``11–17/5/2020``, ``27/4–3/5/2020``, ``11–17 May 2020``."""
    if start.year != end.year:
        sep = "–" if language != "en" else " – "
        return f"{format_date(start, language)}{sep}{format_date(end, language)}"
    if language == "en":
        if start.month == end.month:
            return f"{start.day}–{format_date(end, language)}"
        return f"{format_day_month(start, language)} – {format_date(end, language)}"
    if start.month == end.month:
        return f"{start.day}–{format_date(end, language)}"
    return f"{format_day_month(start, language)}–{format_date(end, language)}"


def format_datetime(moment: datetime, language: str) -> str:
    return f"{format_date(moment.date(), language)} {moment:%H:%M}"
