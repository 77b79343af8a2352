"""Database engine and sessions: SQLite (embedded default) or PostgreSQL, the same code for both."""

from __future__ import annotations

import functools
import json
import sqlite3
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Connection,
    DateTime,
    Dialect,
    Engine,
    String,
    Table,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.dml import Update
from sqlalchemy.types import TypeDecorator

BUSY_TIMEOUT_S = 30.0  # default: how long an SQLite connection waits for a busy store
WRITER_POLL_S = 0.0005
WRITERS_LOCK = 4171100  # PostgreSQL advisory lock keys: one ingest batch at a time ...
SCHEMA_LOCK = 4171101  # ... and one migration at a time
STATISTICS_MIN_ROWS = 10_000  # below this, every plan is fast


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes stored as naive UTC (the same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; kup-console stores aware instants only")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)

    def bind_processor(self, dialect: Dialect) -> Callable[[datetime | None], object] | None:
        """On SQLite, write the same text SQLAlchemy's DATETIME would ("YYYY-MM-DD
        HH:MM:SS.ffffff", naive UTC) in one C call instead of two Python-level steps."""
        if dialect.name != "sqlite":
            return super().bind_processor(dialect)
        utc = UTC

        def process(value: datetime | None) -> str | None:
            if value is None:
                return None
            if value.tzinfo is None:
                raise ValueError("naive datetime given; kup-console stores aware instants only")
            return value.astimezone(utc).replace(tzinfo=None).isoformat(" ", "microseconds")

        return process


def make_engine(url: str, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Engine:
    """Create an engine; SQLite gets WAL (readers never wait for the writer) and a busy timeout
    on every connection: a statement or a writer's BEGIN that finds the store locked by another
    process waits up to `busy_timeout_s` seconds, then fails with "database is locked" (see
    `store_busy`). Writers use `writer_engine(engine)`, whose SQLite transactions BEGIN
    IMMEDIATE so that concurrent writers queue instead of failing on a stale snapshot."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": busy_timeout_s, "check_same_thread": False},
            json_serializer=json_text,
        )
        _configure_sqlite(engine, round(busy_timeout_s * 1000))
        return engine
    # values_plus_batch: UPDATE ... executemany in pages of 100 rows, not one round trip each
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=10,
        max_overflow=20,
        executemany_mode="values_plus_batch",
        json_serializer=json_text,
    )


def json_text(value: object) -> str:
    """JSON as stored: UTF-8 text as is (a Cyrillic summary takes 2 bytes a letter, not the 6
    of a \\u escape), escaped only if the text holds something UTF-8 cannot encode."""
    text = json.dumps(value, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value)
    return text


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's BEGIN below take control
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA wal_autocheckpoint=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        cursor.close()
        refresh_statistics(dbapi_connection)

    # This process's writers queue here, so that one at a time polls SQLite's write lock (see
    # `_begin_immediate`); held from BEGIN IMMEDIATE to the end of the transaction.
    writers = _QUEUES.setdefault(engine, threading.Lock())

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        if connection.get_execution_options().get("sqlite_immediate", False):
            _begin_immediate(connection, busy_ms, writers)
        else:
            connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(connection: Connection) -> None:
        _leave_queue(connection.info, writers)

    # A connection given back or dropped without either (never in the console's own code).
    @event.listens_for(engine.pool, "reset")
    def _on_reset(_dbapi: object, record: ConnectionPoolEntry, _state: object) -> None:
        _leave_queue(record.info, writers)

    @event.listens_for(engine.pool, "invalidate")
    def _on_invalidate(_dbapi: object, record: ConnectionPoolEntry, _exc: object) -> None:
        _leave_queue(record.info, writers)


_IN_QUEUE = "kup_writer_queue"  # a connection's info: it holds its process's writer queue
_QUEUES: weakref.WeakKeyDictionary[Engine, threading.Lock] = weakref.WeakKeyDictionary()


def writer_queue(engine: Engine) -> threading.Lock | None:
    """The queue this process's writers on an SQLite `engine` take turns in (held by the one
    whose transaction is open); None for PostgreSQL, whose writers wait in the server."""
    return _QUEUES.get(engine)


def _leave_queue(info: dict[object, object], writers: threading.Lock) -> None:
    """Let the next writer of this process go, if this connection held the queue."""
    if info.pop(_IN_QUEUE, None):
        writers.release()


def refresh_statistics(dbapi_connection: sqlite3.Connection) -> bool:
    """ANALYZE an SQLite store that has no planner statistics yet (or not for every index), or
    only from when it was less than half its size; return whether it ran. Only the cases table
    (about a second for a million cases; a sampled ANALYZE misjudges the skewed districts).

    Without sqlite_stat1 the planner takes any equality for very selective: it counts a month of
    one region's registrations by reading every case of that region through the region index
    instead of the month through the date index (ten times the rows on a million cases).
    PostgreSQL keeps its statistics itself (autovacuum)."""
    try:
        cases = dbapi_connection.execute("SELECT max(rowid) FROM cases").fetchone()[0] or 0
    except sqlite3.OperationalError:
        return False  # no schema yet
    if cases < STATISTICS_MIN_ROWS:
        return False
    indexes = dbapi_connection.execute(
        "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'cases'"
    ).fetchone()[0]
    try:
        stats = dbapi_connection.execute(
            "SELECT stat FROM sqlite_stat1 WHERE tbl = 'cases' AND idx IS NOT NULL"
        ).fetchall()
    except sqlite3.OperationalError:
        stats = []  # never analysed
    analysed_rows = max((int(str(stat).split()[0]) for (stat,) in stats), default=0)
    if len(stats) >= indexes and cases <= 2 * analysed_rows:
        return False  # every index has statistics, from a store at least half this size
    busy_ms = dbapi_connection.execute("PRAGMA busy_timeout").fetchone()[0]
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        dbapi_connection.execute("ANALYZE cases")
        return True
    except sqlite3.OperationalError:
        return False  # a writer holds the lock: a later connection will do it
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout={busy_ms}")


def _begin_immediate(connection: Connection, busy_ms: int, writers: threading.Lock) -> None:
    """BEGIN IMMEDIATE, retried every half millisecond while another writer holds the lock, for
    at most `busy_ms` milliseconds (the engine's busy timeout) in all.

    SQLite's own busy handler sleeps 1, 2, 5, 10, ... 100 ms between tries, so a second ingest
    worker queued behind a 20 ms batch would idle for 30-50 ms each time; polling lets it start
    as soon as the lock is free. Once the time is up, a last BEGIN (through SQLAlchemy, so that
    its error is the usual OperationalError) succeeds or fails at once.

    The writers of one process first queue on `writers` (within the same time), so that only
    one of them polls: dozens of a web process's threads polling at once took the lock in no
    order, and a request could wait for seconds behind later ones (docs/PERFORMANCE.md). The
    queue is left when the transaction ends (`_leave_queue`); if it could not be entered in
    time, this writer polls beside the one that holds it, as all did before.
    """
    raw = connection.connection.dbapi_connection
    assert raw is not None
    deadline = time.monotonic() + busy_ms / 1000
    if writers.acquire(timeout=busy_ms / 1000):
        connection.info[_IN_QUEUE] = True
    try:
        raw.execute("PRAGMA busy_timeout=0")
        try:
            while time.monotonic() < deadline:
                try:
                    raw.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as exc:
                    if "locked" not in str(exc):
                        break  # not contention: let the statement below raise it the usual way
                    time.sleep(WRITER_POLL_S)
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            raw.execute(f"PRAGMA busy_timeout={busy_ms}")
    except BaseException:
        _leave_queue(connection.info, writers)  # no transaction began: no end will leave it
        raise


def writer_engine(engine: Engine) -> Engine:
    """The same engine (and pool) for read-modify-write transactions."""
    return engine.execution_options(sqlite_immediate=True)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def lock_writers(session: Session) -> None:
    """Serialise writers of the case store: one ingest batch applies at a time (PostgreSQL takes
    a transaction-level advisory lock; SQLite already holds its write lock from BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"SELECT pg_advisory_xact_lock({WRITERS_LOCK})"))


def lock_schema(connection: Connection) -> None:
    """Serialise migrations (and a look at the schema that waits for one in progress): on
    PostgreSQL a transaction-level advisory lock; on SQLite the transaction must have begun
    IMMEDIATE (`writer_engine`), which already holds the store's write lock."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"SELECT pg_advisory_xact_lock({SCHEMA_LOCK})"))


def store_busy(error: BaseException) -> bool:
    """Whether `error` says the store was busy: SQLite's "database is locked" (another process
    held the write lock longer than the busy timeout, or a read turned write found a newer
    snapshot), raised as is or wrapped by SQLAlchemy."""
    for cause in (error, getattr(error, "orig", None)):
        if isinstance(cause, sqlite3.OperationalError):
            name = getattr(cause, "sqlite_errorname", "")
            return name.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "locked" in str(cause)
    return False


NUL_STAND_IN = "\u2400"  # ␀ SYMBOL FOR NULL


class FreeText(TypeDecorator[str]):
    """Free text from outside (the stream's fields): PostgreSQL text cannot hold NUL, so there a
    NUL is stored as ␀ (the original bytes stay in the event's JSON fields); SQLite keeps it.
    The column's SQL type comes from the migrations; this only adapts the values bound."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: object) -> str | None:
        if value is not None and "\x00" in value and getattr(dialect, "name", "") == "postgresql":
            return value.replace("\x00", NUL_STAND_IN)
        return value


_Item = TypeVar("_Item")


def chunks(items: Sequence[_Item], size: int) -> Iterator[Sequence[_Item]]:
    """`items` in consecutive slices of at most `size` (a statement's bound parameters or
    rows kept within the driver's limits)."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


# SQLite's FTS5 (the case search's index, kept by triggers on `cases`) writes its pending terms
# out as a new index segment at the end of every statement that fires one of its triggers (the
# statement's savepoint): an executemany of 500 rows writes 500 tiny segments and merges them,
# about 40 µs a row. One statement for many rows writes one. INSERT … RETURNING (with which
# SQLAlchemy sends an executemany INSERT as multi-row VALUES pages, "insertmanyvalues") needs
# SQLite 3.35; an older SQLite takes the executemany.


def _whole_statements(conn: Connection) -> bool:
    return conn.dialect.name == "sqlite" and sqlite3.sqlite_version_info >= (3, 35)


def insert_rows(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT `rows` (mappings of the same columns) into `table`: an executemany, sent on SQLite
    as one statement per page of rows (see above)."""
    if not rows:
        return
    statement = insert(table)
    if _whole_statements(conn):
        statement = statement.returning(*table.primary_key.columns)
    conn.execute(statement, rows)


def update_rows(
    conn: Connection,
    table: Table,
    key: str,
    columns: tuple[str, ...],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Set `columns` of the rows of `table` whose column `key` equals a row's "key" to that
    row's values: an executemany, or on SQLite one statement (see above) that reads the rows
    from one JSON array, each value as the column's own bind processing writes it (each key at
    most once in `rows`). SQLite's JSON functions end a text at a NUL: rows holding one take the
    executemany."""
    if not rows:
        return
    if not _whole_statements(conn):
        conn.execute(_update_each(table, key, columns), rows)
        return
    processors = _bind_processors(table, (key, *columns), conn.dialect)
    names = ("key", *columns)
    given = [
        [
            row[name] if process is None else process(row[name])
            for name, process in zip(names, processors, strict=True)
        ]
        for row in rows
    ]
    if any(isinstance(value, str) and "\x00" in value for values in given for value in values):
        conn.execute(_update_each(table, key, columns), rows)
        return
    conn.execute(_update_from_json(table, key, columns), {"rows": json_text(given)})


@functools.lru_cache(maxsize=256)
def _bind_processors(
    table: Table, names: tuple[str, ...], dialect: Dialect
) -> tuple[Callable[[Any], Any] | None, ...]:
    """The bind processing of each named column of `table` (None where a value goes as is)."""
    return tuple(table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names)


@functools.lru_cache(maxsize=256)
def _update_each(table: Table, key: str, columns: tuple[str, ...]) -> Update:
    return (
        update(table)
        .where(table.c[key] == bindparam("key"))
        .values({name: bindparam(name) for name in columns})
    )


@functools.lru_cache(maxsize=256)
def _update_from_json(table: Table, key: str, columns: tuple[str, ...]) -> Update:
    """UPDATE `table` SET each of `columns` FROM the rows of the JSON array bound as "rows"
    ([key, value, …] each)."""
    each = func.json_each(bindparam("rows", type_=String())).table_valued("value")
    given = select(
        *(
            func.json_extract(each.c.value, f"$[{i}]").label(name)
            for i, name in enumerate(("key", *columns))
        )
    ).cte("given")
    return (
        update(table)
        .where(table.c[key] == given.c.key)
        .values({name: given.c[name] for name in columns})
    )
