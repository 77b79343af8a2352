"""Big store: the console's read queries on a seeded store of many cases (SQLite and
PostgreSQL), the JSON API over HTTP from a real web process, and the peak memory of the web and
ingest processes working on that store.

The queries are the ones the pages and the API run (data.live_page, data.workload_counts,
data.case_lists, data.case_record), each timed in a fresh session as a request would use, after
one warm-up run.
"""

from __future__ import annotations

import os
import random
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis
from sqlalchemy import Engine, func, select, text

from benchmarks.common import (
    Table,
    ms,
    peak_rss_mb,
    peak_rss_mb_per_process,
    percentile,
    postgres_ok,
    postgres_schema,
    redis_server,
    run_alone,
    serving,
    spawn,
    stop,
    wait_until,
    workdir,
)
from benchmarks.ingest import make_events
from benchmarks.stack import api_user
from console.config import Settings
from data import case_lists, case_record, live_page, streams, workload_counts
from data.case_lists import case_summaries
from data.db import make_engine, make_sessionmaker
from data.models import Case
from data.queries import CaseFilter
from data.schema import upgrade
from data.seed import seed_cases
from rules.clock import DEFAULT_TZ, utc_naive, zone
from tests.support.servers import free_port
from tests.support.stores import sqlite_url

DUE_SOON = timedelta(hours=24)
TARGET_MS = 150.0
RSS_TARGET_MB = 400.0
BISHKEK = "41711000000000"
PAGE = 50  # first page of a list
GRID = 2000  # rows the overdue and drill-down grids load


@dataclass
class Context:
    """What the queries need: the instant, a sample of cases, the drill-down targets."""

    now: datetime
    reg_nos: list[str]
    district: str
    unit: str
    rng: random.Random = field(default_factory=lambda: random.Random(11))


Query = Callable[[Any, Context], object]

QUERIES: list[tuple[str, Query]] = [
    (
        "workload API (55 districts)",
        lambda s, c: workload_counts.district_workload(
            s, CaseFilter(), c.now, DUE_SOON, tz=zone(DEFAULT_TZ)
        ),
    ),
    (
        "workload, one region's scope",
        lambda s, c: workload_counts.district_workload(
            s, CaseFilter(scope_region="KG-C"), c.now, DUE_SOON, tz=zone(DEFAULT_TZ)
        ),
    ),
    (
        "overdue list, first page sorted",
        lambda s, c: case_summaries(s, CaseFilter(status="overdue"), c.now, DUE_SOON, limit=PAGE),
    ),
    (
        "overdue page grid (2,000 + count)",
        lambda s, c: case_lists.cases_by_deadline(
            s, CaseFilter(status="overdue"), c.now, DUE_SOON, GRID
        ),
    ),
    (
        "map aggregation (districts)",
        lambda s, c: live_page.district_map_stats(s, CaseFilter(), c.now, DUE_SOON),
    ),
    (
        "live page counters + feed",
        lambda s, c: (
            live_page.status_counts(s, CaseFilter(), c.now, DUE_SOON),
            live_page.recent_registrations(s, CaseFilter(), 50),
            live_page.recent_points(s, CaseFilter(), c.now, 24),
        ),
    ),
    (
        "case page (events, deadlines, flags)",
        lambda s, c: case_record.case_detail(s, c.rng.choice(c.reg_nos), None, c.now, DUE_SOON),
    ),
    (
        "drill-down: units of Bishkek",
        lambda s, c: workload_counts.workload_rows(
            s, CaseFilter(district=c.district), c.now, DUE_SOON, "unit", tz=zone(DEFAULT_TZ)
        ),
    ),
    (
        "drill-down: open cases of a unit",
        lambda s, c: case_lists.cases_by_deadline(
            s, CaseFilter(status="open", district=c.district, unit=c.unit), c.now, DUE_SOON, GRID
        ),
    ),
    (
        "30-day intake vs decisions chart",
        lambda s, c: workload_counts.intake_vs_decisions(
            s, CaseFilter(), c.now, DUE_SOON, zone(DEFAULT_TZ)
        ),
    ),
]


@dataclass
class StoreResult:
    store: str
    cases: int
    seed_s: float
    events: int
    open: int
    overdue: int
    timings: dict[str, list[float]] = field(default_factory=dict)
    http: dict[str, list[float]] = field(default_factory=dict)
    web_rss: float | None = None
    ingest_rss: float | None = None
    ingest_rate: float | None = None
    plans: dict[str, str] = field(default_factory=dict)


def measure_queries(engine: Engine, ctx: Context, repeat: int) -> dict[str, list[float]]:
    """Seconds per run of every query (fresh session each time, after one warm-up)."""
    sessions = make_sessionmaker(engine)
    timings: dict[str, list[float]] = {}
    for name, query in QUERIES:
        with sessions() as s:
            query(s, ctx)
        samples = []
        for _ in range(repeat):
            with sessions() as s:
                started = time.perf_counter()
                query(s, ctx)
                samples.append(time.perf_counter() - started)
        timings[name] = samples
    return timings


