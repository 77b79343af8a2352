"""Deadline breaches on record, on SQLite and PostgreSQL: the intake keeps each case's closed
breaches on its row, the case record rebuilds every breach from the stored history, the
summaries (lists, exports, API) add the one going on, the workload counts the decisions taken
late over 7 and 30 days (counters and scan alike), and migration 0008 backfills all of it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from data import aggregates, case_lists, workload_counts
from data.case_record import BreachEntry, case_detail
from data.db import make_sessionmaker, writer_engine
from data.flags import add_flag
from data.models import Case
from data.queries import CaseFilter
from rules.access import Viewer
from tests.support import events as ev
from tests.support.stores import apply_events, columns, migrate

TZ = ZoneInfo("Asia/Bishkek")
REGISTERED = datetime(2026, 3, 2, 10, 0, tzinfo=TZ).astimezone(UTC)  # a Monday
# A crime report's 3 days: the deadline is the end of 5 March in Bishkek.
DEADLINE = datetime(2026, 3, 6, 0, 0, tzinfo=TZ).astimezone(UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SOON = timedelta(hours=24)


def registered(engine: Engine, **fields: str) -> str:
    reg_no = ev.next_reg_no()
    apply_events(engine, [ev.registered(reg_no, REGISTERED, **fields)], now=REGISTERED)
    return reg_no


def row(engine: Engine, reg_no: str) -> tuple[bool, int, datetime | None]:
    with engine.connect() as conn:
        found = conn.execute(
            select(Case.breached, Case.breach_seconds, Case.breach_start).where(
                Case.reg_no == reg_no
            )
        ).one()
    return bool(found[0]), int(found[1]), found[2]


def breaches(engine: Engine, reg_no: str, now: datetime) -> list[BreachEntry]:
    with make_sessionmaker(engine)() as s:
        detail = case_detail(s, reg_no, None, now, SOON)
        assert detail is not None
        assert detail.case.breached == bool(detail.breaches)
        assert detail.case.breach_seconds == sum(b.seconds for b in detail.breaches)
        return list(detail.breaches)


def test_the_deadline_is_the_one_the_tests_count_from(engine: Engine) -> None:
    reg_no = registered(engine)
    with make_sessionmaker(engine)() as s:
        case = s.get(Case, reg_no)
        assert case is not None and case.deadline == DEADLINE
    assert row(engine, reg_no) == (False, 0, None)


def test_a_case_decided_on_time_has_no_breach(engine: Engine) -> None:
    reg_no = registered(engine)
    apply_events(engine, [ev.decided(reg_no, DEADLINE - HOUR)], now=DEADLINE)
    assert row(engine, reg_no) == (False, 0, None)
    assert breaches(engine, reg_no, DEADLINE + 30 * DAY) == []


def test_a_late_decision_keeps_its_breach(engine: Engine) -> None:
    reg_no = registered(engine)
    apply_events(engine, [ev.decided(reg_no, DEADLINE + 2 * HOUR)], now=DEADLINE + 3 * HOUR)
    assert row(engine, reg_no) == (True, 7200, None)
    later = DEADLINE + 30 * DAY
    assert breaches(engine, reg_no, later) == [
        BreachEntry(DEADLINE, DEADLINE + 2 * HOUR, 7200, "decision")
    ]
    with make_sessionmaker(engine)() as s:
        (summary,) = case_lists.case_summaries(s, CaseFilter(), later, SOON)
    assert (summary.status, summary.breached, summary.breach_seconds) == ("decided", True, 7200)


def test_an_extension_after_the_deadline_ends_the_breach(engine: Engine) -> None:
    reg_no = registered(engine)
    apply_events(engine, [ev.extended(reg_no, DEADLINE + 5 * HOUR)], now=DEADLINE + 6 * HOUR)
    apply_events(engine, [ev.decided(reg_no, DEADLINE + 2 * DAY)], now=DEADLINE + 2 * DAY)
    assert row(engine, reg_no) == (True, 18000, None)
    assert breaches(engine, reg_no, DEADLINE + 9 * DAY) == [
        BreachEntry(DEADLINE, DEADLINE + 5 * HOUR, 18000, "extension")
    ]


def test_an_extension_before_the_deadline_makes_none(engine: Engine) -> None:
    reg_no = registered(engine)
    apply_events(engine, [ev.extended(reg_no, DEADLINE - HOUR)], now=DEADLINE)
    assert row(engine, reg_no) == (False, 0, None)
    assert breaches(engine, reg_no, DEADLINE + 3 * DAY) == []


def test_a_reopened_case_late_again_has_two_breaches(engine: Engine) -> None:
    reg_no = registered(engine)
    reopened_at = DEADLINE + 2 * DAY  # 8 March: one day to 24:00 of 9 March
    second_deadline = datetime(2026, 3, 10, 0, 0, tzinfo=TZ).astimezone(UTC)
    apply_events(
        engine,
        [ev.decided(reg_no, DEADLINE + HOUR), ev.reopened(reg_no, reopened_at, 1)],
        now=reopened_at,
    )
    now = second_deadline + 3 * HOUR
    assert breaches(engine, reg_no, now) == [
        BreachEntry(DEADLINE, DEADLINE + HOUR, 3600, "decision"),
        BreachEntry(second_deadline, None, 10800, None),
    ]
    assert row(engine, reg_no) == (True, 3600, None)  # the one going on is read, not stored
    with make_sessionmaker(engine)() as s:
        (summary,) = case_lists.case_summaries(s, CaseFilter(), now, SOON)
    assert (summary.status, summary.breach_seconds) == ("overdue", 3600 + 10800)


def test_an_ongoing_breach_is_read_from_the_deadline(engine: Engine) -> None:
    reg_no = registered(engine)
    assert breaches(engine, reg_no, DEADLINE - HOUR) == []
    assert breaches(engine, reg_no, DEADLINE + HOUR) == [BreachEntry(DEADLINE, None, 3600, None)]


def test_an_event_out_of_order_is_replayed_into_the_tally(engine: Engine) -> None:
    """A late decision stored first; then an extension that came before it (after the
    deadline): the replay ends the breach at the extension, and the decision is on time."""
    reg_no = registered(engine)
    apply_events(engine, [ev.decided(reg_no, DEADLINE + 5 * HOUR)], now=DEADLINE + 6 * HOUR)
    assert row(engine, reg_no) == (True, 18000, None)
    apply_events(engine, [ev.extended(reg_no, DEADLINE + HOUR)], now=DEADLINE + 7 * HOUR)
    assert row(engine, reg_no) == (True, 3600, None)
    assert breaches(engine, reg_no, DEADLINE + 8 * HOUR) == [
        BreachEntry(DEADLINE, DEADLINE + HOUR, 3600, "extension")
    ]


def late_and_on_time(engine: Engine) -> tuple[str, str, str]:
    """Three cases of one officer: decided late, decided on time, open and overdue."""
    late, on_time, still_open = (
        registered(engine, unit="OVD-Pervomaisky"),
        registered(engine, unit="OVD-Pervomaisky"),
        registered(engine, unit="OVD-Pervomaisky"),
    )
    apply_events(
        engine,
        [
            *(ev.assigned(r, REGISTERED + HOUR) for r in (late, on_time, still_open)),
            ev.decided(late, DEADLINE + 2 * HOUR),
            ev.decided(on_time, DEADLINE - 2 * HOUR),
        ],
        now=DEADLINE + 3 * HOUR,
    )
    return late, on_time, still_open


def test_the_workload_counts_decisions_taken_late(engine: Engine) -> None:
    late_and_on_time(engine)
    expected = {  # instant: (decided in 7 d, of them late, late in 30 d)
        DEADLINE + 3 * HOUR: (2, 1, 1),
        DEADLINE + 3 * DAY: (2, 1, 1),  # whole days of the counters in between
        DEADLINE + 2 * HOUR + 7 * DAY: (0, 0, 1),  # both just left the 7 days
        DEADLINE + 2 * HOUR + 7 * DAY - timedelta(seconds=1): (1, 1, 1),
        DEADLINE + 40 * DAY: (0, 0, 0),
    }
    with make_sessionmaker(engine)() as s:
        assert aggregates.workload_usable(s, CaseFilter(), TZ)
        for now, (decided, late_7d, late_30d) in expected.items():
            for group, key in (
                ("district", ev.BISHKEK),
                ("unit", "OVD-Pervomaisky"),
                ("officer", "10442"),
            ):
                for counted in (True, False):
                    found = workload_counts.workload_rows(
                        s, CaseFilter(), now, SOON, group, tz=TZ, counted=counted
                    ).get(key, workload_counts.WorkloadRow(key))
                    got = (found.decided_7d, found.decided_late_7d, found.decided_late_30d)
                    assert got == (decided, late_7d, late_30d), (now, group, counted)


def test_migration_0008_backfills_breaches_and_late_decisions(engine: Engine) -> None:
    """A store at 0007 with these histories: upgrading fills each case's tally from its
    stored events and the late decisions' counters, as the intake would have."""
    late, on_time, still_open = late_and_on_time(engine)
    extended = registered(engine)
    apply_events(
        engine,
        [ev.extended(extended, DEADLINE + 5 * HOUR), ev.decided(extended, DEADLINE + DAY)],
        now=DEADLINE + DAY,
    )
    with make_sessionmaker(writer_engine(engine)).begin() as s:  # a case's row others refer to
        add_flag(s, Viewer("prosecutor-1", "prosecutor"), late, "late", DEADLINE + DAY)
    before = {r: row(engine, r) for r in (late, on_time, still_open, extended)}
    assert before[late] == (True, 7200, None) and before[extended] == (True, 18000, None)
    migrate(engine, "downgrade", "0007")
    assert "breached" not in columns(engine, "cases")
    assert "decided_late" not in columns(engine, "agg_daily")
    migrate(engine, "upgrade", "head")
    assert {r: row(engine, r) for r in before} == before
    with engine.connect() as conn:
        assert aggregates.verify(conn) == []
        assert (
            conn.scalar(
                select(aggregates.DAILY.c.decided_late).where(aggregates.DAILY.c.decided_late > 0)
            )
            == 1
        )
