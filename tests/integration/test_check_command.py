"""`kup-console check`, the operator's preflight, against real servers: a ready setup passes,
and each thing an operator gets wrong is named in plain words with a non-zero exit (never a
traceback)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, inspect

from console.commands.check import clock_findings, redis_findings
from console.config import Settings
from data.db import make_engine
from data.preflight import RedisFacts, StoreFacts
from data.streams import ensure_group
from tests.support.cli import CliRun, in_process
from tests.support.servers import RedisServer, free_port
from tests.support.stores import sqlite_url

SECRET = "a-long-enough-secret-key-for-tests"


@pytest.fixture(scope="module")
def persistent_redis() -> Iterator[RedisServer]:
    server = RedisServer(persistence=True).start()
    yield server
    server.close()


def _new_stream(url: str, make: Callable[[redis.Redis, str], object]) -> str:
    """A stream name of this test's own, prepared on the Redis at `url` by `make`."""
    stream = f"kup:check:{uuid.uuid4().hex[:8]}"
    client = redis.Redis.from_url(url)
    make(client, stream)
    client.close()
    return stream


def _run_check(
    monkeypatch, capsys, tmp_path: Path, db_url: str, redis_url: str, **env: str
) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    run: CliRun = in_process(
        monkeypatch, capsys, db_url=db_url, redis_url=redis_url, data_dir=tmp_path
    )
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    code, out, err = run("check")
    assert "Traceback" not in out + err
    return code, out


def test_a_ready_setup_passes(
    monkeypatch, capsys, tmp_path, db_url, engine: Engine, persistent_redis
) -> None:  # type: ignore[no-untyped-def]
    stream = _new_stream(
        persistent_redis.url, lambda client, name: ensure_group(client, name, "kup-console")
    )
    code, out = _run_check(
        monkeypatch,
        capsys,
        tmp_path,
        db_url,
        persistent_redis.url,
        KUP_SECRET_KEY=SECRET,
        KUP_STREAM=stream,
    )
    assert code == 0, out
    assert "PROBLEM" not in out
    assert "AOF is on" in out
    assert f"{stream} with the group kup-console" in out
    assert "schema at revision" in out
    assert "clock: agrees with the Redis server's" in out
    assert "ready to serve" in out


def test_each_mistake_is_named(monkeypatch, capsys, tmp_path, redis_server) -> None:  # type: ignore[no-untyped-def]
    # No secret, a store with no schema, Redis without persistence, no stream, a bad zone.
    monkeypatch.delenv("KUP_SECRET_KEY", raising=False)
    code, out = _run_check(
        monkeypatch,
        capsys,
        tmp_path,
        sqlite_url(tmp_path, "new.db"),
        redis_server.url,
        KUP_STREAM=f"kup:none:{uuid.uuid4().hex[:8]}",
        KUP_TZ="Mars/Olympus",
    )
    assert code == 1
    problems = [line for line in out.splitlines() if line.startswith("PROBLEM")]
    assert len(problems) == 5, out
    assert "KUP_SECRET_KEY is not set" in out
    assert "has no schema yet: run `kup-console db upgrade`" in out
    assert "none (no AOF, no RDB snapshots)" in out
    assert "does not exist: is the registry publishing" in out
    assert "KUP_TZ=Mars/Olympus is not a known time zone" in out
    # It changed nothing: the store it looked at is still without a schema.
    probe = make_engine(sqlite_url(tmp_path, "new.db"))
    assert inspect(probe).get_table_names() == []
    probe.dispose()


def test_missing_group_and_unreachable_redis(
    monkeypatch, capsys, tmp_path, db_url, engine: Engine, persistent_redis
) -> None:  # type: ignore[no-untyped-def]
    stream = _new_stream(persistent_redis.url, lambda client, name: client.xadd(name, {"x": "1"}))
    code, out = _run_check(
        monkeypatch,
        capsys,
        tmp_path,
        db_url,
        persistent_redis.url,
        KUP_SECRET_KEY=SECRET,
        KUP_STREAM=stream,
    )
    assert code == 1
    assert "kup-console does not exist on" in out and "start `kup-console ingest` once" in out

    closed = f"redis://127.0.0.1:{free_port()}/0"
    code, out = _run_check(monkeypatch, capsys, tmp_path, db_url, closed, KUP_SECRET_KEY=SECRET)
    assert code == 1
    assert f"PROBLEM  Redis: {closed} does not answer (ConnectionError" in out


def test_a_store_behind_asks_for_db_upgrade(monkeypatch, capsys, tmp_path, redis_server) -> None:  # type: ignore[no-untyped-def]
    from alembic import command

    from data.schema import alembic_config

    url = sqlite_url(tmp_path, "old.db")
    old = make_engine(url)
    command.upgrade(alembic_config(old), "0003")
    old.dispose()
    code, out = _run_check(
        monkeypatch, capsys, tmp_path, url, redis_server.url, KUP_SECRET_KEY=SECRET
    )
    assert code == 1
    assert "is at schema revision 0003" in out and "run `kup-console db upgrade`" in out


def test_words_for_rdb_only_and_clock_skew() -> None:
    settings = Settings(redis_url="redis://r/0", secret_key=SECRET)
    rdb = RedisFacts(version="7", rdb_rule="3600 1", stream_exists=True, group_exists=True)
    verdicts = {f.topic: f.verdict for f in redis_findings(settings, rdb)}
    assert verdicts["Redis persistence"] == "warning"
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    late = RedisFacts(clock_skew=timedelta(seconds=-3))
    on_time = StoreFacts(clock_skew=timedelta(seconds=1.5))
    findings = list(clock_findings(settings, now, on_time, late))
    assert [(f.topic, f.verdict) for f in findings] == [
        ("time zone", "ok"),
        ("clock", "problem"),
        ("clock", "ok"),
    ]
    assert "differ by 3.0 s" in findings[1].words
