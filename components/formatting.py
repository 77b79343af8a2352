"""Times and small values as the pages show them: always in the console's timezone."""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Bishkek"


@lru_cache(maxsize=8)
def zone(name: str | None) -> ZoneInfo:
    """The ZoneInfo of `name` (the console's default for an empty name)."""
    return ZoneInfo(name or DEFAULT_TZ)


def instant(value: datetime | str | None) -> datetime | None:
    """An aware instant from a datetime or an ISO string (naive values are taken as UTC)."""
    if value is None or value == "":
        return None
    parsed = datetime.fromisoformat(value) if isinstance(value, str) else value
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def local_time(value: datetime | str | None, tz: str | None, seconds: bool = False) -> str:
    """"HH:MM" (or "HH:MM:SS") in `tz`; "" for no value."""
    moment = instant(value)
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%H:%M:%S" if seconds else "%H:%M")


def local_datetime(value: datetime | str | None, tz: str | None) -> str:
    """"DD.MM.YYYY HH:MM" in `tz`; "" for no value."""
    moment = instant(value)
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%d.%m.%Y %H:%M")


def iso_local(value: datetime | str | None, tz: str | None) -> str:
    """ISO 8601 with the local offset (for CSV exports and sortable grid columns)."""
    moment = instant(value)
    return "" if moment is None else moment.astimezone(zone(tz)).isoformat(timespec="seconds")
