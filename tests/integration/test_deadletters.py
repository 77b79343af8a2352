"""Dead letters: every refused entry is visible (store and dead-letter stream, with the field and
the source id), `kup-console deadletters list` shows them, `deadletters retry` re-drives them
once fixed (corrected in the store, or refused by a rule whose time has come)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, select

from console.cli import main
from console.config import Settings
from console.runtime import ingest_worker
from data.consumer import IngestWorker
from data.db import make_sessionmaker
from data.models import Case, DeadLetter, EventRow
from tests.support import events as ev
from tests.support.processes import drained, wait_until

T0 = datetime.now(UTC) - timedelta(days=1)


@pytest.fixture
def env_store(
    monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine, redis_client: redis.Redis
) -> Settings:
    """The CLI pointed at the test store and Redis."""
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    monkeypatch.setenv("KUP_DATA_DIR", str(settings.data_dir))
    return settings


@pytest.fixture
def ingest(
    env_store: Settings, engine: Engine, redis_client: redis.Redis
) -> Iterator[IngestWorker]:
    worker = ingest_worker(env_store.with_overrides(block_ms=1), engine, env_store.redis_url)
    yield worker
    worker.redis.close()


def run_ingest(worker: IngestWorker, client: redis.Redis) -> None:
    worker.step()
    while not drained(client, worker.config.stream, worker.config.group):
        worker.step()


def letters(engine: Engine) -> list[DeadLetter]:
    with make_sessionmaker(engine)() as session:
        return list(session.scalars(select(DeadLetter).order_by(DeadLetter.id)))


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> object:
    assert main(list(args)) == 0
    return json.loads(capsys.readouterr().out)


def test_every_refused_entry_is_visible(
    ingest: IngestWorker,
    redis_client: redis.Redis,
    engine: Engine,
    env_store: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = ev.next_reg_no()
    future = datetime.now(UTC) + timedelta(hours=1)
    no_schema = ev.registered(ev.next_reg_no(), T0)
    del no_schema["schema"]
    bad = {
        "schema": no_schema,
        "district": ev.registered(ev.next_reg_no(), T0, district="41799999999999"),
        "occurred_at": ev.assigned(reg, future),
        "lon": ev.registered(ev.next_reg_no(), T0, lat="42.8"),
    }
    ids = {
        name: redis_client.xadd(env_store.stream, fields).decode() for name, fields in bad.items()
    }
    binary = {k.encode(): v.encode() for k, v in ev.assigned(reg, T0).items()}
    binary[b"officer"] = b"\xff\xfe10442"
    ids["officer"] = redis_client.xadd(env_store.stream, binary).decode()
    run_ingest(ingest, redis_client)

    stored = {d.source_id: d for d in letters(engine)}
    assert set(stored) == set(ids.values())
    for field, source_id in ids.items():
        letter = stored[source_id]
        assert letter.field == field and letter.error.startswith(f"{field}: ")
        assert f"(source_id {source_id})" in letter.error
    assert stored[ids["officer"]].fields["officer"] == "\\xff\\xfe10442"  # escaped, not lost
    copies = {f[b"source_id"].decode(): f for _, f in redis_client.xrange(env_store.dead_stream)}
    assert set(copies) == set(ids.values())
    assert copies[ids["officer"]][b"officer"] == b"\xff\xfe10442"  # the exact bytes
    assert all(
        c[b"error"].decode().startswith(f"{n}: ")
        for n, c in ((n, copies[i]) for n, i in ids.items())
    )

    listed = cli_json(capsys, "deadletters", "list", "--json")
    assert (listed["total"], listed["waiting"]) == (5, 5)  # type: ignore[index]
    assert {d["source_id"] for d in listed["dead_letters"]} == set(ids.values())  # type: ignore[index]
    assert main(["deadletters", "list", "--limit", "2"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("5 dead letters, 5 not re-driven; showing 2")
    assert ids["officer"] in out and "not valid UTF-8" in out


def test_retry_after_a_correction_in_the_store(
    ingest: IngestWorker,
    redis_client: redis.Redis,
    engine: Engine,
    env_store: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    reg = ev.next_reg_no()
    source = redis_client.xadd(
        env_store.stream, ev.registered(reg, T0, district="41700000000099")
    ).decode()
    run_ingest(ingest, redis_client)
    [letter] = letters(engine)
    with make_sessionmaker(engine).begin() as session:  # an admin corrects the district
        row = session.get(DeadLetter, letter.id)
        assert row is not None
        row.fields = {**row.fields, "district": ev.OSH_CITY}

    [result] = cli_json(capsys, "deadletters", "retry", str(letter.id), "--json")  # type: ignore[misc]
    assert (result["source_id"], result["origin"]) == (source, "store")
    run_ingest(ingest, redis_client)

    with make_sessionmaker(engine)() as session:
        case = session.get(Case, reg)
        event = session.scalars(select(EventRow).where(EventRow.reg_no == reg)).one()
        row = session.get(DeadLetter, letter.id)
    assert case is not None and (case.district, case.region) == (ev.OSH_CITY, "KG-GO")
    assert row is not None and row.retry_id == result["retry_id"] == event.stream_id
    assert row.retried_at is not None
    waiting = cli_json(capsys, "deadletters", "list", "--waiting", "--json")
    assert waiting["dead_letters"] == [] and waiting["total"] == 1  # type: ignore[index]


def test_retry_of_a_rule_whose_time_has_come(
    ingest: IngestWorker,
    redis_client: redis.Redis,
    engine: Engine,
    env_store: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An event stamped a few seconds more than 5 minutes ahead is refused; re-driven too early
    it is refused again (a new dead letter, sourced from the re-driven entry); re-driven once
    its time has come, it is stored."""
    reg = ev.next_reg_no()
    redis_client.xadd(env_store.stream, ev.registered(reg, T0))
    ahead = (datetime.now(UTC) + timedelta(minutes=5, seconds=3)).replace(microsecond=0)
    source = redis_client.xadd(env_store.stream, ev.assigned(reg, ahead)).decode()
    run_ingest(ingest, redis_client)
    [first] = letters(engine)
    assert first.source_id == source and "more than 5 minutes in the future" in first.error

    [early] = cli_json(capsys, "deadletters", "retry", source, "--json")  # type: ignore[misc]
    assert early["origin"] == "dead stream"
    run_ingest(ingest, redis_client)
    [_, second] = letters(engine)
    assert second.source_id == early["retry_id"] and second.field == "occurred_at"

    wait_until(
        lambda: datetime.now(UTC) >= ahead - timedelta(minutes=5),
        "the event's time to come",
        timeout=30,
        interval=0.1,
    )
    [late] = cli_json(capsys, "deadletters", "retry", "--all", "--json")  # type: ignore[misc]
    assert late["source_id"] == second.source_id
    run_ingest(ingest, redis_client)
    with make_sessionmaker(engine)() as session:
        case = session.get(Case, reg)
    assert case is not None and case.unit == "OVD-Pervomaisky"
    assert len(letters(engine)) == 2 and all(d.retried_at for d in letters(engine))


