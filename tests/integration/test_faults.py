"""Faults, on purpose, against real processes: the ingest worker killed with SIGKILL mid-batch,
Redis killed and restarted (with and without persistence), the stream trimmed past unread
entries, PostgreSQL connections terminated, SQLite locked by another writer, ingest stopped
while the stream grows. Figures printed with `FIGURE` feed docs/RELIABILITY.md (run with -s)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine

from console.config import Settings
from console.runtime import ingest_worker
from data import streams
from data.consumer import IngestWorker, ingest_freshness, read_gaps
from data.db import make_engine, make_sessionmaker
from data.schema import upgrade
from tests.support import events as ev
from tests.support.processes import (
    IngestProcess,
    acknowledged_but_not_stored,
    batch_in_flight,
    case_rows,
    check_exactly_once,
    consumer_pending,
    drained,
    event_count,
    pending_count,
    simulated_events,
    store_contents,
    stream_entries,
    terminate_backends,
    wait_until,
    with_application_name,
)
from tests.support.servers import RedisServer, redis_executable

T0 = datetime.now(UTC) - timedelta(days=2)


def unique_reg_no() -> str:
    """A registration number no simulated case has."""
    return f"KUP-T{uuid.uuid4().hex[:16].upper()}"


def figure(text: str) -> None:
    print(f"FIGURE {text}")


def client_for(server: RedisServer) -> redis.Redis:
    return redis.Redis.from_url(server.url, protocol=2)


def reference_cases(events: list[dict[str, str]], redis_url: str, tmp: Path) -> list[tuple]:
    """The cases an uninterrupted worker makes of `events` (own stream and SQLite store)."""
    settings = Settings(
        data_dir=tmp,
        database_url=f"sqlite:///{tmp / 'reference.db'}",
        redis_url=redis_url,
        stream=f"reference:{uuid.uuid4().hex[:8]}",
        consumer="reference",
        batch_size=2000,
        block_ms=10,
    )
    client = redis.Redis.from_url(redis_url, protocol=2)
    streams.append_events(client, settings.stream, events)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    worker = ingest_worker(settings, engine, redis_url)
    while worker.step() or not drained(client, settings.stream, settings.group):
        pass
    rows = case_rows(engine)
    worker.redis.close()
    engine.dispose()
    client.delete(settings.stream, settings.dead_stream)
    return rows


def drain(worker: IngestWorker) -> None:
    idle = 0
    while idle < 2:
        idle = 0 if worker.step() else idle + 1


# --- 1. SIGKILL in the middle of a batch -------------------------------------------------------


@pytest.mark.slow
def test_sigkill_mid_batch_then_restart_stores_every_event_once(
    db_url: str, engine: Engine, redis_client: redis.Redis, settings: Settings, tmp_path: Path
) -> None:
    """Killed twice while a batch is in flight (then restarted under the same name, then under
    another that must claim the dead one's entries): every event stored exactly once, every
    dead letter recorded once, nothing left pending, the same cases as an uninterrupted run."""
    events = simulated_events(12_000, seed=3)
    streams.append_events(redis_client, settings.stream, events)
    kills_mid_batch = 0
    worker = IngestProcess(
        db_url=db_url,
        redis_url=settings.redis_url,
        consumer="crash-1",
        batch_size=2000,
        claim_idle_ms=1000,
    )
    try:
        for _ in range(2):
            before = event_count(engine)
            worker.start()
            # a commit since the (re)start, and the next batch delivered: kill it in flight
            wait_until(
                lambda before=before: (
                    event_count(engine) > before
                    and batch_in_flight(
                        redis_client, engine, settings.stream, settings.group, "crash-1"
                    )
                ),
                "a commit since the (re)start and a batch in flight",
                interval=0.002,
            )
            worker.kill()
            in_flight = consumer_pending(redis_client, settings.stream, settings.group, "crash-1")
            figure(
                f"{engine.dialect.name}: SIGKILL with {in_flight} entries in flight, "
                f"{event_count(engine)} events stored"
            )
            kills_mid_batch += bool(in_flight)
            assert not acknowledged_but_not_stored(
                redis_client, engine, settings.stream, settings.group
            )
        worker = IngestProcess(
            db_url=db_url,
            redis_url=settings.redis_url,
            consumer="crash-2",
            batch_size=2000,
            claim_idle_ms=1000,
        )
        started = time.monotonic()
        worker.start()
        wait_until(
            lambda: drained(redis_client, settings.stream, settings.group),
            "the replacement worker to claim and drain everything",
        )
        figure(f"{engine.dialect.name}: restart to caught-up {time.monotonic() - started:.1f} s")
    finally:
        worker.close()
    assert kills_mid_batch == 2, "a kill did not land in the middle of a batch"
    assert "reclaimed" in worker.log()
    tally = check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)
    figure(f"{engine.dialect.name}: {tally}")
    assert tally["entries"] == 12_000 and tally["dead"] > 0 and tally["duplicates"] > 0
    assert pending_count(redis_client, settings.stream, settings.group) == 0
    assert case_rows(engine) == reference_cases(events, settings.redis_url, tmp_path)


# --- 2. Redis killed and restarted under a running worker -------------------------------------


@pytest.mark.slow
def test_redis_restart_with_persistence_loses_nothing(
    db_url: str, engine: Engine, settings: Settings
) -> None:
    server = RedisServer(persistence=True).start()
    client = client_for(server)
    events = simulated_events(8000, seed=9)
    streams.append_events(client, settings.stream, events[:6000])
    worker = IngestProcess(db_url=db_url, redis_url=server.url, batch_size=500).start()
    try:
        wait_until(lambda: event_count(engine), "the first commit", interval=0.005)
        server.stop()  # SIGKILL, mid-ingest
        killed = time.monotonic()
        wait_until(lambda: "Redis unavailable" in worker.log(), "the worker to notice")
        server.start()  # same port, same append-only file
        streams.append_events(client, settings.stream, events[6000:])
        wait_until(
            lambda: drained(client, settings.stream, settings.group),
            "the worker to reconnect and drain",
        )
        figure(f"{engine.dialect.name}: Redis down→caught up {time.monotonic() - killed:.1f} s")
        assert worker.running
    finally:
        worker.close()
        tally = check_exactly_once(client, engine, settings.stream, settings.dead_stream)
        server.close()
    figure(f"{engine.dialect.name}: Redis restart with AOF: {tally}")
    assert tally["entries"] == 8000
    with make_sessionmaker(engine)() as session:
        assert read_gaps(session) == []


@pytest.mark.slow
def test_redis_restart_without_persistence_is_detected_as_a_gap(
    db_url: str, engine: Engine, settings: Settings
) -> None:
    """Redis comes back empty: the worker recreates the group, stores what is written next,
    and records the loss: since the last entry it stored, at least the entries it knew were
    waiting."""
    server = RedisServer(persistence=False).start()
    try:
        _restart_without_persistence(server, db_url, engine, settings)
    finally:
        server.close()


def _restart_without_persistence(
    server: RedisServer, db_url: str, engine: Engine, settings: Settings
) -> None:
    client = client_for(server)
    streams.append_events(client, settings.stream, simulated_events(6000, seed=13))
    old_entries = stream_entries(client, settings.stream)
    old_ids = set(old_entries)
    worker = IngestProcess(db_url=db_url, redis_url=server.url, batch_size=500).start()
    try:
        wait_until(lambda: event_count(engine), "the first commit", interval=0.005)
        server.stop()
        server.start()  # empty: the stream, the group and the unread entries are gone
        fresh = [ev.registered(unique_reg_no(), T0) for _ in range(50)]
        wait_until(lambda: "gap in stream" in worker.log(), "the loss to be detected")
        new_ids = [client.xadd(settings.stream, e).decode() for e in fresh]
        wait_until(
            lambda: drained(client, settings.stream, settings.group),
            "the worker to store what is written after the restart",
        )
    finally:
        worker.close()
    store = store_contents(engine)
    stored_old = (set(store.event_stream_ids) | set(store.dead_source_ids)) & old_ids
    assert 0 < len(stored_old) < len(old_ids)  # part was stored before the loss
    assert set(new_ids) <= set(store.event_stream_ids)
    assert [g["name"] for g in client.xinfo_groups(settings.stream)] == [settings.group.encode()]
    with make_sessionmaker(engine)() as session:
        [gap] = read_gaps(session)
        freshness = ingest_freshness(session, client, settings.streams)
    last_stored = max(stored_old, key=streams.parse_id)
    stored_events = set(store.event_ids)
    # The gap starts after the newest entry the worker had handled: the last one it stored,
    # or a later one whose event a stored duplicate carries (handled, nothing of it lost).
    assert (gap.kind, gap.since) == ("vanished", streams.id_time(gap.after_id))
    handled_after = [
        i
        for i in old_ids
        if streams.parse_id(last_stored) < streams.parse_id(i) <= streams.parse_id(gap.after_id)
    ]
    assert streams.parse_id(gap.after_id) >= streams.parse_id(last_stored)
    assert all(
        old_entries[i].get(b"event_id", b"").decode() in stored_events for i in handled_after
    ), handled_after
    lost = [
        i
        for i in old_ids - stored_old
        if old_entries[i].get(b"event_id", b"").decode() not in stored_events
    ]
    # At least 1 and no more than the entries never stored (`lost` leaves out those whose event
    # a stored duplicate carries: nothing of them is lost, but the entry may be counted).
    assert gap.lost is None and 1 <= gap.lost_at_least <= len(old_ids - stored_old)
    assert (gap.count, gap.count_exact) == (gap.lost_at_least, False)
    figure(
        f"{engine.dialect.name}: Redis restart without persistence: at least {gap.count} "
        f"entries lost ({gap.kind}); really lost {len(lost)}"
    )
    assert freshness.gaps == 1 and not freshness.stale and freshness.lag == 0
    client.close()


def test_redis_losing_its_data_under_a_worker_is_detected(
    settings: Settings, engine: Engine, redis_client: redis.Redis
) -> None:
    """FLUSHALL (as a restart without persistence) between two reads: detected, once."""
    worker = ingest_worker(settings.with_overrides(block_ms=10), engine, settings.redis_url)
    ids = [
        redis_client.xadd(settings.stream, ev.registered(unique_reg_no(), T0)).decode()
        for _ in range(3)
    ]
    drain(worker)
    redis_client.flushall()
    redis_client.xadd(settings.stream, ev.registered(unique_reg_no(), T0))
    worker._last_claim = float("-inf")  # the reclaim of abandoned entries comes due first
    drain(worker)
    drain(worker)
    with make_sessionmaker(engine)() as session:
        gaps = read_gaps(session)
    assert [(g.kind, g.after_id, g.count) for g in gaps] == [("vanished", ids[-1], None)]
    assert worker.stats.gaps == 1 and event_count(engine) == 4
    worker.redis.close()


def test_identity_token_deleted_alone_is_no_gap(
    settings: Settings, engine: Engine, redis_client: redis.Redis
) -> None:
    """The stream and the group stand where ingest left them: nothing was lost."""
    worker = ingest_worker(settings.with_overrides(block_ms=10), engine, settings.redis_url)
    redis_client.xadd(settings.stream, ev.registered(unique_reg_no(), T0))
    drain(worker)
    redis_client.delete(streams.identity_key(settings.streams))
    redis_client.xadd(settings.stream, ev.registered(unique_reg_no(), T0))
    drain(worker)
    with make_sessionmaker(engine)() as session:
        assert read_gaps(session) == []
    assert event_count(engine) == 2 and redis_client.get(streams.identity_key(settings.streams))
    worker.redis.close()


# --- 3. the stream trimmed past entries the group has not read --------------------------------


def _redis7() -> str | None:
    found = shutil.which("redis-server", path="/usr/bin:/usr/local/bin:/bin")
    if not found:
        return None
    version = subprocess.run([found, "--version"], capture_output=True, text=True).stdout
    return found if " v=6." not in version else None


@pytest.fixture(scope="module", params=["6.2", "7"])
def versioned_redis(request: pytest.FixtureRequest) -> Iterator[RedisServer]:
    """The embedded server's Redis 6.2 and, where installed, Redis >= 7."""
    executable = redis_executable() if request.param == "6.2" else _redis7()
    if executable is None:
        pytest.skip("no Redis >= 7 server installed")
    server = RedisServer(executable=executable).start()
    yield server
    server.close()


@pytest.fixture
def trim_setup(
    versioned_redis: RedisServer, settings: Settings, engine: Engine
) -> Iterator[tuple[Settings, redis.Redis, IngestWorker, bool]]:
    trim_settings = settings.with_overrides(
        redis_url=versioned_redis.url, block_ms=10, stream=f"trim:{uuid.uuid4().hex[:8]}"
    )
    client = client_for(versioned_redis)
    counts = int(client.info("server")["redis_version"].split(".")[0]) >= 7  # XINFO counts
    worker = ingest_worker(trim_settings, engine, versioned_redis.url)
    yield trim_settings, client, worker, counts
    worker.redis.close()
    client.close()


def _registrations(client: redis.Redis, stream: str, count: int) -> list[str]:
    return [client.xadd(stream, ev.registered(unique_reg_no(), T0)).decode() for _ in range(count)]


def test_trim_past_unread_entries_is_detected(trim_setup, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    settings, client, worker, counts = trim_setup
    read = _registrations(client, settings.stream, 10)
    drain(worker)
    unread = _registrations(client, settings.stream, 20)
    client.xtrim(settings.stream, maxlen=5, approximate=False)  # 15 unread entries gone
    drain(worker)
    drain(worker)  # seen again: recorded once

    with make_sessionmaker(engine)() as session:
        [gap] = read_gaps(session, settings.stream)
        freshness = ingest_freshness(session, client, settings.streams)
    assert (gap.kind, gap.after_id, gap.before_id) == ("trimmed", read[-1], unread[15])
    assert (gap.since, gap.until) == (streams.id_time(read[-1]), streams.id_time(unread[15]))
    if counts:
        assert (gap.lost, gap.count, gap.count_exact) == (15, 15, True)
    else:
        assert (gap.lost, gap.count, gap.count_exact) == (None, None, False)
    assert event_count(engine) == 15 and worker.stats.gaps == 1
    assert freshness.gaps == 1 and freshness.lag == 0 and not freshness.stale
    shown = gap.as_dict()
    assert shown["kind"] == "trimmed" and shown["since"] == streams.id_time(read[-1]).isoformat()
    assert (shown["count"], shown["count_exact"]) == (gap.count, gap.count_exact)


def test_trim_while_ingest_lags_gives_a_floor_on_any_redis(
    trim_setup,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    """Ingest read 10 of 30 entries when 25 are trimmed: the 15 unread ones gone are counted
    exactly by Redis >= 7, and bounded from below by what ingest knew was waiting on 6.2."""
    settings, client, worker, counts = trim_setup
    worker.config = settings.with_overrides(batch_size=10).streams
    ids = _registrations(client, settings.stream, 30)
    worker.step()  # its pending entries (none)
    assert worker.step() == 10
    client.xtrim(settings.stream, maxlen=5, approximate=False)
    drain(worker)
    with make_sessionmaker(engine)() as session:
        [gap] = read_gaps(session, settings.stream)
    assert (gap.after_id, gap.before_id, gap.lost_at_least) == (ids[9], ids[25], 15)
    assert (gap.count, gap.count_exact) == (15, counts)
    assert event_count(engine) == 15


def test_stream_trimmed_to_nothing_is_detected(trim_setup, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    settings, client, worker, counts = trim_setup
    read = _registrations(client, settings.stream, 3)
    drain(worker)
    _registrations(client, settings.stream, 4)
    client.xtrim(settings.stream, maxlen=0, approximate=False)
    drain(worker)
    with make_sessionmaker(engine)() as session:
        [gap] = read_gaps(session, settings.stream)
    assert (gap.after_id, gap.before_id, gap.lost_at_least) == (read[-1], None, 4 if counts else 1)
    assert gap.lost == (4 if counts else None)


def test_trim_of_read_entries_only_is_no_gap(trim_setup, engine: Engine) -> None:  # type: ignore[no-untyped-def]
    settings, client, worker, _ = trim_setup
    _registrations(client, settings.stream, 10)
    drain(worker)
    _registrations(client, settings.stream, 3)
    client.xtrim(settings.stream, maxlen=5, approximate=False)  # 2 read ones stay
    drain(worker)
    with make_sessionmaker(engine)() as session:
        assert read_gaps(session, settings.stream) == []
    assert event_count(engine) == 13


def test_new_console_on_a_trimmed_stream_counts_what_it_never_saw(
    trim_setup,  # type: ignore[no-untyped-def]
    engine: Engine,
) -> None:
    settings, client, worker, counts = trim_setup
    ids = _registrations(client, settings.stream, 12)
    client.xtrim(settings.stream, maxlen=4, approximate=False)
    drain(worker)
    with make_sessionmaker(engine)() as session:
        gaps = read_gaps(session, settings.stream)
    assert event_count(engine) == 4
    if not counts:  # Redis 6.2 cannot tell a trimmed stream from a short one
        assert gaps == []
        return
    [gap] = gaps
    assert (gap.after_id, gap.before_id, gap.lost, gap.since) == ("0-0", ids[8], 8, None)
    assert (gap.count, gap.count_exact) == (8, True)


# --- 4. ingest stopped while the stream grows: stale data -------------------------------------


def test_freshness_shows_stale_data_and_since_when(
    settings: Settings, engine: Engine, redis_client: redis.Redis
) -> None:
    worker = ingest_worker(settings.with_overrides(block_ms=10), engine, settings.redis_url)
    stored = _registrations(redis_client, settings.stream, 5)
    drain(worker)
    with make_sessionmaker(engine)() as session:
        fresh = ingest_freshness(session, redis_client, settings.streams)
    assert (fresh.stale, fresh.lag, fresh.pending, fresh.last_entry_id) == (False, 0, 0, stored[-1])
    assert fresh.last_entry_at == streams.id_time(stored[-1]) and fresh.last_stored_at

    # ingest stops; the producer goes on; another consumer holds one entry unacknowledged
    waiting = _registrations(redis_client, settings.stream, 7)
    redis_client.xreadgroup(settings.group, "stuck", {settings.stream: ">"}, count=1)
    later = datetime.now(UTC) + timedelta(minutes=2)
    with make_sessionmaker(engine)() as session:
        stale = ingest_freshness(session, redis_client, settings.streams, now=later)
        not_yet = ingest_freshness(session, redis_client, settings.streams)
    assert (stale.stale, stale.lag, stale.pending) == (True, 6, 1)
    assert stale.oldest_unstored_id == waiting[0]
    assert stale.stale_since == streams.id_time(waiting[0])
    assert stale.behind_s is not None and stale.behind_s >= 120
    assert not not_yet.stale  # within the threshold a moment after the writes
    assert stale.as_dict()["stale_since"] == streams.id_time(waiting[0]).isoformat()

    dead = redis.Redis(
        port=1, protocol=2, socket_connect_timeout=0.2, retry=Retry(NoBackoff(), 0)
    )  # nothing listens on port 1
    with make_sessionmaker(engine)() as session:
        unreachable = ingest_freshness(session, dead, settings.streams)
    assert (unreachable.redis_ok, unreachable.stale, unreachable.lag) == (False, True, None)
    assert unreachable.last_entry_id == stored[-1]
    worker.redis.close()


# --- 5. database trouble ----------------------------------------------------------------------


def _sample_outage(
    client: redis.Redis,
    engine: Engine,
    settings: Settings,
    until: float,
    samples: list[tuple[int, int]],
) -> None:
    while time.monotonic() < until:
        missing = acknowledged_but_not_stored(client, engine, settings.stream, settings.group)
        assert not missing, f"acknowledged but not stored: {sorted(missing)[:5]}"
        samples.append(
            (pending_count(client, settings.stream, settings.group), event_count(engine))
        )
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_postgres_connections_lost_ingest_waits_and_catches_up(
    db_url: str, engine: Engine, redis_client: redis.Redis, settings: Settings
) -> None:
    """Every session of the worker is terminated (pg_terminate_backend) again and again for
    three seconds while it ingests: nothing acknowledged before it is stored, then it catches
    up."""
    name = f"kup-fault-{uuid.uuid4().hex[:8]}"
    events = simulated_events(6000, seed=17)
    streams.append_events(redis_client, settings.stream, events[:3000])
    worker = IngestProcess(
        db_url=with_application_name(db_url, name), redis_url=settings.redis_url, batch_size=200
    ).start()
    stop = threading.Event()
    killed = [0]

    def terminator() -> None:
        while not stop.is_set():
            killed[0] += terminate_backends(engine, name)
            stop.wait(0.01)

    try:
        wait_until(lambda: event_count(engine), "the first commit", interval=0.005)
        thread = threading.Thread(target=terminator)
        thread.start()
        samples: list[tuple[int, int]] = []
        try:
            streams.append_events(redis_client, settings.stream, events[3000:])
            _sample_outage(redis_client, engine, settings, time.monotonic() + 3, samples)
        finally:
            stop.set()
            thread.join()
        outage_end = time.monotonic()
        wait_until(
            lambda: drained(redis_client, settings.stream, settings.group), "the worker to catch up"
        )
        figure(
            f"postgresql: {killed[0]} sessions terminated over 3 s; caught up "
            f"{time.monotonic() - outage_end:.1f} s after; pending during outage "
            f"{max(p for p, _ in samples)}"
        )
    finally:
        worker.close()
    assert killed[0] > 0 and "database unavailable" in worker.log()
    assert any(pending for pending, _ in samples)  # delivered, held unacknowledged
    tally = check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)
    assert tally["entries"] == 6000


@pytest.mark.slow
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_sqlite_locked_ingest_waits_and_catches_up(
    db_url: str, engine: Engine, redis_client: redis.Redis, settings: Settings
) -> None:
    """Another connection holds SQLite's write lock (BEGIN IMMEDIATE) for three seconds: the
    worker waits with its batch unacknowledged, then stores it and catches up."""
    worker = IngestProcess(db_url=db_url, redis_url=settings.redis_url, batch_size=200).start()
    try:
        first = [
            redis_client.xadd(settings.stream, ev.registered(unique_reg_no(), T0)) for _ in range(5)
        ]
        wait_until(lambda: event_count(engine) == len(first), "ingest to be running")
        blocker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        locked_at = time.monotonic()
        try:
            events = simulated_events(2000, seed=19)
            streams.append_events(redis_client, settings.stream, events)
            wait_until(
                lambda: pending_count(redis_client, settings.stream, settings.group),
                "the worker to take a batch",
            )
            samples: list[tuple[int, int]] = []
            _sample_outage(redis_client, engine, settings, locked_at + 3, samples)
            assert all(stored == len(first) for _, stored in samples)  # nothing got through
            assert all(pending > 0 for pending, _ in samples)
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        released = time.monotonic()
        wait_until(
            lambda: drained(redis_client, settings.stream, settings.group), "the worker to catch up"
        )
        figure(
            f"sqlite: write lock held {released - locked_at:.1f} s; caught up "
            f"{time.monotonic() - released:.1f} s after release"
        )
        assert worker.running
    finally:
        worker.close()
    tally = check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)
    assert tally["entries"] == 2005
