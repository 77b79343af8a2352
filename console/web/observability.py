"""`/healthz`, `/healthz/detail` and `/metrics`.

`/healthz` answers anyone with the status word only, `{"status": "ok" | "degraded" | "down"}`:
200 for ok (Redis and the database answer, the data is fresh, no stream gap) and degraded (the
console serves, but its data is stale or stream entries were lost), 503 for down (Redis or the
database does not answer). No host, consumer, stream id or count: a load balancer or uptime
probe needs nothing more. `/healthz/detail` (the checks: Redis, database, consumer group,
ingest freshness, stream gaps, push) and `/metrics` (Prometheus text) need an account that
`reads_health` (rules/access.py: a `monitor` API token, or an admin), as a bearer token or a
session; probes may use plain HTTP even with KUP_HTTPS (console/web/app.py).

Metrics live in a registry of their own per app (several apps in one test process don't
collide). Store and stream figures are read when scraped, cached for a few seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import redis
from flask import Blueprint, Response, jsonify
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import Forbidden

from console.runtime import Services
from console.web.auth import current_viewer
from console.web.openapi import Reply, WithProperties, operation
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


HEALTH_READERS = "an account that may not read it (a monitor or an admin may)"


def _require_health_reader() -> None:
    """403 unless the logged-in account reads health (the login gate has required a login)."""
    if not current_viewer().reads_health:
        raise Forbidden("health detail and metrics are for monitor and admin accounts")


@bp.get("/metrics")
@operation(
    summary="Prometheus metrics",
    ok=Reply(200, "Prometheus text exposition", {"type": "string"}, media="text/plain"),
    errors={403: HEALTH_READERS},
    tag="monitoring",
)
def metrics() -> Response:
    """Store, stream, ingest and push figures in Prometheus' text format; the store's are read
    at most every 5 seconds. For a monitor's token (or an admin)."""
    _require_health_reader()
    state = web_state()
    return Response(generate_latest(state.metrics.registry), mimetype=CONTENT_TYPE_LATEST)


Condition = Literal["ok", "degraded", "down"]
Reason = Literal["redis_down", "database_down", "data_lost", "stale"]


@dataclass(frozen=True)
class Probe:
    """How a dependency answered: `ok`, the round trip in milliseconds, or the class name of
    the error."""

    ok: bool
    ms: float | None = None
    error: str | None = None


@dataclass(frozen=True)
class ConsumerState:
    """The consumer group against its stream: entries not yet delivered (`lag`, null when
    Redis cannot count them), delivered but unacknowledged (`pending`), the stream's length,
    the group's consumers and the last id delivered."""

    group: str
    lag: int | None
    pending: int
    length: int
    consumers: int
    last_delivered: str


@dataclass(frozen=True)
class PushState:
    """This web process's push task: whether it leads, whether it reaches Redis, its last
    emit."""

    leader: bool
    redis: bool
    last_emit_at: datetime | None