def test_retry_sends_the_exact_bytes_and_skips_what_was_re_driven(
    ingest: IngestWorker,
    redis_client: redis.Redis,
    engine: Engine,
    env_store: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    original = {b"schema": b"1", b"type": b"assigned", b"note": b"\xc3\x28 not utf-8"}
    source = redis_client.xadd(env_store.stream, original).decode()
    gone = redis_client.xadd(env_store.stream, {"schema": "9"}).decode()
    run_ingest(ingest, redis_client)
    copies = redis_client.xrange(env_store.dead_stream)
    redis_client.xdel(env_store.dead_stream, copies[1][0])  # its dead-stream copy is gone

    results = cli_json(capsys, "deadletters", "retry", "--all", "--json")
    assert [(r["source_id"], r["origin"]) for r in results] == [  # type: ignore[union-attr]
        (source, "dead stream"),
        (gone, "store"),
    ]
    resent = dict(
        redis_client.xrange(
            env_store.stream,
            results[0]["retry_id"],  # type: ignore[index]
            results[0]["retry_id"],
        )[0][1]
    )  # type: ignore[index]
    assert resent == original  # no error, no source_id, the bytes as produced
    assert redis_client.xrange(
        env_store.stream,
        results[1]["retry_id"],  # type: ignore[index]
        results[1]["retry_id"],
    )[0][1] == {b"schema": b"9"}  # type: ignore[index]

    assert main(["deadletters", "retry", "--all"]) == 0
    assert capsys.readouterr().out.strip().endswith("0 re-driven, 0 skipped")
    assert main(["deadletters", "retry", source]) == 0
    assert "skipped: already re-driven as" in capsys.readouterr().out
    [again] = cli_json(capsys, "deadletters", "retry", source, "--force", "--json")  # type: ignore[misc]
    assert again["retry_id"] not in (None, results[0]["retry_id"])  # type: ignore[index]
    assert main(["deadletters", "retry", "999999"]) == 2
    assert main(["deadletters", "retry"]) == 2
    assert "no dead letter 999999" in capsys.readouterr().err
