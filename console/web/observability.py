"""`/healthz` (JSON status of Redis, the database, the consumer group and ingest; 503 when Redis
or the database is down) and `/metrics` (Prometheus text), both without login.

Metrics live in a registry of their own per app (several apps in one test process don't
collide). Store and stream figures are read when scraped, cached for a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import redis
from flask import Blueprint, Response, jsonify
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import SQLAlchemyError

from console.runtime import Services
from console.web.state import web_state
from data import streams
from data.ingest_state import IngestFreshness, StreamGap, ingest_freshness, read_gaps
from data.monitoring import StoreFigures, last_ingest_at, ping, store_figures
from rules.clock import local_iso

log = logging.getLogger("kup.web.health")
bp = Blueprint("obs", __name__)
PUSH_LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0)
SCRAPE_CACHE_S = 5.0


def probe_client(url: str) -> redis.Redis:
    """A Redis client that fails fast (no retries), for health checks and metrics."""
    return streams.connect(
        url,
        socket_timeout=2,
        socket_connect_timeout=2,
        retry=Retry(NoBackoff(), 0),
        health_check_interval=0,
    )


@dataclass
class _Scrape:
    at: float
    store: StoreFigures | None
    group: streams.GroupStatus | None
    redis_ok: bool
    gaps: list[StreamGap]
    freshness: IngestFreshness | None


class StoreCollector:
    """Prometheus collector of figures read from the store and the stream at scrape time."""

    def __init__(self, state: Services) -> None:
        self.state = state
        self.client = probe_client(state.redis_url)
        self._cached: _Scrape | None = None
        self._lock = threading.Lock()

    def _scrape(self) -> _Scrape:
        with self._lock:
            if self._cached is not None and time.monotonic() - self._cached.at < SCRAPE_CACHE_S:
                return self._cached
            store = group = freshness = None
            gaps: list[StreamGap] = []
            redis_ok = True
            try:
                with self.state.sessions() as session:
                    store = store_figures(session, self.state.now(), self.state.due_soon)
                    gaps = read_gaps(session, self.state.settings.stream)
                    freshness = ingest_freshness(session, self.client, self.state.settings.streams)
            except SQLAlchemyError as exc:
                log.warning("metrics: database unavailable (%s)", type(exc).__name__)
            try:
                group = streams.group_status(self.client, self.state.settings.streams)
            except (redis.RedisError, OSError) as exc:
                log.warning("metrics: Redis unavailable (%s)", type(exc).__name__)
                redis_ok = False
            self._cached = _Scrape(time.monotonic(), store, group, redis_ok, gaps, freshness)
            return self._cached

    def collect(self) -> Iterator[Metric]:
        scrape = self._scrape()
        yield GaugeMetricFamily(
            "kup_redis_up", "1 if Redis answered the last scrape", value=1 if scrape.redis_ok else 0
        )
        yield GaugeMetricFamily(
            "kup_database_up",
            "1 if the database answered the last scrape",
            value=1 if scrape.store is not None else 0,
        )
        if scrape.store is not None:
            store = scrape.store
            yield CounterMetricFamily(
                "kup_events_ingested", "Valid events stored", value=store.events
            )
            yield CounterMetricFamily(
                "kup_dead_letters",
                "Stream entries rejected by the contract",
                value=store.dead_letters,
            )
            if store.last_ingest_at is not None:
                yield GaugeMetricFamily(
                    "kup_last_ingest_timestamp_seconds",
                    "When the newest stored event was ingested",
                    value=store.last_ingest_at.timestamp(),
                )
            for name, text, values in (
                (
                    "kup_cases_open",
                    "Undecided cases (overdue and due-soon included)",
                    store.open_by_region,
                ),
                (
                    "kup_cases_overdue",
                    "Undecided cases past their deadline",
                    store.overdue_by_region,
                ),
                (
                    "kup_cases_due_soon",
                    "Undecided cases due within KUP_DUE_SOON_HOURS",
                    store.due_soon_by_region,
                ),
            ):
                family = GaugeMetricFamily(name, text, labels=["region"])
                for region, value in sorted(values.items()):
                    family.add_metric([region], value)
                yield family
        yield GaugeMetricFamily(
            "kup_stream_gaps",
            "Gaps detected in the input stream (entries "
            "trimmed or lost before the console read them)",
            value=len(scrape.gaps),
        )
        yield GaugeMetricFamily(
            "kup_stream_entries_lost",
            "Entries known lost in those gaps (a floor where Redis cannot count them)",
            value=sum(g.lost if g.lost is not None else g.lost_at_least for g in scrape.gaps),
        )
        fresh = scrape.freshness
        if fresh is not None and fresh.behind_s is not None:
            yield GaugeMetricFamily(
                "kup_ingest_behind_seconds",
                "Age of the oldest stream entry not stored yet (0 when caught up)",
                value=fresh.behind_s,
            )
            yield GaugeMetricFamily(
                "kup_ingest_stale",
                "1 when the console's data is stale",
                value=1 if fresh.stale else 0,
            )
        if scrape.group is not None:
            group = scrape.group
            figures: tuple[tuple[str, str, int | None], ...] = (
                ("kup_consumer_lag", "Stream entries not yet delivered to the group", group.lag),
                (
                    "kup_consumer_pending",
                    "Entries delivered but not yet acknowledged",
                    group.pending,
                ),
                ("kup_stream_length", "Entries in the input stream", group.length),
                ("kup_consumers", "Consumers in the group", group.consumers),
            )
            for name, text, figure in figures:
                if figure is not None:
                    yield GaugeMetricFamily(name, text, value=figure)


class Metrics:
    """The app's registry: push metrics recorded by the pusher, store figures on scrape."""

    def __init__(self, state: Services) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.push_latency = Histogram(
            "kup_push_latency_seconds",
            "From ingest's announcement to the browser push",
            buckets=PUSH_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.push_emits = Counter(
            "kup_push_emits",
            "Socket.IO events emitted, by event",
            ["event"],
            registry=self.registry,
        )
        self.store = StoreCollector(state)
        self.registry.register(self.store)  # not read until scraped


@bp.get("/metrics")
def metrics() -> Response:
    state = web_state()
    return Response(generate_latest(state.metrics.registry), mimetype=CONTENT_TYPE_LATEST)


def _iso(value: datetime | None, state: Services) -> str | None:
    return local_iso(value, state.tz) if value is not None else None


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Redis (PING, consumer group), database (SELECT 1, last ingest) and push status."""
    state = web_state()
    body: dict[str, Any] = {
        "redis": {"ok": False},
        "database": {"ok": False},
        "consumer": None,
        "last_ingest_at": None,
        "last_ingest_age_s": None,
    }
    client = state.metrics.store.client
    started = time.perf_counter()
    try:
        client.ping()
        body["redis"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
        group = streams.group_status(client, state.settings.streams)
        if group is not None:
            body["consumer"] = {
                "group": state.settings.group,
                "lag": group.lag,
                "pending": group.pending,
                "length": group.length,
                "consumers": group.consumers,
                "last_delivered": group.last_delivered,
            }
    except (redis.RedisError, OSError) as exc:
        body["redis"]["error"] = type(exc).__name__
    started = time.perf_counter()
    try:
        with state.sessions() as session:
            ping(session)
            body["database"] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
            last = last_ingest_at(session)
            gaps = read_gaps(session, state.settings.stream)
            body["gaps"] = [gap.as_dict() for gap in gaps]
            freshness = ingest_freshness(session, client, state.settings.streams)
            body["freshness"] = freshness.as_dict()
        body["last_ingest_at"] = _iso(last, state)
        if last is not None:
            body["last_ingest_age_s"] = round((datetime.now(UTC) - last).total_seconds(), 1)
    except SQLAlchemyError as exc:
        body["database"]["error"] = type(exc).__name__
    pusher = state.pusher
    body["push"] = (
        None
        if pusher is None
        else {
            "leader": pusher.is_leader,
            "redis": pusher.redis_ok,
            "last_emit_at": _iso(pusher.last_emit_at, state),
        }
    )
    ok = body["redis"]["ok"] and body["database"]["ok"]
    # Stale data or a gap is worth a look but the console still serves: 200 with a status.
    stale = bool(body.get("freshness", {}).get("stale"))
    body["status"] = (
        "down" if not ok else "data_lost" if body.get("gaps") else ("stale" if stale else "ok")
    )
    return jsonify(body), 200 if ok else 503
