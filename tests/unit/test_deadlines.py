"""Review deadlines as the contract defines them, and case statuses at an instant."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from data.reference import load_geography
from rules.clock import end_of_local_day
from rules.contract import validate_event
from rules.deadlines import (
    RuleSet,
    add_working_days,
    case_status,
    get_rule_set,
    is_late_registration,
    is_working_day,
    period_end,
)
from rules.lifecycle import CaseConflict, apply_event, register_case
from tests.support import events as ev

TZ = ZoneInfo("Asia/Bishkek")
RULES = get_rule_set("kg-default")
DISTRICTS = frozenset(load_geography().districts)
BKK = timezone(timedelta(hours=6))
DUE_SOON = timedelta(hours=24)


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=BKK)


def test_period_ends_at_midnight_after_the_last_day() -> None:
    assert period_end(date(2026, 11, 28), 3, "calendar", TZ, RULES) == local(2026, 12, 2)


def test_end_of_local_day_is_2400_local() -> None:
    assert end_of_local_day(date(2026, 12, 31), TZ) == datetime(2026, 12, 31, 18, 0, tzinfo=UTC)


def test_received_late_evening_local_counts_from_that_local_date() -> None:
    # 23:30 in Bishkek is 17:30 UTC the same date; 00:30 local is still the previous UTC date.
    late = register(received=local(2026, 11, 28, 23, 30))
    early = register(received=local(2026, 11, 29, 0, 30))
    assert late.deadline == local(2026, 12, 2)
    assert early.deadline == local(2026, 12, 3)


def test_crime_and_misdemeanor_get_3_days() -> None:
    assert register(kind="crime").deadline == local(2026, 11, 27)
    assert register(kind="misdemeanor").deadline == local(2026, 11, 27)


def test_appeal_gets_14_working_days_skipping_weekends() -> None:
    # received Monday 2026-11-02: 14 working days (no holidays) end Friday 2026-11-20.
    case = register(kind="appeal", received=local(2026, 11, 2, 10))
    assert case.deadline == local(2026, 11, 21)
    assert case.period_unit == "working"


def test_appeal_skips_kyrgyz_public_holidays() -> None:
    # 2026-12-29: the period crosses the New Year holidays (1-7 January are days off).
    assert not is_working_day(date(2027, 1, 5))
    assert add_working_days(date(2026, 12, 29), 3) == date(2027, 1, 8)
    plain = add_working_days(date(2026, 12, 29), 14)
    weekdays_only = _add_weekdays(date(2026, 12, 29), 14)
    assert plain > weekdays_only


def _add_weekdays(start: date, count: int) -> date:
    day = start
    while count:
        day += timedelta(days=1)
        count -= day.weekday() < 5
    return day


@pytest.mark.parametrize("days", [10, 30])
def test_extension_sets_calendar_period_from_receipt(days: int) -> None:
    case = register(received=local(2026, 11, 20, 9))
    extended, change = apply(case, ev.extended(case.reg_no, local(2026, 11, 22), days))
    expected = {10: local(2026, 12, 1), 30: local(2026, 12, 21)}[days]
    assert extended.deadline == expected
    assert change is not None and change.period_days == days and extended.extensions == 1


def test_extension_of_an_appeal_switches_to_calendar_days() -> None:
    case = register(kind="appeal", received=local(2026, 11, 2, 10))
    extended, _ = apply(case, ev.extended(case.reg_no, local(2026, 11, 10), 30))
    assert extended.period_unit == "calendar"
    assert extended.deadline == local(2026, 12, 3)


def test_decision_closes_and_reopening_restarts_from_its_own_date() -> None:
    case = register(received=local(2026, 11, 20, 9))
    closed, _ = apply(case, ev.decided(case.reg_no, local(2026, 11, 21, 12), "refused"))
    assert (
        case_status(closed.deadline, not closed.is_open, local(2026, 12, 30), DUE_SOON) == "decided"
    )
    reopened, change = apply(closed, ev.reopened(case.reg_no, local(2026, 11, 25, 15), 5))
    assert reopened.is_open and reopened.decision is None and reopened.reopenings == 1
    assert reopened.deadline == local(2026, 12, 1)
    assert change is not None and change.reason == "reopened"


def test_second_registration_conflicts() -> None:
    case = register()
    with pytest.raises(CaseConflict, match="already registered"):
        apply(case, ev.registered(case.reg_no, local(2026, 11, 25)))


def test_assignment_updates_unit_and_officer_only() -> None:
    case = register()
    assigned, change = apply(
        case, ev.assigned(case.reg_no, local(2026, 11, 24, 12), "ROVD-Osh", "777")
    )
    assert (assigned.unit, assigned.officer, change) == ("ROVD-Osh", "777", None)
    assert assigned.deadline == case.deadline


@pytest.mark.parametrize(
    ("now", "status"),
    [
        (local(2026, 11, 25), "open"),
        (local(2026, 11, 26, 0, 0, 1), "due_soon"),
        (local(2026, 11, 26, 23, 59), "due_soon"),
        (local(2026, 11, 27), "overdue"),
        (local(2026, 12, 27), "overdue"),
    ],
)
def test_status_at_an_instant(now: datetime, status: str) -> None:
    case = register()  # deadline 2026-11-27 00:00 local
    assert case_status(case.deadline, False, now, DUE_SOON) == status


def test_a_deadline_exactly_the_window_away_is_due_soon() -> None:
    deadline = local(2026, 11, 27)
    assert case_status(deadline, False, deadline - DUE_SOON, DUE_SOON) == "due_soon"
    assert (
        case_status(deadline, False, deadline - DUE_SOON - timedelta(seconds=1), DUE_SOON) == "open"
    )


def test_an_open_case_without_a_deadline_is_open_whenever() -> None:
    assert case_status(None, False, local(2030, 1, 1), DUE_SOON) == "open"
    assert case_status(None, True, local(2030, 1, 1), DUE_SOON) == "decided"


def test_due_soon_window_is_configurable() -> None:
    case = register()
    assert case_status(case.deadline, False, local(2026, 11, 25), timedelta(hours=49)) == "due_soon"


def test_late_registration_over_24_hours() -> None:
    assert is_late_registration(local(2026, 11, 1, 9), local(2026, 11, 2, 9, 1))
    assert not is_late_registration(local(2026, 11, 1, 9), local(2026, 11, 2, 9))
    case = register(received=local(2026, 11, 20), at=local(2026, 11, 23))
    assert case.late_registration


def test_rule_set_is_named_and_unknown_names_fail() -> None:
    assert RULES.name == "kg-default" and "14" in RULES.title
    with pytest.raises(ValueError, match="unknown rule set"):
        get_rule_set("nowhere")


def test_a_rule_set_gives_each_kind_its_own_period() -> None:
    rules = RuleSet("test", "test", crime_days=3, misdemeanor_days=5, appeal_working_days=10)
    assert rules.initial_period("crime") == (3, "calendar")
    assert rules.initial_period("misdemeanor") == (5, "calendar")
    assert rules.initial_period("appeal") == (10, "working")


def test_working_days_skip_the_holidays_of_the_rule_sets_country() -> None:
    # Monday 2026-07-06 is Capital Day in Kazakhstan, an ordinary Monday in Kyrgyzstan.
    friday = date(2026, 7, 3)
    kazakh = RuleSet("kz", "test", holiday_country="KZ")
    assert period_end(friday, 1, "working", TZ, kazakh) == local(2026, 7, 8)
    assert period_end(friday, 1, "working", TZ, RULES) == local(2026, 7, 7)


def register(*, kind: str = "crime", received: datetime | None = None, at: datetime | None = None):  # type: ignore[no-untyped-def]
    received = received or local(2026, 11, 23, 9)
    fields = ev.registered(
        ev.next_reg_no(), at or received + timedelta(minutes=5), received_at=received, kind=kind
    )
    state, _ = register_case(_valid(fields), TZ, RULES)
    return state


def apply(state, fields):  # type: ignore[no-untyped-def]
    return apply_event(state, _valid(fields), TZ, RULES)


def _valid(fields: dict[str, str]):  # type: ignore[no-untyped-def]
    return validate_event(fields, DISTRICTS, local(2027, 6, 1))
