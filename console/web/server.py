"""Run the web console: a threaded WSGI server (WebSockets through simple-websocket) until
`stop` is set (SIGTERM/SIGINT set it)."""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path

from werkzeug.serving import make_server

from console.runtime import Runtime, stop_on_signals
from console.web.app import create_app, secret_key

log = logging.getLogger("kup.web")


def demo_secret(data_dir: Path) -> str:
    """A secret key kept in the data folder, so that demo sessions survive a restart."""
    path = data_dir / "web-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def serve(
    runtime: Runtime,
    host: str = "127.0.0.1",
    port: int = 8050,
    demo: bool = False,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Serve the console on host:port until `stop` is set; `ready` is set once listening."""
    settings = runtime.settings
    if demo:
        settings = settings.with_overrides(
            demo=True, secret_key=settings.secret_key or demo_secret(settings.data_dir)
        )
    secret_key(settings, testing=False)  # refuse a missing key before touching the stores
    web = create_app(settings, engine=runtime.engine, redis_url=runtime.redis_url, start_push=True)
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    httpd = make_server(host, port, web.server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, name="kup-web", daemon=True)
    thread.start()
    log.info("web console on http://%s:%d/", host, httpd.port)
    if stop is None:
        stop = threading.Event()
        stop_on_signals(stop)
    if ready is not None:
        ready.set()
    try:
        while not stop.wait(1.0):
            if not thread.is_alive():
                raise RuntimeError("the web server stopped unexpectedly")
    finally:
        httpd.shutdown()
        web.state.pusher.stop()
        log.info("web console stopped")
