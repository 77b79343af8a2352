"""An SQLite store's writers in one process take turns in a queue (data.db.writer_queue) before
polling SQLite's write lock: the queue is held exactly while a writer's transaction is open and
let go however it ends (commit, rollback, an error, a session closed without either, a BEGIN
that found the store busy), and many threads writing at once all get through."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from data.db import make_engine, make_sessionmaker, writer_engine, writer_queue
from tests.support.stores import sqlite_url


@pytest.fixture
def store(tmp_path: Path) -> Engine:
    engine = make_engine(sqlite_url(tmp_path))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    return engine


def _insert(session) -> None:  # type: ignore[no-untyped-def]
    session.execute(text("INSERT INTO t VALUES (1)"))


def _count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM t").scalar_one())


def test_the_queue_is_held_while_a_writer_is_open_and_let_go_however_it_ends(store) -> None:  # type: ignore[no-untyped-def]
    queue = writer_queue(store)
    assert queue is not None and not queue.locked()
    writer = make_sessionmaker(writer_engine(store))

    with writer.begin() as s:  # commit
        _insert(s)
        assert queue.locked()
    assert not queue.locked()

    with writer() as s:  # rollback
        _insert(s)
        assert queue.locked()
        s.rollback()
    assert not queue.locked()

    with pytest.raises(RuntimeError), writer.begin() as s:  # an error inside
        _insert(s)
        raise RuntimeError("boom")
    assert not queue.locked()

    s = writer()  # closed without commit or rollback
    _insert(s)
    assert queue.locked()
    s.close()
    assert not queue.locked()

    with writer_engine(store).connect() as conn:  # a connection kept after its transactions
        with conn.begin():
            conn.execute(text("INSERT INTO t VALUES (1)"))
            assert queue.locked()
        assert not queue.locked()
        trans = conn.begin()
        conn.execute(text("INSERT INTO t VALUES (1)"))
        trans.rollback()
        assert not queue.locked()

    reader = make_sessionmaker(store)  # reads do not queue
    with reader.begin() as s:
        s.execute(text("SELECT count(*) FROM t"))
        assert not queue.locked()
    assert _count(store) == 2  # only the committed writes


def test_a_busy_store_is_still_reported_and_the_queue_let_go(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Another process holding the write lock (here a connection of its own): the writer
    fails after the busy timeout as before, and leaves the queue to the next one."""
    impatient = make_engine(sqlite_url(tmp_path), busy_timeout_s=0.5)
    other = sqlite3.connect(tmp_path / "kup.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    writer = make_sessionmaker(writer_engine(impatient))
    with pytest.raises(OperationalError, match="locked"), writer.begin() as s:
        _insert(s)
    queue = writer_queue(impatient)
    assert queue is not None and not queue.locked()
    other.execute("ROLLBACK")
    other.close()
    with writer.begin() as s:
        _insert(s)
    assert _count(store) == 1


def test_many_threads_writing_at_once_all_get_through(store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Twelve threads queue behind another process's writer, then write 20 rows each."""
    other = sqlite3.connect(tmp_path / "kup.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    writer = make_sessionmaker(writer_engine(store))
    started = threading.Barrier(13)
    failures: list[BaseException] = []

    def work() -> None:
        started.wait()
        try:
            for _ in range(20):
                with writer.begin() as s:
                    _insert(s)
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=work) for _ in range(12)]
    for t in threads:
        t.start()
    started.wait()
    other.execute("INSERT INTO t VALUES (0)")
    other.execute("COMMIT")
    other.close()
    for t in threads:
        t.join(60)
    assert not failures and not any(t.is_alive() for t in threads)
    assert _count(store) == 1 + 12 * 20
    queue = writer_queue(store)
    assert queue is not None and not queue.locked()


def test_postgresql_writers_have_no_queue(engine) -> None:  # type: ignore[no-untyped-def]
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's writers wait in the server")
    assert writer_queue(engine) is None
