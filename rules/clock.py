"""Time in the register, in one place: the zone every local day and every shown time is counted
in, aware instants from stored or sent values, local wall times and calendar days.

The console's zone is a setting (`KUP_TZ`, `DEFAULT_TZ` unless set); the top resolves it once
with `zone` and passes the ZoneInfo down as a value. Everything below works on aware instants
and that value; the store keeps instants as naive UTC (`utc_naive`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Bishkek"


@lru_cache(maxsize=8)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of `name` (the console's default for an empty name); an unknown name
    raises `zoneinfo.ZoneInfoNotFoundError` (a KeyError)."""
    return ZoneInfo(name or DEFAULT_TZ)


def instant(value: datetime | str | None) -> datetime | None:
    """An aware instant from a datetime or an ISO 8601 string (naive values are taken as UTC);
    None for no value. Text that is not ISO 8601 raises ValueError."""
    if value is None or value == "":
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def from_epoch_ms(milliseconds: int) -> datetime:
    """The aware UTC instant `milliseconds` after the Unix epoch (a stream id's time part)."""
    return datetime.fromtimestamp(milliseconds / 1000, UTC)


def utc(moment: datetime) -> datetime:
    """The same instant in UTC (OverflowError where UTC cannot hold it: year 1 at +14:00)."""
    return moment.astimezone(UTC)


def utc_naive(moment: datetime) -> datetime:
    """The instant as naive UTC wall time, the form the store keeps and compares."""
    return utc(moment).replace(tzinfo=None)


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """The instant as wall time in `tz` (aware, with that zone's offset at the time)."""
    return moment.astimezone(tz)


def local_iso(moment: datetime, tz: ZoneInfo) -> str:
    """ISO 8601 to the second with the offset of `tz` ("2026-03-11T14:05:30+06:00"): how the
    exports and the API give instants."""
    return local(moment, tz).isoformat(timespec="seconds")


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The calendar date of an aware instant in `tz`."""
    return local(moment, tz).date()


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The instant the wall clock of `tz` shows `at` on `day` (the earlier one when a clock
    change repeats that time)."""
    return datetime.combine(day, at, tzinfo=tz)


def end_of_local_day(day: date, tz: ZoneInfo) -> datetime:
    """24:00 local time at the end of `day` (the next day's first instant), aware."""
    return local_instant(day + timedelta(days=1), time(0), tz)
