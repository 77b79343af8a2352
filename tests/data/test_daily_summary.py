"""The daily summary's figures on SQLite and PostgreSQL, compared with an independent count in
Python over the same generated history (events applied as the ingest worker would), for the
country and for a region; the end of the day is an instant (a case decided the next day was
open, and overdue, at 24:00)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from data.daily_summary import MEASURES, NOTABLE_LIMIT, SERIOUS_CATEGORIES, daily_summary
from data.db import make_sessionmaker
from tests.support import events as ev
from tests.support.daily import (
    DAY,
    END,
    LATER,
    REGIONS,
    START,
    TZ,
    expected,
    history,
    in_day,
    store,
)
from tests.support.stores import apply_events


@pytest.mark.parametrize("region", [None, "KG-GO"])
def test_the_figures_equal_an_independent_count(engine: Engine, region: str | None) -> None:
    specs = history(seed=13)
    store(engine, specs)
    with make_sessionmaker(engine)() as session:
        summary = daily_summary(session, DAY, TZ, region)
    want = expected(specs, region)
    for measure in MEASURES:
        got = {row.district: getattr(row, measure) for row in summary.by_district}
        assert {d: n for d, n in got.items() if n} == {d: n for d, n in want[measure].items() if n}
        assert summary.total(measure) == sum(want[measure].values()), measure
    assert summary.total("registered") > 0 and summary.total("overdue_at_end") > 0
    assert all(row.region == REGIONS[row.district] for row in summary.by_district)
    scoped = [s for s in specs if not region or s.region == region]
    cells = Counter((s.category, s.district) for s in scoped if in_day(s.registered))
    assert {(c, d): n for c, d, n in summary.cells} == dict(cells)
    by_category = Counter(s.category for s in scoped if in_day(s.registered))
    assert dict(summary.by_category) == dict(by_category)
    # The notable cases: the flagged of the day first, then those that became overdue, then
    # serious categories registered in the day; each once, at most NOTABLE_LIMIT.
    flagged = sorted((s.flagged, s.reg_no) for s in scoped if in_day(s.flagged))
    names = [n.reg_no for n in summary.notable]
    assert len(names) == len(set(names)) <= NOTABLE_LIMIT
    assert names[: len(flagged)] == [r for _, r in flagged][:NOTABLE_LIMIT]
    by_no = {s.reg_no: s for s in specs}
    for note in summary.notable:
        s = by_no[note.reg_no]
        assert (note.category, note.district) == (s.category, s.district)
        assert not region or s.region == region
        if note.reason == "serious":
            assert s.category in SERIOUS_CATEGORIES and in_day(s.registered)
        if note.reason == "overdue":
            assert START < s.deadline_at(END) <= END


def test_the_end_of_the_day_is_an_instant(engine: Engine) -> None:
    """A case decided the next day was open at 24:00; overdue if its deadline had passed."""
    long_overdue = ev.next_reg_no()  # received 5 March: due at the end of 8 March
    due_tonight = ev.next_reg_no()  # received 7 March: due at 24:00 of the day
    decided_at_midnight = ev.next_reg_no()  # decided at 24:00 exactly: open at the end
    decided_before = ev.next_reg_no()  # decided a second before: not open
    registered_at_midnight = ev.next_reg_no()  # the next day's
    extended_after = ev.next_reg_no()  # extended the next day: overdue at 24:00 still
    old = datetime(2026, 3, 5, 12, 0, tzinfo=TZ)
    apply_events(
        engine,
        [
            ev.registered(long_overdue, old),
            ev.decided(long_overdue, END + timedelta(hours=10)),
            ev.registered(due_tonight, datetime(2026, 3, 7, 9, 0, tzinfo=TZ)),
            ev.decided(due_tonight, END + timedelta(hours=1)),
            ev.registered(decided_at_midnight, old),
            ev.decided(decided_at_midnight, END),
            ev.registered(decided_before, old),
            ev.decided(decided_before, END - timedelta(seconds=1)),
            ev.registered(registered_at_midnight, END),
            ev.registered(extended_after, old),
            ev.extended(extended_after, END + timedelta(hours=2)),
        ],
        now=LATER,
    )
    with make_sessionmaker(engine)() as session:
        summary = daily_summary(session, DAY, TZ)
    assert summary.start.astimezone(UTC) == datetime(2026, 3, 9, 18, 0, tzinfo=UTC)
    assert summary.total("open_at_end") == 4
    assert summary.total("overdue_at_end") == 4
    assert summary.total("became_overdue") == 1
    assert summary.total("decided") == 1  # the one a second before 24:00
    assert summary.total("registered") == 0 and summary.total("extended") == 0
    assert [(n.reg_no, n.reason) for n in summary.notable] == [(due_tonight, "overdue")]
    # The day under way is counted at the summary's time: at noon, tonight's deadline is ahead.
    noon = START + timedelta(hours=12)
    with make_sessionmaker(engine)() as session:
        so_far = daily_summary(session, DAY, TZ, now=noon)
    assert so_far.as_of == noon and summary.as_of == END
    assert so_far.total("open_at_end") == 5  # the two decided in the evening were open
    assert so_far.total("overdue_at_end") == 4  # all but the one due tonight
    assert so_far.total("became_overdue") == 0 and so_far.notable == ()


def test_a_day_without_cases_is_empty(engine: Engine) -> None:
    with make_sessionmaker(engine)() as session:
        summary = daily_summary(session, DAY, TZ, "KG-C")
    assert summary.by_district == () and summary.notable == () and summary.cells == ()
    assert summary.total("registered") == 0


def test_a_reopened_case_counts_as_it_stood_at_midnight(engine: Engine) -> None:
    """The row keeps only the standing decision: a decision a later reopening cancelled still
    closed the case at 24:00, and a reopening before it opened the case again."""
    day = timedelta(days=1)
    noon = START + timedelta(hours=12)
    reopened_later, decided_again, still_open = (ev.next_reg_no() for _ in range(3))
    apply_events(
        engine,
        [
            ev.registered(reopened_later, noon - 6 * day),
            ev.decided(reopened_later, noon - 4 * day),
            ev.reopened(reopened_later, noon + day),  # after the day: decided at 24:00
            ev.registered(decided_again, noon - 6 * day),
            ev.decided(decided_again, noon - 4 * day),
            ev.reopened(decided_again, noon - day),  # due 10 days after: open, in time
            ev.decided(decided_again, noon + day),
            ev.registered(still_open, noon - 20 * day),
            ev.decided(still_open, noon - 18 * day),
            ev.reopened(still_open, noon - 15 * day),  # due 5 days before the day: overdue
        ],
        now=LATER,
    )
    with make_sessionmaker(engine)() as session:
        summary = daily_summary(session, DAY, TZ)
    assert summary.total("open_at_end") == 2
    assert summary.total("overdue_at_end") == 1
