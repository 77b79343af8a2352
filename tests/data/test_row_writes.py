"""data.db's insert_rows and update_rows on a real store (SQLite and PostgreSQL): every kind of
column written as SQLAlchemy's own statements write it, and on SQLite in whole statements (the
case search's triggers then write one index segment per batch, not one per row)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, select
from sqlalchemy.engine.interfaces import ExecuteStyle

from data.db import insert_rows, make_engine, make_sessionmaker, update_rows
from data.models import Case
from data.schema import upgrade
from data.search import search_cases
from tests.support import events as ev
from tests.support.stores import apply_events, sqlite_url

NOW = datetime.now(UTC).replace(microsecond=123456)
CASES = Case.__table__


def _stored(engine: Engine, reg_no: str) -> dict[str, object]:
    with engine.connect() as conn:
        return dict(conn.execute(select(CASES).where(CASES.c.reg_no == reg_no)).one()._mapping)


@contextmanager
def _driver_statements(engine: Engine) -> Iterator[list[str]]:
    """Each statement the driver runs while the block runs: an executemany's once per row."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        rows = len(parameters) if context.execute_style is ExecuteStyle.EXECUTEMANY else 1
        seen.extend([statement] * rows)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_updated_columns_of_every_kind_read_back_as_written(engine: Engine) -> None:
    regs = [ev.next_reg_no() for _ in range(3)]
    apply_events(engine, [ev.registered(r, NOW - timedelta(days=2)) for r in regs], now=NOW)
    changed = {
        "deadline": NOW + timedelta(days=3),  # an aware instant, microseconds kept
        "decided_at": None,
        "period_start": date(2026, 11, 30),
        "period_days": 30,
        "lat": 42.874621,
        "breached": True,
        "late_registration": False,
        "officer": "Өмүрбеков «Ңуржан» 'O''Brien' \\ \"x\"",
        "summary": "Кража\nв две строки; DROP TABLE cases; --",
    }
    nul = {**changed, "unit": "ОВД\x00Ош"}  # a NUL: kept on SQLite, ␀ on PostgreSQL
    rows = [{"key": r, **changed, "extensions": i} for i, r in enumerate(regs)]
    with engine.begin() as conn:
        update_rows(conn, CASES, "reg_no", (*changed, "extensions"), rows)
        update_rows(conn, CASES, "reg_no", tuple(nul), [{"key": regs[0], **nul}])
    for i, reg in enumerate(regs):
        stored = _stored(engine, reg)
        expected = nul if i == 0 else changed
        if i == 0 and engine.dialect.name == "postgresql":
            expected = {**nul, "unit": "ОВД␀Ош"}
        assert {name: stored[name] for name in expected} == expected
        assert stored["extensions"] == i and stored["reg_no"] == reg


def test_rows_not_named_are_left_alone(engine: Engine) -> None:
    kept, moved = ev.next_reg_no(), ev.next_reg_no()
    apply_events(
        engine, [ev.registered(r, NOW - timedelta(days=1)) for r in (kept, moved)], now=NOW
    )
    before = _stored(engine, kept)
    with engine.begin() as conn:
        update_rows(conn, CASES, "reg_no", ("officer",), [{"key": moved, "officer": "Тороев"}])
        update_rows(conn, CASES, "reg_no", ("officer",), [])
        insert_rows(conn, CASES, [])
    assert _stored(engine, kept) == before
    assert _stored(engine, moved)["officer"] == "Тороев"


def test_inserted_rows_read_back_and_are_found_by_search(engine: Engine) -> None:
    template = _stored(engine, _one_case(engine))
    new = []
    for i in range(3):
        row = {k: v for k, v in template.items() if k not in ("id", "search")}
        row.update(reg_no=ev.next_reg_no(), summary=f"Угон велосипеда номер{i}", lat=None)
        new.append(row)
    with engine.begin() as conn:
        insert_rows(conn, CASES, new)
    for row in new:
        stored = _stored(engine, str(row["reg_no"]))
        assert {k: stored[k] for k in row} == row
    with make_sessionmaker(engine)() as session:
        found = [c.reg_no for c in search_cases(session, "номер1", None, NOW, timedelta(hours=24))]
    assert found == [new[1]["reg_no"]]


def test_sqlite_writes_a_batch_in_one_statement_per_table(tmp_path: Path) -> None:
    sqlite_engine = make_engine(sqlite_url(tmp_path))
    upgrade(sqlite_engine)
    regs = [ev.next_reg_no() for _ in range(40)]
    at = NOW - timedelta(hours=3)
    with _driver_statements(sqlite_engine) as seen:
        apply_events(sqlite_engine, [ev.registered(r, at) for r in regs], now=NOW)
        apply_events(
            sqlite_engine, [ev.assigned(r, at, officer=f"Асанов {r}") for r in regs], now=NOW
        )
    case_writes = [s for s in seen if s.startswith(("INSERT INTO cases (", "WITH given"))]
    assert len(case_writes) == 2, case_writes  # 40 rows each: one INSERT, one UPDATE … FROM
    with make_sessionmaker(sqlite_engine)() as session:
        hits = search_cases(session, f"асанов {regs[7]}", None, NOW, timedelta(hours=24))
    assert [c.reg_no for c in hits] == [regs[7]]


def _one_case(engine: Engine) -> str:
    reg = ev.next_reg_no()
    apply_events(engine, [ev.registered(reg, NOW - timedelta(days=1))], now=NOW)
    return reg
