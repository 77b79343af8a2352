"""Time in the register, in one place: the zone every local day and every shown time is counted
in, aware instants from stored or sent values, and local calendar days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Bishkek"


@lru_cache(maxsize=8)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of `name` (the console's default for an empty name)."""
    return ZoneInfo(name or DEFAULT_TZ)


def instant(value: datetime | str | None) -> datetime | None:
    """An aware instant from a datetime or an ISO 8601 string (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar date of an aware instant in `tz`."""
    return moment.astimezone(tz).date()


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 local time at the end of `day`, as an aware datetime."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
