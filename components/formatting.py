"""Times and small values as the pages show them: always in the console's timezone."""

from __future__ import annotations

from datetime import datetime

from rules.clock import instant, zone


def local_time(value: datetime | str | None, tz: str | None, seconds: bool = False) -> str:
    """ "HH:MM" (or "HH:MM:SS") in `tz`; "" for no value."""
    moment = instant(value)
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%H:%M:%S" if seconds else "%H:%M")


def local_datetime(value: datetime | str | None, tz: str | None) -> str:
    """ "DD.MM.YYYY HH:MM" in `tz`; "" for no value."""
    moment = instant(value)
    if moment is None:
        return ""
    return moment.astimezone(zone(tz)).strftime("%d.%m.%Y %H:%M")


def iso_local(value: datetime | str | None, tz: str | None) -> str:
    """ISO 8601 with the local offset (for CSV exports and sortable grid columns)."""
    moment = instant(value)
    return "" if moment is None else moment.astimezone(zone(tz)).isoformat(timespec="seconds")
