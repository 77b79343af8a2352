"""Review deadlines (the contract's "Review deadlines" section) as pure functions.

A period of N days starting on local date D ends at 24:00 local time of day D + N: the day of
receipt is not counted, the last day ends at midnight. Crime reports and misdemeanours get 3
calendar days (10 or 30 after an extension); citizens' appeals 14 working days, skipping weekends
and Kyrgyzstan's public holidays. A reopening restarts the period from its own local date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

from rules.clock import end_of_local_day

PeriodUnit = Literal["calendar", "working"]
Status = Literal["open", "due_soon", "overdue", "decided"]
LATE_REGISTRATION = timedelta(hours=24)
DEFAULT_RULE_SET = "kg-default"


@dataclass(frozen=True)
class RuleSet:
    """A named set of review periods; a deployment may configure another."""

    name: str
    title: str
    crime_days: int = 3
    misdemeanor_days: int = 3
    appeal_working_days: int = 14
    holiday_country: str = "KG"

    def initial_period(self, kind: str) -> tuple[int, PeriodUnit]:
        """The review period a new case of this kind starts with."""
        if kind == "appeal":
            return self.appeal_working_days, "working"
        if kind == "misdemeanor":
            return self.misdemeanor_days, "calendar"
        return self.crime_days, "calendar"


RULE_SETS: dict[str, RuleSet] = {
    "kg-default": RuleSet(
        name="kg-default",
        title="KG CPC review periods: 3/10/30 days for reports, 14 working days for appeals",
    ),
}


def get_rule_set(name: str) -> RuleSet:
    """The rule set of that name; an unknown name is a configuration error."""
    try:
        return RULE_SETS[name]
    except KeyError:
        raise ValueError(f"unknown rule set {name!r}; known: {', '.join(RULE_SETS)}") from None


@lru_cache(maxsize=64)
def _holiday_calendar(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_working_day(day: date, country: str = "KG") -> bool:
    """Monday to Friday and not a public holiday of `country`."""
    return day.weekday() < 5 and day not in _holiday_calendar(country, day.year)


def add_working_days(start: date, count: int, country: str = "KG") -> date:
    """The `count`-th working day after `start` (start itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, country):
            remaining -= 1
    return day


def period_end(start: date, days: int, unit: PeriodUnit, tz: ZoneInfo, rules: RuleSet) -> datetime:
    """End of a period of `days` (calendar or working) days that starts on local date `start`."""
    last_day = (
        add_working_days(start, days, rules.holiday_country)
        if unit == "working"
        else start + timedelta(days=days)
    )
    return end_of_local_day(last_day, tz)


def case_status(
    deadline: datetime | None, decided: bool, now: datetime, due_soon: timedelta
) -> Status:
    """Decided, overdue (deadline passed), due soon (within `due_soon`) or open, at `now`."""
    if decided:
        return "decided"
    if deadline is None:
        return "open"
    if deadline <= now:
        return "overdue"
    if deadline - now <= due_soon:
        return "due_soon"
    return "open"


def is_late_registration(received_at: datetime, registered_at: datetime) -> bool:
    """Registered more than 24 hours after the report was received."""
    return registered_at - received_at > LATE_REGISTRATION
