"""Ingest throughput: the same simulated events consumed by the real ingest worker (SQLite and
PostgreSQL, 1, 2 and 4 worker processes in one group) and by a bare XREADGROUP + sqlite3 loop.

All consumers read the same stream (one consumer group each), start together on a signal once
their process is up, and are timed until their group has delivered the last entry and holds no
pending entry (everything stored and acknowledged).
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import sqlite3
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from redis._parsers import _HiredisParser, _RESP2Parser
from sqlalchemy import func, select

from benchmarks.common import (
    Table,
    met,
    peak_rss_mb,
    postgres_ok,
    postgres_schema,
    redis_server,
    run_alone,
    workdir,
)
from console.config import Settings
from data import streams
from data.db import make_engine
from data.models import Case, DeadLetter, EventRow
from data.schema import upgrade
from tests.support.processes import simulated_events

STREAM = "bench:events"
# Worker processes in one consumer group (issue #11 item 2: the scaling with 1, 2 and 4).
WORKER_COUNTS = (1, 2, 4)
BATCH_SIZE = 500
BARE_COLUMNS = (
    "event_id",
    "reg_no",
    "occurred_at",
    "received_at",
    "district",
    "category",
    "kind",
    "source",
    "priority",
    "lat",
    "lon",
    "address",
    "summary",
    "unit",
)
SIM_END = datetime(2026, 11, 1, tzinfo=UTC)


def make_events(count: int, seed: int = 4) -> list[dict[str, str]]:
    """`count` entries of simulated history: every event type, ~0.5% duplicates, ~0.2% bad."""
    return simulated_events(count, seed=seed, bad_rate=0.002, duplicate_rate=0.005, end=SIM_END)


@dataclass
class Run:
    """One timed consumption of the whole stream."""

    name: str
    store: str
    workers: int
    seconds: float
    rss_mb: float
    stored: int | None = None


def _wait_for(event: threading.Event | object, timeout: float = 120) -> None:
    if not event.wait(timeout):  # type: ignore[attr-defined]
        raise TimeoutError("benchmark worker did not get ready")


def kup_worker(
    db_url: str,
    redis_url: str,
    group: str,
    consumer: str,
    batch_size: int,
    ready,
    go,
    stop,
    results,
) -> None:  # type: ignore[no-untyped-def]
    """A process running the real IngestWorker (as `kup-console ingest` does)."""
    from console.runtime import ingest_worker

    settings = Settings(
        database_url=db_url,
        redis_url=redis_url,
        stream=STREAM,
        group=group,
        consumer=consumer,
        batch_size=batch_size,
        block_ms=100,
    )
    engine = make_engine(db_url)
    worker = ingest_worker(settings, engine, redis_url)
    worker.redis.ping()
    with engine.connect():
        pass
    ready.set()
    _wait_for(go)
    thread = threading.Thread(target=worker.run)
    thread.start()
    stop.wait()
    worker.stop.set()
    thread.join()
    engine.dispose()
    results.put(
        {"stored": worker.stats.stored, "errors": worker.stats.errors, "rss_mb": peak_rss_mb()}
    )


def bare_worker(
    db_path: str,
    redis_url: str,
    group: str,
    consumer: str,
    batch_size: int,
    ready,
    go,
    stop,
    results,
) -> None:  # type: ignore[no-untyped-def]
    """The bare baseline: XREADGROUP, insert the registrations' fields, commit, XACK."""
    client = redis.Redis.from_url(redis_url, protocol=2, decode_responses=True)
    db = sqlite3.connect(db_path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute(
        f"CREATE TABLE IF NOT EXISTS registrations ({', '.join(BARE_COLUMNS)}, "
        "PRIMARY KEY (event_id))"
    )
    insert = f"INSERT OR IGNORE INTO registrations VALUES ({', '.join('?' * len(BARE_COLUMNS))})"
    client.ping()
    ready.set()
    _wait_for(go)
    stored = 0
    while not stop.is_set():
        reply = client.xreadgroup(group, consumer, {STREAM: ">"}, count=batch_size, block=100)
        if not reply:
            continue
        entries = reply[0][1]
        rows = [
            tuple(fields.get(c) for c in BARE_COLUMNS)
            for _, fields in entries
            if fields.get("type") == "registered"
        ]
        db.execute("BEGIN")
        db.executemany(insert, rows)
        db.execute("COMMIT")
        client.xack(STREAM, group, *[entry_id for entry_id, _ in entries])
        stored += len(rows)
    db.close()
    results.put({"stored": stored, "errors": 0, "rss_mb": peak_rss_mb()})


def _drained(client: redis.Redis, group: str, last_id: bytes) -> bool:
    info = next(g for g in client.xinfo_groups(STREAM) if g["name"] == group.encode())
    return info["pending"] == 0 and info["last-delivered-id"] == last_id


def consume(
    target,
    store_url: str,
    redis_url: str,
    group: str,
    workers: int,  # type: ignore[no-untyped-def]
    batch_size: int,
    timeout: float = 1800,
) -> tuple[float, list[dict]]:
    """Start `workers` processes running `target`, release them together, time the drain."""
    client = redis.Redis.from_url(redis_url, protocol=2)
    streams.ensure_group(client, STREAM, group)
    last_id = client.xinfo_stream(STREAM)["last-generated-id"]
    ctx = mp.get_context("spawn")
    go, stop, results = ctx.Event(), ctx.Event(), ctx.Queue()
    procs, readies = [], []
    for i in range(workers):
        ready = ctx.Event()
        proc = ctx.Process(
            target=target,
            args=(
                store_url,
                redis_url,
                group,
                f"{group}-{i}",
                batch_size,
                ready,
                go,
                stop,
                results,
            ),
        )
        proc.start()
        procs.append(proc)
        readies.append(ready)
    try:
        for ready in readies:
            _wait_for(ready)
        started = time.perf_counter()
        go.set()
        deadline = started + timeout
        while not _drained(client, group, last_id):
            if time.perf_counter() > deadline or not all(p.is_alive() for p in procs):
                raise RuntimeError(f"{group}: consumers did not drain the stream")
            time.sleep(0.005)
        elapsed = time.perf_counter() - started
    finally:
        stop.set()
        go.set()
        collected = []
        for _ in procs:
            try:
                collected.append(results.get(timeout=60))
            except queue.Empty:
                pass
        for proc in procs:
            proc.join(timeout=30)
            if proc.is_alive():
                proc.terminate()
        client.close()
    return elapsed, collected


def _store_counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    with engine.connect() as conn:
        counts = tuple(
            conn.scalar(select(func.count()).select_from(t)) for t in (Case, EventRow, DeadLetter)
        )
    engine.dispose()
    return counts  # type: ignore[return-value]


def run(quick: bool = False, events: int | None = None) -> list[Table]:
    """Run the ingest benchmark and return its table (SQLite: best of 1 round quick, 3 full)."""
    count = events or (10_000 if quick else 100_000)
    rounds = 1 if quick else 3
    t0 = time.perf_counter()
    entries = make_events(count)
    generated = time.perf_counter() - t0
    registrations = len({e.get("reg_no") for e in entries if e.get("type") == "registered"})
    runs: list[Run] = []
    counts: dict[str, tuple[int, int, int]] = {}
    with redis_server() as server, workdir("kup-bench-ingest-") as tmp:
        client = streams.connect(server.url)
        t0 = time.perf_counter()
        streams.append_events(client, STREAM, entries)
        loaded = time.perf_counter() - t0
        client.close()

        def keep(run: Run) -> None:  # the best of the rounds for each configuration
            same = [
                r
                for r in runs
                if (r.name, r.store, r.workers) == (run.name, run.store, run.workers)
            ]
            if not same:
                runs.append(run)
            elif run.seconds < same[0].seconds:
                runs[runs.index(same[0])] = run

        def bare(round_: int) -> None:
            db = tmp / f"bare-{round_}.db"
            elapsed, res = consume(
                bare_worker, str(db), server.url, f"bare-{round_}", 1, BATCH_SIZE
            )
            keep(
                Run(
                    "bare XREADGROUP + sqlite3.executemany",
                    "SQLite",
                    1,
                    elapsed,
                    max(r["rss_mb"] for r in res),
                    sum(r["stored"] for r in res),
                )
            )

        def kup(store: str, url: str, workers: int, round_: int) -> None:
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            group = f"kup-{store.lower()}-{workers}-{round_}"
            elapsed, res = consume(kup_worker, url, server.url, group, workers, BATCH_SIZE)
            keep(
                Run(
                    "kup-console IngestWorker",
                    store,
                    workers,
                    elapsed,
                    max(r["rss_mb"] for r in res),
                    sum(r["stored"] for r in res),
                )
            )
            counts[f"{store}/{workers}"] = _store_counts(url)

        for round_ in range(rounds):  # interleaved, so that a busy moment hits all alike
            bare(round_)
            for workers in WORKER_COUNTS:
                kup("SQLite", f"sqlite:///{tmp / f'kup-{workers}-{round_}.db'}", workers, round_)
        if postgres_ok():
            for workers in WORKER_COUNTS:
                with postgres_schema() as url:
                    kup("PostgreSQL", url, workers, 0)
        parsing = reply_parsing(server.url, rounds)
    table = _table(runs, count, registrations, counts, generated, loaded)
    if rounds > 1:
        table.notes.insert(
            0,
            f"SQLite rows: the best of {rounds} interleaved rounds (bare, then 1, 2 and 4 "
            "workers, again); PostgreSQL: one round",
        )
    return [table, parsing]


PARSERS = {"pure Python (redis-py's own)": _RESP2Parser, "hiredis (C)": _HiredisParser}


def reply_parsing(redis_url: str, rounds: int) -> Table:
    """Read the whole benchmark stream in pages of BATCH_SIZE with each of redis-py's reply
    parsers (the product installs hiredis, which redis-py then uses): µs per entry, the best of
    `rounds` interleaved rounds."""
    best: dict[str, float] = {}
    count = 0
    for _ in range(rounds + 1):  # (one more: the first read also warms the server's pages)
        for name, parser in PARSERS.items():
            pool = redis.ConnectionPool.from_url(redis_url, parser_class=parser)
            client = redis.Redis(connection_pool=pool)
            t0 = time.perf_counter()
            count, last = 0, "0"
            while page := client.xread({STREAM: last}, count=BATCH_SIZE):
                entries = page[0][1]
                count += len(entries)
                last = entries[-1][0]
            elapsed = time.perf_counter() - t0
            best[name] = min(best.get(name, elapsed), elapsed)
            client.close()
    table = Table(
        f"Redis reply parsing: XREAD of {count:,} stream entries (pages of {BATCH_SIZE})",
        ["parser", "seconds", "µs per entry", "× pure Python"],
    )
    baseline = next(iter(best.values()))
    for name, seconds in best.items():
        table.add(name, seconds, seconds / count * 1e6, baseline / seconds)
    table.notes.append(
        f"hiredis installed, so the product uses it: {redis.utils.HIREDIS_AVAILABLE}"
    )
    return table


def _table(
    runs: list[Run],
    count: int,
    registrations: int,
    counts: dict[str, tuple[int, int, int]],
    generated: float,
    loaded: float,
) -> Table:
    bare = runs[0]
    bare_rate = count / bare.seconds
    table = Table(
        f"Ingest throughput: {count:,} stream entries (batch {BATCH_SIZE})",
        ["consumer", "store", "workers", "seconds", "entries/s", "× bare", "peak RSS MB"],
    )
    for r in runs:
        table.add(
            r.name,
            r.store,
            r.workers,
            r.seconds,
            count / r.seconds,
            (count / r.seconds) / bare_rate,
            r.rss_mb,
        )
    table.notes.append(
        f"entries: simulated history ({registrations:,} registrations and their "
        "assignments, extensions, decisions, reopenings; ~0.5% duplicates, "
        "~0.2% contract violations); generated in "
        f"{generated:.1f} s, XADDed in {loaded:.1f} s (pipelined)"
    )
    table.notes.append(
        "target: kup-console on SQLite ≥ 0.5 × bare ("
        + met(
            any(
                r.store == "SQLite" and r.workers == 1 and count / r.seconds >= 0.5 * bare_rate
                for r in runs[1:]
            )
        )
        + ")"
    )
    for store in ("SQLite", "PostgreSQL"):
        rates = {r.workers: count / r.seconds for r in runs[1:] if r.store == store}
        if 1 in rates and len(rates) > 1:
            table.notes.append(
                f"scaling on {store} (workers in one group, × one worker's rate): "
                + ", ".join(f"{n}: {rate / rates[1]:.2f} ×" for n, rate in sorted(rates.items()))
            )
    for key, (cases, events, dead) in counts.items():
        table.notes.append(
            f"store check {key} workers: {cases:,} cases, {events:,} events, {dead:,} dead letters"
        )
    return table


if __name__ == "__main__":
    run_alone(run)
