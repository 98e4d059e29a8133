"""Cloud links instead of attachments: found, listed, and sent to review, never counted as nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapes import message, photo, text

from classify import ClassifyContext, classify
from classify.labels import code_of
from classify.links import MAX_LINKS, cloud_links, links_of
from texts import reason_text

CTX = ClassifyContext(collection_address="tinbai@example.org")
DRIVE = "https://drive.google.com/drive/folders/1AbCdEfGhIjKlMnOp"


@pytest.mark.parametrize(
    ("text", "links"),
    [
        pytest.param(f"Ảnh hội nghị ở đây: {DRIVE}", (DRIVE,), id="google-drive"),
        pytest.param(
            "xem https://docs.google.com/document/d/1xYz/edit?usp=sharing nhé",
            ("https://docs.google.com/document/d/1xYz/edit?usp=sharing",),
            id="google-docs",
        ),
        pytest.param(
            "https://1drv.ms/f/s!AkZ9x3", ("https://1drv.ms/f/s!AkZ9x3",), id="onedrive-short"
        ),
        pytest.param(
            "<https://ldld-my.sharepoint.com/:f:/g/personal/a/EkX>",
            ("https://ldld-my.sharepoint.com/:f:/g/personal/a/EkX",),
            id="sharepoint-in-angle-brackets",
        ),
        pytest.param(
            "www.dropbox.com/sh/abc123/AAA?dl=0.",
            ("https://www.dropbox.com/sh/abc123/AAA?dl=0",),
            id="dropbox-without-scheme-trailing-dot",
        ),
        pytest.param("Zalo: https://zalo.me/g/abcdef", ("https://zalo.me/g/abcdef",), id="zalo"),
        pytest.param(f"{DRIVE}\n{DRIVE}", (DRIVE,), id="the-same-link-once"),
        pytest.param("ảnh gửi qua dropbox.com rồi", (), id="the-name-of-a-service-is-no-link"),
        pytest.param("https://www.google.com/search?q=drive", (), id="not-a-cloud-store"),
        pytest.param("https://evil.example.org/drive.google.com/x", (), id="host-is-what-counts"),
        pytest.param("https://drive.google.com.example.net/x", (), id="lookalike-host"),
    ],
)
def test_cloud_links_are_found_by_their_host(text: str, links: tuple[str, ...]) -> None:
    assert cloud_links(text) == links


def test_links_instead_of_photos_go_to_review_with_the_links_listed() -> None:
    msg = message("[Ảnh] Hội nghị công nhân", f"Ảnh nặng quá nên em gửi link: {DRIVE}")
    result = classify(msg, CTX)
    assert result.status == "needs-review"
    assert result.items == ()
    assert code_of(result.status, result.reason) == "needs-review"
    assert result.reason.code == "cloud-links.found"
    shown = reason_text(result.reason, "vi")
    assert DRIVE in shown
    assert shown.startswith("gửi đường liên kết thay cho tệp đính kèm")
    assert DRIVE in reason_text(result.reason, "en")


def test_a_counted_piece_with_links_for_its_photos_goes_to_review_with_its_items() -> None:
    msg = message("[Tin] Hội thao", f"{text(80)}\nẢnh: https://1drv.ms/f/s!AkZ9x3", (photo(1),))
    result = classify(msg, CTX)
    assert result.status == "needs-review"
    assert (result.total("news"), result.total("photo")) == (1, 1)  # shown, for the editor to keep
    assert "https://1drv.ms/f/s!AkZ9x3" in reason_text(result.reason, "vi")


def test_a_short_reply_with_a_link_is_no_revision() -> None:
    reply = message("Re: [Ảnh] Hội nghị", f"Link ảnh: {DRIVE}", in_reply_to="<a@example.org>")
    ctx = replace(CTX, known_message_ids=frozenset({"<a@example.org>"}))
    result = classify(reply, ctx)
    assert result.status == "needs-review"
    assert DRIVE in reason_text(result.reason, "vi")


def test_a_link_only_in_the_quoted_original_is_not_this_messages() -> None:
    body = f"{text(80)}\n\nVào 10/5/2020, Ban Tuyên giáo đã viết:\n> Ảnh ở {DRIVE}\n"
    result = classify(message("Re: [Tin] Hội nghị", body), CTX)
    assert result.status == "counted"


def test_many_links_are_listed_up_to_a_limit() -> None:
    body = "\n".join(f"https://drive.google.com/file/d/{i}/view" for i in range(MAX_LINKS + 5))
    result = classify(message("[Ảnh] Ảnh", body), CTX)
    shown = reason_text(result.reason, "vi")
    assert shown.count("https://drive.google.com/") == MAX_LINKS
    assert "(+5)" in shown


def test_the_links_are_read_back_from_the_stored_reason_for_the_message_page() -> None:
    msg = message(
        "[Tin] Hội thao", f"{text(80)}\nẢnh: {DRIVE} và https://1drv.ms/f/s!Ak", (photo(1),)
    )
    assert links_of(classify(msg, CTX).reason) == (DRIVE, "https://1drv.ms/f/s!Ak")
    assert links_of(classify(message("[Tin] Hội thao", text(80)), CTX).reason) == ()
