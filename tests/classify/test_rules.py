"""Each rule alone, on hand-built messages: the context decides, nothing else."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from shapes import message, photo, text

from classify import DEFAULT_RULES, ClassifyContext, Part, classify
from classify.gates import NotAddressed, OutsidePeriod, Spoofed
from classify.labels import OUTCOME_CODES, code_of
from classify.pieces import Archives, Revision
from classify.reasons import Reason, legacy
from classify.tags import is_forward, plus_tags, subject_tags
from classify.text import own_text, words
from texts import catalogue, outcome_label, reason_text

CTX = ClassifyContext(collection_address="tinbai@example.org")
Q2 = (datetime(2020, 3, 31, 17, tzinfo=UTC), datetime(2020, 6, 30, 17, tzinfo=UTC))


def test_a_short_reply_to_a_stored_message_is_a_revision() -> None:
    reply = message("Re: [Tin] Hội nghị", "Đã sửa lại tên đại biểu.", in_reply_to="<a@example.org>")
    ctx = replace(CTX, known_message_ids=frozenset({"<a@example.org>"}))
    result = classify(reply, ctx)
    assert (result.status, result.code) == ("ignored", "revision")
    assert result.reason == Reason("revision.nothing-new", {"ref": "<a@example.org>", "words": 6})
    assert "<a@example.org>" in reason_text(result.reason, "vi")


def test_a_reply_to_a_stored_message_with_new_photos_counts() -> None:
    reply = message(
        "Re: [Tin] Hội nghị", "Bổ sung ảnh.", (photo(1),), in_reply_to="<a@example.org>"
    )
    ctx = replace(CTX, known_message_ids=frozenset({"<a@example.org>"}))
    assert Revision().apply(reply, ctx, classify(reply, ctx).items).fired is False
    assert classify(reply, ctx).total("photo") == 1


def test_a_reply_to_a_message_we_never_stored_is_not_a_revision() -> None:
    reply = message(
        "Re: [Tin] Hội nghị", "Gửi Ban tin bổ sung.", in_reply_to="<editor@example.org>"
    )
    assert classify(reply, CTX).total("news") == 1


@pytest.mark.parametrize(
    ("to", "shared", "fired"),
    [
        ("tinbai@example.org", True, False),
        ("TinBai+tin@example.org", True, False),
        ("other@example.org", True, True),
        ("tinbai@elsewhere.example.net", True, True),
        ("other@example.org", False, False),
    ],
)
def test_not_addressed_only_in_a_shared_mailbox(to: str, shared: bool, fired: bool) -> None:
    ctx = replace(CTX, shared_mailbox=shared)
    assert (
        NotAddressed().apply(message("[Tin] a", text(100), to=to.lower()), ctx, ()).fired is fired
    )


def test_delivered_to_counts_as_addressed_for_a_bcc() -> None:
    msg = replace(
        message("[Tin] a", text(100), to="list@example.org"), delivered_to=("tinbai@example.org",)
    )
    assert NotAddressed().apply(msg, replace(CTX, shared_mailbox=True), ()).fired is False


@pytest.mark.parametrize(
    ("date", "fired"),
    [
        (datetime(2020, 5, 11, tzinfo=UTC), False),
        (datetime(2020, 3, 31, 16, 59, tzinfo=UTC), True),  # 23:59 on 31 March in Hà Nội
        (datetime(2020, 3, 31, 17, 0, tzinfo=UTC), False),  # 00:00 on 1 April in Hà Nội
        (datetime(2021, 1, 5, tzinfo=UTC), True),
        (None, False),
    ],
)
def test_outside_period_by_the_plans_days(date: datetime | None, fired: bool) -> None:
    ctx = replace(CTX, periods=(Q2,))
    assert OutsidePeriod().apply(message("[Tin] a", text(100), date=date), ctx, ()).fired is fired


def test_written_in_the_period_but_received_late_still_counts() -> None:
    msg = replace(message("[Tin] a", text(100)), received_at=datetime(2020, 7, 3, tzinfo=UTC))
    assert OutsidePeriod().apply(msg, replace(CTX, periods=(Q2,)), ()).fired is False


def test_only_the_trusted_servers_authentication_results_count() -> None:
    forged = ("authentication-results", "mx.evil.example; dmarc=pass")
    real = ("authentication-results", "mx.example.org; dmarc=fail header.from=example.org")
    msg = message("[Tin] a", text(100), headers=(forged, real))
    assert Spoofed().apply(msg, CTX, ()).fired is False  # topmost is trusted by default: it passed
    trusted = replace(CTX, trusted_authserv_ids=("mx.example.org",))
    assert Spoofed().apply(msg, trusted, ()).status == "needs-review"
    assert Spoofed().apply(msg, replace(trusted, check_authentication=False), ()).fired is False


def test_an_unopened_archive_asks_for_review_but_keeps_what_was_found() -> None:
    archive = Part("3", "application/x-rar-compressed", "anh.rar", 900_000, "attachment")
    result = classify(message("[Tin] a", text(100), (archive,)), CTX)
    assert result.status == "needs-review"
    assert result.total("news") == 1
    review = Archives().apply(message("a", "", (archive,)), CTX, ()).review
    assert review.code == "archive.review"
    assert reason_text(review, "en").startswith("an archive could not")
    assert reason_text(review, "vi").startswith("không mở được tệp nén")


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Fwd: a", True),
        ("TL: a", False),
        ("Re: Fwd: a", True),
        ("Chuyển tiếp: a", True),
        ("Re: a", False),
    ],
)
def test_forward_prefixes(subject: str, expected: bool) -> None:
    assert is_forward(subject) is expected


def test_plus_tags_and_a_configured_vocabulary() -> None:
    assert plus_tags(["tinbai+bai", "tinbai+anh", "tinbai"]) == ["article", "photo"]
    assert subject_tags("[Phóng sự] a", {"phong su": "article"}) == ["article"]
    assert subject_tags("[Tin] a", {"phong su": "article"}) == []


def test_own_text_drops_quotes_and_signature_but_words_count_vietnamese_syllables() -> None:
    body = "Đã nhận, cảm ơn.\n-- \nBan Tuyên giáo\n\nVào 11/5, A đã viết:\n> " + text(100)
    assert own_text(body).split() == ["Đã", "nhận,", "cảm", "ơn."]
    assert words("Công đoàn cơ sở") == 4


@pytest.mark.parametrize(
    ("status", "reason", "vi"),
    [
        ("ignored", Reason("bounce.sender", {"sender": "mailer-daemon"}), "Thư báo lỗi gửi thư"),
        ("ignored", Reason("auto-reply.precedence", {"value": "bulk"}), "Thư trả lời tự động"),
        ("ignored", Reason("empty.nothing"), "Thư trống"),
        ("needs-review", Reason("nothing-found.nothing"), "Cần biên tập viên xem lại"),
        ("counted", Reason("counts", {"news": 1, "photo": 2}), "Đã đếm"),
        # rows stored as English sentences before reasons had codes (migration 0008's legacy)
        ("ignored", "bounce: sent by mailer-daemon", "Thư báo lỗi gửi thư"),
        ("ignored", "auto-reply: Precedence: bulk", "Thư trả lời tự động"),
        ("ignored", "empty: no text and no attachment", "Thư trống"),
        ("ignored", "nothing-found: no text and no attachment", "Thư trống"),  # rows stored before
        ("needs-review", "nothing-found: nothing to count was found", "Cần biên tập viên xem lại"),
        ("counted", "1 news, 2 photos", "Đã đếm"),
    ],
)
def test_every_stored_outcome_has_a_vietnamese_label(
    status: str, reason: Reason | str, vi: str
) -> None:
    stored = legacy(reason) if isinstance(reason, str) else reason
    assert outcome_label(code_of(status, stored)) == vi
    assert outcome_label(code_of(status, stored), "en") != vi


def test_every_ignoring_rule_has_a_label_in_both_languages() -> None:
    codes = {getattr(rule, "name", "") for rule in DEFAULT_RULES} & set(OUTCOME_CODES)
    assert codes == {
        "reply-to-tinbai",
        "bounce",
        "auto-reply",
        "invitation",
        "spoofed",
        "not-addressed",
        "outside-period",
        "revision",
        "empty",
    }
    for code in OUTCOME_CODES:
        assert f"outcome.{code}" in catalogue("vi")
        assert f"outcome.{code}" in catalogue("en")
