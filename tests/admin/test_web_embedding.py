"""`tinbai.web` as a library: the server `tinbai run` starts in a thread, in English by config."""

from __future__ import annotations

import socket

import httpx
import pytest

from store.users import add_user
from tinbai.app import App
from tinbai.errors import ConfigError, TinbaiError
from tinbai.web import start_in_thread


def english_app(config_file, secret: str = "k" * 40) -> App:
    text = config_file.read_text(encoding="utf-8")
    text = text.replace('language = "vi"', 'language = "en"', 1)
    text += '\n[web]\nenabled = true\nsecret_key_file = "web-secret.txt"\n'
    config_file.write_text(text, encoding="utf-8")
    (config_file.parent / "web-secret.txt").write_text(secret + "\n", encoding="utf-8")
    return App(config_path=config_file)


def test_the_server_runs_in_a_thread_in_english_and_stops(config_file):
    app = english_app(config_file)
    add_user(app.store.session, "an", "admin-secret-1", "admin", actor="test", now=app.now())
    server = start_in_thread(app, "127.0.0.1", 0)
    try:
        base = server.url.removesuffix("/login")
        with httpx.Client(base_url=base) as client:
            page = client.get("/login")
            assert page.status_code == 200
            assert "<h1>tinbai — admin</h1>" in page.text
            assert page.headers["x-frame-options"] == "DENY"
            token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
            done = client.post(
                "/login", data={"csrf_token": token, "username": "an", "password": "admin-secret-1"}
            )
            assert done.status_code == 303
            dashboard = client.get("/")
            assert "Whole plan" in dashboard.text
            assert "an (admin)" in dashboard.text
    finally:
        server.stop()
        app.close()
    assert not server.thread.is_alive()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=2)


def test_a_taken_port_is_one_clear_error(config_file):
    app = english_app(config_file)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            TinbaiError, match=rf"cannot listen on 127\.0\.0\.1:{port} \(Address already in use\)"
        ):
            start_in_thread(app, "127.0.0.1", port)
    app.close()


def test_a_short_secret_key_is_refused(config_file):
    app = english_app(config_file, secret="short")
    with pytest.raises(ConfigError, match="shorter than 32 characters"):
        start_in_thread(app, "127.0.0.1", 0)
    app.close()
