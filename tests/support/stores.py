"""The case store for tests and benchmarks: an SQLite file, a private PostgreSQL schema, the
store emptied between tests, events applied straight to a store (as the ingest worker
would, without the stream), and a migration run to a given revision."""

from __future__ import annotations

import functools
import itertools
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from data.consumer import intake_rules
from data.db import make_engine, make_sessionmaker, writer_engine
from data.intake import BatchOutcome, IntakeRules, StreamEntry, apply_batch
from data.models import Base
from data.schema import alembic_config, upgrade
from tests.support import events as ev
from tests.support.servers import POSTGRES_URL

# Reference data the migrations load: kept when a store is emptied.
KEEP_TABLES = frozenset({"regions", "districts", "alembic_version"})


def migrate(engine: Engine, step: str, revision: str) -> None:
    """Run Alembic's `step` ("upgrade" or "downgrade") to `revision` on the store."""
    config = alembic_config(engine)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, step)(config, revision)


def columns(engine: Engine, table: str) -> set[str]:
    """The names of the table's columns, as the store has them now."""
    return {c["name"] for c in inspect(engine).get_columns(table)}


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


# --- events applied straight to a store ------------------------------------------------------

_stream_ids = itertools.count(1)


@functools.cache
def _rules() -> IntakeRules:
    return intake_rules()


def stream_entries(events: Iterable[dict[str, str] | StreamEntry]) -> list[StreamEntry]:
    """`events` as stream entries, each event given a stream id of its own (unique in this
    process); entries already given keep theirs (to replay them)."""
    return [
        e if isinstance(e, StreamEntry) else StreamEntry(f"1700000000000-{next(_stream_ids)}", e)
        for e in events
    ]


def apply_events(
    store: Engine | sessionmaker[Session],
    events: Iterable[dict[str, str] | StreamEntry],
    *,
    now: datetime | None = None,
    allow_refused: bool = False,
) -> BatchOutcome:
    """Apply `events` to the store in one batch and one transaction, as the ingest worker
    would (the console's intake rules; `now` as the worker's clock); the batch's outcome.
    An entry refused fails the caller, unless `allow_refused`."""
    sessions = make_sessionmaker(writer_engine(store)) if isinstance(store, Engine) else store
    with sessions.begin() as session:
        outcome = apply_batch(session, stream_entries(events), _rules(), now=now)
    assert allow_refused or not outcome.rejected, [r.error for r in outcome.rejected]
    return outcome


def new_case(
    engine: Engine,
    district: str = ev.BISHKEK,
    *,
    age: timedelta = timedelta(hours=1),
    **fields: str,
) -> str:
    """Store a case registered `age` ago in `district` (more of its fields in `fields`); its
    reg_no."""
    reg_no = ev.next_reg_no(district)
    apply_events(
        engine, [ev.registered(reg_no, datetime.now(UTC) - age, district=district, **fields)]
    )
    return reg_no
