"""Run the web console: a threaded WSGI server (WebSockets through simple-websocket) until
`stop` is set (SIGTERM/SIGINT set it).

Serving is where the app's background work starts: `serve` migrates the store, builds the app
(which only binds), then `start_tasks` starts what runs beside the requests (the push task);
`stop_tasks` ends it. Tests that serve an app of their own call the same two functions.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
from pathlib import Path

from werkzeug.serving import make_server

from console.runtime import Services, stop_on_signals
from console.web.app import WebApp, create_app, flask_config

log = logging.getLogger("kup.web")


def demo_secret(data_dir: Path) -> str:
    """A secret key kept in the data folder, so that demo sessions survive a restart (the
    demo's key when KUP_SECRET_KEY is not set)."""
    path = data_dir / "web-secret"
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def warm_up_figures() -> None:
    """Serialise one figure and one numpy array before serving, where orjson and numpy are
    installed: orjson loads its table of numpy types lazily, on the first array it meets, and
    two request threads doing that at once killed a fresh server (SIGILL)."""
    import plotly.graph_objects as go

    go.Figure(go.Scatter(x=[0.5], y=[1.5])).to_json()
    try:
        import numpy
        import orjson
    except ImportError:  # plotly then uses the standard json module: nothing to warm up
        return
    orjson.dumps(numpy.arange(2), option=orjson.OPT_SERIALIZE_NUMPY)


def start_tasks(web: WebApp) -> None:
    """Make a built app ready to serve many requests at once and start its background task
    (the push task: leadership, Redis listener, deadline watch)."""
    warm_up_figures()
    web.state.pusher.start()


def stop_tasks(web: WebApp) -> None:
    """Stop what `start_tasks` started (a no-op for an app whose tasks never ran)."""
    web.state.pusher.stop()


def serve(
    services: Services,
    host: str = "127.0.0.1",
    port: int = 8050,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
) -> None:
    """Serve the console on host:port until `stop` is set; `ready` is set once listening."""
    flask_config(services.settings)  # refuse a bad secret key before touching the stores
    services.current_engine()  # refuse a store whose schema is not this code's
    web = create_app(services)
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    httpd = make_server(host, port, web.server, threaded=True)
    start_tasks(web)
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
        stop_tasks(web)
        log.info("web console stopped")
