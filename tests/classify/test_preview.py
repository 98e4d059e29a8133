"""What the message page shows of a message's text and files: the same cut as the counting's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapes import message, photo

from classify import Part
from classify.preview import EXCERPT_WORDS, preview_of
from classify.text import own_text, passages, words

REPLY = (
    "Kính gửi Ban Tuyên giáo,\n"
    "Đơn vị xin gửi tin về hội nghị người lao động.\n"
    "\n"
    "Vào Th 2, 4 thg 5, 2020 lúc 08:00 Ban Tuyên giáo đã viết:\n"
    "> Đề nghị các đơn vị gửi tin, bài trước ngày 10.\n"
)


@pytest.mark.parametrize(
    ("text", "roles"),
    [
        pytest.param("Một đoạn tin ngắn.", ["own"], id="own-only"),
        pytest.param(REPLY, ["own", "quoted"], id="reply-in-vietnamese"),
        pytest.param(
            "Tin gửi.\n-- \nNguyễn Văn A\nLĐLĐ huyện", ["own", "signature"], id="signature"
        ),
        pytest.param("Đồng ý.\n> câu hỏi cũ\nTrả lời tiếp.", ["own", "quoted", "own"], id="inline"),
        pytest.param("", [], id="empty"),
    ],
)
def test_passages_name_own_quoted_and_signature_runs(text: str, roles: list[str]) -> None:
    assert [role for role, _ in passages(text)] == roles


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            ["Tin ngắn về hội nghị", "> trích", "-- ", "", "   ", "On Mon, Bob wrote:", "x\ty"]
        )
        | st.text(max_size=30),
        max_size=12,
    )
)
def test_the_own_passages_hold_the_words_own_text_counts(lines: list[str]) -> None:
    text = "\n".join(lines)
    shown = " ".join(chunk for role, chunk in passages(text) if role == "own")
    assert words(shown) == words(own_text(text))


def test_a_reply_shows_the_unit_text_first_and_the_quoted_mail_marked() -> None:
    preview = preview_of(message("[Tin] Hội nghị", REPLY))
    assert [(p.role, p.text.splitlines()[0]) for p in preview.passages] == [
        ("own", "Kính gửi Ban Tuyên giáo,"),
        ("quoted", "Vào Th 2, 4 thg 5, 2020 lúc 08:00 Ban Tuyên giáo đã viết:"),
    ]
    assert not preview.cut


def test_a_long_text_is_cut_after_a_few_hundred_words() -> None:
    preview = preview_of(message("[Bài] Dài", "chữ " * 5000))
    assert preview.cut
    assert words(" ".join(p.text for p in preview.passages)) == EXCERPT_WORDS


def test_a_forward_shows_the_forwarded_text_as_the_piece() -> None:
    preview = preview_of(message("Fwd: [Tin] Hội nghị", REPLY))
    assert preview.forward
    assert [p.role for p in preview.passages] == ["own"]


def test_files_list_documents_with_their_words_and_every_image() -> None:
    doc = Part("2", "application/pdf", "bai-viet.pdf", 40_000, "attachment", text="một hai ba")
    logo = Part("3", "image/png", "logo.png", 900, "inline", sniffed_type="image/png")
    preview = preview_of(message("[Tin] Hội nghị", "Gửi kèm.", parts=(doc, photo(4), logo)))
    assert [(f.path, f.kind, f.words) for f in preview.files] == [
        ("2", "document", 3),
        ("6", "image", None),
        ("3", "image", None),
    ]
