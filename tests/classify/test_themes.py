"""The theme matcher: whole words and phrases, any case, with or without Vietnamese accents."""

from __future__ import annotations

from datetime import date

import pytest

from classify.message import Address, ParsedMessage, Part
from classify.themes import MAX_TEXT_CHARS, ThemeMatcher, Topic, date_tag, message_themes

MATCHER = ThemeMatcher(
    [
        Topic("ma-tuy", ("ma túy",)),
        Topic("lao-dong", ("lao động",)),
        Topic("covid", ("Covid-19",)),
        Topic("dbp", ("chiến thắng Điện Biên Phủ",)),
        Topic("hoa-binh", ("hòa bình",)),
        Topic("bare", ("thang cong nhan",)),  # a keyword typed without accents
    ]
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tuyên truyền phòng chống ma túy", {"ma-tuy"}),
        ("TUYÊN TRUYỀN PHÒNG CHỐNG MA TÚY", {"ma-tuy"}),
        ("tuyen truyen phong chong MA TUY", {"ma-tuy"}),
        ("Ma tuý học đường", {"ma-tuy"}),  # the tone mark on the other vowel: the same word
        ("mà tùy từng đơn vị", set()),  # accented otherwise: another word
        ("Người lao động", {"lao-dong"}),
        ("nguoi LAO DONG", {"lao-dong"}),
        ("tháng laođộng", set()),  # joined: not two words
        ("lao độngviên", set()),
        ("Phòng chống COVID-19", {"covid"}),
        ("phong chong covid 19", {"covid"}),
        ("Covid-2019", set()),
        ("66 năm Chiến thắng Điện Biên Phủ", {"dbp"}),
        ("66 nam CHIEN THANG DIEN BIEN PHU", {"dbp"}),
        ("chiến thắng\nĐiện  Biên\tPhủ", {"dbp"}),  # a phrase across lines and spaces
        ("LĐLĐ thành phố Điện Biên Phủ", set()),  # part of the phrase only
        ("Hoà bình", {"hoa-binh"}),  # old and new tone placement (hòa / hoà)
        ("Hưởng ứng Tháng Công nhân 2020", {"bare"}),
        ("Ma túy và người lao động mùa Covid-19", {"ma-tuy", "lao-dong", "covid"}),
        ("", set()),
    ],
)
def test_theme_is_found_as_whole_words_in_any_case_with_or_without_accents(
    text: str, expected: set[str]
) -> None:
    assert MATCHER.match(text) == expected


def test_d_with_stroke_is_d_for_text_without_accents() -> None:
    matcher = ThemeMatcher([Topic("dang", ("Đại hội Đảng",))])
    assert matcher.match("Dai hoi Dang bo") == {"dang"}
    assert matcher.match("ĐẠI HỘI ĐẢNG BỘ") == {"dang"}
    assert matcher.match("Dai hoi dang") == {"dang"}
    assert matcher.match("đại hội đang diễn ra") == set()  # "đang" (now) is not "Đảng"


def test_message_is_tagged_from_subject_body_and_document_text() -> None:
    matcher = ThemeMatcher(
        [
            Topic("covid", ("Covid",)),
            Topic("ma-tuy", ("ma túy",)),
            Topic("gia-dinh", ("gia đình",)),
            Topic("phap-luat", ("pháp luật",)),
        ]
    )
    message = ParsedMessage(
        message_id="<t@example.org>",
        subject="[Tin] Phòng chống COVID",
        sender=Address("unit@example.org"),
        text="Bài viết về phòng chống ma tuy trong công nhân.",
        parts=(
            Part(
                "2",
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                filename="bai.docx",
                text="Ngày Gia đình Việt Nam 28/6",
                disposition="attachment",
            ),
            Part("3", "image/jpeg", filename="phap-luat.jpg", size=90_000),  # a name is no text
        ),
    )
    # In the order the topics were given (the config's), whatever order the text has them.
    assert message_themes(message, matcher) == ("covid", "ma-tuy", "gia-dinh")
    assert message_themes(message, None) == ()


def test_date_tag_follows_the_date_and_its_name_not_its_place_in_the_list() -> None:
    assert date_tag(date(2020, 6, 28), "Ngày Gia đình Việt Nam") == (
        "day:2020-06-28:ngay-gia-dinh-viet-nam"
    )
    assert len(date_tag(date(2020, 6, 28), "rất dài " * 100)) <= 128


def test_a_long_text_is_read_up_to_its_bound() -> None:
    bounded = ThemeMatcher([Topic("ma-tuy", ("ma túy",))], max_chars=1000)
    assert bounded.match("không liên quan " * 60 + "ma túy") == {"ma-tuy"}  # 966 characters
    assert bounded.match("không liên quan " * 70 + "ma túy") == set()  # past the bound
    assert MAX_TEXT_CHARS >= 1_000_000  # a hundred-page document is read whole


def test_a_long_run_of_near_misses_still_finds_the_phrase() -> None:
    # Every "ma" starts a candidate; the one before "túy" is the phrase.
    assert MATCHER.match("ma " * 20_000 + "túy") == {"ma-tuy"}
