"""The hostile-input corpus (`hostile.py`): each case's outcome, its reason, and its cost.

Each case is parsed and classified in a child process under the issue's hard limits
(`test_hostile_message_within_two_seconds_and_256_mb`); `test_the_corpus_through_ingest_file`
drives the same bytes through the `tinbai ingest-file` command, and
tests/ingest/test_hostile_poll.py through a real Dovecot and the poller.
"""

from __future__ import annotations

import email
import html
import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hostile import CASES, EIGHTY_WORDS, SENDER, Case, address_as_display_name, blank_lines

from classify import classify
from classify.text import own_text
from ingest.headers import decode_header_block, parse_header_block
from ingest.parse import POLICY, _drop_blocks, html_to_text, parse_message
from texts import reason_text
from texts import text as catalogue_text
from tinbai.config import load_config
from tinbai.pipeline import classify_context

SHIPPED = Path(__file__).resolve().parents[2] / "config.toml"
# The bound for one message of the corpus (2 s), with room for a loaded CI machine.
# The blank-line and nested-div cases took 13 s and more than 120 s before the fix.
MAX_SECONDS = 2.0


@pytest.fixture(scope="module")
def ctx():  # type: ignore[no-untyped-def]
    return classify_context(load_config(SHIPPED))


# The patterns as they were before the hostile-input fixes: the reference for "unchanged".
_OLD_QUOTE_START = re.compile(
    r"""^\s*(?:
        -{2,}\s*(?:original\s+message|thư\s+gốc|tin\s+nhắn\s+gốc)\s*-{2,}
      | (?:on|vào)\s.{0,200}?(?:wrote|đã\s+viết)\s*:\s*$
      | (?:from|từ)\s*:\s.*\n\s*(?:sent|date|đã\s+gửi|ngày)\s*:
    )""",
    re.IGNORECASE | re.MULTILINE | re.VERBOSE,
)
_OLD_BLOCK = re.compile(r"(?is)<(script|style|head)\b.*?</\1>")
_OLD_BREAK = re.compile(r"(?i)<\s*(br|/p|/div|/tr|/li|/h\d)\b[^>]*>")
_OLD_TAG = re.compile(r"<[^>]+>")


def _old_html_to_text(markup: str) -> str:
    markup = _OLD_BREAK.sub("\n", _OLD_BLOCK.sub(" ", markup))
    return html.unescape(_OLD_TAG.sub(" ", markup))


def _old_own_text(text: str) -> str:
    match = _OLD_QUOTE_START.search(text)
    return own_text(text[: match.start()] if match else text)  # the rest of own_text is as it was


def _corpus_texts(corpus: Path) -> list[str]:
    texts = []
    for path in sorted(corpus.glob("*.eml")):
        msg = email.message_from_bytes(path.read_bytes(), policy=POLICY)
        for part in msg.walk():
            if part.get_content_maintype() == "text":
                try:
                    texts.append(str(part.get_content()))
                except (LookupError, ValueError, AttributeError):
                    continue
    return texts


REPLIES = [
    "Gửi lại bài đã sửa.\n  \n\n  On Mon, 11 May 2020, Ban Tuyên giáo wrote:\n> bài cũ\n",
    "Bài mới\r\n\r\nFrom: Ban Tuyên giáo\r\nSent: Monday\r\nbài cũ",
    "\n\n-----Original Message-----\nbài cũ",
    "một\nhai\n-- \nchữ ký",
    "một  \n\t\n Vào 11 thg 5, 2020 lúc 09:00 X đã viết:\n> cũ",
]


def test_own_text_is_unchanged_on_replies_and_the_real_corpus(corpus: Path) -> None:
    texts = [*REPLIES, *_corpus_texts(corpus)]
    assert len(texts) > 100
    for text in texts:
        assert own_text(text) == _old_own_text(text)


