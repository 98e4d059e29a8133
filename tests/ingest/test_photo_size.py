"""A phone photo's pixel size, past its Exif block, costs the batch one more FETCH, not one per photo."""

from __future__ import annotations

import pytest
from dovecot import Mailbox
from mailkit import Attachment, build_message, make_jpeg
from roads import with_exif_block
from sqlalchemy import select

from store.models import Item
from store.reasons import decode
from texts import reason_text

pytestmark = pytest.mark.integration


def _phone_message(n: int) -> bytes:
    shots = [
        Attachment(
            f"IMG_{n}{i}.jpg", with_exif_block(make_jpeg(1024, 768, seed=10 * n + i), f"{n}:{i}")
        )
        for i in (1, 2)
    ]
    return build_message(subject=f"[Ảnh] Ảnh số {n}", body="Ảnh.", attachments=shots)


def test_the_sizes_past_the_heads_of_a_batch_come_in_one_fetch(mailbox: Mailbox) -> None:
    mailbox.deliver(*(_phone_message(n) for n in range(1, 4)))

    stats = mailbox.poll()

    assert stats.items["photo"] == 6
    assert stats.size_fetches == 1  # six photos, one FETCH for the ranges past their heads
    app = mailbox.app()
    try:
        with app.store.session() as s:
            reasons = s.scalars(select(Item.reason).where(Item.kind == "photo")).all()
    finally:
        app.close()
    assert len(reasons) == 6
    assert all("1024×768 px" in reason_text(decode(reason), "en") for reason in reasons)
