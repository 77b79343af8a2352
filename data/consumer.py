"""The ingest worker: a consumer in the group that stores every entry exactly once.

Loop: read a batch (first this consumer's own pending entries, then new ones), apply it in one
database transaction, then atomically dead-letter the rejected entries and XACK the batch, then
announce the change. Nothing is acknowledged before it is committed; on any Redis or database
failure the worker backs off and starts again from its own pending entries.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import redis
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, SQLAlchemyError

from console.config import Settings
from console.domain.deadlines import get_rule_set
from data import streams
from data.db import make_sessionmaker, writer_engine
from data.intake import BatchOutcome, IntakeRules, StreamEntry, apply_batch
from data.reference import load_geography

log = logging.getLogger("kup.ingest")
MAX_BACKOFF_S = 10.0
FEED_ITEMS_PER_ANNOUNCEMENT = 200


def intake_rules(settings: Settings) -> IntakeRules:
    """Validation and deadline context built from the settings and the reference geography."""
    geo = load_geography()
    return IntakeRules(districts=frozenset(geo.districts),
                       region_of={s: d.region for s, d in geo.districts.items()},
                       tz=ZoneInfo(settings.tz), rules=get_rule_set(settings.rule_set))


@dataclass
class IngestStats:
    """Running totals of one worker (exported as metrics)."""

    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: int = 0
    last_batch_at: float | None = None
    by_type: dict[str, int] = field(default_factory=dict)


class IngestWorker:
    """One consumer of the group; `run()` until `stop` is set (SIGTERM/SIGINT set it)."""

    def __init__(self, settings: Settings, engine: Engine, redis_url: str,
                 on_batch: Callable[[BatchOutcome], None] | None = None) -> None:
        self.settings = settings
        self.redis = streams.connect(redis_url)
        self.sessions = make_sessionmaker(writer_engine(engine))
        self.rules = intake_rules(settings)
        self.consumer = settings.consumer
        self.stop = threading.Event()
        self.stats = IngestStats()
        self.on_batch = on_batch
        self._read_pending = True
        self._last_claim = 0.0

    def run(self) -> None:
        """Consume until stopped; never raises for Redis or database trouble."""
        backoff = 0.5
        log.info("ingest worker %s reading %s as group %s", self.consumer,
                 self.settings.stream, self.settings.group)
        while not self.stop.is_set():
            try:
                self.step()
                backoff = 0.5
            except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
                self._trouble("Redis unavailable", exc, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
            except redis.ResponseError as exc:
                if "NOGROUP" in str(exc):
                    self._read_pending = True  # stream or group gone (Redis restarted empty)
                    self._ensure_group()
                    continue
                self._trouble("Redis error", exc, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
            except SQLAlchemyError as exc:
                self._trouble("database unavailable", exc, backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_S)
        log.info("ingest worker %s stopped: %s stored, %s duplicates, %s dead letters",
                 self.consumer, self.stats.stored, self.stats.duplicates, self.stats.rejected)

    def _trouble(self, what: str, exc: Exception, backoff: float) -> None:
        self.stats.errors += 1
        self._read_pending = True  # redo our unacknowledged entries first
        log.warning("%s (%s); retrying in %.1fs", what, type(exc).__name__, backoff)
        self.stop.wait(backoff)

    def _ensure_group(self) -> None:
        streams.ensure_group(self.redis, self.settings.stream, self.settings.group)

    def step(self) -> int:
        """Read and process one batch; return the number of entries handled."""
        if self._read_pending:
            self._ensure_group()
            entries = streams.read_group(self.redis, self.settings, self.consumer, pending=True)
            if not entries:
                self._read_pending = False
        else:
            entries = self._claim_if_due() or streams.read_group(
                self.redis, self.settings, self.consumer, pending=False)
        if entries:
            self.process(entries)
        return len(entries)

    def _claim_if_due(self) -> list[StreamEntry]:
        now = time.monotonic()
        if now - self._last_claim < self.settings.claim_idle_ms / 2000:
            return []
        self._last_claim = now
        claimed = streams.claim_abandoned(self.redis, self.settings, self.consumer)
        if claimed:
            log.info("reclaimed %d entries left pending by another consumer", len(claimed))
        return claimed

    def process(self, entries: list[StreamEntry]) -> BatchOutcome:
        """Store one batch (one transaction), then dead-letter and acknowledge it atomically."""
        outcome = self._store(entries)
        streams.dead_letter_and_ack(self.redis, self.settings, outcome.rejected, entries)
        self._count(outcome)
        self._announce(outcome)
        return outcome

    def _store(self, entries: list[StreamEntry]) -> BatchOutcome:
        for attempt in range(5):
            try:
                with self.sessions.begin() as session:
                    return apply_batch(session, entries, self.rules)
            except (IntegrityError, OperationalError) as exc:
                # Another worker stored the same event_id first, or SQLite is busy: retry.
                if attempt == 4:
                    raise
                log.info("batch retried after %s", type(exc).__name__)
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _count(self, outcome: BatchOutcome) -> None:
        self.stats.batches += 1
        self.stats.stored += outcome.stored
        self.stats.duplicates += outcome.duplicates
        self.stats.rejected += len(outcome.rejected)
        self.stats.last_batch_at = time.time()
        if self.on_batch:
            self.on_batch(outcome)

    def _announce(self, outcome: BatchOutcome) -> None:
        if not (outcome.changed or outcome.rejected):
            return
        feed = [{"reg_no": c.reg_no, "district": c.district,
                 "region": self.rules.region_of[c.district], "category": c.category,
                 "kind": c.kind, "registered_at": c.registered_at.isoformat(),
                 "lat": c.lat, "lon": c.lon}
                for c in outcome.registered[-FEED_ITEMS_PER_ANNOUNCEMENT:]]
        message = {"at": datetime.now(timezone.utc).isoformat(), "registered": feed,
                   "registered_count": len(outcome.registered),
                   "changed": len(outcome.changed), "rejected": len(outcome.rejected),
                   "regions": sorted({self.rules.region_of[c.district]
                                      for c in outcome.registered})}
        try:
            streams.announce(self.redis, self.settings, message)
        except redis.RedisError as exc:  # stored and acked already; pages catch up on reconnect
            log.warning("could not announce a batch (%s)", type(exc).__name__)
