"""The first sync and the idle poll over a provincial office's link: 40 ms RTT, 20 Mbit/s.

On loopback the first sync is at the floor; what an office sees is its link to the mail
provider. `tests/netproxy.py` stands in for that link: 20 ms added each way to every
chunk, and 2.5 MB/s (20 Mbit/s) each way. Measured, for the photo mailbox `run.py`
generates:

- the first sync, `tinbai poll` as a whole process over IMAPS through the link: wall
  time, the bytes both ways (the proxy's counters), the IMAP commands it sent (Dovecot's
  rawlog: each is a round trip, tinbai does not pipeline);
- the floor: the time the bytes alone need on that link (the larger direction at 2.5 MB/s);
- mbsync's full mirror, computed from its bytes (the whole mailbox) at that bandwidth:
  running it would take over an hour;
- the idle poll of `tinbai run` on its kept session: its wall time and its round trips,
  counted as the command lines it sends through the link (plain IMAP here, so the proxy
  can read them; TLS adds no round trip once the session is up).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from dovecot import Dovecot
from netproxy import Proxy

LATENCY = 0.020  # seconds each way: a 40 ms round trip
BANDWIDTH = 2_500_000  # bytes per second each way: 20 Mbit/s


def _through(
    config: Path, port: int, name: str, plain: bool = False, action: str | None = None
) -> Path:
    """A copy of ``config`` whose mailbox port is the proxy's (and ``action`` after processing)."""
    text = re.sub(r"(?m)^port = .*$", f"port = {port}", config.read_text(), count=1)
    if plain:
        text = text.replace('security = "tls"', 'security = "plain"', 1)
    if action:
        text = text.replace("[mailbox]\n", f'[mailbox]\nafter_processing = "{action}"\n', 1)
    out = config.parent / name
    out.write_text(text)
    return out


def link(
    server: Dovecot,
    user: str,
    configs: list[Path],
    *,
    mailbox_bytes: int,
    idle_runs: int,
    timed_process: Any,
    tinbai: list[str],
    env: dict[str, str],
    scheduled_poll: Any,
    action: str | None = None,
) -> dict[str, Any]:
    """Measure the link figures; ``configs``: one fresh (empty-database) config per run.

    ``action``: the first syncs with that `after_processing` (e.g. "mark-seen"), which
    the server then remembers (flags); the idle polls leave the mail alone."""
    server.rawlog(user)
    runs: dict[str, list[float]] = {"s": [], "down": [], "up": [], "commands": [], "mb": []}
    with Proxy(
        ("127.0.0.1", server.imaps_port), latency=LATENCY, bandwidth=BANDWIDTH, record=False
    ) as tls:
        for config in configs:
            via = _through(config, tls.port, "link.toml", action=action)
            down, up = tls.bytes_down, tls.bytes_up
            sessions = len(server.commands(user))
            wall, rss, out = timed_process([*tinbai, str(via), "poll"], env)
            runs["s"].append(wall)
            runs["mb"].append(rss)
            runs["down"].append(tls.bytes_down - down)
            runs["up"].append(tls.bytes_up - up)
            time.sleep(0.5)  # Dovecot writes the rawlog as the session ends
            runs["commands"].append(sum(len(c) for c in server.commands(user)[sessions:]))
            print(f"link first sync: {wall:.1f} s, {out.strip()}", flush=True)
    idle: dict[str, list[float]] = {"ms": [], "round_trips": []}
    with Proxy(("127.0.0.1", server.imap_port), latency=LATENCY, bandwidth=BANDWIDTH) as plain:
        once, close = scheduled_poll(
            _through(configs[-1], plain.port, "link-plain.toml", plain=True)
        )
        try:
            once()  # untimed: logs in and selects, as the service's first poll does
            for _ in range(idle_runs):
                lines = plain.lines_up
                idle["ms"].append(once() * 1000)
                idle["round_trips"].append(plain.lines_up - lines)
        finally:
            close()
    return {
        "first_sync_runs": runs,
        "idle_runs": idle,
        "mailbox_bytes": mailbox_bytes,
        "action": action or "none",
    }


def summary(r: dict[str, Any], median: Any) -> dict[str, float]:
    runs, idle = r["first_sync_runs"], r["idle_runs"]
    down, up = median(runs["down"]), median(runs["up"])
    floor = max(down, up) / BANDWIDTH
    return {
        "first_sync_s": median(runs["s"]),
        "bytes_down": down,
        "bytes_up": up,
        "commands": median(runs["commands"]),
        "peak_mb": median(runs["mb"]),
        "bytes_floor_s": floor,
        "ratio_to_floor": median(runs["s"]) / floor,
        "mbsync_computed_s": r["mailbox_bytes"] / BANDWIDTH,
        "idle_ms": median(idle["ms"]),
        "idle_round_trips": max(idle["round_trips"]),
    }


def report(r: dict[str, Any], median: Any) -> list[str]:
    s = summary(r, median)
    return [
        "",
        f"over a {LATENCY * 2000:.0f} ms RTT, {BANDWIDTH * 8 / 1e6:.0f} Mbit/s link (median of {len(r['first_sync_runs']['s'])}):",
        "| | wall | bytes | round trips | goal |",
        "|---|---|---|---|---|",
        f"| tinbai first sync | {s['first_sync_s']:.1f} s | {s['bytes_down'] / 1e6:.1f} MB down, {s['bytes_up'] / 1e6:.2f} MB up | {s['commands']:.0f} | ≤ 1.25 × the bytes' time: **{s['ratio_to_floor']:.2f} ×** |",
        f"| its bytes alone at {BANDWIDTH * 8 / 1e6:.0f} Mbit/s | {s['bytes_floor_s']:.1f} s | | | |",
        f"| mbsync full mirror, from its bytes | {s['mbsync_computed_s']:.0f} s | {r['mailbox_bytes'] / 1e9:.2f} GB | | |",
        f"| tinbai idle poll, kept session | {s['idle_ms']:.0f} ms | | {s['idle_round_trips']:.0f} (most of {len(r['idle_runs']['ms'])}) | ≤ 3 round trips |",
        f"runs: {r['first_sync_runs']}",
    ]
