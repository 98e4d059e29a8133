"""How long the theme matcher takes on a long document, with the shipped config's themes.

    .venv/bin/python bench/themes.py [--words 50000] [--runs 5]

Prints the median time to match a Vietnamese text of that many words (a 100-page report
is about 50,000) against every theme and date keyword of `config.toml`. Not run by the
test suite: a figure for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tinbai.config import load_config, theme_matcher  # noqa: E402 — after the path is set

SENTENCE = (
    "Sáng ngày 8/5/2020, LĐLĐ huyện Tuần Giáo tổ chức Hội nghị người lao động năm 2020 "
    "với sự tham gia của hơn 120 đoàn viên công đoàn đến từ các công đoàn cơ sở, bàn giải "
    "pháp chăm lo đời sống và phòng, chống dịch bệnh cho người lao động. "
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    matcher = theme_matcher(load_config(ROOT / "config.toml"))
    assert matcher is not None
    per_sentence = len(SENTENCE.split())
    text = SENTENCE * max(1, args.words // per_sentence)
    matcher.match(text)  # warm the word cache, as a poll of many messages has it warm
    times = []
    for _ in range(args.runs):
        start = time.perf_counter()
        found = matcher.match(text)
        times.append(time.perf_counter() - start)
    words = len(text.split())
    median = statistics.median(times)
    print(f"{words} words, {len(text)} characters: median {median:.3f} s over {args.runs} runs")
    print(f"  {words / median:,.0f} words/s; themes found: {', '.join(sorted(found))}")


if __name__ == "__main__":
    main()
