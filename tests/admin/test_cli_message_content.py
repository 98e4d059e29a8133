"""`tinbai submissions show` lists what the unit sent: its text, marked, and its files."""

from __future__ import annotations

import json

from mailkit import Attachment, make_png, make_scene


def test_submissions_show_prints_the_text_and_each_image_with_its_verdict(tinbai, mail):
    body = (
        "Đơn vị gửi tin hội nghị.\n\nOn Mon, 4 May 2020 Ban Tuyên giáo wrote:\n> Đề nghị gửi tin."
    )
    mail(
        {
            "sender": "tuangiao@example.org",
            "subject": "[Tin] Hội nghị",
            "body": body,
            "attachments": [
                Attachment("anh-1.jpg", make_scene(seed=5)),
                Attachment("logo.png", make_png(120, 40), subtype="png"),
            ],
        }
    )
    rows = json.loads(tinbai("submissions", "list", "--format", "json").stdout)
    shown = tinbai("submissions", "show", str(rows[0]["id"])).stdout
    assert "Lời thư:\n  [Phần được tính (Tin)]\n    Đơn vị gửi tin hội nghị." in shown
    assert "  [Trích thư cũ — không tính]\n    On Mon, 4 May 2020 Ban Tuyên giáo wrote:" in shown
    assert "Ảnh đính kèm: anh-1.jpg (được tính)" in shown
    assert "Ảnh đính kèm: logo.png (logo, biểu tượng — không phải ảnh)" in shown
