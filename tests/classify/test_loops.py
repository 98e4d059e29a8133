"""Mail loops (issue 12, part 7), as pure rules: what tinbai never counts and never answers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from shapes import message, photo

from classify import ClassifyContext, classify
from classify.loops import own_message_refs, receipt_refusal
from digest.mail import new_message_id

CTX = ClassifyContext(collection_address="tinbai@example.org", own_domain="example.org")
SUBMISSION = ("[Ảnh] Hội nghị công nhân", "Đơn vị gửi ảnh hội nghị.", (photo(1),))


@pytest.mark.parametrize("kind", ["digest", "alert", "receipt", "reminder"])
def test_a_reply_naming_tinbais_own_mail_is_never_counted(kind: str) -> None:
    own = new_message_id("tinbai@example.org", kind)
    by_in_reply_to = message(*SUBMISSION, in_reply_to=own)
    by_references = replace(by_in_reply_to, in_reply_to=None, references=("<x@example.org>", own))
    for reply in (by_in_reply_to, by_references):
        result = classify(reply, CTX)
        assert (result.status, result.code) == ("ignored", "reply-to-tinbai")
        assert result.total("photo") == 0


def test_a_reply_to_another_domains_digest_like_id_still_counts() -> None:
    foreign = new_message_id("robot@elsewhere.example.net", "digest")
    reply = message(*SUBMISSION, in_reply_to=foreign)
    assert own_message_refs(reply, "example.org") == ()
    assert classify(reply, CTX).total("photo") == 1


def test_own_mail_ids_follow_smtp_from_with_a_display_name() -> None:
    own = new_message_id("Tin bài <tinbai@example.org>", "digest")
    assert own.endswith("@example.org>")
    assert not own.endswith(">>")
    reply = message(*SUBMISSION, in_reply_to=own)
    assert classify(reply, CTX).code == "reply-to-tinbai"


@pytest.mark.parametrize(
    ("headers", "subject", "code"),
    [
        pytest.param((("auto-submitted", "auto-replied"),), "Re: Ảnh", "auto-reply", id="rfc3834"),
        pytest.param((("x-autoreply", "yes"),), "Re: Ảnh", "auto-reply", id="x-autoreply"),
        pytest.param((), "Automatic reply: Tiến độ", "auto-reply", id="automatic-reply"),
        pytest.param((), "Trả lời tự động: Tiến độ", "auto-reply", id="tra-loi-tu-dong"),
        pytest.param((), "Tra loi tu dong: Tien do", "auto-reply", id="no-diacritics"),
        pytest.param((), "Auto: Tiến độ tuần 20", "auto-reply", id="auto-colon"),
        pytest.param((("return-path", "<>"),), "Ảnh hội nghị", "auto-reply", id="null-path"),
        pytest.param(
            (("content-type", 'multipart/report; report-type="delivery-status"'),),
            "Undeliverable: Ảnh",
            "bounce",
            id="dsn",
        ),
    ],
)
def test_autoresponders_and_dsns_are_never_counted(
    headers: tuple[tuple[str, str], ...], subject: str, code: str
) -> None:
    reply = message(subject, "Tôi đang đi công tác.", (photo(2),), headers=headers)
    result = classify(reply, CTX)
    assert (result.status, result.code) == ("ignored", code)


@pytest.mark.parametrize(
    ("sender", "headers", "why"),
    [
        pytest.param("", (), "receipt.no-sender", id="no-sender"),
        pytest.param("tinbai@example.org", (), "receipt.own-address", id="own-address"),
        pytest.param("mailer-daemon@example.org", (), "receipt.robot-sender", id="mailer-daemon"),
        pytest.param("noreply@example.org", (), "receipt.robot-sender", id="noreply"),
        pytest.param("tin-request@example.org", (), "receipt.robot-sender", id="list-request"),
        pytest.param("tuangiao@example.org", (("list-id", "<tin.example.org>"),), "receipt.header"),
        pytest.param("tuangiao@example.org", (("precedence", "list"),), "receipt.header"),
        pytest.param("tuangiao@example.org", (("precedence", "bulk"),), "receipt.header"),
        pytest.param("tuangiao@example.org", (("precedence", "junk"),), "receipt.header"),
        pytest.param(
            "tuangiao@example.org", (("auto-submitted", "auto-replied"),), "receipt.header"
        ),
        pytest.param("tuangiao@example.org", (("return-path", "<>"),), "receipt.header"),
        pytest.param(
            "tuangiao@example.org",
            (("content-type", "multipart/report; report-type=delivery-status"),),
            "receipt.header",
        ),
    ],
)
def test_rfc3834_refuses_a_receipt(
    sender: str, headers: tuple[tuple[str, str], ...], why: str
) -> None:
    msg = message(*SUBMISSION, sender=sender, headers=headers)
    refusal = receipt_refusal(msg, ("tinbai@example.org",))
    assert refusal is not None
    assert refusal.code == why


def test_a_plain_submission_from_a_unit_may_get_a_receipt() -> None:
    msg = message(*SUBMISSION, headers=(("auto-submitted", "no"),))
    assert receipt_refusal(msg, ("tinbai@example.org",)) is None
