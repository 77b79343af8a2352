"""Instants as the pages show them, always in the console's zone (a ZoneInfo the callbacks
pass down, resolved once from the settings by rules.clock.zone): the one place that turns
instants into shown text, built on rules.clock."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from components.i18n import normalize_lang
from rules.clock import instant, local, local_iso

TIME = "%H:%M"
TIME_SECONDS = "%H:%M:%S"
DATE_TIME = "%d.%m.%Y %H:%M"
SORTABLE = "%Y-%m-%d %H:%M"  # grid text that sorts as time
STAMP = "%Y%m%d-%H%M"  # in file names
# The Intl locales the page's own scripts format times in, by page language (the first one
# the browser has; Kyrgyz falls back to Russian, the other language of its users).
INTL_LOCALES = {"ru": ["ru-RU"], "ky": ["ky-KG", "ru-RU"], "en": ["en-US"]}


def shown(value: datetime | str | None, tz: ZoneInfo, pattern: str) -> str:
    """An instant (datetime or ISO text) as `pattern` (strftime) in `tz`; "" for no value."""
    moment = instant(value)
    return "" if moment is None else local(moment, tz).strftime(pattern)


def local_time(value: datetime | str | None, tz: ZoneInfo, seconds: bool = False) -> str:
    """ "HH:MM" (or "HH:MM:SS") in `tz`; "" for no value."""
    return shown(value, tz, TIME_SECONDS if seconds else TIME)


def local_datetime(value: datetime | str | None, tz: ZoneInfo) -> str:
    """ "DD.MM.YYYY HH:MM" in `tz`; "" for no value."""
    return shown(value, tz, DATE_TIME)


def sortable_time(value: datetime | str | None, tz: ZoneInfo) -> str:
    """ "YYYY-MM-DD HH:MM" in `tz` (grid text that also sorts correctly); "" for no value."""
    return shown(value, tz, SORTABLE)


def iso_local(value: datetime | str | None, tz: ZoneInfo) -> str:
    """ISO 8601 to the second with the local offset, for CSV exports (the API's and the CLI's
    form too: rules.clock.local_iso); "" for no value."""
    moment = instant(value)
    return "" if moment is None else local_iso(moment, tz)


def intl_locales(lang: str | None) -> list[str]:
    """The Intl locales (best first) a page script formats times in for page language `lang`."""
    return INTL_LOCALES[normalize_lang(lang)]
