"""A private Dovecot on 127.0.0.1, started from a temporary folder with its own config.

No system service and no mock: the Debian `dovecot` binary, IMAP on a plain port
(loopback only, STARTTLS offered) and IMAPS with a self-signed certificate.
A static passdb lets any user name in with the test password, so every test
gets a fresh, empty mailbox just by choosing a new name (no reload needed);
mail is served as `nobody`. See shared/IMAP-NOTES.md for the other gotchas.
"""

from __future__ import annotations

import email
import email.parser
import email.utils
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import imapclient
from tlscheck import self_signed

from digest.progress import as_json
from ingest.poller import PollStats
from tinbai.app import App
from tinbai.polling import poll_once
from tinbai.report import plan_progress

USER = "tinbai@example.org"
PASSWORD = "collect-2020"
MAIL_UID = 65534  # nobody: Dovecot never serves mail as root

CONFIG = """\
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
listen = 127.0.0.1
protocols = imap
disable_plaintext_auth = no
auth_mechanisms = plain login{oauth_mechanisms}
first_valid_uid = 1
mail_location = maildir:~/Maildir
ssl = yes
ssl_cert = <{dir}/cert.pem
ssl_key = <{dir}/key.pem
mail_plugins =
# Raw IMAP sessions are written here for users whose folder a test creates (Dovecot.rawlog).
rawlog_dir = {dir}/rawlog/%u
passdb {{
  driver = static
  mechanisms = plain login
  args = password={password}
}}
{oauth_passdb}userdb {{
  driver = static
  args = uid={uid} gid={uid} home={dir}/home/%u allow_all_users=yes
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {imaps_port}
    ssl = yes
  }}
}}
# Every test logs in from 127.0.0.1: the brute-force penalty (up to 15 s a login after a
# few refused ones) would make tests that follow a refused login time out.
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
}}
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class Dovecot:
    dir: Path
    imap_port: int = field(default_factory=_free_port)
    imaps_port: int = field(default_factory=_free_port)
    introspection_url: str | None = None  # XOAUTH2 logins checked there (tests/oauth_provider.py)

    @classmethod
    def create(cls, introspection_url: str | None = None) -> Dovecot:
        # Short path: Unix socket paths are limited to 108 bytes.
        folder = Path(tempfile.mkdtemp(prefix="tbdc", dir="/tmp"))
        folder.chmod(0o755)
        server = cls(folder, introspection_url=introspection_url)
        server._write_config()
        return server

    @property
    def cert(self) -> Path:
        return self.dir / "cert.pem"

    @property
    def log(self) -> Path:
        return self.dir / "dovecot.log"

    @property
    def conf(self) -> Path:
        return self.dir / "dovecot.conf"

    def _write_config(self) -> None:
        self_signed(
            self.dir / "key.pem",
            self.cert,
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        )
        home = self.dir / "home"
        home.mkdir()
        os.chown(home, MAIL_UID, MAIL_UID)
        oauth_mechanisms = oauth_passdb = ""
        if self.introspection_url:
            oauth_mechanisms = " xoauth2 oauthbearer"
            oauth_conf = self.dir / "dovecot-oauth2.conf.ext"
            oauth_conf.write_text(
                f"introspection_mode = post\nintrospection_url = {self.introspection_url}\n"
                "username_attribute = email\nactive_attribute = active\nactive_value = true\n"
            )
            oauth_passdb = (
                "passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n"
                f"  args = {oauth_conf}\n}}\n"
            )
        self.conf.write_text(
            CONFIG.format(
                dir=self.dir,
                imap_port=self.imap_port,
                imaps_port=self.imaps_port,
                password=PASSWORD,
                uid=MAIL_UID,
                oauth_mechanisms=oauth_mechanisms,
                oauth_passdb=oauth_passdb,
            )
        )

    def start(self) -> None:
        with open(self.log, "ab") as log, open(os.devnull, "rb") as null:
            subprocess.run(
                ["dovecot", "-c", str(self.conf)], stdin=null, stdout=log, stderr=log, check=True
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"dovecot did not start; see {self.log}")

    def stop(self) -> None:
        pid_file = self.dir / "run" / "master.pid"
        if not pid_file.exists():
            return
        pid = int(pid_file.read_text().strip())
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        # Wait until the port is free for the next start.
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.imap_port), timeout=0.2).close()
                time.sleep(0.05)
            except OSError:
                return

    def kick(self, user: str) -> None:
        """Disconnect the user's sessions, as a server going down mid-fetch does (BYE)."""
        subprocess.run(
            ["doveadm", "-c", str(self.conf), "kick", user], check=True, capture_output=True
        )

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    # ------------------------------------------------------------------ mail

    def client(self, user: str = USER) -> imapclient.IMAPClient:
        """Another mail client on the same mailbox (the editor's Thunderbird, say)."""
        client = imapclient.IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=10)
        client.login(user, PASSWORD)
        return client

    def deliver(self, *messages: bytes, folder: str = "INBOX", user: str = USER) -> list[int]:
        """APPEND messages; return their UIDs."""
        uids: list[int] = []
        with self.client(user) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            for raw in messages:
                # INTERNALDATE = the Date header, as if the mail had arrived when it was sent.
                sent = email.parser.BytesHeaderParser().parsebytes(raw)["Date"]  # any MIME depth
                when = email.utils.parsedate_to_datetime(sent) if sent else None
                answer = c.append(folder, raw, msg_time=when)
                found = re.search(rb"APPENDUID \d+ (\d+)", answer)
                assert found, answer
                uids.append(int(found.group(1)))
        return uids

    def recreate(self, folder: str, *messages: bytes, user: str = USER) -> None:
        """Delete ``folder`` and deliver ``messages`` into it again: a new UIDVALIDITY."""
        with self.client(user) as other:
            old = other.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"]
            other.delete_folder(folder)
        time.sleep(1.1)  # Dovecot derives a new UIDVALIDITY from the clock
        self.deliver(*messages, folder=folder, user=user)
        with self.client(user) as other:
            assert other.folder_status(folder, ["UIDVALIDITY"])[b"UIDVALIDITY"] != old

    def rawlog(self, user: str) -> None:
        """From now on, keep what ``user``'s clients send (after login: no password)."""
        folder = self.dir / "rawlog" / user
        folder.mkdir(parents=True, exist_ok=True)
        for path in (folder.parent, folder):
            os.chown(path, MAIL_UID, MAIL_UID)

    def commands(self, user: str) -> list[list[str]]:
        """The IMAP commands of each recorded session of ``user``, oldest first: ["STATUS", ...].

        A line is a command when it is a time, a tag and an upper-case verb (`UID FETCH` gives "UID");
        a session that APPENDs (a test delivering mail) also holds the messages' lines.
        """
        sessions = sorted(
            (self.dir / "rawlog" / user).glob("*.in"), key=lambda p: p.stat().st_mtime
        )
        command = re.compile(r"^[\d.]+ \S+ ([A-Z]+)(?: |$)", re.M)  # time, tag, verb
        return [command.findall(path.read_text(errors="replace")) for path in sessions]

    def _logged(self, pattern: str, at_least: int) -> list[str]:
        """Matches of ``pattern`` in Dovecot's log, waiting (up to 5 s) for ``at_least``:
        the login process writes its line as the client leaves, not before it answers."""
        deadline = time.monotonic() + 5
        while True:
            found: list[str] = re.findall(pattern, self.log.read_text())
            if len(found) >= at_least or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def login_methods(self, user: str, at_least: int = 0) -> list[str]:
        """The SASL mechanism of every login of ``user``, from Dovecot's log: ["PLAIN", ...]."""
        pattern = rf"imap-login: Info: Login: user=<{re.escape(user)}>, method=([A-Z0-9-]+)"
        return self._logged(pattern, at_least)

    def failed_logins(self, user: str, at_least: int = 0) -> int:
        """How many authentication attempts of ``user`` Dovecot turned down."""
        pattern = rf"\(auth failed, (\d+) attempts? in \d+ secs?\): user=<{re.escape(user)}>"
        return sum(int(n) for n in self._logged(pattern, at_least))

    def logged_out_bytes(self, user: str) -> list[tuple[int, int]]:
        """(in, out) bytes of every finished IMAP session of ``user``, from Dovecot's log."""
        pattern = rf"imap\({re.escape(user)}\).*?Logged out in=(\d+) out=(\d+)"
        return [(int(a), int(b)) for a, b in re.findall(pattern, self.log.read_text())]


