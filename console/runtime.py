"""Wiring shared by the commands: settings, engine with a migrated schema, Redis URL."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Engine

from console.config import Settings, load_settings
from data import streams
from data.consumer import IngestWorker, intake_rules
from data.db import make_engine
from data.intake import BatchOutcome
from data.schema import upgrade


@dataclass
class Runtime:
    """Lazily built resources of one process."""

    settings: Settings

    @classmethod
    def from_env(cls, **overrides: object) -> Runtime:
        return cls(load_settings().with_overrides(**overrides) if overrides else load_settings())

    @cached_property
    def engine(self) -> Engine:
        """Engine on the configured store, migrated to the latest schema."""
        engine = make_engine(self.settings.effective_database_url)
        upgrade(engine)
        return engine

    @cached_property
    def redis_url(self) -> str:
        return streams.redis_url(self.settings.redis_url, self.settings.data_dir)


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

    def handler(signum, _frame):  # type: ignore[no-untyped-def]
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
