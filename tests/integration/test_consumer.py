"""The ingest worker against a real Redis server and a real store (SQLite and PostgreSQL): the
group starts at the beginning of the stream, batches, idempotency, ordering, conflicts, several
workers in one group, reclaiming a dead consumer's entries, a clean stop on SIGTERM."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, select

from console.config import Settings
from console.runtime import ingest_worker
from data import streams
from data.consumer import IngestWorker
from data.db import make_sessionmaker
from data.models import Case, DeadLetter, EventRow
from tests.support import events as ev
from tests.support.processes import (
    IngestProcess,
    case_rows,
    check_exactly_once,
    event_count,
    last_delivered,
    pending_count,
    simulated_events,
    stream_ids,
    wait_until,
)

T0 = datetime.now(UTC) - timedelta(days=3)
Make = Callable[..., IngestWorker]


@pytest.fixture
def make_worker(settings: Settings, engine: Engine, redis_client: redis.Redis) -> Iterator[Make]:
    """Workers on the test store and Redis (a short block so that draining is quick)."""
    made: list[IngestWorker] = []

    def make(**overrides: object) -> IngestWorker:
        worker = ingest_worker(
            settings.with_overrides(**{"block_ms": 20, **overrides}), engine, settings.redis_url
        )
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop.set()
        worker.redis.close()


def drain(worker: IngestWorker) -> int:
    """Step until two steps in a row find nothing; return the entries handled."""
    handled, idle = 0, 0
    while idle < 2:
        count = worker.step()
        handled += count
        idle = 0 if count else idle + 1
    return handled


def xadd_all(client: redis.Redis, stream: str, entries: list[dict[str, str]]) -> list[str]:
    return [client.xadd(stream, e).decode() for e in entries]


def case_of(engine: Engine, reg_no: str) -> Case | None:
    with make_sessionmaker(engine)() as session:
        return session.get(Case, reg_no)


def story(reg_no: str) -> list[dict[str, str]]:
    """A case's life in order: registered, assigned, extended, decided."""
    return [
        ev.registered(reg_no, T0),
        ev.assigned(reg_no, T0 + timedelta(hours=2)),
        ev.extended(reg_no, T0 + timedelta(days=1), 10),
        ev.decided(reg_no, T0 + timedelta(days=2), "refused"),
    ]


def without_reg_no(case: Case | None) -> tuple:
    assert case is not None
    return tuple(getattr(case, c.key) for c in Case.__table__.columns if c.key != "reg_no")


