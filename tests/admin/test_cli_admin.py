"""`tinbai submissions …`, `audit`, `users …` and `serve` through the real CLI."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from datetime import datetime

import pytest
from mailkit import HANOI

from store.digests import messages_to_review
from tinbai.app import App
from tinbai.report import plan_window

AS_OF = ("--as-of", "2020-06-30")


def unit_counts(tinbai, unit_id: str) -> dict[str, int]:
    data = json.loads(tinbai("report", "--format", "json", *AS_OF).stdout)
    return next(u for u in data["units"] if u["id"] == unit_id)["counts"]


def listed(tinbai, *args: str) -> list[dict[str, object]]:
    return json.loads(tinbai("submissions", "list", "--format", "json", *args).stdout)


def test_list_filters_by_unit_status_and_date(tinbai, mail, news):
    tinbai("senders", "add", "tg@example.net", "tuan-giao")
    early, late = (
        news("tg@example.net", subject="[Tin] Sớm"),
        news("other@example.net", subject="[Tin] Muộn"),
    )
    early["date"] = datetime(2020, 4, 2, 9, tzinfo=HANOI)
    late["date"] = datetime(2020, 5, 2, 9, tzinfo=HANOI)
    mail(early, late)

    everything = listed(tinbai)
    assert [s["subject"] for s in everything] == ["[Tin] Muộn", "[Tin] Sớm"]  # newest first
    assert [s["unit"] for s in everything] == [None, "tuan-giao"]
    assert [s["subject"] for s in listed(tinbai, "--unit", "tuan-giao")] == ["[Tin] Sớm"]
    assert [s["subject"] for s in listed(tinbai, "--since", "2020-05-01")] == ["[Tin] Muộn"]
    assert listed(tinbai, "--status", "failed") == []
    table = tinbai("submissions", "list").stdout
    assert "[Tin] Sớm" in table
    assert "tuan-giao" in table


def test_list_refuses_an_unknown_unit(tinbai):
    done = tinbai("submissions", "list", "--unit", "nowhere", check=False)
    assert done.returncode == 2
    assert "no unit 'nowhere'" in done.stderr


def test_show_gives_parts_rules_and_reasons(tinbai, mail, news):
    mail(news("tg@example.net", photos=1))
    pk = listed(tinbai)[0]["id"]
    shown = tinbai("submissions", "show", str(pk)).stdout
    assert f"message #{pk}" in shown
    assert "unknown sender — counts for no one" in shown
    assert "parts:" in shown
    assert "photo" in shown
    assert "rules:" in shown


def test_show_of_a_missing_message_is_one_line(tinbai):
    done = tinbai("submissions", "show", "999", check=False)
    assert done.returncode == 1
    assert (
        done.stderr == "tinbai: no message #999 — `tinbai submissions list` shows their numbers\n"
    )


@pytest.mark.parametrize(
    "args",
    [
        ("submissions", "show", "99999999999999999999999"),
        ("submissions", "reclassify", "99999999999999999999999", "--news", "1"),
        ("submissions", "reclassify", "99999999999999999999999", "--clear"),
        ("explain", "99999999999999999999999"),
        ("explain", "²"),  # a Unicode digit is no message number either
    ],
    ids=["show", "reclassify", "clear", "explain", "explain-superscript"],
)
def test_a_message_number_too_big_for_the_database_is_one_line_not_a_crash(tinbai, args):
    done = tinbai(*args, check=False)
    assert done.returncode == 1, done.stderr
    assert done.stderr.startswith("tinbai: no "), done.stderr
    assert "internal error" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_reclassify_overrides_the_report_survives_a_repoll_and_is_audited(tinbai, write_eml, news):
    tinbai("senders", "add", "tg@example.net", "tuan-giao")
    eml = write_eml(**news("tg@example.net", photos=1))
    tinbai("ingest-file", eml)
    assert unit_counts(tinbai, "tuan-giao") == {"news": 1, "article": 0, "photo": 1}
    pk = str(listed(tinbai)[0]["id"])

    done = tinbai(
        "submissions",
        "reclassify",
        pk,
        "--news",
        "0",
        "--article",
        "1",
        "--reason",
        "bài dài, không phải tin",
    )

    assert (
        f"message #{pk}: news 1 article 0 photo 1 → news 0 article 1 photo 1 (set by hand)"
        in done.stdout
    )
    assert unit_counts(tinbai, "tuan-giao") == {"news": 0, "article": 1, "photo": 1}
    assert "already stored" in tinbai("ingest-file", eml).stdout  # the poller sees it again
    assert unit_counts(tinbai, "tuan-giao") == {"news": 0, "article": 1, "photo": 1}
    row = listed(tinbai, "--overridden")[0]
    assert row["manual"] is True
    assert "*" in tinbai("submissions", "list").stdout
    assert "(set by hand)" in tinbai("submissions", "show", pk).stdout
    report = json.loads(tinbai("report", "--format", "json", *AS_OF).stdout)
    assert report["manual"] == {"messages": 1, "ids": [int(pk)]}
    table = tinbai("report", *AS_OF).stdout
    assert f"counts set by hand in 1 message(s): #{pk}" in table
    entry = json.loads(tinbai("audit", "--format", "json").stdout)[0]
    assert (entry["action"], entry["target"]) == ("reclassify", f"message #{pk}")
    assert entry["old"] == "news 1, article 0, photo 1"
    assert entry["new"] == "news 0, article 1, photo 1 — bài dài, không phải tin"

    assert "correction dropped" in tinbai("submissions", "reclassify", pk, "--clear").stdout
    assert unit_counts(tinbai, "tuan-giao") == {"news": 1, "article": 0, "photo": 1}
    assert "has no correction" in tinbai("submissions", "reclassify", pk, "--clear").stdout


def test_reclassify_needs_a_count_and_refuses_nonsense(tinbai, mail, news):
    mail(news("tg@example.net"))
    pk = str(listed(tinbai)[0]["id"])
    assert tinbai("submissions", "reclassify", pk, check=False).returncode == 2
    assert tinbai("submissions", "reclassify", pk, "--news", "-1", check=False).returncode == 2
    assert tinbai("submissions", "reclassify", "999", "--news", "1", check=False).returncode == 1


def test_audit_shows_who_when_and_old_to_new(tinbai):
    assert "the audit log is empty" in tinbai("audit").stdout
    tinbai("senders", "add", "a@example.net", "tuan-giao")
    tinbai("senders", "add", "a@example.net", "muong-lay")
    table = tinbai("audit").stdout
    assert "tuan-giao → muong-lay" in table
    assert "cli:" in table
    only = json.loads(
        tinbai(
            "audit", "--action", "sender-map", "--target", "a@example", "--format", "json"
        ).stdout
    )
    assert [(e["old"], e["new"]) for e in only] == [("tuan-giao", "muong-lay"), (None, "tuan-giao")]


def test_users_add_from_the_environment_or_a_prompt(tinbai):
    tinbai.env["PW"] = "long enough secret"
    assert (
        "user lan created as admin"
        in tinbai("users", "add", "lan", "--role", "admin", "--password-env", "PW").stdout
    )
    prompted = tinbai(
        "users", "add", "minh", "--role", "editor", input="another secret\nanother secret\n"
    )
    assert "user minh created as editor" in prompted.stdout
    assert "another secret" not in prompted.stdout
    assert (
        "user lan updated as editor"
        in tinbai("users", "add", "lan", "--role", "editor", "--password-env", "PW").stdout
    )
    assert tinbai("users", "list").stdout.splitlines()[0].startswith("lan\teditor")
    actions = [e["action"] for e in json.loads(tinbai("audit", "--format", "json").stdout)]
    assert actions == ["user-update", "user-add", "user-add"]
    assert "user minh removed" in tinbai("users", "remove", "minh").stdout


def test_users_add_refuses_short_passwords_bad_roles_and_missing_variables(tinbai):
    tinbai.env["PW"] = "short"
    assert (
        "shorter than 8"
        in tinbai(
            "users", "add", "x", "--role", "admin", "--password-env", "PW", check=False
        ).stderr
    )
    assert (
        tinbai(
            "users", "add", "x", "--role", "owner", "--password-env", "PW", check=False
        ).returncode
        == 2
    )
    missing = tinbai(
        "users", "add", "x", "--role", "admin", "--password-env", "UNSET_VAR", check=False
    )
    assert "UNSET_VAR is not set" in missing.stderr
    assert "no users" in tinbai("users", "list").stdout


def test_serve_on_a_taken_port_says_so_in_one_line(config_file):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
        argv = [
            sys.executable,
            "-m",
            "tinbai",
            "--config",
            str(config_file),
            "serve",
            "--port",
            str(port),
        ]
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env, timeout=60, check=False
        )
    assert done.returncode == 1
    assert done.stderr.startswith(f"tinbai: web: cannot listen on 127.0.0.1:{port}")
    assert "Traceback" not in done.stderr


def test_a_message_set_aside_for_review_counts_once_reclassified_and_leaves_the_review_list(
    tinbai, mail
):
    tinbai("senders", "add", "tg@example.net", "tuan-giao")
    # A covering note with nothing to count: the classifier asks a person to look.
    mail(
        {
            "sender": "tg@example.net",
            "subject": "Gửi Ban Tuyên giáo",
            "body": "Kính gửi, đơn vị gửi bài.",
        }
    )
    row = listed(tinbai)[0]
    assert row["status"] == "needs-review"
    app = App(config_path=tinbai.config)
    try:
        plan = app.plan("2020-q2")
        window = plan_window(app, plan, plan.end)
        assert [r.subject for r in messages_to_review(app.store, *window)] == ["Gửi Ban Tuyên giáo"]

        tinbai("submissions", "reclassify", str(row["id"]), "--news", "1", "--reason", "tin ngắn")

        assert unit_counts(tinbai, "tuan-giao")["news"] == 1
        assert messages_to_review(app.store, *window) == []
    finally:
        app.close()
