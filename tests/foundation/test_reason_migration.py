"""Migration 0008: English sentences stored before reasons had codes still display, in either language.

A database is built at 0006 with rows as the tinbai of that time wrote them, then upgraded:
the sentences tinbai wrote most come back as codes (and so render in Vietnamese), any
other is kept whole as a ``legacy`` reason and shown as it is; a downgrade gives the
sentences back.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest
import sqlalchemy as sa

from classify.labels import code_of
from classify.reasons import LEGACY, Reason
from store.db import make_engine, migrate
from store.reasons import decode, decode_trace
from texts import outcome_label, reason_text

WHEN = datetime(2020, 5, 11, 2, 0)

# (status, message reason, item reasons, trace) as stored before 0008.
OLD_ROWS = [
    (
        "counted",
        "1 news, 2 photos",
        [
            "news item in the body; the subject is tagged [Tin], 15 words",
            "photo anh-1.jpg (800×600 px, 350,112 bytes)",
            "photo anh-2.jpg (inside a .zip archive) (1200×900 px, 410,000 bytes)",
        ],
        [["parsed", True, "tags [Tin]; 15 words of text"], ["bounce", False, ""]],
    ),
    (
        "counted",
        "nothing new: 1 photo already counted before, not again",
        [
            "photo anh-1.jpg (800×600 px, 350,112 bytes): the same photo as in message #1, not counted again"
        ],
        [],
    ),
    (
        "counted",
        "1 article",
        ["article: document bai.docx; 812 words ≥ 600"],
        [],
    ),
    ("ignored", "bounce: sent by mailer-daemon", [], [["bounce", True, "sent by mailer-daemon"]]),
    ("ignored", "auto-reply: an automatic-reply subject: 'Vắng mặt'", [], []),
    ("needs-review", "nothing-found: nothing to count was found", [], []),
]


@pytest.fixture
def upgraded(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    migrate(engine, "0006_login_failures")
    with engine.begin() as c:
        for n, (status, reason, items, trace) in enumerate(OLD_ROWS, start=1):
            c.execute(
                sa.text(
                    "insert into messages (id, dedup_key, digest, sender, sender_name, recipients,"
                    " subject, received_at, size, status, reason, source, trace, defects,"
                    " ingested_at) values (:id, :key, '', 'a@example.org', '', '', 's', :at, 0,"
                    " :status, :reason, 'file', :trace, '', :at)"
                ),
                {
                    "id": n,
                    "key": f"k{n}",
                    "at": WHEN,
                    "status": status,
                    "reason": reason,
                    "trace": json.dumps(trace),
                },
            )
            for item in items:
                c.execute(
                    sa.text(
                        "insert into items (message_pk, kind, count, reason)"
                        " values (:pk, 'photo', 1, :reason)"
                    ),
                    {"pk": n, "reason": item},
                )
    migrate(engine)
    yield engine
    engine.dispose()


def _rows(engine) -> list[tuple[str, str, list[str], str]]:
    with engine.connect() as c:
        messages = c.execute(sa.text("select id, status, reason, trace from messages order by id"))
        out = []
        for pk, status, reason, trace in messages.all():
            items = c.execute(
                sa.text("select reason from items where message_pk = :pk order by id"), {"pk": pk}
            ).scalars()
            out.append((status, reason, list(items), trace))
        return out


def test_old_sentences_become_codes_that_render_in_vietnamese(upgraded) -> None:
    (_, counted, items, trace), again, article, bounce, auto, review = _rows(upgraded)
    assert decode(counted).code == "counts"
    assert reason_text(decode(counted), "vi") == "1 tin, 2 ảnh"
    shown = [reason_text(decode(i), "vi") for i in items]
    assert shown == [
        "tin trong nội dung thư; tiêu đề có nhãn [Tin], 15 từ",
        "ảnh anh-1.jpg (800×600 px, 350.112 byte)",
        "ảnh anh-2.jpg (trong tệp nén .zip) (1200×900 px, 410.000 byte)",
    ]
    assert reason_text(decode(again[1]), "vi") == (
        "không có gì mới: 1 ảnh đã được tính trước đây, không tính lại"
    )
    assert reason_text(decode(again[2][0]), "vi").endswith("trùng ảnh trong thư #1, không tính lại")
    assert reason_text(decode(article[2][0]), "vi") == "bài: tệp văn bản bai.docx; 812 từ ≥ 600"
    assert decode(bounce[1]) == Reason("bounce.sender", {"sender": "mailer-daemon"})
    assert decode_trace(bounce[3])[0].note == Reason("bounce.sender", {"sender": "mailer-daemon"})
    assert decode(review[1]) == Reason("nothing-found.nothing")
    # What tinbai cannot read back stays as it was written, and still names its outcome.
    assert decode(auto[1]).code == LEGACY
    assert (
        reason_text(decode(auto[1]), "vi") == "auto-reply: an automatic-reply subject: 'Vắng mặt'"
    )
    assert outcome_label(code_of("ignored", decode(auto[1]))) == "Thư trả lời tự động"
    assert [hit.rule for hit in decode_trace(trace)] == ["parsed", "bounce"]


def test_every_old_row_renders_the_same_in_english_after_the_upgrade(upgraded) -> None:
    for (status, reason, items, _), (_, old, old_items, _) in zip(
        _rows(upgraded), OLD_ROWS, strict=True
    ):
        shown = reason_text(decode(reason), "en")
        if status == "counted" or decode(reason).code == LEGACY:
            assert shown == old
        else:
            assert old.endswith(shown)
        assert [reason_text(decode(i), "en") for i in items] == old_items


def test_a_downgrade_gives_the_sentences_back(upgraded) -> None:
    migrate_down(upgraded)
    rows = _rows(upgraded)
    assert [(s, r, i) for s, r, i, _ in rows] == [(s, r, i) for s, r, i, _ in OLD_ROWS]


def migrate_down(engine) -> None:
    from alembic import command  # noqa: PLC0415

    from store.db import _alembic_config  # noqa: PLC0415

    cfg = _alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.downgrade(cfg, "0006_login_failures")