def test_group_starts_at_the_beginning_of_the_stream(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    """A console started after the producer reads the whole stream (group created at id 0)."""
    entries = [e for n in range(5) for e in story(ev.next_reg_no())]
    ids = xadd_all(redis_client, settings.stream, entries)
    assert redis_client.xinfo_groups(settings.stream) == []  # no console yet

    worker = make_worker()
    assert drain(worker) == len(entries)
    assert event_count(engine) == len(entries)
    assert last_delivered(redis_client, settings.stream, settings.group) == ids[-1]
    assert pending_count(redis_client, settings.stream, settings.group) == 0


def test_reads_in_batches_of_the_configured_size(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    sizes: list[int] = []
    entries = [e for n in range(8) for e in story(ev.next_reg_no())]  # 32 entries
    xadd_all(redis_client, settings.stream, entries)
    worker = make_worker(batch_size=7)
    worker.on_batch = lambda outcome: sizes.append(outcome.stored)
    drain(worker)
    assert sizes == [7, 7, 7, 7, 4]
    assert event_count(engine) == 32


def test_replayed_and_duplicated_entries_change_nothing(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    entries = [e for n in range(6) for e in story(ev.next_reg_no())]
    xadd_all(redis_client, settings.stream, entries)
    worker = make_worker()
    drain(worker)
    cases, events = case_rows(engine), event_count(engine)

    # the producer delivers everything a second time, and the group re-reads the whole stream
    xadd_all(redis_client, settings.stream, entries)
    redis_client.xgroup_setid(settings.stream, settings.group, "0")
    assert drain(worker) == 2 * len(entries)
    assert worker.stats.duplicates == 2 * len(entries)  # everything read again is a duplicate
    assert (case_rows(engine), event_count(engine)) == (cases, events)
    assert pending_count(redis_client, settings.stream, settings.group) == 0
    with make_sessionmaker(engine)() as session:
        assert session.scalars(select(DeadLetter)).all() == []


def test_events_before_their_registration_are_kept_and_applied(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    reg = ev.next_reg_no()
    registered, *later = story(reg)
    xadd_all(redis_client, settings.stream, later)
    worker = make_worker()
    drain(worker)
    assert case_of(engine, reg) is None
    with make_sessionmaker(engine)() as session:
        waiting = session.scalars(select(EventRow).where(EventRow.reg_no == reg)).all()
    assert sorted(e.type for e in waiting) == ["assigned", "decided", "extended"]
    assert not any(e.applied for e in waiting)

    xadd_all(redis_client, settings.stream, [registered])
    drain(worker)
    case = case_of(engine, reg)
    assert case is not None
    assert (case.unit, case.extensions, case.decision) == ("OVD-Pervomaisky", 1, "refused")
    with make_sessionmaker(engine)() as session:
        assert all(
            e.applied for e in session.scalars(select(EventRow).where(EventRow.reg_no == reg))
        )


@pytest.mark.parametrize("batch_size", [1, 100])
def test_shuffled_events_of_one_case_give_the_same_case(
    make_worker: Make,
    redis_client: redis.Redis,
    settings: Settings,
    engine: Engine,
    batch_size: int,
) -> None:
    """Every order of registered/assigned/extended/decided (these commute), and every order of
    follow-ups arriving before the registration (applied in time order), ends in the case the
    in-order stream gives, whether the events share a batch or not."""
    worker = make_worker(batch_size=batch_size)
    reference = ev.next_reg_no()
    xadd_all(redis_client, settings.stream, story(reference))
    orders: list[str] = []
    for order in itertools.permutations(range(4)):
        reg = ev.next_reg_no()
        life = story(reg)
        xadd_all(redis_client, settings.stream, [life[i] for i in order])
        orders.append(reg)
    reopen_orders: list[str] = []
    for order in itertools.permutations(range(3)):
        reg = ev.next_reg_no()
        follow_ups = [
            ev.assigned(reg, T0 + timedelta(hours=2)),
            ev.decided(reg, T0 + timedelta(days=1), "refused"),
            ev.reopened(reg, T0 + timedelta(days=2), 5),
        ]
        xadd_all(
            redis_client, settings.stream, [follow_ups[i] for i in order] + [ev.registered(reg, T0)]
        )
        reopen_orders.append(reg)
    reopen_reference = ev.next_reg_no()
    xadd_all(
        redis_client,
        settings.stream,
        [
            ev.registered(reopen_reference, T0),
            ev.assigned(reopen_reference, T0 + timedelta(hours=2)),
            ev.decided(reopen_reference, T0 + timedelta(days=1), "refused"),
            ev.reopened(reopen_reference, T0 + timedelta(days=2), 5),
        ],
    )
    drain(worker)

    expected = without_reg_no(case_of(engine, reference))
    assert [without_reg_no(case_of(engine, reg)) for reg in orders] == [expected] * len(orders)
    reopened = case_of(engine, reopen_reference)
    assert reopened is not None and (reopened.reopenings, reopened.decision) == (1, None)
    expected = without_reg_no(reopened)
    assert [without_reg_no(case_of(engine, reg)) for reg in reopen_orders] == (
        [expected] * len(reopen_orders)
    )


def test_second_registration_is_dead_lettered_and_the_case_kept(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    reg = ev.next_reg_no()
    first = ev.registered(reg, T0, category="theft")
    xadd_all(redis_client, settings.stream, [first])
    worker = make_worker()
    drain(worker)
    before = case_rows(engine)

    again = ev.registered(reg, T0 + timedelta(hours=1), district=ev.OSH_CITY, category="fraud")
    [conflict_id, _] = xadd_all(redis_client, settings.stream, [again, first])  # + a duplicate
    drain(worker)
    assert case_rows(engine) == before
    with make_sessionmaker(engine)() as session:
        dead = session.scalars(select(DeadLetter)).all()
    assert [(d.source_id, d.field) for d in dead] == [(conflict_id, "reg_no")]
    assert "already registered" in dead[0].error and conflict_id in dead[0].error
    copies = redis_client.xrange(settings.dead_stream)
    assert len(copies) == 1
    fields = copies[0][1]
    assert fields[b"source_id"].decode() == conflict_id
    assert b"already registered" in fields[b"error"] and fields[b"district"] == b"41721000000000"
    assert worker.stats.duplicates == 1
    check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)


def test_two_workers_in_one_group_store_every_event_once(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    events = simulated_events(1500, seed=11)
    ids = xadd_all(redis_client, settings.stream, events[:500])
    # Neither reclaims the other's entries in flight (a slow batch on a loaded machine would
    # otherwise be read twice and tallied as a duplicate): reclaiming has tests of its own.
    workers = [
        make_worker(consumer=name, batch_size=40, claim_idle_ms=60_000) for name in ("w1", "w2")
    ]
    threads = [threading.Thread(target=w.run) for w in workers]
    for thread in threads:
        thread.start()
    try:
        for start in range(500, 1500, 250):  # the producer keeps writing while they consume
            ids += xadd_all(redis_client, settings.stream, events[start : start + 250])
        wait_until(
            lambda: (
                last_delivered(redis_client, settings.stream, settings.group) == ids[-1]
                and not pending_count(redis_client, settings.stream, settings.group)
            ),
            "both workers to drain",
        )
    finally:
        for worker in workers:
            worker.stop.set()
        for thread in threads:
            thread.join(timeout=60)
    tally = check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)
    assert tally["entries"] == 1500 and tally["dead"] > 0 and tally["duplicates"] > 0
    assert all(w.stats.stored > 0 for w in workers), [w.stats for w in workers]
    assert sum(w.stats.stored for w in workers) == tally["stored"]
    assert sum(w.stats.duplicates for w in workers) == tally["duplicates"]


def test_reclaims_entries_left_pending_by_a_dead_consumer(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    entries = [e for n in range(5) for e in story(ev.next_reg_no())]
    ids = xadd_all(redis_client, settings.stream, entries)
    streams.ensure_group(redis_client, settings.stream, settings.group)
    # a consumer reads everything, then dies before storing or acknowledging anything
    redis_client.xreadgroup(settings.group, "dead-1", {settings.stream: ">"}, count=100)
    assert pending_count(redis_client, settings.stream, settings.group) == len(ids)

    worker = make_worker(claim_idle_ms=200)
    wait_until(
        lambda: drain(worker) and event_count(engine) == len(ids),
        "the dead consumer's entries to be claimed and stored",
        interval=0.1,
    )
    assert pending_count(redis_client, settings.stream, settings.group) == 0
    consumers = {
        c["name"].decode(): c["pending"]
        for c in redis_client.xinfo_consumers(settings.stream, settings.group)
    }
    assert consumers == {"dead-1": 0, "test-1": 0}
    check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)


def test_entry_deleted_while_pending_is_dead_lettered(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    """An entry trimmed after delivery comes back with no fields: dead-lettered, not lost."""
    reg = ev.next_reg_no()
    [kept, gone] = xadd_all(redis_client, settings.stream, story(reg)[:2])
    streams.ensure_group(redis_client, settings.stream, settings.group)
    redis_client.xreadgroup(settings.group, "test-1", {settings.stream: ">"}, count=10)
    redis_client.xdel(settings.stream, gone)
    worker = make_worker()
    drain(worker)
    with make_sessionmaker(engine)() as session:
        dead = session.scalars(select(DeadLetter)).one()
    assert dead.source_id == gone and dead.field == "entry" and "no fields" in dead.error
    assert case_of(engine, reg) is not None
    assert pending_count(redis_client, settings.stream, settings.group) == 0
    assert [f[b"source_id"].decode() for _, f in redis_client.xrange(settings.dead_stream)] == [
        gone
    ]


@pytest.mark.slow
def test_sigterm_finishes_the_batch_and_exits_cleanly(
    db_url: str, engine: Engine, redis_client: redis.Redis, settings: Settings
) -> None:
    events = simulated_events(12_000, seed=5)
    streams.append_events(redis_client, settings.stream, events)
    worker = IngestProcess(
        db_url=db_url, redis_url=settings.redis_url, consumer="term-1", batch_size=1500
    ).start()
    try:
        wait_until(lambda: event_count(engine), "the first batch to be committed", interval=0.01)
        signalled = time.monotonic()
        assert worker.terminate() == 0
        print(f"FIGURE {engine.dialect.name}: SIGTERM to exit {time.monotonic() - signalled:.2f} s")
        assert pending_count(redis_client, settings.stream, settings.group) == 0
        stopped_at = event_count(engine)
        assert "stopped" in worker.log()
        ids = stream_ids(redis_client, settings.stream)
        assert stopped_at < len(ids)  # it stopped before the end, not after draining

        worker.start()  # the rest is read by the same consumer after a restart
        wait_until(
            lambda: (
                last_delivered(redis_client, settings.stream, settings.group) == ids[-1]
                and not pending_count(redis_client, settings.stream, settings.group)
            ),
            "the restart to drain",
        )
    finally:
        worker.close()
    tally = check_exactly_once(redis_client, engine, settings.stream, settings.dead_stream)
    assert tally["entries"] == 12_000


def test_reclaimed_entry_deleted_from_the_stream_is_dead_lettered_under_its_id(
    make_worker: Make, redis_client: redis.Redis, settings: Settings, engine: Engine
) -> None:
    """Redis 6.2 answers XAUTOCLAIM with a nil (no id, no fields) for a pending entry deleted
    from the stream: the worker still dead-letters it under its own id, with no error, and
    leaves nothing pending."""
    reg = ev.next_reg_no()
    [_, gone] = xadd_all(redis_client, settings.stream, story(reg)[:2])
    streams.ensure_group(redis_client, settings.stream, settings.group)
    redis_client.xreadgroup(settings.group, "dead-1", {settings.stream: ">"}, count=10)
    redis_client.xdel(settings.stream, gone)
    worker = make_worker(claim_idle_ms=200)
    wait_until(
        lambda: drain(worker) and case_of(engine, reg) is not None,
        "the dead consumer's entries to be claimed",
        interval=0.1,
    )
    drain(worker)
    assert worker.stats.errors == 0
    with make_sessionmaker(engine)() as session:
        dead = session.scalars(select(DeadLetter)).one()
    assert dead.source_id == gone and dead.field == "entry" and "no fields" in dead.error
    assert pending_count(redis_client, settings.stream, settings.group) == 0