def test_html_to_text_drops_the_same_blocks_on_the_real_corpus(corpus: Path) -> None:
    markups = [t for t in _corpus_texts(corpus) if "<" in t]
    markups.append("<HEAD><title>t</title></head><Style>p{}</STYLE>a<script x>1</script>b<head c")
    for markup in markups:
        assert _drop_blocks(markup) == _OLD_BLOCK.sub(" ", markup)
    assert html_to_text(markups[-1]).split() == ["a", "b<head", "c"]
    # A tag now ends at the next "<": the same text on all real mail but fuzzed garbage.
    ordinary = [m for m in markups if re.search(r"<[^>]*<", m) is None]
    assert len(ordinary) >= 60
    for markup in ordinary:
        assert html_to_text(markup) == _old_html_to_text(markup)


def test_nested_and_unclosed_markup_is_linear() -> None:
    started = time.perf_counter()
    assert html_to_text("<div>" * 200_000 + "chữ" + "</div>" * 200_000).split() == ["chữ"]
    assert "chữ" in html_to_text("chữ" + "<style <head <script </div <br <p " * 50_000)
    assert time.perf_counter() - started < 1.0


def test_both_header_roads_take_the_address_in_angle_brackets() -> None:
    raw = address_as_display_name()
    block = raw.split(b"\n\n", 1)[0] + b"\n\n"
    for parsed in (
        parse_message(raw),
        decode_header_block(block, None),
        parse_header_block(block, None),
    ):
        assert parsed.sender is not None
        assert parsed.sender.address == "a@malicious.example.org"
    assert any("not its display name" in d for d in parse_message(raw).defects)


@pytest.mark.parametrize(
    "header",
    [
        '"tuangiao@example.org <tuangiao@example.org>" <a@malicious.example.org>',
        "(tuangiao@example.org <tuangiao@example.org>) <a@malicious.example.org>",
        "tuangiao@example.org <a@malicious.example.org>, tuangiao@example.org",
        "=?utf-8?q?tuangiao=40example.org_=3Ctuangiao=40example.org=3E?= <a@malicious.example.org>",
    ],
    ids=["quoted", "comment", "list", "encoded-word"],
)
def test_no_display_name_shape_picks_the_sender(header: str) -> None:
    raw = f"From: {header}\r\nTo: tinbai@example.org\r\nSubject: x\r\n\r\nbody\r\n".encode()
    parsed = parse_message(raw)
    assert parsed.sender is not None
    assert parsed.sender.address == "a@malicious.example.org"


def test_a_huge_display_name_keeps_the_address_and_says_so() -> None:
    parsed = parse_message(
        f'From: "{"A" * 5_000_000}" <{SENDER}>\r\nSubject: x\r\n\r\nbody\r\n'.encode()
    )
    assert parsed.sender is not None
    assert parsed.sender.address == SENDER
    assert len(parsed.sender.name) <= 201
    assert any("the display name is cut to 200" in d for d in parsed.defects)


# The bound: every message of the corpus parsed and classified within 2 s of CPU
# and 256 MB of address space (the interpreter and its imports included), enforced by
# the kernel: over either, the child is killed and the test fails. One driver process
# imports once and forks a child per message, which sets the limits and reads it.
MAX_ADDRESS_SPACE = 256 * 1024 * 1024
_BOUNDED = """
import json, math, os, resource, sys, time, traceback
from pathlib import Path
from classify import classify
from ingest.parse import parse_message
from tinbai.config import load_config
from texts import reason_text
from tinbai.pipeline import classify_context

ctx = classify_context(load_config(Path(sys.argv[1])))
space = int(sys.argv[2])
for path in sys.argv[3:]:
    out = Path(path + ".json")
    pid = os.fork()
    if pid == 0:
        resource.setrlimit(resource.RLIMIT_AS, (space, space))
        used = resource.getrusage(resource.RUSAGE_SELF)
        cpu = math.ceil(used.ru_utime + used.ru_stime) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
        try:
            started = time.process_time()
            parsed = parse_message(Path(path).read_bytes())
            result = classify(parsed, ctx)
            seconds = time.process_time() - started
            outcome = {
                "status": result.status,
                "reason": reason_text(result.reason, "en"),
                "seconds": seconds,
                "sender": parsed.sender.address if parsed.sender else None,
                "subject": parsed.subject,
            }
        except BaseException:
            outcome = {"raised": traceback.format_exc()[-3000:]}
        out.write_text(json.dumps(outcome))
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if not out.exists():
        out.write_text(json.dumps({"died": status}))
"""


