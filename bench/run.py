"""Benchmarks of the IMAP poller against mbsync, on a private Dovecot (not run by the tests).

    .venv/bin/python bench/run.py [--messages 1000] [--small 100000] [--runs 3] [--idle-runs 30]
                                  [--rested-runs 20] [--only first-sync|idle|link|scale]

1. generate a large text-only mailbox and sync it with `tinbai poll` (its time and memory),
   then a photo-heavy one (`bench/generate.py`);
2. one untimed pass of each tool, so both meet the same warm server;
3. first sync: `mbsync` full mirror vs `tinbai poll` on an empty database, each a whole
   process (wall time, peak RSS from wait4, bytes on the wire from Dovecot's log);
4. idle poll in-process (`poll_once` on an up-to-date database), logging in each time and
   on a session kept between polls as `tinbai run` does (also after a rest of REST_S),
   vs the raw IMAP floor (connect, login, SELECT, UID SEARCH, logout with imapclient);
   both sizes in one loop, at least SETTLE_S after the large mailbox's sync, on a server
   at rest as an idle poll finds it;
5. `tinbai poll` with nothing new, as a whole process, and what its imports cost
   (`python -X importtime` of that same command).

`--only first-sync` stops after step 3 (about a quarter of the time: mbsync's runs dominate);
`--only idle` skips mbsync and the timed first syncs, and runs steps 4 and 5;
`--only scale` seeds a federation-sized database and times reports, digests, `unmapped`
and the admin pages on SQLite and PostgreSQL (`bench/scale.py`, issue 13);
`--only link` runs the first sync and the idle poll over a 40 ms, 20 Mbit/s link instead
(`bench/link.py`, through `tests/netproxy.py`); `--action mark-seen` makes those first syncs
mark what they count seen.
Results go to bench/out/results.json and a Markdown summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The repo root first: tests/classify (a test folder) must not shadow the classify package.
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "bench")]

import imapclient  # noqa: E402
from dovecot import PASSWORD, Dovecot, set_table  # noqa: E402
from generate import fill, resync  # noqa: E402

from tinbai.app import App  # noqa: E402
from tinbai.polling import MailboxSession, poll_once  # noqa: E402

OUT = ROOT / "bench" / "out"
PACKAGES = ("classify", "digest", "ingest", "store", "texts", "tinbai")
REST_S = 1.0  # the pause before each "rested" kept-session poll
SETTLE_S = 360.0  # at least this long between the 100,000-message sync and its idle polls
PHOTO_USER = "photos@example.org"
SMALL_USER = "small@example.org"


def timed_process(argv: list[str], env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in MB, stdout) of one whole process.

    GNU time reports the peak RSS: it forks from a small process, so the figure is
    the command's own (a fork of this big benchmark process would inherit its size).
    """
    rss_file = Path(tempfile.mktemp(prefix="rss", dir="/var/tmp"))  # noqa: S306 — written by /usr/bin/time
    start = time.perf_counter()
    done = subprocess.run(
        ["/usr/bin/time", "-o", str(rss_file), "-f", "%M", *argv],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{argv[0]} exited {done.returncode}: {done.stdout}\n{done.stderr}")
    rss_kb = int(rss_file.read_text().split()[-1])
    rss_file.unlink()
    return wall, rss_kb // 1024, done.stdout


def median(values: list[float]) -> float:
    return statistics.median(values)


def mbsync_config(server: Dovecot, user: str, mirror: Path) -> Path:
    path = mirror.parent / "mbsyncrc"
    path.write_text(
        f"IMAPAccount bench\nHost localhost\nPort {server.imaps_port}\nUser {user}\nPass {PASSWORD}\n"
        f"SSLType IMAPS\nCertificateFile {server.cert}\n\n"
        "IMAPStore remote\nAccount bench\n\n"
        f"MaildirStore local\nPath {mirror}/\nInbox {mirror}/INBOX\n\n"
        "Channel mirror\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSync Pull\nSyncState *\n"
    )
    return path


def text_mailbox(server: Dovecot, user: str, count: int) -> None:
    """``user``'s INBOX filled with ``count`` short text messages, their UIDs assigned."""
    maildir = server.dir / "home" / user / "Maildir"
    fill(maildir, count, photos=False)
    resync(server.conf, user, maildir)


def tinbai_config(folder: Path, server: Dovecot, user: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    shutil.copy(ROOT / "config.toml", config)
    set_table(
        config,
        "mailbox",
        host="127.0.0.1",
        port=server.imaps_port,
        security="tls",
        ca_file=str(server.cert),
        username=user,
        password_env="BENCH_IMAP_PASSWORD",
        address="tinbai@example.org",
        timeout=60,
    )
    return config


def logged_out(server: Dovecot, user: str) -> int:
    return server.logged_out_bytes(user)[-1][1]


def raw_floor(server: Dovecot, user: str) -> float:
    start = time.perf_counter()
    client = imapclient.IMAPClient("127.0.0.1", port=server.imap_port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    info = client.select_folder("INBOX", readonly=True)
    client.search(["UID", f"{int(info[b'UIDNEXT'])}:*"])
    client.logout()
    return time.perf_counter() - start


def bare_session(server: Dovecot, user: str) -> float:
    """Connect, login, logout: what every poll pays before it asks anything."""
    start = time.perf_counter()
    client = imapclient.IMAPClient("127.0.0.1", port=server.imap_port, ssl=False, timeout=30)
    client.login(user, PASSWORD)
    client.logout()
    return time.perf_counter() - start


def idle_poll(config: Path) -> Callable[[], float]:
    def once() -> float:
        app = App(config_path=config)
        app.store  # noqa: B018 — open (and migrate) outside the timing, as the service does once
        start = time.perf_counter()
        stats = poll_once(app)
        elapsed = time.perf_counter() - start
        app.close()
        assert stats.new == 0, stats.summary()
        return elapsed

    return once


def scheduled_poll(config: Path) -> tuple[Callable[[], float], Callable[[], None]]:
    """The service's idle poll: one App and one kept IMAP session across the runs."""
    app = App(config_path=config)
    app.store  # noqa: B018 — open (and migrate) outside the timing, as the service does once
    session = MailboxSession()

    def once() -> float:
        start = time.perf_counter()
        stats = poll_once(app, session=session)
        elapsed = time.perf_counter() - start
        assert stats.new == 0, stats.summary()
        return elapsed

    def close() -> None:
        session.close()
        app.close()

    return once, close


def plain_config(server: Dovecot, config: Path) -> Path:
    """The same config on the plain loopback port, as the raw floor uses."""
    plain = config.parent / "plain.toml"
    text = config.read_text()
    text = re.sub(r"(?m)^port = .*$", f"port = {server.imap_port}", text, count=1)
    plain.write_text(text.replace('security = "tls"', 'security = "plain"'))
    return plain


def idle_polls(
    server: Dovecot, mailboxes: dict[str, tuple[str, Path]], runs: int, rested: int
) -> dict[str, dict[str, float]]:
    """Idle polls of every mailbox (label -> (user, config)), timed in the same loop.

    Each run times, for each mailbox in turn (the order alternating from run to run),
    tinbai logging in each time (`tinbai poll`'s way, `tinbai_ms`), the service's poll
    on its kept session (`scheduled_ms`), the raw floor and a bare login. A poll's time
    depends on what the machine did just before it (a few milliseconds of other work
    makes the next one 2-3 × slower), so the sizes share one loop rather than being timed
    one after the other. `scheduled_rested_ms` is the kept session's poll after REST_S of
    nothing, as the service's timer finds the machine.
    """
    series: dict[str, dict[str, list[float]]] = {}
    polls, kept, stops = {}, {}, []
    for label, (user, config) in mailboxes.items():
        plain = plain_config(server, config)
        polls[label] = idle_poll(plain)
        kept[label], stop = scheduled_poll(plain)
        stops.append(stop)
        polls[label]()  # untimed: the first of each opens what the others find open
        kept[label]()
        raw_floor(server, user)
        series[label] = {k: [] for k in ("tinbai", "scheduled", "floor", "bare", "rested")}
    labels = list(mailboxes)
    try:
        for i in range(runs):
            for label in labels if i % 2 == 0 else labels[::-1]:
                user, s = mailboxes[label][0], series[label]
                s["tinbai"].append(polls[label]())
                s["scheduled"].append(kept[label]())
                s["floor"].append(raw_floor(server, user))
                s["bare"].append(bare_session(server, user))
        for i in range(rested):
            for label in labels if i % 2 == 0 else labels[::-1]:
                time.sleep(REST_S)
                series[label]["rested"].append(kept[label]())
    finally:
        for stop in stops:
            stop()
    return {
        label: {
            "tinbai_ms": median(s["tinbai"]) * 1000,
            "scheduled_ms": median(s["scheduled"]) * 1000,
            "scheduled_rested_ms": median(s["rested"]) * 1000 if s["rested"] else float("nan"),
            "floor_ms": median(s["floor"]) * 1000,
            "login_logout_ms": median(s["bare"]) * 1000,
        }
        for label, s in series.items()
    }


def first_sync(
    server: Dovecot,
    work: Path,
    *,
    runs: int,
    tinbai: list[str],
    env: dict[str, str],
    results: dict[str, Any],
) -> None:
    """mbsync's full mirror against tinbai's first sync, alternately, on the same warm server."""
    mirror = work / "mirror"
    rc = mbsync_config(server, PHOTO_USER, mirror)
    first: dict[str, list[float]] = {
        "mbsync_s": [],
        "mbsync_mb": [],
        "tinbai_s": [],
        "tinbai_mb": [],
        "tinbai_wire": [],
    }
    for run in range(runs + 1):  # run 0 is the untimed warm-up of both
        shutil.rmtree(mirror, ignore_errors=True)
        mirror.mkdir(parents=True)
        wall, rss, _ = timed_process(["mbsync", "-q", "-c", str(rc), "-a"])
        if run:
            first["mbsync_s"].append(wall)
            first["mbsync_mb"].append(rss)
        config = tinbai_config(work / f"sync{run}", server, PHOTO_USER)
        wall, rss, out = timed_process([*tinbai, str(config), "poll"], env)
        if run:
            first["tinbai_s"].append(wall)
            first["tinbai_mb"].append(rss)
            first["tinbai_wire"].append(logged_out(server, PHOTO_USER))
        results["tinbai_summary"] = out.strip()
        print(f"run {run}: {out.strip()}", file=sys.stderr)
    shutil.rmtree(mirror, ignore_errors=True)
    results["first_sync"] = {k: median(v) for k, v in first.items()}
    results["first_sync_runs"] = first
    results["load_average"] = os.getloadavg()
    save(results)


def main() -> None:  # noqa: PLR0912 — one branch per --only
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle-runs", type=int, default=30)
    parser.add_argument(
        "--exif",
        type=int,
        default=0,
        help="bytes of Exif before each photo's frame header (a phone's JPEG: 40000)",
    )
    parser.add_argument(
        "--rested-runs", type=int, default=20, help=f"kept-session polls after {REST_S} s idle"
    )
    parser.add_argument(
        "--only",
        choices=["first-sync", "idle", "link", "scale"],
        help="first-sync: stop after it; idle: skip mbsync and time the idle polls;"
        " link: the first sync and the idle poll over a 40 ms, 20 Mbit/s link (bench/link.py)",
    )
    parser.add_argument(
        "--action",
        help='with --only link: the first syncs\' mailbox.after_processing (e.g. "mark-seen")',
    )
    parser.add_argument("--requests", type=int, default=200, help="scale: requests per admin page")
    parser.add_argument(
        "--factor", type=float, default=1.0, help="scale: the data's size as a share of issue 13's"
    )
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.only == "scale":  # no mail server: a seeded database (bench/scale.py)
        import scale  # noqa: PLC0415

        scale.main(args.runs, args.requests, args.factor)
        return
    # tinbai as scripts/lib.sh installs it: its modules compiled once, not at every start.
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", *PACKAGES],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    os.environ["BENCH_IMAP_PASSWORD"] = PASSWORD
    env = {**os.environ}
    server = Dovecot.create()
    work = Path(tempfile.mkdtemp(prefix="tbbench", dir="/var/tmp"))
    results: dict[str, Any] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}",
        "python": platform.python_version(),
        "messages": args.messages,
        "small": args.small,
    }
    try:
        server.start()
        tinbai = [sys.executable, "-m", "tinbai", "--config"]
        small_config: Path | None = None
        small_synced_at = 0.0
        if args.small and args.only not in ("first-sync", "link"):
            # First, so that it has settled by the time its idle polls are timed, at the end.
            t = time.perf_counter()
            text_mailbox(server, SMALL_USER, args.small)
            results["small_generate_s"] = time.perf_counter() - t
            small_config = tinbai_config(work / "small", server, SMALL_USER)
            wall, rss, out = timed_process([*tinbai, str(small_config), "poll"], env)
            small_synced_at = time.monotonic()
            results["small_first_sync"] = {"s": wall, "mb": rss, "summary": out.strip()}
            save(results)
            print(f"synced {args.small} small messages in {wall:.0f} s", file=sys.stderr)
        t = time.perf_counter()
        maildir = server.dir / "home" / PHOTO_USER / "Maildir"
        results["mailbox_bytes"] = fill(maildir, args.messages, photos=True, exif=args.exif)
        results["exif_bytes"] = args.exif
        resync(server.conf, PHOTO_USER, maildir)
        results["generate_s"] = time.perf_counter() - t
        print(
            f"generated {args.messages} messages, {results['mailbox_bytes'] / 1e9:.2f} GB",
            file=sys.stderr,
        )

        if args.only == "link":
            import link  # noqa: PLC0415 — the link's proxy lives with the tests

            timed_process(  # untimed: the server warm, as for the other first syncs
                [*tinbai, str(tinbai_config(work / "warm", server, PHOTO_USER)), "poll"], env
            )
            results["link"] = link.link(
                server,
                PHOTO_USER,
                [tinbai_config(work / f"link{i}", server, PHOTO_USER) for i in range(args.runs)],
                mailbox_bytes=results["mailbox_bytes"],
                idle_runs=args.idle_runs,
                timed_process=timed_process,
                tinbai=tinbai,
                env=env,
                scheduled_poll=scheduled_poll,
                action=args.action,
            )
            results["link_summary"] = link.summary(results["link"], median)
            save(results)
            print("\n".join(link.report(results["link"], median)))
            return
        if args.only == "idle":  # one untimed first sync, for the idle polls that follow
            timed_process(
                [*tinbai, str(tinbai_config(work / "sync1", server, PHOTO_USER)), "poll"], env
            )
        else:
            first_sync(server, work, runs=args.runs, tinbai=tinbai, env=env, results=results)
        if args.only == "first-sync":
            print(report(results))
            return

        synced = work / "sync1" / "config.toml"

        # The whole process, nothing new: what a cron job or a person pays.
        whole = [timed_process([*tinbai, str(synced), "poll"], env)[0] for _ in range(5)]
        results["poll_process_s"] = median(whole)
        # What that time is made of: the imports of the very same command.
        imports = subprocess.run(
            [sys.executable, "-X", "importtime", "-m", "tinbai", "--config", str(synced), "poll"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stderr
        top_level: dict[str, int] = {}  # module -> cumulative µs, for imports not made by another
        for line in imports.splitlines():
            fields = line.removeprefix("import time:").split("|")
            if len(fields) != 3 or not fields[1].strip().isdigit():
                continue  # the header line
            name = fields[2]
            if name.startswith(" ") and not name.startswith("  "):  # imported by no other
                top_level[name.strip()] = int(fields[1])
        results["imports_total_ms"] = sum(top_level.values()) / 1000
        top = sorted(((v, k) for k, v in top_level.items()), reverse=True)[:8]
        results["imports_ms"] = {k: v / 1000 for v, k in top}
        save(results)

        if small_config is not None:
            # An idle poll meets a server at rest: the big sync is minutes or hours behind
            # it. Right after one, Dovecot answered STATUS and SELECT of that folder in
            # ~170 ms instead of ~25 ms for a while (runs B and D in BENCHMARKS.md).
            rest = SETTLE_S - (time.monotonic() - small_synced_at)
            if rest > 0:
                print(f"letting the server settle for {rest:.0f} s", file=sys.stderr)
                time.sleep(rest)
            results["idle_100k_after_sync_s"] = time.monotonic() - small_synced_at
        # Both sizes in one loop, on the same server at rest: the same conditions.
        mailboxes = {"idle_1k": (PHOTO_USER, synced)}
        if small_config is not None:
            mailboxes["idle_100k"] = (SMALL_USER, small_config)
        results.update(idle_polls(server, mailboxes, args.idle_runs, args.rested_runs))
    finally:
        server.destroy()
        shutil.rmtree(work, ignore_errors=True)
    save(results)
    print(report(results))


def first_sync_report(r: dict[str, Any]) -> list[str]:
    fs = r["first_sync"]
    return [
        f"machine: {r['machine']}, Python {r['python']}",
        f"mailbox: {r['messages']} photo-heavy messages, {r['mailbox_bytes'] / 1e9:.2f} GB",
        "",
        "| first sync (median) | wall | peak RSS | on the wire |",
        "|---|---|---|---|",
        f"| mbsync full mirror | {fs['mbsync_s']:.1f} s | {fs['mbsync_mb']:.0f} MB | {r['mailbox_bytes'] / 1e9:.2f} GB |",
        f"| tinbai poll | {fs['tinbai_s']:.2f} s | {fs['tinbai_mb']:.0f} MB | {fs['tinbai_wire'] / 1e6:.1f} MB |",
        f"| ratio | {fs['tinbai_s'] / fs['mbsync_s']:.3f} × | | {fs['tinbai_wire'] / r['mailbox_bytes'] * 100:.2f} % |",
        f"runs: {r['first_sync_runs']}",
    ]


def save(results: dict[str, Any]) -> None:
    """Write what is measured so far: a long run that is stopped still leaves its figures."""
    (OUT / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


def report(r: dict[str, Any]) -> str:
    lines = first_sync_report(r) if "first_sync" in r else []
    if "idle_1k" not in r:
        return "\n".join(lines)
    sizes = [("idle_1k", r["messages"])]
    if "idle_100k" in r:
        sizes.append(("idle_100k", r["small"]))
    lines.append("")
    for key, count in sizes:
        i = r[key]
        lines.append(
            f"idle poll at {count:,}: logging in each time {i['tinbai_ms']:.1f} ms,"
            f" raw floor {i['floor_ms']:.1f} ms ({i['tinbai_ms'] / i['floor_ms']:.2f} ×),"
            f" login+logout alone {i['login_logout_ms']:.1f} ms; kept session"
            f" {i['scheduled_ms']:.2f} ms, after {REST_S:.0f} s idle"
            f" {i['scheduled_rested_ms']:.2f} ms"
        )
    if "idle_100k" in r:
        i100, i1 = r["idle_100k"], r["idle_1k"]
        growth = ", ".join(
            f"{name} {i100[k] / i1[k]:.2f} ×"
            for name, k in (
                ("logging in each time", "tinbai_ms"),
                ("kept session", "scheduled_ms"),
                ("kept session after a rest", "scheduled_rested_ms"),
                ("raw floor", "floor_ms"),
            )
        )
        lines.append(f"at {r['small']:,} of its time at {r['messages']:,}: {growth}")
        lines.append(
            f"first sync of {r['small']:,} small messages: {r['small_first_sync']['s']:.0f} s, {r['small_first_sync']['mb']} MB;"
            f" its idle polls timed {r['idle_100k_after_sync_s']:.0f} s after it"
        )
    lines.append(
        f"`tinbai poll`, nothing new, whole process: {r['poll_process_s']:.2f} s;"
        f" imports {r['imports_total_ms']:.0f} ms, the largest (ms): {r['imports_ms']}"
    )
    return "\n".join(lines)


if __name__ == "__main__":
    main()