def set_table(config: Path, table: str, **keys: Any) -> None:
    """Replace a top-level table of a config file (e.g. [mailbox], [smtp])."""
    lines = [f"[{table}]"] + [f"{k} = {json.dumps(v)}" for k, v in keys.items() if v is not None]
    text = config.read_text(encoding="utf-8")
    text = re.sub(rf"(?ms)^\[{table}\]\n.*?(?=^\[)", "\n".join(lines) + "\n\n", text, count=1)
    config.write_text(text, encoding="utf-8")


@dataclass
class Mailbox:
    """A fresh collection mailbox on the test Dovecot, and a config that points tinbai at it."""

    server: Dovecot
    user: str
    config: Path
    tinbai: Any  # the `tinbai` fixture: the real CLI in a subprocess

    def configure(self, **overrides: Any) -> None:
        keys: dict[str, Any] = {
            "host": "127.0.0.1",
            "port": self.server.imap_port,
            "security": "plain",
            "username": self.user,
            "password_env": "TINBAI_TEST_IMAP_PASSWORD",
            "address": "tinbai@example.org",
            "timeout": 10,
        }
        keys.update(overrides)
        set_table(self.config, "mailbox", **keys)

    def deliver(self, *messages: bytes, folder: str = "INBOX") -> list[int]:
        return self.server.deliver(*messages, folder=folder, user=self.user)

    def app(self) -> App:
        """tinbai in this process, on the same config and database as the CLI."""
        return App(config_path=self.config)

    def poll(self, **kwargs: Any) -> PollStats:
        app = self.app()
        try:
            return poll_once(app, **kwargs)
        finally:
            app.close()

    @property
    def database_url(self) -> str:
        app = self.app()
        try:
            return app.config.database_url
        finally:
            app.close()

    def report(self) -> dict[str, Any]:
        app = self.app()
        try:
            day = date(2020, 6, 30)
            return as_json(plan_progress(app, app.plan(None, day), day))
        finally:
            app.close()

    def totals(self) -> dict[str, int]:
        totals: dict[str, dict[str, int]] = self.report()["totals"]  # type: ignore[assignment]
        return {k: v["count"] for k, v in totals.items()}

    def sessions(self) -> list[tuple[int, int]]:
        return self.server.logged_out_bytes(self.user)

    def poll_sessions(self) -> list[list[str]]:
        """The commands of each recorded IMAP session of tinbai's polls (not the test's APPENDs)."""
        return [c for c in self.server.commands(self.user) if "APPEND" not in c]
