"""The case store for tests and benchmarks: an SQLite file, a private PostgreSQL schema, the
store emptied between tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from data.db import make_engine
from data.models import Base
from data.schema import upgrade
from tests.support.servers import POSTGRES_URL

# Reference data the migrations load: kept when a store is emptied.
KEEP_TABLES = frozenset({"regions", "districts", "alembic_version"})


def sqlite_url(folder: Path, name: str = "kup.db") -> str:
    """The URL of an SQLite store in `folder`."""
    return f"sqlite:///{folder / name}"


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a private schema (`prefix` and a random suffix) on the PostgreSQL server,
    dropped afterwards: parallel runs don't meet."""
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def truncate(engine: Engine) -> None:
    """Delete every row of the store but the reference data (identities restarted on
    PostgreSQL)."""
    tables = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name not in KEEP_TABLES]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f"DELETE FROM {table}"))


def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of the store `request.param` names: "sqlite" (a file in `tmp_path`) or
    "postgresql" (the session's private schema, migrated and emptied); the body of a `db_url`
    fixture with params=["sqlite", "postgresql"]."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path)
    url = request.getfixturevalue("_postgres_schema_url")
    engine = make_engine(url)
    upgrade(engine)
    truncate(engine)
    engine.dispose()
    return url
