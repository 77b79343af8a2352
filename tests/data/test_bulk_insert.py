"""data.db.bulk_insert on a real store (SQLite through the driver, PostgreSQL through Core):
rows read back exactly as the ORM would have written them (UTC instants, dates, JSON, NUL in
free text, booleans, scalar defaults), and a row naming no real column is refused."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, select

from data.db import NUL_STAND_IN, bulk_insert, make_sessionmaker
from data.models import Case, EventRow
from tests.support import events as ev

BISHKEK = timezone(timedelta(hours=6))


def _case_row(reg_no: str) -> dict[str, object]:
    at = datetime(2026, 3, 1, 23, 30, 15, 123456, tzinfo=BISHKEK)  # the day before in UTC
    return {"reg_no": reg_no, "district": ev.OSH_CITY, "region": "KG-GO", "category": "crime",
            "kind": "theft", "source": "walk_in", "priority": "normal", "article": None,
            "lat": 40.5, "lon": 72.8, "address": "ул. Ленина\x001", "summary": "<b>x</b>",
            "unit": None, "officer": None, "received_at": at, "registered_at": at,
            "period_start": date(2026, 3, 2), "period_days": 3, "period_unit": "days",
            "deadline": at + timedelta(days=3), "decision": None, "decided_at": None,
            "transferred_to": None, "extensions": 0, "reopenings": 0, "last_event_at": at,
            "late_registration": True}  # "flagged" left out: its default applies


def test_rows_read_back_as_written(engine: Engine) -> None:
    reg_no = ev.next_reg_no(ev.OSH_CITY)
    row = _case_row(reg_no)
    fields = {"summary": "кража\x00", "n": "1"}
    with engine.begin() as conn:
        bulk_insert(conn, Case.__table__, [row])
        bulk_insert(conn, EventRow.__table__, [{
            "event_id": "e-1", "stream_id": "1-0", "reg_no": reg_no, "type": "registered",
            "occurred_at": row["received_at"], "ingested_at": row["received_at"],
            "actor": None, "fields": fields, "applied": False}])
    with make_sessionmaker(engine)() as session:
        case = session.get(Case, reg_no)
        event = session.scalars(select(EventRow).where(EventRow.reg_no == reg_no)).one()
    assert case is not None
    assert case.received_at == row["received_at"] and case.received_at.tzinfo is not None
    assert case.period_start == date(2026, 3, 2) and case.late_registration is True
    assert case.flagged is False  # the column's default
    nul = "\x00" if engine.dialect.name == "sqlite" else NUL_STAND_IN
    assert case.address == f"ул. Ленина{nul}1" and case.summary == "<b>x</b>"
    assert event.fields == fields and event.applied is False  # JSON keeps the NUL exactly


def test_a_row_naming_no_column_is_refused(engine: Engine) -> None:
    row = {**_case_row(ev.next_reg_no(ev.OSH_CITY)), "no_such_column": 1}
    with pytest.raises(ValueError, match="no_such_column"), engine.begin() as conn:
        bulk_insert(conn, Case.__table__, [row])
