"""Property-based fuzzing of the ingest worker against a real Redis server and a real store
(SQLite and PostgreSQL): any map of fields (text, binary, non-UTF-8, huge values, thousands of
fields), duplicated or not, ends stored or dead-lettered (with `error` and `source_id`), or is a
counted duplicate; the worker never crashes and leaves nothing pending."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from console.config import Settings
from console.runtime import ingest_worker
from data.consumer import IngestWorker
from data.db import make_sessionmaker
from data.models import DeadLetter, EventRow
from tests.support import events as ev
from tests.support.processes import drained, pending_count

T0 = datetime.now(UTC) - timedelta(days=1)
CONTRACT_FIELDS = (
    "schema",
    "type",
    "event_id",
    "reg_no",
    "occurred_at",
    "actor",
    "received_at",
    "district",
    "category",
    "kind",
    "source",
    "lat",
    "lon",
    "summary",
    "unit",
    "officer",
    "days",
    "authority",
    "decision",
    "decided_at",
)

keys = st.one_of(
    st.sampled_from(CONTRACT_FIELDS).map(str.encode),
    st.binary(max_size=16),
    st.text(max_size=16).map(str.encode),
)
values = st.one_of(
    st.binary(max_size=40),
    st.text(max_size=40).map(str.encode),
    st.sampled_from(
        [
            b"1",
            b"registered",
            b"assigned",
            b"41711000000000",
            b"theft",
            b"statement",
            b"10",
            b"2026-11-28T09:15:00+06:00",
            b"\x00",
            b"\xff\xfe",
            b"42.87",
            b"",
            b"9999-01-01T00:00:00+00:00",
        ]
    ),
    st.integers(50_000, 400_000).map(lambda n: b"x" * n),
)  # huge


def _valid(kind: int, reg_no: str) -> dict[bytes, bytes]:
    event = [
        ev.registered(reg_no, T0),
        ev.assigned(reg_no, T0 + timedelta(hours=1)),
        ev.extended(reg_no, T0 + timedelta(hours=2), 10),
        ev.decided(reg_no, T0 + timedelta(hours=3)),
    ][kind]
    return {k.encode(): v.encode() for k, v in event.items()}


@st.composite
def field_maps(draw: st.DrawFn) -> dict[bytes, bytes]:
    """Arbitrary maps, valid events with a few fields changed or dropped, and maps with
    thousands of fields; never empty (XADD needs a field)."""
    shape = draw(st.sampled_from(["arbitrary", "mutated", "valid", "many"]))
    if shape == "arbitrary":
        return draw(st.dictionaries(keys, values, min_size=1, max_size=12))
    fields = _valid(draw(st.integers(0, 3)), draw(st.sampled_from(REG_NOS)))
    if shape == "mutated":
        for _ in range(draw(st.integers(1, 3))):
            key = draw(keys)
            if draw(st.booleans()) and key in fields and len(fields) > 1:
                del fields[key]
            else:
                fields[key] = draw(values)
    elif shape == "many":
        fields.update({f"extra{i}".encode(): b"v" for i in range(draw(st.integers(1000, 5000)))})
        if draw(st.booleans()):
            fields[b"schema"] = b"2"  # refused: a dead letter with thousands of fields
    return fields


REG_NOS = [f"KUP-F{n:06d}" for n in range(40)]  # few, so cases meet their follow-ups


@pytest.fixture
def fuzz_worker(
    settings: Settings, engine: Engine, redis_client: redis.Redis
) -> Iterator[IngestWorker]:
    worker = ingest_worker(
        settings.with_overrides(block_ms=1, batch_size=5), engine, settings.redis_url
    )
    yield worker
    worker.redis.close()


def _drain(worker: IngestWorker, client: redis.Redis) -> None:
    """Step until the group has everything (no idle blocking read: Redis times those out at
    its 100 ms clock)."""
    settings = worker.config
    worker.step()
    while not drained(client, settings.stream, settings.group):
        worker.step()


@hsettings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(batch=st.lists(st.tuples(field_maps(), st.booleans()), min_size=1, max_size=4))
def test_every_entry_is_stored_dead_lettered_or_a_counted_duplicate(
    fuzz_worker: IngestWorker,
    redis_client: redis.Redis,
    engine: Engine,
    batch: list[tuple[dict[bytes, bytes], bool]],
) -> None:
    settings = fuzz_worker.config
    duplicates_before = fuzz_worker.stats.duplicates
    dead_cursor = (redis_client.xrevrange(settings.dead_stream, count=1) or [(b"0-0", {})])[0][0]
    ids: list[str] = []
    for fields, twice in batch:
        for _ in range(2 if twice else 1):  # the producer may deliver an entry twice
            ids.append(redis_client.xadd(settings.stream, fields).decode())

    _drain(fuzz_worker, redis_client)  # must not raise, whatever the entries

    with make_sessionmaker(engine)() as session:
        stored = set(session.scalars(select(EventRow.stream_id).where(EventRow.stream_id.in_(ids))))
        dead = {
            d.source_id: d
            for d in session.scalars(select(DeadLetter).where(DeadLetter.source_id.in_(ids)))
        }
    duplicates = fuzz_worker.stats.duplicates - duplicates_before
    assert not stored & set(dead)
    assert len(stored) + len(dead) + duplicates == len(ids), "an entry was lost"
    assert pending_count(redis_client, settings.stream, settings.group) == 0
    for source_id, letter in dead.items():  # the error names the field (maybe an empty name)
        assert source_id in letter.error and letter.error.startswith(f"{letter.field}: ")
    copies = [
        f for _, f in redis_client.xrange(settings.dead_stream, f"({dead_cursor.decode()}", "+")
    ]
    sources = [c[b"source_id"].decode() for c in copies]
    assert sorted(sources) == sorted(dead), "dead-letter stream and store disagree"
    assert all(c[b"error"] for c in copies)
    assert fuzz_worker.stats.errors == 0