def context(engine: Engine, now: datetime) -> Context:
    """A sample of case numbers and the busiest unit of Bishkek (the heaviest drill-down)."""
    with engine.connect() as conn:
        reg_nos = list(conn.scalars(select(Case.reg_no).order_by(func.random()).limit(200)))
        unit = conn.scalar(
            select(Case.unit)
            .where(Case.district == BISHKEK, Case.decision.is_(None))
            .group_by(Case.unit)
            .order_by(func.count().desc())
            .limit(1)
        )
    return Context(now, reg_nos, BISHKEK, unit or "OVD-Pervomaisky")


def query_plans(engine: Engine, ctx: Context) -> dict[str, str]:
    """The plans of the main statements (EXPLAIN QUERY PLAN / EXPLAIN), for the notes."""
    statements = {
        "overdue list": (
            "SELECT * FROM cases WHERE decision IS NULL AND deadline <= :now "
            "ORDER BY deadline, reg_no LIMIT 50"
        ),
        "open cases by district": (
            "SELECT district, count(*) FROM cases WHERE decision IS NULL GROUP BY district"
        ),
        "registrations in 30 days by district": (
            "SELECT district, count(*) FROM cases WHERE registered_at > :month "
            "AND registered_at <= :now GROUP BY district"
        ),
        "decisions in 30 days by district": (
            "SELECT district, count(*) FROM cases WHERE decided_at > :month "
            "AND decided_at <= :now AND decision IS NOT NULL GROUP BY district"
        ),
        "a case's events": "SELECT * FROM events WHERE reg_no = :reg ORDER BY occurred_at, id",
        "open cases of a unit": (
            "SELECT * FROM cases WHERE decision IS NULL AND district = :d "
            "AND unit = :u ORDER BY deadline, reg_no LIMIT 2000"
        ),
    }
    sqlite = engine.dialect.name == "sqlite"
    now = utc_naive(ctx.now)  # bound as the store keeps instants
    params = {
        "now": now.isoformat(" ") if sqlite else now,
        "month": (now - timedelta(days=30)).isoformat(" ") if sqlite else now - timedelta(days=30),
        "reg": ctx.reg_nos[0],
        "d": ctx.district,
        "u": ctx.unit,
    }
    plans = {}
    with engine.connect() as conn:
        for name, sql in statements.items():
            rows = conn.execute(
                text(("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + sql), params
            ).all()
            plans[name] = "; ".join(str(r[-1]).strip() for r in rows)
    return plans


# --- the web and ingest processes on the big store ------------------------------------------


@contextmanager
def web_process(url: str, redis_url: str, data_dir: Path) -> Iterator[tuple[int, int]]:
    """`kup-console serve` on the store; yields (pid, port) once it answers."""
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        KUP_DATA_DIR=str(data_dir),
        KUP_SECRET_KEY="bench-" + "x" * 40,
    )
    with serving(["console.cli", "serve", "--port", str(port)], env, port, "web console") as proc:
        yield proc.pid, port


def http_get(port: int, path: str, token: str) -> float:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
    return time.perf_counter() - started


def measure_http(port: int, token: str, ctx: Context, repeat: int) -> dict[str, list[float]]:
    paths = {
        "GET /api/v1/workload": lambda: "/api/v1/workload",
        "GET /api/v1/cases?status=overdue&limit=50": lambda: (
            "/api/v1/cases?status=overdue&limit=50"
        ),
        "GET /api/v1/cases/<reg_no>": lambda: f"/api/v1/cases/{ctx.rng.choice(ctx.reg_nos)}",
    }
    out: dict[str, list[float]] = {}
    for name, path in paths.items():
        http_get(port, path(), token)
        out[name] = [http_get(port, path(), token) for _ in range(repeat)]
    return out


def ingest_on_store(url: str, redis_url: str, data_dir: Path, count: int) -> tuple[float, float]:
    """Run `kup-console ingest` on the big store over `count` fresh events; (events/s, RSS)."""
    entries = make_events(count, seed=99)
    for entry in entries:  # numbers of their own, not the seeded cases' ones
        if "reg_no" in entry:
            entry["reg_no"] = entry["reg_no"].replace("KUP-", "SIM-", 1)
    settings = Settings(stream="bench:big")
    client = redis.Redis.from_url(redis_url, protocol=2)
    streams.append_events(client, settings.stream, entries)
    last = client.xinfo_stream(settings.stream)["last-generated-id"]
    env = dict(
        os.environ,
        DATABASE_URL=url,
        REDIS_URL=redis_url,
        KUP_DATA_DIR=str(data_dir),
        KUP_STREAM=settings.stream,
        KUP_GROUP="bench-big",
    )
    proc = spawn(["console.cli", "ingest", "--consumer", "big"], env)
    try:
        wait_until(lambda: _group_started(client, settings.stream), 120, 0.005)
        started = time.perf_counter()

        def drained() -> bool:
            return _group_done(client, settings.stream, last) or proc.poll() is not None

        wait_until(drained, 600, 0.01)
        elapsed = time.perf_counter() - started
        rss = peak_rss_mb(proc.pid)
    finally:
        stop(proc)
        client.close()
    return count / elapsed, rss


def _group_started(client: redis.Redis, stream: str) -> bool:
    try:
        return any(int(g["consumers"]) > 0 for g in client.xinfo_groups(stream))
    except redis.ResponseError:
        return False


def _group_done(client: redis.Redis, stream: str, last: bytes) -> bool:
    groups = client.xinfo_groups(stream)
    return bool(groups) and groups[0]["pending"] == 0 and groups[0]["last-delivered-id"] == last


# --- the run -----------------------------------------------------------------------------------


def run_store(
    store: str,
    url: str,
    cases: int,
    repeat: int,
    processes: bool,
    tmp: Path,
    redis_url: str,
    ingest_events: int,
) -> StoreResult:
    engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    report = seed_cases(engine, cases, seed=7, now=now)
    result = StoreResult(
        store, report.cases, report.seconds, report.events, report.open, report.overdue
    )
    engine.dispose()  # new connections, as a web process starting on this store would make
    engine = make_engine(url)
    ctx = context(engine, now)
    ctx.now = datetime.now(UTC)
    result.timings = measure_queries(engine, ctx, repeat)
    result.plans = query_plans(engine, ctx)
    if processes:
        token = api_user(engine)
        with web_process(url, redis_url, tmp) as (pid, port):
            result.http = measure_http(port, token, ctx, repeat)
            result.web_rss = peak_rss_mb_per_process(pid)  # the largest worker
        result.ingest_rate, result.ingest_rss = ingest_on_store(url, redis_url, tmp, ingest_events)
    engine.dispose()
    return result


def run(quick: bool = False, cases: int | None = None) -> list[Table]:
    count = cases or (20_000 if quick else 1_000_000)
    repeat = 5 if quick else 30
    ingest_events = 3_000 if quick else 20_000
    results: list[StoreResult] = []
    with redis_server() as server, workdir("kup-bench-big-") as tmp:
        results.append(
            run_store(
                "SQLite",
                sqlite_url(tmp, "big.db"),
                count,
                repeat,
                True,
                tmp,
                server.url,
                ingest_events,
            )
        )
        if postgres_ok():
            with postgres_schema() as url:
                results.append(
                    run_store(
                        "PostgreSQL", url, count, repeat, not quick, tmp, server.url, ingest_events
                    )
                )
    return [
        _query_table(results, count),
        _process_table(results, ingest_events),
        _plan_table(results),
    ]


def _query_table(results: list[StoreResult], count: int) -> Table:
    columns = ["query"]
    for r in results:
        columns += [f"{r.store} p50 ms", f"{r.store} p95 ms"]
    columns.append(f"p95 ≤ {TARGET_MS:.0f} ms")
    table = Table(f"Big store: {count:,} cases — read queries of the pages and the API", columns)
    names = [name for name, _ in QUERIES] + list(results[0].http)
    for name in names:
        cells: list[object] = [name]
        worst = 0.0
        for r in results:
            samples = r.timings.get(name) or r.http.get(name)
            if samples:
                p95 = ms(percentile(samples, 95))
                worst = max(worst, p95)
                cells += [ms(percentile(samples, 50)), p95]
            else:
                cells += ["", ""]
        cells.append("yes" if worst <= TARGET_MS else "NO")
        table.add(*cells)
    for r in results:
        table.notes.append(
            f"{r.store}: seeded {r.cases:,} cases ({r.open:,} open, {r.overdue:,} overdue) "
            f"and {r.events:,} events in {r.seed_s:.0f} s ({r.cases / r.seed_s:,.0f} cases/s)"
        )
    table.notes.append(
        "each query in a fresh session, after one warm-up; HTTP rows: the real "
        "web process (`kup-console serve`) with an API token, one client"
    )
    return table


def _process_table(results: list[StoreResult], events: int) -> Table:
    table = Table(
        "Big store: peak memory of the processes",
        ["process", "store", "peak RSS MB", f"≤ {RSS_TARGET_MB:.0f} MB", "note"],
    )
    for r in results:
        if r.web_rss is not None:
            table.add(
                "web (`kup-console serve`, its largest worker)",
                r.store,
                r.web_rss,
                "yes" if r.web_rss <= RSS_TARGET_MB else "NO",
                "after the API requests above",
            )
        if r.ingest_rss is not None:
            table.add(
                "ingest (`kup-console ingest`)",
                r.store,
                r.ingest_rss,
                "yes" if r.ingest_rss <= RSS_TARGET_MB else "NO",
                f"{events:,} new events at {r.ingest_rate:,.0f}/s into the big store",
            )
    return table


def _plan_table(results: list[StoreResult]) -> Table:
    table = Table("Big store: query plans", ["statement", "store", "plan"])
    for r in results:
        for name, plan in r.plans.items():
            table.add(name, r.store, plan[:160])
    return table


if __name__ == "__main__":
    run_alone(run)
