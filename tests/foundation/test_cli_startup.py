"""`tinbai` imports a command's module only when that command runs, and still lists them all.

The import checks run in a subprocess: this test process has imported everything already.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import click
import pytest

from tinbai.cli import COMMANDS, _register, cli

# Nothing a poll of the mailbox uses; each costs start-up time on every scheduled poll.
NOT_FOR_A_POLL = (
    "tinbai.cli.admin",
    "tinbai.cli.report",
    "tinbai.admin",
    "tinbai.web",
    "tinbai.service",
    "tinbai.digest_job",
    "rich",
    "starlette",
    "jinja2",
    "openpyxl",
    "apscheduler",
    "argon2",
)


def _run(code: str, *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_command_table_names_every_command_with_its_module_and_summary():
    _register()
    assert sorted(cli.commands) == sorted(COMMANDS)
    for name, command in cli.commands.items():
        assert command.callback is not None
        assert command.callback.__module__ == COMMANDS[name].module, name
        stand_in = click.Command(name, help=COMMANDS[name].summary)
        for limit in (45, 1000):
            assert stand_in.get_short_help_str(limit) == command.get_short_help_str(limit), name


def test_help_lists_every_command_without_importing_one():
    code = """if True:
        import json, sys
        from click.testing import CliRunner
        import tinbai.cli as c
        lazy = CliRunner().invoke(c.cli, ["--help"], catch_exceptions=False).output
        imported = sorted(m for m in sys.modules if m.startswith(("tinbai.", "store", "sqlalchemy")))
        c._register()
        full = CliRunner().invoke(c.cli, ["--help"], catch_exceptions=False).output
        print(json.dumps({"lazy": lazy, "full": full, "imported": imported}))
    """
    done = _run(code)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["lazy"] == found["full"]
    assert all(f"  {name} " in found["lazy"] for name in COMMANDS)
    # `store.errors` comes with tinbai.errors; the store's SQLAlchemy half does not.
    assert found["imported"] == [
        "store",
        "store.errors",
        "tinbai.cli",
        "tinbai.cli.lazy",
        "tinbai.errors",
    ]


def test_a_poll_imports_no_admin_web_digest_or_table_and_collects_garbage_again(
    config_file: Path, tmp_path: Path
):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # bound, never listening: the poll's connect is refused
        port = closed.getsockname()[1]
        config_file.write_text(
            config_file.read_text(encoding="utf-8")
            .replace('host = "imap.example.org"', 'host = "127.0.0.1"')
            .replace("port = 993", f"port = {port}")
            .replace('security = "tls"', 'security = "plain"'),
            encoding="utf-8",
        )
        modules = tmp_path / "modules.json"
        code = f"""if True:
            import gc, json, sys
            from tinbai.cli import main
            sys.argv = ["tinbai", "--config", {str(config_file)!r}, "poll"]
            try:
                main()
            finally:
                with open({str(modules)!r}, "w") as out:
                    json.dump({{"modules": sorted(sys.modules), "gc": gc.isenabled()}}, out)
        """
        env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
        done = _run(code, env=env | {"TINBAI_IMAP_PASSWORD": "not-used"})
    assert done.returncode == 1, done.stderr
    assert "refused the connection" in done.stderr
    found = json.loads(modules.read_text(encoding="utf-8"))
    # Off while the start-up imports, back on for the command: `tinbai run` lives for months.
    assert found["gc"] is True
    imported = set(found["modules"])
    assert "tinbai.polling" in imported
    unwanted = [m for m in imported if any(m == n or m.startswith(f"{n}.") for n in NOT_FOR_A_POLL)]
    assert sorted(unwanted) == []


# Nothing `tinbai unmapped` or `tinbai report` uses: each is start-up time the editor waits
# for. Alembic loads only when the database is behind (here it was migrated first).
NOT_FOR_A_REPORT = (
    "tinbai.web",
    "tinbai.service",
    "tinbai.polling",
    "tinbai.digest_job",
    "digest.render",
    "digest.xlsx",
    "digest.chart",
    "digest.mail",
    "digest.smtp",
    "classify.rules",
    "ingest.parse",
    "ingest.imap",
    "alembic",
    "jinja2",
    "css_inline",
    "openpyxl",
    "matplotlib",
    "numpy",
    "PIL",
    "starlette",
    "uvicorn",
    "apscheduler",
    "argon2",
    "imapclient",
    "smtplib",
    "tomlkit",
)


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["unmapped"], id="unmapped"),
        pytest.param(["report", "--format", "json"], id="report-json"),
        pytest.param(["report"], id="report-table"),
    ],
)
def test_unmapped_and_report_import_nothing_they_do_not_use(
    config_file: Path, tmp_path: Path, command: list[str]
):
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
    tinbai = [sys.executable, "-m", "tinbai", "--config", str(config_file)]
    migrated = subprocess.run(
        [*tinbai, "db", "upgrade"], check=False, capture_output=True, text=True, env=env
    )
    assert migrated.returncode == 0, migrated.stderr
    modules = tmp_path / "modules.json"
    code = f"""if True:
        import json, sys
        from tinbai.cli import main
        sys.argv = ["tinbai", "--config", {str(config_file)!r}, *{command!r}, "--as-of", "2020-05-15"]
        try:
            main()
        finally:
            with open({str(modules)!r}, "w") as out:
                json.dump(sorted(sys.modules), out)
    """
    done = _run(code, env=env)
    assert done.returncode == 0, done.stderr
    imported = set(json.loads(modules.read_text(encoding="utf-8")))
    assert "tinbai.report" in imported
    unwanted = [
        m for m in imported if any(m == n or m.startswith(f"{n}.") for n in NOT_FOR_A_REPORT)
    ]
    assert sorted(unwanted) == []
