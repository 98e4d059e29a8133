"""The editor's commands fit an 80-column terminal; `--wide` prints every cell whole.

Each command runs through the real CLI in a subprocess with `COLUMNS=80`, over mail whose
subjects, names and addresses are long and Vietnamese. A line's width is `len()` of its
text: the texts are precomposed (NFC), one character a column.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from mailkit import Attachment, make_jpeg

from texts import text

SUBJECT = (
    "[Tin] Hội nghị tổng kết phong trào thi đua lao động giỏi, lao động sáng tạo "
    "của công nhân viên chức lao động tỉnh Điện Biên năm 2020"
)
STRANGER = (
    "Nguyễn Thị Phương Thảo – Phóng viên Báo Điện Biên Phủ "
    "<nguyenthiphuongthao.phongvien.baodienbienphu@baodienbienphu-online.example.net>"
)


@pytest.fixture
def narrow(tinbai, write_eml: Callable[..., Path]):  # type: ignore[no-untyped-def]
    """The CLI at 80 columns, over a mapped unit's long mail and a stranger's."""
    tinbai.env["COLUMNS"] = "80"
    tinbai(
        "ingest-file",
        write_eml(sender="Ban Tuyên giáo – Nữ công <tuyengiao@example.org>", subject=SUBJECT),
        write_eml(
            sender="tuyengiao@example.org",
            subject="[Ảnh] " + SUBJECT[6:],
            attachments=[Attachment("anh-hoi-nghi-tong-ket-thi-dua.jpg", make_jpeg(seed=3))],
        ),
        write_eml(sender=STRANGER, subject=SUBJECT.replace("[Tin]", "[Bài]")),
    )
    tinbai("senders", "add", "@truong-thpt-chuyen-le-quy-don-dien-bien.example.edu.vn", "giao-duc")
    return tinbai


# Each command, and a text of its last column: a table wider than the terminal would be
# cropped by rich at 80 columns, and lose it.
COMMANDS = [
    (("submissions", "list"), text("cli.counts", "vi")),
    (("report", "--as-of", "2020-05-15"), "1/60 (1%)"),
    (("unmapped", "--as-of", "2020-05-15"), text("cli.last_seen", "vi")),
    (("senders", "list"), text("cli.source", "vi")),
    (("explain", "1"), text("explain.rules", "vi")),
    (("explain", "3"), text("explain.rules", "vi")),
]


def _explain_gap() -> int:
    labels = [text(f"explain.{k}", "vi") for k in ("from", "to", "subject", "date")]
    labels += [text(f"explain.{k}", "vi") for k in ("received", "size", "status", "defects")]
    labels.append(text("explain.parsed", "vi"))
    return max(len(label) for label in labels) + 2 - len(text("explain.subject", "vi"))


def _widest(out: str) -> int:
    assert unicodedata.is_normalized("NFC", out)
    return max(len(line) for line in out.splitlines())


@pytest.mark.parametrize(
    ("argv", "last"), COMMANDS, ids=[" ".join(argv[:2]) for argv, _ in COMMANDS]
)
def test_the_command_fits_80_columns(narrow, argv: tuple[str, ...], last: str) -> None:  # type: ignore[no-untyped-def]
    out = narrow(*argv).stdout
    assert last in out, out
    assert _widest(out) <= 80, "\n" + out


@pytest.mark.parametrize(
    ("argv", "whole"),
    [
        (("submissions", "list"), "{subject}"),
        (
            ("unmapped", "--as-of", "2020-05-15"),
            "nguyenthiphuongthao.phongvien.baodienbienphu@baodienbienphu-online.example.net",
        ),
        (("senders", "list"), "@truong-thpt-chuyen-le-quy-don-dien-bien.example.edu.vn"),
        (("explain", "1"), text("explain.subject", "vi") + "{gap}{subject}"),
    ],
    ids=["submissions", "unmapped", "senders", "explain"],
)
def test_wide_prints_every_cell_whole_and_narrow_cuts_with_an_ellipsis(
    narrow, argv: tuple[str, ...], whole: str
) -> None:  # type: ignore[no-untyped-def]
    rows = json.loads(narrow("submissions", "list", "--format", "json").stdout)
    subject = next(r["subject"] for r in rows if r["id"] == 1)
    # explain pads its labels to the widest one: the subject follows its label after a gap
    whole = whole.format(subject=subject, gap=" " * _explain_gap())
    assert whole in narrow(*argv, "--wide").stdout
    cut = narrow(*argv).stdout
    assert whole not in cut
    if argv[0] != "explain":  # explain wraps its long lines instead: nothing is lost
        assert "…" in cut
