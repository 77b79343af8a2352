"""A case's life: what a registration puts on the case and what each later event changes."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from data.reference import load_geography
from rules.contract import Event, validate_event
from rules.deadlines import RuleSet, get_rule_set
from rules.lifecycle import CaseState, DeadlineChange, apply_event, register_case
from tests.support import events as ev

TZ = ZoneInfo("Asia/Bishkek")
RULES = get_rule_set("kg-default")
DISTRICTS = frozenset(load_geography().districts)
BKK = timezone(timedelta(hours=6))


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BKK)


def valid(fields: dict[str, str]) -> Event:
    return validate_event(fields, DISTRICTS, local(2027, 6, 1))


def register(fields: dict[str, str], rules: RuleSet = RULES) -> CaseState:
    state, _ = register_case(valid(fields), TZ, rules)
    return state


def apply(state: CaseState, fields: dict[str, str]) -> tuple[CaseState, DeadlineChange | None]:
    return apply_event(state, valid(fields), TZ, RULES)


def test_a_registration_carries_every_field_onto_the_case() -> None:
    reg_no = ev.next_reg_no(ev.OSH_CITY)
    fields = ev.registered(
        reg_no,
        local(2026, 11, 20, 9, 30),
        district=ev.OSH_CITY,
        category="fraud",
        received_at=local(2026, 11, 20, 9),
        kind="misdemeanor",
        article="ст. 209 ч. 2",
        source="media",
        priority="high",
        lat="40.5283",
        lon="72.7985",
        address="ул. Ленина, 1",
        summary="Мошенничество с картой",
        unit="UVD-Osh",
    )
    rules = RuleSet("test", "misdemeanours get 5 days", misdemeanor_days=5)
    state, change = register_case(valid(fields), TZ, rules)
    deadline = local(2026, 11, 26)  # 20 November + 5 days, at midnight local
    assert state == CaseState(
        reg_no=reg_no,
        district=ev.OSH_CITY,
        category="fraud",
        kind="misdemeanor",
        source="media",
        received_at=local(2026, 11, 20, 9),
        registered_at=local(2026, 11, 20, 9, 30),
        period_start=date(2026, 11, 20),
        period_days=5,
        period_unit="calendar",
        deadline=deadline,
        priority="high",
        article="ст. 209 ч. 2",
        lat=40.5283,
        lon=72.7985,
        address="ул. Ленина, 1",
        summary="Мошенничество с картой",
        unit="UVD-Osh",
        last_event_at=local(2026, 11, 20, 9, 30),
    )
    assert change == DeadlineChange(deadline, "registered", 5, "calendar")


def test_a_registration_without_optional_fields_leaves_them_empty() -> None:
    case = register(ev.registered(ev.next_reg_no(), local(2026, 11, 20, 9)))
    assert (case.kind, case.priority) == ("crime", "normal")
    assert [case.article, case.lat, case.lon, case.address, case.summary, case.unit] == [None] * 6
    assert (case.officer, case.decision, case.transferred_to) == (None, None, None)


def test_last_event_at_is_the_latest_event_whatever_order_they_arrive_in() -> None:
    case = register(ev.registered(ev.next_reg_no(), local(2026, 11, 20, 9)))
    assigned, _ = apply(case, ev.assigned(case.reg_no, local(2026, 11, 20, 12)))
    assert assigned.last_event_at == local(2026, 11, 20, 12)
    late, _ = apply(assigned, ev.extended(case.reg_no, local(2026, 11, 20, 11)))
    assert late.last_event_at == local(2026, 11, 20, 12)


def test_each_extension_counts_and_says_who_granted_it() -> None:
    case = register(ev.registered(ev.next_reg_no(), local(2026, 11, 20, 9)))
    once, first = apply(case, ev.extended(case.reg_no, local(2026, 11, 21), 10))
    by_prosecutor = ev.event(
        "extended", case.reg_no, local(2026, 11, 28), days="30", authority="prosecutor"
    )
    twice, second = apply(once, by_prosecutor)
    assert first == DeadlineChange(local(2026, 12, 1), "extended by head", 10, "calendar")
    assert second == DeadlineChange(local(2026, 12, 21), "extended by prosecutor", 30, "calendar")
    assert (twice.extensions, twice.deadline, twice.period_days) == (2, local(2026, 12, 21), 30)


def test_an_extension_counts_from_the_local_day_of_receipt() -> None:
    # Received at 02:00 in Bishkek on 21 November, which is still 20 November in UTC.
    received = local(2026, 11, 21, 2)
    case = register(ev.registered(ev.next_reg_no(), received, received_at=received))
    extended, change = apply(case, ev.extended(case.reg_no, local(2026, 11, 22), 10))
    assert extended.period_start == date(2026, 11, 21)
    assert extended.deadline == local(2026, 12, 2)
    assert change is not None and change.deadline == extended.deadline


def test_a_decision_records_what_was_decided_and_a_reopening_clears_it() -> None:
    case = register(ev.registered(ev.next_reg_no(), local(2026, 11, 20, 9)))
    transfer = ev.event(
        "decided",
        case.reg_no,
        local(2026, 11, 21, 15),
        decision="transferred",
        decided_at=ev.iso(local(2026, 11, 21, 14)),
        transferred_to="ГКНБ",
    )
    decided, change = apply(case, transfer)
    assert (decided.decision, decided.decided_at, decided.transferred_to) == (
        "transferred",
        local(2026, 11, 21, 14),
        "ГКНБ",
    )
    assert change is None and decided.deadline == case.deadline
    reopened, _ = apply(decided, ev.reopened(case.reg_no, local(2026, 11, 25), 5))
    assert (reopened.decision, reopened.decided_at, reopened.transferred_to) == (None, None, None)


def test_a_reopening_restarts_a_calendar_period_from_its_own_local_day() -> None:
    appeal = register(ev.registered(ev.next_reg_no(), local(2026, 11, 2, 10), kind="appeal"))
    assert appeal.period_unit == "working"
    # Reopened at 02:00 in Bishkek on 5 December, which is still 4 December in UTC.
    reopened, change = apply(appeal, ev.reopened(appeal.reg_no, local(2026, 12, 5, 2), 7))
    assert (reopened.period_start, reopened.period_days, reopened.period_unit) == (
        date(2026, 12, 5),
        7,
        "calendar",
    )
    assert change == DeadlineChange(local(2026, 12, 13), "reopened", 7, "calendar")
    assert reopened.deadline == local(2026, 12, 13)
    again, _ = apply(reopened, ev.reopened(appeal.reg_no, local(2026, 12, 6), 7))
    assert again.reopenings == 2
