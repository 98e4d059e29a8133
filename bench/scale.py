"""Issue 13's scale benchmark: reports, digests, `unmapped` and the admin at a federation's size.

    .venv/bin/python bench/run.py --only scale [--runs 3] [--requests 200] [--factor 1.0]

Seeds a database of `tests/scale_data.Scale.full()` (2,500 units, 8 plans, 1,000,000
counted items in 300,000 messages, 10,000 unknown senders; `--factor` shrinks it) on
SQLite and on a throwaway PostgreSQL (`tests/pgcluster.py`), then times on each, for
the last plan as it ended: `tinbai report --format json` as a whole process and
in-process (`plan_progress`), the digest render (HTML, text, xlsx and the chart, drawn
anew each run; matplotlib's import apart), `tinbai unmapped`, `tinbai submissions list`
(first page), and the admin pages' server time (Starlette's test client in this process,
signed in) over `--requests` requests each: among them one unit's submissions (the unit of
message #1) and the senders' first page and middle page.
Medians of `--runs` runs; results in bench/out/scale.json and a table on stdout.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"

TARGETS = {  # seconds
    "report_in_process": 0.5,
    "digest_render": 1.0,
    "unmapped": 0.5,
    "page_p99": 0.2,
}
PAGE_BUDGET_S = 90.0  # a page slower than this is timed over fewer requests (noted)
PAGES = (
    "/",
    "/chart.png",
    "/unknown",
    "/submissions",
    "/submissions/{one}",
    "/submissions?unit={unit}",
    "/senders",
    "/senders?page={middle}",
)
AFTER_WRITE = 20  # dashboards timed each just after a write (the kept page recomputed)


def _median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _process(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall


@contextmanager
def _postgres() -> Iterator[str]:
    import pgcluster  # noqa: PLC0415 — the tests' throwaway cluster

    yield from pgcluster.postgres_url.__wrapped__()  # type: ignore[attr-defined]


def measure(config: Path, plan_id: str, as_of: str, runs: int, requests: int) -> dict[str, Any]:
    import warnings  # noqa: PLC0415
    from datetime import date  # noqa: PLC0415

    with warnings.catch_warnings():  # starlette asks for httpx2; httpx serves
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient  # noqa: PLC0415

    from sqlalchemy import text  # noqa: PLC0415

    from digest import chart  # noqa: PLC0415
    from store.users import add_user  # noqa: PLC0415
    from tinbai import admin  # noqa: PLC0415
    from tinbai.app import App  # noqa: PLC0415
    from tinbai.digest_job import build_digest  # noqa: PLC0415
    from tinbai.paging import Page  # noqa: PLC0415
    from tinbai.report import plan_progress  # noqa: PLC0415
    from tinbai.web.site import SENDERS_PER_PAGE, create_app  # noqa: PLC0415

    day = date.fromisoformat(as_of)
    tinbai = [sys.executable, "-m", "tinbai", "--config", str(config)]
    out: dict[str, Any] = {}
    out["report_process"] = statistics.median(
        _process([*tinbai, "report", "--format", "json", "--plan", plan_id, "--as-of", as_of])
        for _ in range(runs)
    )
    out["unmapped"] = statistics.median(
        _process([*tinbai, "unmapped", "--plan", plan_id, "--as-of", as_of]) for _ in range(runs)
    )
    out["submissions_list"] = statistics.median(
        _process([*tinbai, "submissions", "list"]) for _ in range(runs)
    )
    app = App(config)
    plan = app.plan(plan_id, day)
    # A service's one App freezes what it holds once loaded (tinbai.app._freeze_once); this
    # process opens a second App for the second database, which that would leave unfrozen.
    gc.freeze()
    plan_progress(app, plan, day)  # warm: the engine, the mapping's first read
    out["report_in_process"] = _median_time(lambda: plan_progress(app, plan, day), runs)
    # A week's digest draws its chart once: each timed render draws it again (the cache only
    # serves a preview reloaded). matplotlib's import (~0.6 s, once per process) is warmed
    # first and timed on its own, as a service pays it once.
    start = time.perf_counter()
    import matplotlib.figure  # noqa: F401, PLC0415

    out["chart_import"] = time.perf_counter() - start
    build_digest(app, plan, day)  # warm: the font cache, Jinja's compiled templates

    def digest_drawn() -> None:
        chart._DRAWN.clear()
        build_digest(app, plan, day)

    out["digest_render"] = _median_time(digest_drawn, runs)
    out["digest_render_chart_cached"] = _median_time(lambda: build_digest(app, plan, day), runs)
    # What `tinbai unmapped` does past its start-up: the busiest 50 strangers and their count.
    out["unmapped_in_process"] = _median_time(
        lambda: admin.unknown_page(app, plan, day, page=Page(size=50)), runs
    )

    now = datetime.now(UTC)
    add_user(app.store.session, "bench", "bench-password-13", "admin", actor="bench", now=now)
    app.now = lambda: datetime.combine(day, datetime.min.time(), UTC).replace(hour=12)  # type: ignore[method-assign]
    web = create_app(app, secret="bench-secret-" + "x" * 32)
    with TestClient(web, base_url="http://127.0.0.1") as client:
        page = client.get("/login").text
        token = page.split('name="csrf_token" value="')[1].split('"')[0]
        done = client.post(
            "/login",
            data={
                "csrf_token": token,
                "username": "bench",
                "password": "bench-password-13",
                "next": "/",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        unit = admin.submission(app, 1)[1]  # the unit of message #1: a unit with mail
        senders = admin.mappings_page(app, page=Page(1, SENDERS_PER_PAGE))[1]
        pages: dict[str, dict[str, float]] = {}
        for path in PAGES:
            url = path.format(one=1, unit=unit, middle=senders.pages // 2 + 1)
            client.get(url)
            times: list[float] = []
            budget = time.perf_counter() + PAGE_BUDGET_S
            while len(times) < requests and time.perf_counter() < budget:
                start = time.perf_counter()
                got = client.get(url)
                times.append(time.perf_counter() - start)
                assert got.status_code == 200, (url, got.status_code)
            times.sort()
            pages[path] = {
                "p50": statistics.median(times),
                "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
                "requests": len(times),
            }
        # Each right after a one-row write (as a poll storing a message or a correction
        # makes): the kept progress and page are stale, so computed and drawn again.
        times = []
        for _ in range(AFTER_WRITE):
            with app.store.engine.begin() as c:
                c.execute(text("UPDATE messages SET size = size + 1 WHERE id = 1"))
            start = time.perf_counter()
            assert client.get("/").status_code == 200
            times.append(time.perf_counter() - start)
        times.sort()
        pages["/ after a write"] = {
            "p50": statistics.median(times),
            "p99": times[-1],
            "requests": len(times),
        }
        out["pages"] = pages
    app.close()
    return out


def verdicts(m: dict[str, Any]) -> dict[str, bool]:
    return {
        "report_in_process": m["report_in_process"] <= TARGETS["report_in_process"],
        "digest_render": m["digest_render"] <= TARGETS["digest_render"],
        "unmapped": m["unmapped"] <= TARGETS["unmapped"],
        "unmapped_in_process": m["unmapped_in_process"] <= TARGETS["unmapped"],
        "page_p99": all(m["pages"][p]["p99"] <= TARGETS["page_p99"] for p in PAGES),
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    dbs = list(results)
    lines = ["| measure | " + " | ".join(dbs) + " | target |", "|---|" + "---|" * len(dbs) + "---|"]

    def row(label: str, get: Callable[[dict[str, Any]], float], target: float | None) -> None:
        cells = " | ".join(f"{get(results[d]) * 1000:,.0f} ms" for d in dbs)
        lines.append(
            f"| {label} | {cells} | {'' if target is None else f'≤ {target * 1000:.0f} ms'} |"
        )

    row("report --format json, whole process", lambda m: m["report_process"], None)
    row("report in-process", lambda m: m["report_in_process"], TARGETS["report_in_process"])
    row(
        "digest render (HTML+text+xlsx+chart)",
        lambda m: m["digest_render"],
        TARGETS["digest_render"],
    )
    row("digest render, chart cached", lambda m: m["digest_render_chart_cached"], None)
    row("matplotlib import (once per process)", lambda m: m["chart_import"], None)
    row("unmapped, whole process", lambda m: m["unmapped"], TARGETS["unmapped"])
    row("unmapped in-process", lambda m: m["unmapped_in_process"], TARGETS["unmapped"])
    row("submissions list, whole process", lambda m: m["submissions_list"], None)
    for path in (*PAGES, "/ after a write"):
        row(f"page {path} p50", lambda m, p=path: m["pages"][p]["p50"], None)
        row(f"page {path} p99", lambda m, p=path: m["pages"][p]["p99"], TARGETS["page_p99"])
        counts = ", ".join(f"{d}: {results[d]['pages'][path]['requests']}" for d in dbs)
        lines.append(f"| page {path} requests timed | {counts} | |")
    return "\n".join(lines)


def main(
    runs: int = 3, requests: int = 200, factor: float = 1.0, only_db: str | None = None
) -> None:
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    import scale_data  # noqa: PLC0415

    full = scale_data.Scale.full()
    size = replace(
        full,
        messages=int(full.messages * factor),
        items=int(full.items * factor),
        unknown=max(1, int(full.unknown * factor)),
    )
    plan_id, as_of = f"p{size.plans - 1}", size.last_day.isoformat()
    work = Path(tempfile.mkdtemp(prefix="tbscale", dir="/var/tmp"))
    OUT.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, Any]] = {}
    load = os.getloadavg()
    for db in ("sqlite", "postgresql"):
        if only_db and db != only_db:
            continue
        with _postgres() if db == "postgresql" else _nothing(f"sqlite:///{work}/scale.db") as url:
            config = scale_data.write_config(work / db, size, url)
            start = time.perf_counter()
            scale_data.seed(url, size)
            seeded = time.perf_counter() - start
            print(f"{db}: seeded {size.messages:,} messages in {seeded:.0f} s", file=sys.stderr)
            results[db] = measure(config, plan_id, as_of, runs, requests)
            results[db]["seed_s"] = seeded
            results[db]["verdict"] = verdicts(results[db])
    summary = {
        "size": vars(size),
        "runs": runs,
        "requests": requests,
        "load_before": load,
        "load_after": os.getloadavg(),
        "results": results,
    }
    (OUT / "scale.json").write_text(json.dumps(summary, indent=2))
    print(table(results))
    print(f"\nload average before {load}, after {os.getloadavg()}")
    for db, r in results.items():
        print(db, "verdict:", r["verdict"])


@contextmanager
def _nothing(url: str) -> Iterator[str]:
    yield url


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument("--db", choices=["sqlite", "postgresql"])
    a = parser.parse_args()
    main(a.runs, a.requests, a.factor, a.db)
