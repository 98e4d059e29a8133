"""A realistic quarter of submissions for the seed's plan, as .eml files.

Spread over 1 April – 16 May 2020 for the units of the shipped config: tagged
news and articles, JPEG photos, a unit that is behind, units that sent nothing,
a domain-mapped grassroots union, unknown senders (one of them mapped later
with `tinbai senders add`), a message nothing can be counted from, an
auto-reply, and mail outside the plan's window. Feed it to `tinbai ingest-file`.

Usable from tests (`write_dataset(folder)`) and from the command line
(`python tests/digest/dataset.py samples/`) to make sample data.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # mailkit, when run as a script

from mailkit import HANOI, Attachment, build_message, make_jpeg

AS_OF = "2020-05-15"
MAPPED_LATER = (("lan.muongcha@gmail.example.com", "muong-cha"),)


@dataclass(frozen=True)
class Sent:
    day: str  # "MM-DD" in 2020, Hanoi time
    sender: str
    tag: str  # "Tin", "Bài", "Ảnh", "" …
    title: str
    photos: int = 0
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""


SUBMISSIONS: tuple[Sent, ...] = (
    # Row 1: leadership, 1 of 2 articles.
    Sent(
        "04-14",
        "lanhdao@example.org",
        "Bài",
        "Công đoàn Điện Biên 57 năm phát triển và trưởng thành",
    ),
    # Row 2: departments.
    Sent(
        "04-02", "tuyengiao@example.org", "Tin", "Triển khai phòng, chống dịch Covid-19", photos=2
    ),
    Sent(
        "04-09", "tuyengiao@example.org", "Tin", "Hỗ trợ đoàn viên bị ảnh hưởng bởi dịch Covid-19"
    ),
    Sent("04-20", "tuyengiao@example.org", "Tin", "Phát động Tháng Công nhân năm 2020", photos=3),
    Sent(
        "04-28",
        "tuyengiao@example.org",
        "Bài",
        "Tháng Công nhân: Năng suất cao - An toàn lao động - Thu nhập tốt",
    ),
    Sent(
        "05-04",
        "tuyengiao@example.org",
        "Tin",
        "Thăm hỏi công nhân lao động có hoàn cảnh khó khăn",
        photos=2,
    ),
    Sent("05-11", "tuyengiao@example.org", "Tin", "Trao quà cho nữ công nhân", photos=1),
    Sent("05-14", "tuyengiao@example.org", "Tin", "Tọa đàm về an toàn vệ sinh lao động"),
    Sent("04-10", "tochuc@example.org", "Tin", "Kế hoạch Hội thi Cán bộ công đoàn giỏi lần thứ 3"),
    Sent("04-24", "tochuc@example.org", "Tin", "Hướng dẫn thể lệ Hội thi"),
    Sent("05-08", "tochuc@example.org", "Tin", "Sơ khảo Hội thi Cán bộ công đoàn giỏi", photos=2),
    Sent("05-12", "tochuc@example.org", "Bài", "Cán bộ công đoàn giỏi: những gương mặt tiêu biểu"),
    Sent("04-16", "taichinh@example.org", "Tin", "Tập huấn công tác tài chính công đoàn"),
    Sent("04-22", "chinhsach@example.org", "Tin", "Chăm lo cho đoàn viên nhân Tháng Công nhân"),
    Sent("04-06", "kiemtra@example.org", "Tin", "Kiểm tra tài chính công đoàn cơ sở quý II"),
    Sent(
        "05-13", "kiemtra@example.org", "Tin", "Giám sát việc thực hiện chế độ chính sách", photos=1
    ),
    # Row 3: district federations, each at least 2 news.
    Sent(
        "04-03",
        "tuangiao@example.org",
        "Tin",
        "LĐLĐ huyện Tuần Giáo phát khẩu trang cho công nhân",
        photos=2,
    ),
    Sent("05-11", "tuangiao@example.org", "Tin", "Tuần Giáo tổ chức Tháng Công nhân", photos=1),
    Sent(
        "04-08",
        "dienbienphu@example.org",
        "Tin",
        "Thành phố Điện Biên Phủ ra quân Tháng Công nhân",
        photos=2,
    ),
    Sent("04-25", "dienbienphu@example.org", "Tin", "Đại hội Công đoàn cơ sở điểm"),
    Sent(
        "05-09",
        "dienbienphu@example.org",
        "Bài",
        "Công đoàn thành phố chào mừng Đại hội Đảng bộ các cấp",
    ),
    Sent("05-15", "dienbienphu@example.org", "Tin", "Trao mái ấm công đoàn", photos=1),
    Sent("04-17", "muonglay@example.org", "Tin", "Thị xã Mường Lay hỗ trợ đoàn viên khó khăn"),
    Sent("04-13", "dienbien@example.org", "Tin", "Huyện Điện Biên tuyên truyền phòng dịch"),
    Sent("05-06", "dienbien@example.org", "Tin", "Gặp mặt công nhân lao động tiêu biểu", photos=2),
    Sent("04-21", "muongang@example.org", "Tin", "Mường Ảng phát động thi đua"),
    Sent("05-10", "muongang@example.org", "Tin", "Mường Ảng: Tháng Công nhân ý nghĩa", photos=1),
    Sent("04-29", "muongnhe@example.org", "Tin", "Mường Nhé thăm công nhân vùng biên"),
    Sent("05-07", "muongnhe@example.org", "Tin", "Mường Nhé trao quà đoàn viên"),
    Sent("04-15", "nampo@example.org", "Tin", "Nậm Pồ chăm lo đoàn viên", photos=1),
    Sent("05-05", "nampo@example.org", "Tin", "Nậm Pồ tuyên truyền Chỉ thị 05"),
    Sent(
        "05-12", "tuachua@example.org", "Ảnh", "Ảnh hoạt động Tháng Công nhân ở Tủa Chùa", photos=2
    ),
    # Muong Cha writes from a personal address, mapped to the unit later.
    Sent(
        "05-13",
        "lan.muongcha@gmail.example.com",
        "Tin",
        "Mường Chà hưởng ứng Tháng Công nhân",
        photos=1,
    ),
    # Row 4: sector unions, each at least 2 news and 1 article.
    Sent("04-07", "giaoduc@example.org", "Tin", "Công đoàn Giáo dục chung tay phòng dịch"),
    Sent("04-27", "giaoduc@example.org", "Tin", "Nhà giáo tiêu biểu năm học 2019-2020"),
    Sent("05-11", "giaoduc@example.org", "Bài", "Giữ lửa nghề trong mùa dịch", photos=1),
    Sent("04-23", "yte@example.org", "Tin", "Y tế tuyến đầu chống dịch", photos=2),
    # Row 5: directly affiliated grassroots unions (one mapped by its whole domain).
    Sent(
        "04-11",
        "congdoan@dienluc.example.org",
        "Tin",
        "Điện lực Điện Biên đảm bảo điện mùa dịch",
        photos=1,
    ),
    Sent(
        "05-14", "hoa.nguyen@dienluc.example.org", "Tin", "Điện lực tổ chức Tháng an toàn", photos=1
    ),
    Sent("04-30", "caosu@example.org", "Tin", "Cao su Điện Biên chăm lo công nhân"),
    # Row 6: volunteer teams, no quota, still counted.
    Sent(
        "05-03",
        "congtacvien@example.org",
        "Bài",
        "Học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh",
    ),
    Sent("05-15", "congtacvien@example.org", "Ảnh", "Ảnh cộng tác viên", photos=2),
    # Unknown senders: kept, counted for no one.
    Sent("04-19", "phongvien@baodienbien.example.net", "Ảnh", "Ảnh gửi Ban Tuyên giáo", photos=3),
    Sent("05-02", "nguyenvana@gmail.example.net", "Tin", "Tin từ cơ sở"),
    Sent("05-12", "nguyenvana@gmail.example.net", "Tin", "Tin thứ hai từ cơ sở"),
    # Nothing to count: a note with no piece and no photo.
    Sent(
        "05-14",
        "vanphong@example.org",
        "",
        "Gửi Ban Tuyên giáo",
        body="Kính gửi Ban, xin xem giúp.",
    ),
    # Not submissions, or outside the window: must change no number.
    Sent(
        "05-13",
        "chinhsach@example.org",
        "",
        "Trả lời tự động: vắng mặt",
        headers=(("Auto-Submitted", "auto-replied"),),
        body="Tôi đang đi công tác.",
    ),
    Sent("03-25", "yte@example.org", "Tin", "Tin quý I gửi trước kế hoạch"),
    Sent("05-16", "muonglay@example.org", "Tin", "Tin gửi sau ngày 15/5", photos=1),
)


def write_dataset(folder: Path) -> list[Path]:
    """Write every submission as an .eml file in ``folder``; returns the paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    seed = 0
    for number, sent in enumerate(SUBMISSIONS, start=1):
        month, day = (int(x) for x in sent.day.split("-"))
        photos = []
        for i in range(sent.photos):
            seed += 1
            photos.append(Attachment(f"anh-{number}-{i + 1}.jpg", make_jpeg(400, 300, seed=seed)))
        subject = f"[{sent.tag}] {sent.title}" if sent.tag else sent.title
        raw = build_message(
            sender=sent.sender,
            subject=subject,
            body=sent.body or f"Kính gửi Ban Tuyên giáo – Nữ công,\n\n{sent.title}.\n\nTrân trọng.",
            attachments=photos,
            date=datetime(2020, month, day, 8 + number % 9, 15, tzinfo=HANOI),
            message_id=f"<dataset-{number}@example.org>",
            headers=sent.headers,
        )
        path = folder / f"{number:03d}.eml"
        path.write_bytes(raw)
        paths.append(path)
    return paths


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "samples")
    written = write_dataset(target)
    print(f"{len(written)} messages written to {target}/")