@pytest.fixture(scope="module")
def bounded(
    tmp_path_factory: pytest.TempPathFactory, hostile_files: dict[str, Path]
) -> dict[str, dict[str, object]]:
    folder = tmp_path_factory.mktemp("bounded")
    paths = []
    for case in CASES:
        path = folder / f"{case.id}.eml"
        path.symlink_to(hostile_files[case.id])  # the outcome is written beside it
        paths.append(str(path))
    root = str(SHIPPED.parent)
    done = subprocess.run(
        [sys.executable, "-c", _BOUNDED, str(SHIPPED), str(MAX_ADDRESS_SPACE), *paths],
        capture_output=True,
        text=True,
        cwd=root,
        env={"PYTHONPATH": root, "PATH": "/usr/bin:/bin"},
        check=False,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return {
        case.id: json.loads(Path(f"{path}.json").read_text())
        for case, path in zip(CASES, paths, strict=True)
    }


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_message_within_two_seconds_and_256_mb(
    case: Case, bounded: dict[str, dict[str, object]]
) -> None:
    outcome = bounded[case.id]
    assert "died" not in outcome, outcome  # killed by a limit (or crashed): the wait status
    assert "raised" not in outcome, outcome["raised"]
    assert (outcome["status"], case.reason in str(outcome["reason"])) == (case.status, True), (
        outcome
    )
    assert outcome["sender"] == case.sender
    assert outcome["subject"]  # the headers survive whatever the body does
    assert float(str(outcome["seconds"])) < MAX_SECONDS


@pytest.mark.usefixtures("english")
def test_the_corpus_through_ingest_file(tinbai, hostile_files: dict[str, Path]) -> None:  # type: ignore[no-untyped-def]
    paths = [hostile_files[case.id] for case in CASES]
    done = tinbai("ingest-file", *paths)
    for case, path in zip(CASES, paths, strict=True):
        line = next((x for x in done.stdout.splitlines() if x.startswith(f"{path}:")), "")
        if case.status == "counted":
            assert not line, line
        else:
            status = catalogue_text(f"status.{case.status}", "en")
            assert line.startswith(f"{path}: {status}: "), done.stdout
            assert case.reason in line
    report = json.loads(tinbai("report", "--format", "json", "--as-of", "2020-05-15").stdout)
    tuan_giao = next(u for u in report["units"] if u["id"] == "tuan-giao")
    # Counted for tuan-giao: blank lines, 2 × nested divs, the 5 MB name, the 36 MB .txt,
    # 16,000 encoded words, missing boundaries, base64 garbage, bare CR/LF, 8-bit headers
    # (news); unclosed tags and the two tagged document bombs (article); the zip's photo,
    # the 40 MB and 50 MB photos. No ambiguous From (the CVE shapes) counts for anyone.
    assert tuan_giao["counts"] == {"news": 10, "article": 3, "photo": 3}
    # The address in brackets, never the display name: the CVE-2023-27043 shapes that
    # name a@malicious.example.org are its (for review, not counted for tuan-giao).
    assert report["unmapped"] == [
        {"address": "a@malicious.example.org", "messages": 5},
        {"address": '"a@malicious.example.org"@example.org', "messages": 1},
        {"address": "(no sender)", "messages": 1},
    ]
    ids = {case.id: i for i, case in enumerate(CASES, 1)}
    bomb = tinbai("explain", str(ids["zip-bomb-member"])).stdout
    assert "a zip bomb, skipped" in bomb
    huge = tinbai("explain", str(ids["display-name-5mb"])).stdout
    assert f"<{SENDER}>" in huge
    assert "the display name is cut to 200" in huge
    deep = tinbai("explain", str(ids["mime-2000-deep"])).stdout
    assert "subject:   [Tin] Hội nghị lồng nhau" in deep
    assert "date:      2020-05-11" in deep


def test_the_ceiling_is_configurable(tinbai, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with tinbai.config.open("a", encoding="utf-8") as f:
        f.write("\n[classify]\nmax_items_per_message = 200\n")
    from hostile import many_documents  # noqa: PLC0415

    path = tmp_path / "hundred.eml"
    path.write_bytes(many_documents(100))
    assert "1 new message(s): 100 news" in tinbai("ingest-file", path).stdout


def test_blank_lines_body_still_counts_its_words() -> None:
    parsed = parse_message(blank_lines())
    assert parsed.text.split() == EIGHTY_WORDS.split()


@pytest.mark.parametrize(
    ("results", "status"),
    [
        ("mx.example.org; dmarc=pass header.from=example.org", "counted"),
        ("mx.example.org; dmarc=pass header.from=Example.ORG.", "counted"),
        ("mx.example.org; spf=pass smtp.mailfrom=example.org", "counted"),
        ("mx.example.org; dmarc=pass header.from=malicious.example.org", "needs-review"),
        ("mx.example.org; dmarc=pass header.from=sub.example.org", "needs-review"),
    ],
    ids=["aligned", "case-and-dot", "no-header-from", "another-domain", "a-subdomain"],
)
def test_header_from_must_be_the_senders_domain(results: str, status: str, ctx) -> None:  # type: ignore[no-untyped-def]
    from mailkit import build_message  # noqa: PLC0415

    raw = build_message(headers=[("Authentication-Results", results)])
    result = classify(parse_message(raw), ctx)
    assert result.status == status, result.reason
    if status == "needs-review":
        assert result.reason.code == "spoofed.other-domain"
        assert reason_text(result.reason, "en").startswith(
            "the receiving server checked header.from="
        )


def test_stored_defects_are_capped() -> None:
    from store.repo import MAX_STORED_DEFECTS, stored_defects  # noqa: PLC0415

    text = stored_defects(tuple(f"part {i}: {'x' * 2_000}" for i in range(10_000)))
    lines = text.splitlines()
    assert len(lines) == MAX_STORED_DEFECTS + 1
    assert lines[-1] == f"and {10_000 - MAX_STORED_DEFECTS:,} more"
    assert len(text) < 30_000
    assert stored_defects(("a", "b")) == "a\nb"


def test_a_message_with_50000_parts_builds_only_the_first_parts() -> None:
    from hostile import many_parts  # noqa: PLC0415

    parsed = parse_message(many_parts())
    assert len(parsed.parts) == 400
    assert "limit: more than 400 parts; the rest is skipped" in parsed.defects
    assert len(parsed.defects) < 10


def test_the_archives_of_one_message_share_the_inflation_limit() -> None:
    from hostile import (  # noqa: PLC0415
        _base64_part,
        _compressible_text,
        _raw_message,
        _repeated_zip,
    )

    text = _compressible_text(20_000_000)
    archives = [
        _base64_part(
            "application/zip",
            f"tin-{i}.zip",
            _repeated_zip([f"tin-{i}-{j}.txt" for j in range(2)], text),
        )
        for i in range(3)
    ]
    parsed = parse_message(_raw_message("[Tin] Ba tệp nén", archives, "three-zips"))
    containers = [p for p in parsed.parts if (p.filename or "").endswith(".zip")]
    # 2 × 20 MB each: the first two archives fit in 100 MB, the third does not.
    assert [p.members for p in containers] == [2, 2, None]
    assert containers[2].note == "inflates to more than 100 MB in all: not opened further"
