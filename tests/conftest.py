"""Shared fixtures: a real Redis server, and the case store on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine

from console.config import Settings
from data.db import make_engine
from data.schema import upgrade
from tests.support.servers import POSTGRES_URL, RedisServer, postgres_available
from tests.support.stores import postgres_schema, store_url

# In CI (CI=true) nothing may be skipped for want of a server: a missing one fails the run.
IN_CI = os.environ.get("CI") == "true"
REQUIRE_POSTGRES = IN_CI or os.environ.get("KUP_REQUIRE_POSTGRES") == "1"
_pg_ok: bool | None = None


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer().start()
    yield server
    server.close()


@pytest.fixture
def redis_client(redis_server: RedisServer) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_server.url, protocol=2)
    client.flushall()
    yield client
    client.flushall()
    client.close()


def _postgres_or_skip() -> None:
    global _pg_ok
    if _pg_ok is None:
        _pg_ok = postgres_available()
    if not _pg_ok:
        if REQUIRE_POSTGRES:
            pytest.fail(f"PostgreSQL required but not reachable at {POSTGRES_URL}")
        pytest.skip("PostgreSQL not reachable (set KUP_TEST_POSTGRES_URL)")


@pytest.fixture(scope="session")
def _postgres_schema_url() -> Iterator[str]:
    """A private schema per test session, so parallel runs don't meet."""
    _postgres_or_skip()
    with postgres_schema("kup_test") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The store's URL, once on an SQLite file and once on PostgreSQL (emptied)."""
    return store_url(request, tmp_path)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def settings(tmp_path: Path, db_url: str, redis_server: RedisServer) -> Settings:
    return Settings(
        data_dir=tmp_path,
        database_url=db_url,
        redis_url=redis_server.url,
        consumer="test-1",
        batch_size=100,
        block_ms=100,
        claim_idle_ms=500,
    )


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Flask-SocketIO's Redis listener threads (daemons) outlive the tests' Redis servers and
    would log reconnection attempts into pytest's closed capture streams: silence them."""
    import logging

    for name in list(logging.root.manager.loggerDict):
        if name.split(".")[0] in ("socketio", "engineio"):
            logging.getLogger(name).disabled = True
