"""`tinbai serve` in a subprocess on 127.0.0.1, and an HTTP client that logs in to it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


@dataclass
class Server:
    url: str
    process: subprocess.Popen[str]
    log: str = ""  # what the server wrote to stdout and stderr, once it has stopped

    @staticmethod
    def csrf_of(html: str) -> str:
        return csrf_of(html)

    def client(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, follow_redirects=False, timeout=30)

    @contextmanager
    def login(self, name: str, password: str) -> Iterator[httpx.Client]:
        with self.client() as client:
            token = csrf_of(client.get("/login").text)
            data = {"csrf_token": token, "username": name, "password": password, "next": "/"}
            done = client.post("/login", data=data)
            assert done.status_code == 303, done.text
            assert done.headers["location"] == "/"
            yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


@contextmanager
def running_server(config: Path) -> Iterator[Server]:
    """`tinbai serve` on 127.0.0.1, on a free port the kernel picks (read from its first line)."""
    argv = [sys.executable, "-m", "tinbai", "--config", str(config), "serve", "--port", "0"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINBAI_")}
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    found = re.search(r"(http://127\.0\.0\.1:\d+)/login", line)
    if not found:
        process.kill()
        _, err = process.communicate(timeout=10)
        raise AssertionError(f"tinbai serve did not start: {line}{err}")
    server = Server(found.group(1), process)
    try:
        yield server
    finally:
        process.terminate()
        out, err = process.communicate(timeout=15)
        server.log = line + out + err
        assert "Traceback" not in out + err, err
