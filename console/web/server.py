"""Run the web console until it is told to stop: in production several worker processes of a
gunicorn server (`serve(..., workers=N)`, what `kup-console serve` runs), or one threaded
process with no fork (`workers=None`: the demo, tests that serve an app in a thread).

Serving is where the app's background work starts: `serve` checks the store's schema (it
migrates nothing: `kup-console db upgrade` does), then every
process that answers requests builds the app (which only binds) on Services of its own, and
`start_tasks` starts what runs beside the requests (the push task); `stop_tasks` ends it.
Tests that serve an app of their own call the same two functions.

The production server (docs/DEPLOY.md says why this one): gunicorn's `gthread` workers, each
a process with a pool of threads, as Flask-SocketIO documents for its threading mode. Every
worker builds its own Services after the fork (no store or Redis connection crosses a fork),
its push task takes part in the leader election, and its Socket.IO emits go through the Redis
message queue to the clients of every worker. Socket.IO speaks WebSocket only (see
`console.web.app`): a connection is one TCP connection, held by the worker that accepted it,
so the workers need no sticky routing. SIGTERM drains: the workers stop accepting, finish the
requests in flight, tell their sockets ("closing", then close them so that pages reconnect at
once) and exit within GRACEFUL_TIMEOUT_S.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gunicorn import glogging
from gunicorn.app.base import BaseApplication
from gunicorn.http import wsgi as gunicorn_wsgi
from gunicorn.workers.gthread import ThreadWorker
from werkzeug.serving import WSGIRequestHandler, make_server

from console.runtime import Services, die_with_parent, stop_on_signals
from console.web.app import WebApp, create_app, flask_config
from console.web.push import emit_here

log = logging.getLogger("kup.web")

SERVER_NAME = "kup-console"  # the Server header: no software versions for scanners to match
GRACEFUL_TIMEOUT_S = 8  # SIGTERM: requests in flight get this long; the exit follows (< 10 s)
KEEPALIVE_S = 5  # an idle keep-alive connection is closed after this long
CLOSING_EVENT = "closing"  # told to a process's sockets before it closes them
THREADS_WARNING_SHARE = 0.8  # a worker whose sockets hold this share of its threads says so
THREADS_WARNING_EVERY_S = 60.0


def worker_processes(configured: int | None) -> int | None:
    """The `workers` of `serve` for a configured number (--workers, KUP_WEB_WORKERS): by
    default (None) one per CPU this process may run on (requests are CPU-bound Python: more
    processes than CPUs add memory, not speed; docs/DEPLOY.md); 0: None, this process alone."""
    if configured is None:
        return max(1, len(os.sched_getaffinity(0)))
    if configured < 0:
        raise ValueError(f"--workers must be 0 or more (got {configured})")
    return configured or None


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


def warm_up_pages(web: WebApp) -> None:
    """Answer one request (the login page) before serving: Dash sets itself up on a process's
    first request, registering the scripts it may serve, and flags that done before it is,
    so the other requests of a burst (a browser fetching a page's scripts from a worker
    that has served nothing yet) were answered 404 for scripts of that page."""
    with web.server.test_client().get("/login") as response:
        if response.status_code != 200:
            raise RuntimeError(f"the login page answers {response.status_code}")


def start_tasks(web: WebApp) -> None:
    """Make a built app ready to serve many requests at once and start its background task
    (the push task: leadership, Redis listener, deadline watch)."""
    warm_up_figures()
    warm_up_pages(web)
    web.state.pusher.start()


def stop_tasks(web: WebApp) -> None:
    """Stop what `start_tasks` started (a no-op for an app whose tasks never ran), and close
    the connections of the instants looked back at (each holds temporary views on the store)."""
    web.state.pusher.stop()
    web.state.close_look_backs()


def close_sockets(web: WebApp, reason: str = "server stopping") -> int:
    """Tell this process's Socket.IO clients that it stops (CLOSING_EVENT, {"reason", "at"}),
    then close their connections at the Engine.IO level: a browser's socket.io-client takes
    that for a lost transport and reconnects at once (to another worker, or to this server
    once it is back), where a Socket.IO-level disconnect would keep it away for good. Returns
    how many connections were closed."""
    server = getattr(web.socketio, "server", None)  # python-socketio's (untyped)
    if server is None:  # never served
        return 0
    clients = list(server.eio.sockets.values())
    if clients:
        emit_here(
            web.socketio, CLOSING_EVENT, {"reason": reason, "at": datetime.now(UTC).isoformat()}
        )
    for client in clients:  # each CLOSE queued after the event; no waiting for a writer that
        # may be gone (engineio's own disconnect() waits for each, forever for a dead one)
        client.close(wait=False, reason=server.eio.reason.SERVER_DISCONNECT)
    return len(clients)


def serve(
    services: Services,
    host: str = "127.0.0.1",
    port: int = 8050,
    stop: threading.Event | None = None,
    ready: threading.Event | None = None,
    *,
    workers: int | None = None,
    threads: int | None = None,
) -> None:
    """Serve the console on host:port until `stop` is set (or SIGTERM/SIGINT arrive); `ready`
    is set once listening.

    `workers`: that many gunicorn worker processes of `threads` threads each (by default the
    settings' `web_threads`); from the main thread only, as the server handles signals. None:
    this process alone, threaded (from any thread). A server that cannot start, or stops by
    itself, ends with SystemExit (gunicorn's status) or RuntimeError."""
    if workers is not None and workers < 1:
        raise ValueError(f"workers must be at least 1 (got {workers})")
    threads = services.settings.web_threads if threads is None else threads
    if threads < 1:
        raise ValueError(f"threads must be at least 1 (got {threads})")
    flask_config(services.settings)  # refuse a bad secret key before touching the stores
    services.current_engine()  # refuse a store whose schema is not this code's
    if not log.isEnabledFor(logging.DEBUG):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no per-request lines
    if workers is None:
        _serve_here(services, host, port, stop, ready)
    else:
        _serve_workers(services, host, port, stop, ready, workers, threads)


# --- one process, threaded --------------------------------------------------------------------


class _RequestHandler(WSGIRequestHandler):
    """werkzeug's handler, naming no versions, and done with a connection its WebSocket ended
    (otherwise it reads the socket's last frames as a next request: "Bad request syntax")."""

    def version_string(self) -> str:
        return SERVER_NAME

    def connection_dropped(self, error: BaseException, environ: Any = None) -> None:
        self.close_connection = True


def _serve_here(
    services: Services,
    host: str,
    port: int,
    stop: threading.Event | None,
    ready: threading.Event | None,
) -> None:
    web = create_app(services)
    httpd = make_server(host, port, web.server, threaded=True, request_handler=_RequestHandler)
    start_tasks(web)
    thread = threading.Thread(target=httpd.serve_forever, name="kup-web", daemon=True)
    thread.start()
    log.info("web console on http://%s:%d/ (one process)", host, httpd.port)
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
        close_sockets(web)
        httpd.shutdown()
        stop_tasks(web)
        log.info("web console stopped")


# --- gunicorn workers -------------------------------------------------------------------------


class ConsoleWorker(ThreadWorker):  # type: ignore[misc]  # gunicorn has no type hints
    """gunicorn's threaded worker, which also:

    - when told to stop (SIGTERM), tells its sockets and closes them, so that their threads
      end and it exits as soon as the requests in flight are answered (an open socket would
      hold it for the whole grace period);
    - when its master is gone (killed), stops answering and frees the port at once;
    - counts a WebSocket's connection as closed once (gunicorn 27 counted it twice)."""

    def finish_request(self, conn: Any, fs: Any) -> None:
        """Count a connection whose socket the app closed (a WebSocket that ended) as closed
        once: gunicorn 27's own path fails on the closed socket and counts it again, so that
        a stopping worker believed itself idle while requests were still in flight."""
        if conn.sock.fileno() == -1:
            self.nr_conns -= 1
            return
        super().finish_request(conn, fs)

    def init_process(self) -> None:
        die_with_parent()  # the master killed: the kernel sends this worker SIGTERM
        super().init_process()

    def accept(self, listener: Any) -> None:
        """Accept a connection, unless the master is gone (its death and the listening socket's
        readiness can come in one wake-up of this worker: nothing new is answered then)."""
        if os.getppid() != self.ppid:
            self.orphaned()
            return
        super().accept(listener)

    def is_parent_alive(self) -> bool:
        """False once the master is gone (checked every second; on Linux the kernel also says
        so at once, with SIGTERM): see `orphaned`."""
        alive = bool(super().is_parent_alive())
        if not alive:
            self.orphaned()
        return alive

    def orphaned(self) -> None:
        """The master is gone (killed): this worker closes its copy of the listening socket
        (the port is free for a new server, and nothing is answered from a server that is no
        more: a new one must not be taken for started), its idle keep-alive connections (a
        client's next request goes to the new server), tells its sockets as on SIGTERM, then
        finishes the requests in flight and exits."""
        self.alive = False
        self.set_accept_enabled(False)
        for listener in self.sockets:
            listener.close()
        self.murder_keepalived(force=True)
        _farewell(self)

    def handle_exit(self, sig: int, frame: Any) -> None:
        """SIGTERM: from the master (a stop) or from the kernel (the master died)."""
        if self.alive:  # run on the worker's main loop, which is draining by then
            gone = os.getppid() != self.ppid
            self.method_queue.defer(ConsoleWorker.orphaned if gone else _farewell, self)
        super().handle_exit(sig, frame)


class _Log(glogging.Logger):  # type: ignore[misc]
    """gunicorn's messages through the console's logging (as `kup-console` set it up): its
    error log propagates to the root handlers; its access log ("GET /path HTTP/1.1" 200 ...)
    only at debug level (`kup-console -v`), as werkzeug's request lines were."""

    def setup(self, cfg: Any) -> None:
        self.cfg = cfg
        self._access_log_enabled = log.isEnabledFor(logging.DEBUG)
        self.loglevel = logging.INFO
        for logger in (self.error_log, self.access_log):
            logger.propagate = True
            logger.setLevel(logging.INFO)


class _ProductionServer(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured in code (no config file, no GUNICORN_CMD_ARGS): `load` runs in
    each worker after the fork and builds that worker's app on Services of its own."""

    def __init__(
        self,
        services: Services,
        options: dict[str, Any],
        stop: threading.Event | None,
        ready: threading.Event | None,
    ) -> None:
        self.settings = services.settings
        self.redis_url = services.redis_url  # an embedded server is started here, once
        self.options = options
        self.stop = stop
        self.ready = ready
        self.web: WebApp | None = None
        self.farewell: threading.Thread | None = None
        self.farewell_lock = threading.Lock()
        self.warned_at = float("-inf")
        super().__init__(prog="kup-console serve")

    def load_config(self) -> None:
        hooks = {
            "when_ready": self._when_ready,
            "post_worker_init": _post_worker_init,
            "pre_request": _pre_request,
            "worker_exit": _worker_exit,
        }
        for key, value in {**self.options, **hooks}.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        """The WSGI app of this worker (after the fork)."""
        self.web = create_app(Services(self.settings, redis_url=self.redis_url))
        return self.web.server

    def _when_ready(self, arbiter: Any) -> None:
        log.info(
            "web console on http://%s/ (%d workers)", self.options["bind"], arbiter.num_workers
        )
        if self.stop is not None:
            threading.Thread(
                target=_terminate_when_set, args=(self.stop,), name="kup-web-stop", daemon=True
            ).start()
        if self.ready is not None:
            self.ready.set()


def _terminate_when_set(stop: threading.Event) -> None:
    """In the master: a set `stop` is a SIGTERM (a graceful stop)."""
    stop.wait()
    os.kill(os.getpid(), signal.SIGTERM)


def _post_worker_init(worker: Any) -> None:
    app: _ProductionServer = worker.app
    assert app.web is not None, "the worker's app was not loaded"
    start_tasks(app.web)


def _pre_request(worker: Any, _request: Any) -> None:
    """Warn (at most every THREADS_WARNING_EVERY_S) when this worker's open sockets hold most
    of its threads: once they hold all, its requests wait for a page to close."""
    app: _ProductionServer = worker.app
    server = getattr(app.web.socketio, "server", None) if app.web is not None else None
    threads = worker.cfg.threads
    if server is None or len(server.eio.sockets) < threads * THREADS_WARNING_SHARE:
        return
    now = time.monotonic()
    if now - app.warned_at >= THREADS_WARNING_EVERY_S:
        app.warned_at = now
        log.warning(
            "%d open sockets hold most of this worker's %d threads: raise --threads "
            "(KUP_WEB_THREADS) or --workers (docs/DEPLOY.md)",
            len(server.eio.sockets),
            threads,
        )


def _worker_exit(_arbiter: Any, worker: Any) -> None:
    """The worker's last act, once the requests in flight are answered: its farewell (if the
    stop did not start it), then its push task stopped (its leadership released: another
    process takes the lead) and its store connections closed."""
    app: _ProductionServer = worker.app
    _farewell(worker).join(GRACEFUL_TIMEOUT_S)  # (the master kills a worker that overstays)
    if app.web is not None:
        stop_tasks(app.web)
        app.web.state.engine.dispose()


def _farewell(worker: Any) -> threading.Thread:
    """Start the worker's farewell, once (when it is told to stop, when its master is gone, or
    at its exit): tell and close its sockets, in a thread of its own while the requests in
    flight finish. Returns it."""
    app: _ProductionServer = worker.app
    with app.farewell_lock:
        if app.farewell is None:
            app.farewell = threading.Thread(
                target=_say_farewell, args=(app,), name="kup-web-farewell", daemon=True
            )
            app.farewell.start()
        return app.farewell


def _say_farewell(app: _ProductionServer) -> None:
    if app.web is None:  # the app never loaded
        return
    closed = close_sockets(app.web)
    if closed:
        log.info("told %d sockets this worker stops", closed)


def _serve_workers(
    services: Services,
    host: str,
    port: int,
    stop: threading.Event | None,
    ready: threading.Event | None,
    workers: int,
    threads: int,
) -> None:
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("serve(workers=...) runs in the main thread (it handles signals)")
    services.engine.dispose()  # no pooled connection of the schema check crosses the fork
    gunicorn_wsgi.SERVER = SERVER_NAME  # gunicorn's Server header (it has no setting for it)
    bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    options = {
        "bind": bind,
        "workers": workers,
        "threads": threads,
        "worker_class": ConsoleWorker,
        "worker_connections": max(1000, threads * 2),
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "keepalive": KEEPALIVE_S,
        "preload_app": False,  # each worker builds its app after the fork
        "logger_class": _Log,
        "proc_name": "kup-console",
        "control_socket_disable": True,  # no control socket in the user's home folder
        # X-Forwarded-* are the app's to trust (KUP_TRUSTED_PROXIES), not gunicorn's as well
        "forwarded_allow_ips": "",
    }
    master = os.getpid()
    try:
        _ProductionServer(services, options, stop, ready).run()
    except SystemExit as done:
        if os.getpid() != master:
            _end_worker(done.code)
        if done.code:
            raise
    log.info("web console stopped")


def _end_worker(code: object) -> None:
    """End a worker process that is done (its `worker_exit` ran): at once, not by unwinding
    into the code that called `serve`, whose stack the fork copied (its `finally` blocks and
    exit handlers are the master's: an embedded Redis server, child processes of the demo)."""
    for handler in logging.getLogger().handlers:
        handler.flush()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code if isinstance(code, int) else 1)
