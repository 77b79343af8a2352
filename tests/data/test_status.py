"""The case status in SQL (data/status.py) agrees with the rule (rules.deadlines.case_status) on
generated cases, on SQLite and PostgreSQL: at instants exactly at a deadline, a microsecond or a
second either side, exactly `due_soon` away and around it, decided or not, with or without a
deadline.

The store requires a deadline (cases.deadline is NOT NULL), so the expressions are evaluated
over a probe table with the same column types (deadline nullable), the Case columns in them
replaced by the probe's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import (
    Column,
    ColumnElement,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    insert,
    select,
)
from sqlalchemy.sql.visitors import replacement_traverse

from data import status
from data.db import UTCDateTime
from data.models import Case
from rules.deadlines import case_status

probe_metadata = MetaData()
probe = Table(
    "status_probe",
    probe_metadata,
    Column("id", Integer, primary_key=True),
    Column("deadline", UTCDateTime, nullable=True),
    Column("decision", String(16), nullable=True),
)

MICRO, SECOND = timedelta(microseconds=1), timedelta(seconds=1)
NEAR = (timedelta(0), MICRO, -MICRO, SECOND, -SECOND)


@pytest.fixture
def probe_engine(engine: Engine) -> Iterator[Engine]:
    probe_metadata.create_all(engine)
    yield engine
    probe_metadata.drop_all(engine)


def on_probe(expression: ColumnElement[object]) -> ColumnElement[object]:
    """The expression with Case.deadline and Case.decision read from the probe table."""
    columns = {
        Case.__table__.c.deadline: probe.c.deadline,
        Case.__table__.c.decision: probe.c.decision,
    }
    return replacement_traverse(expression, {}, lambda element: columns.get(element))  # type: ignore[arg-type]


instants = st.datetimes(
    min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1), timezones=st.just(UTC)
)
windows = st.sampled_from([timedelta(hours=24), timedelta(hours=1), timedelta(days=3), SECOND])


@st.composite
def probes(draw: st.DrawFn) -> tuple[datetime, timedelta, list[tuple[datetime | None, bool]]]:
    """An instant, a due-soon window and cases whose deadlines lie at or around the instant, at
    or around the window's end, or anywhere (or nowhere)."""
    now, within = draw(instants), draw(windows)
    near_now = st.sampled_from(NEAR).map(lambda d: now + d)
    near_window = st.sampled_from(NEAR).map(lambda d: now + within + d)
    anywhere = st.timedeltas(min_value=-timedelta(days=60), max_value=timedelta(days=60)).map(
        lambda d: now + d
    )
    deadline = st.one_of(near_now, near_window, anywhere, st.none())
    cases = draw(st.lists(st.tuples(deadline, st.booleans()), min_size=1, max_size=12))
    return now, within, cases


@hsettings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(probes())
def test_sql_status_agrees_with_the_rule(
    probe_engine: Engine,
    generated: tuple[datetime, timedelta, list[tuple[datetime | None, bool]]],
) -> None:
    now, within, cases = generated
    rows = [
        {"id": i, "deadline": deadline, "decision": "refused" if is_decided else None}
        for i, (deadline, is_decided) in enumerate(cases)
    ]
    filters = ("open", "overdue", "due_soon", "decided")
    query = select(
        probe.c.id,
        on_probe(status.status(now, within)),
        *[on_probe(status.status_filter(name, now, within)) for name in filters],  # type: ignore[arg-type]
    ).order_by(probe.c.id)
    with probe_engine.begin() as conn:
        conn.execute(delete(probe))
        conn.execute(insert(probe), rows)
        found = conn.execute(query).all()
    for (deadline, is_decided), (_, in_sql, *matched) in zip(cases, found, strict=True):
        expected = case_status(deadline, is_decided, now, within)
        assert in_sql == expected, (deadline, is_decided, now, within)
        # The filters: "open" is every undecided case, the others are the status itself.
        wanted = {
            "open": not is_decided,
            "overdue": expected == "overdue",
            "due_soon": expected == "due_soon",
            "decided": is_decided,
        }
        assert {name: bool(m) for name, m in zip(filters, matched, strict=True)} == wanted


def test_the_deadline_watcher_window_is_the_status_change(probe_engine: Engine) -> None:
    """became_overdue(after, until) holds exactly for the cases that are not overdue at `after`
    and overdue at `until`."""
    after = datetime(2026, 3, 11, 18, 0, tzinfo=UTC)
    until = after + 5 * SECOND
    deadlines = [after + d for d in NEAR] + [until + d for d in NEAR] + [None]
    rows = [
        {"id": i, "deadline": d, "decision": decision}
        for i, (d, decision) in enumerate((d, x) for d in deadlines for x in (None, "refused"))
    ]
    with probe_engine.begin() as conn:
        conn.execute(insert(probe), rows)
        found = dict(
            conn.execute(
                select(probe.c.id, on_probe(status.became_overdue(after, until)))  # type: ignore[arg-type]
            ).all()
        )
    for row in rows:
        was = case_status(row["deadline"], row["decision"] is not None, after, timedelta(0))
        now = case_status(row["deadline"], row["decision"] is not None, until, timedelta(0))
        assert bool(found[row["id"]]) == (was != "overdue" and now == "overdue"), row
