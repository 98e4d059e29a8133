"""The web admin: `create_app` builds it, `serve` runs it, `start_in_thread` runs it in a thread.

from tinbai.web import start_in_thread
server = start_in_thread(app, "127.0.0.1", 8080)
...
server.stop()
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import uvicorn

from ingest.settings import is_loopback
from tinbai.app import App
from tinbai.errors import TinbaiError
from tinbai.web.site import create_app

log = logging.getLogger(__name__)

__all__ = ["WebServer", "create_app", "serve", "start_in_thread"]


def _bind(host: str, port: int) -> socket.socket:
    """Listen before uvicorn starts, so a taken port is one clear error (and port 0 picks one)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as e:
        raise TinbaiError(f"web: cannot listen on {host}:{port} ({e}) — check web.host") from e
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as e:
        sock.close()
        raise TinbaiError(
            f"web: cannot listen on {host}:{port} ({e.strerror})"
            " — is another program using it? choose another --port"
        ) from e
    return sock


def _server(app: App, host: str) -> uvicorn.Server:
    asgi = create_app(app)
    if not is_loopback(host):
        log.warning(
            "web: listening on %s, not only on this machine — put HTTPS in front of it", host
        )
    config = uvicorn.Config(
        asgi,
        host=host,
        log_level="warning",
        access_log=False,
        proxy_headers=True,  # X-Forwarded-Proto is trusted from 127.0.0.1 only (uvicorn's default)
        server_header=False,
        lifespan="off",
    )
    return uvicorn.Server(config)


def _url(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/login"


def serve(app: App, host: str, port: int, *, on_ready: Callable[[str], None] | None = None) -> None:
    """Run the web admin until SIGINT/SIGTERM (blocking); ``on_ready`` gets its login URL."""
    server = _server(app, host)
    sock = _bind(host, port)
    if on_ready is not None:
        on_ready(_url(host, sock))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


@dataclass
class WebServer:
    """The web admin running in a background thread."""

    server: uvicorn.Server
    thread: threading.Thread
    url: str

    def stop(self, timeout: float = 10.0) -> None:
        self.server.should_exit = True
        self.thread.join(timeout)


def start_in_thread(app: App, host: str, port: int, *, timeout: float = 10.0) -> WebServer:
    """Start the web admin beside another loop; returns once it listens. `stop()` ends it."""
    server = _server(app, host)
    sock = _bind(host, port)

    def run() -> None:
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()

    thread = threading.Thread(target=run, name="tinbai-web", daemon=True)
    thread.start()
    waited = threading.Event()
    for _ in range(int(timeout / 0.05)):
        if server.started or not thread.is_alive():
            break
        waited.wait(0.05)
    if not server.started:
        server.should_exit = True
        raise TinbaiError(f"web: the server on {host}:{port} did not start — see the log above")
    return WebServer(server, thread, _url(host, sock))