@dataclass(frozen=True)
class HealthDetail:
    """The checks behind the status word: `reasons` names why it is not ok; `consumer`,
    `freshness` and `gaps` are null or empty when Redis or the database did not answer."""

    status: Condition
    reasons: list[Reason]
    redis: Probe
    database: Probe
    consumer: ConsumerState | None
    last_ingest_at: datetime | None
    last_ingest_age_s: float | None
    freshness: IngestFreshness | None
    gaps: list[Annotated[StreamGap, WithProperties(("count", "count_exact"))]]
    push: PushState | None

    def as_dict(self, tz: ZoneInfo) -> dict[str, object]:
        """JSON-ready: instants of the console in `tz` (those of the freshness and the gaps
        as data/ingest_state writes them)."""
        return {
            "status": self.status,
            "reasons": self.reasons,
            "redis": asdict(self.redis),
            "database": asdict(self.database),
            "consumer": asdict(self.consumer) if self.consumer else None,
            "last_ingest_at": _iso(self.last_ingest_at, tz),
            "last_ingest_age_s": self.last_ingest_age_s,
            "freshness": self.freshness.as_dict() if self.freshness else None,
            "gaps": [gap.as_dict() for gap in self.gaps],
            "push": {**asdict(self.push), "last_emit_at": _iso(self.push.last_emit_at, tz)}
            if self.push
            else None,
        }


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return local_iso(value, tz) if value is not None else None


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_health(state: Services) -> HealthDetail:
    """Redis (PING, consumer group), database (SELECT 1, last ingest, gaps, freshness) and
    push, and the status word they make."""
    client = state.metrics.store.client
    redis_probe, database = Probe(False), Probe(False)
    consumer = last = freshness = None
    gaps: list[StreamGap] = []
    started = time.perf_counter()
    try:
        client.ping()
        redis_probe = Probe(True, _elapsed_ms(started))
        group = streams.group_status(client, state.settings.streams)
        if group is not None:
            consumer = ConsumerState(
                state.settings.group,
                group.lag,
                group.pending,
                group.length,
                group.consumers,
                group.last_delivered,
            )
    except (redis.RedisError, OSError) as exc:
        redis_probe = Probe(False, error=type(exc).__name__)
    started = time.perf_counter()
    try:
        with state.sessions() as session:
            ping(session)
            database = Probe(True, _elapsed_ms(started))
            last = last_ingest_at(session)
            gaps = read_gaps(session, state.settings.stream)
            freshness = ingest_freshness(session, client, state.settings.streams)
    except SQLAlchemyError as exc:
        database = Probe(False, error=type(exc).__name__)
    pusher = state.pusher
    checks: tuple[tuple[Reason, bool], ...] = (
        ("redis_down", not redis_probe.ok),
        ("database_down", not database.ok),
        ("data_lost", bool(gaps)),
        ("stale", freshness is not None and freshness.stale),
    )
    reasons = [reason for reason, found in checks if found]
    # Stale data or a gap is worth a look but the console still serves: degraded, not down.
    down = not (redis_probe.ok and database.ok)
    return HealthDetail(
        status="down" if down else "degraded" if reasons else "ok",
        reasons=reasons,
        redis=redis_probe,
        database=database,
        consumer=consumer,
        last_ingest_at=last,
        last_ingest_age_s=None
        if last is None
        else round((datetime.now(UTC) - last).total_seconds(), 1),
        freshness=freshness,
        gaps=gaps,
        push=None
        if pusher is None
        else PushState(pusher.is_leader, pusher.redis_ok, pusher.last_emit_at),
    )


def _http_status(detail: HealthDetail) -> int:
    return 503 if detail.status == "down" else 200


@dataclass(frozen=True)
class Health:
    """The console's health in one word: ok; degraded (it serves, but its data is stale or
    stream entries were lost); down (Redis or the database does not answer)."""

    status: Condition


DOWN = "down: Redis or the database does not answer"


@bp.get("/healthz")
@operation(
    summary="Health in one word",
    ok=Reply(200, "ok or degraded", Health),
    also=(Reply(503, DOWN, Health),),
    public=True,
    tag="monitoring",
)
def healthz() -> tuple[Response, int]:
    """The status word only, for anyone (load balancers, uptime probes): 200 for ok and
    degraded, 503 for down."""
    detail = check_health(web_state())
    return jsonify(status=detail.status), _http_status(detail)


@bp.get("/healthz/detail")
@operation(
    summary="Health checks in detail",
    ok=Reply(200, "ok or degraded, and the checks", HealthDetail),
    also=(Reply(503, DOWN, HealthDetail),),
    errors={403: HEALTH_READERS},
    tag="monitoring",
)
def health_detail() -> tuple[Response, int]:
    """Redis, the database, the consumer group, ingest freshness, stream gaps and this
    process's push task; for a monitor's token (or an admin). 503 when down."""
    _require_health_reader()
    state = web_state()
    detail = check_health(state)
    return jsonify(detail.as_dict(state.tz)), _http_status(detail)


# The endpoints probes and scrapers call, which may use plain HTTP (console/web/app.py).
PROBE_ENDPOINTS = ("obs.healthz", "obs.health_detail", "obs.metrics")
