"""The bulk seeder counts local days in the zone it is given (rules.lifecycle does the counting),
on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, select

from data.case_record import case_detail
from data.db import make_sessionmaker
from data.models import Case, DeadlineChangeRow
from data.seed import seed_cases
from rules.clock import local_date, zone

NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)


@pytest.mark.parametrize("tz_name", [None, "UTC"])
def test_deadlines_end_at_local_midnight_of_the_zone_given(
    engine: Engine, tz_name: str | None
) -> None:
    tz = zone(tz_name)
    report = seed_cases(
        engine, 300, seed=4, now=NOW, per_day=30, tz=None if tz_name is None else tz
    )
    assert report.cases == 300
    with make_sessionmaker(engine)() as session:
        cases = session.scalars(select(Case)).all()
        changes = session.scalars(select(DeadlineChangeRow)).all()
    assert {c.deadline.astimezone(tz).time() for c in cases} == {time(0)}
    assert {d.deadline.astimezone(tz).time() for d in changes} == {time(0)}
    assert all(c.period_start == local_date(c.received_at, tz) for c in cases)
    assert any(c.extensions for c in cases) and any(c.period_unit == "working" for c in cases)
    overdue = sum(c.decision is None and c.deadline <= NOW for c in cases)
    assert report.overdue == overdue and report.open == sum(c.decision is None for c in cases)


def test_seeded_cases_keep_the_breaches_their_history_makes(engine: Engine) -> None:
    """The seeder builds cases with the lifecycle, as the intake does: each case's breach
    tally on its row is the one its stored events and deadlines rebuild (the case record)."""
    seed_cases(engine, 200, seed=7, now=NOW, per_day=10)
    with make_sessionmaker(engine)() as session:
        cases = session.scalars(select(Case)).all()
        assert any(c.breached for c in cases) and not all(c.breached for c in cases)
        for case in cases:
            detail = case_detail(session, case.reg_no, None, NOW, timedelta(hours=24))
            assert detail is not None
            closed = [b.seconds for b in detail.breaches if b.end is not None]
            assert (case.breached, case.breach_seconds) == (bool(closed), sum(closed))
