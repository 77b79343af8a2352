"""Instants as the pages and exports show them, always in the console's zone (a ZoneInfo the
callbacks pass down, resolved once from the settings by rules.clock.zone): the one place that
turns instants into shown text, built on rules.clock and on Babel's CLDR date and time formats
of the page language.

One form everywhere (grids, pages, exports): the date of the language's numeric year-month-day
skeleton ("03.11.2026"; English "11/3/2026") and its short time ("14:05"; "2:05 PM"), joined by
the language's own date-time pattern ("03.11.2026, 14:05"). A review deadline is the end of a
local day (24:00, stored as the next day's first instant) and is shown as that last day:
"до 24:00 03.11.2026", never "04.11.2026 00:00".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_skeleton, format_time, get_datetime_format, get_timezone_location

from components.i18n import has, locale, normalize_lang, t
from rules.clock import instant, local, local_iso, utc_naive

DATE_SKELETON = "yMd"  # CLDR skeleton: numeric day, month and four-digit year
STAMP = "%Y%m%d-%H%M"  # in file names
# The Intl locales the page's own scripts format times in, by page language (the first one
# the browser has; Kyrgyz falls back to Russian, the other language of its users).
INTL_LOCALES = {"ru": ["ru-RU"], "ky": ["ky-KG", "ru-RU"], "en": ["en-US"]}
Moment = datetime | str | None


def _local(value: Moment, tz: ZoneInfo) -> datetime | None:
    moment = instant(value)
    return None if moment is None else local(moment, tz)


def local_wall(value: Moment, tz: ZoneInfo) -> datetime | None:
    """An instant as the naive wall time of `tz` (what a spreadsheet cell holds: it has no
    zones); None for no value."""
    wall = _local(value, tz)
    return None if wall is None else wall.replace(tzinfo=None)


def date_text(day: date, lang: str | None) -> str:
    """A calendar date as `lang` writes it: "03.11.2026" (ru, ky), "11/3/2026" (en)."""
    return format_skeleton(DATE_SKELETON, day, locale=locale(lang))


def _time_text(wall: datetime | time, lang: str | None, seconds: bool) -> str:
    return format_time(wall, "medium" if seconds else "short", locale=locale(lang))


def _joined(day: str, clock: str, lang: str | None) -> str:
    """A date and a time joined by the language's short date-time pattern."""
    pattern = str(get_datetime_format("short", locale=locale(lang)))
    return pattern.replace("'", "").replace("{1}", day).replace("{0}", clock)


def local_time(value: Moment, tz: ZoneInfo, lang: str | None, seconds: bool = False) -> str:
    """The wall time in `tz` as `lang` writes it ("14:05", "2:05 PM"); "" for no value."""
    wall = _local(value, tz)
    return "" if wall is None else _time_text(wall.replace(tzinfo=None), lang, seconds)


def local_date(value: Moment, tz: ZoneInfo, lang: str | None) -> str:
    """The calendar date in `tz` ("03.11.2026"); "" for no value."""
    wall = _local(value, tz)
    return "" if wall is None else date_text(wall.date(), lang)


def local_datetime(value: Moment, tz: ZoneInfo, lang: str | None) -> str:
    """Date and time in `tz` ("03.11.2026, 14:05"); "" for no value."""
    wall = _local(value, tz)
    if wall is None:
        return ""
    naive = wall.replace(tzinfo=None)
    return _joined(date_text(naive.date(), lang), _time_text(naive, lang, False), lang)


def spreadsheet_text(wall: datetime, lang: str | None) -> str:
    """A local wall time as a CSV cell that a spreadsheet of that language reads as a date and
    time: the same date and time as the pages, joined by a space ("03.11.2026 14:05")."""
    return f"{date_text(wall.date(), lang)} {_time_text(wall, lang, False)}"


def deadline_day(value: Moment, tz: ZoneInfo) -> date | datetime | None:
    """A deadline as the day it ends: the local date before it when it falls on local
    midnight (24:00 of that day, as every review period ends), else its local wall time
    (naive); None for no value."""
    naive = local_wall(value, tz)
    if naive is None:
        return None
    if naive.time() == time(0):
        return naive.date() - timedelta(days=1)
    return naive


def deadline_text(value: Moment, tz: ZoneInfo, lang: str | None) -> str:
    """A deadline as its last day: "до 24:00 03.11.2026" (not "04.11.2026, 00:00"); one
    that is not at local midnight with its time ("до 15:30 03.11.2026"); "" for no value."""
    day = deadline_day(value, tz)
    if day is None:
        return ""
    if isinstance(day, datetime):
        clock = _time_text(day, lang, False)
        return t("deadline.at", lang, time=clock, date=date_text(day.date(), lang))
    return t("deadline.day_end", lang, date=date_text(day, lang))


def sort_key(value: Moment) -> str:
    """An instant as text that sorts as time (UTC, ISO 8601: a grid's hidden sort value
    behind a shown date); "" for no value."""
    moment = instant(value)
    return "" if moment is None else utc_naive(moment).isoformat(timespec="seconds")


def iso_local(value: Moment, tz: ZoneInfo) -> str:
    """ISO 8601 to the second with the local offset, for machine exports (the API's and the
    CLI's JSON lines: rules.clock.local_iso); "" for no value."""
    moment = instant(value)
    return "" if moment is None else local_iso(moment, tz)


def shown(value: Moment, tz: ZoneInfo, pattern: str) -> str:
    """An instant as a fixed strftime `pattern` in `tz` (file names); "" for no value."""
    wall = _local(value, tz)
    return "" if wall is None else wall.strftime(pattern)


# CLDR date-pattern letters and what a spreadsheet number format writes for them.
_SPREADSHEET_CODES = {
    "y": "yyyy",
    "yy": "yy",
    "yyyy": "yyyy",
    "M": "m",
    "MM": "mm",
    "d": "d",
    "dd": "dd",
    "H": "h",
    "HH": "hh",
    "h": "h",
    "hh": "hh",
    "m": "mm",
    "mm": "mm",
    "s": "ss",
    "ss": "ss",
    "a": "AM/PM",
}
_PATTERN_PART = re.compile(r"'[^']*'|([A-Za-z])\1*|[^A-Za-z']+")


def _spreadsheet_format(pattern: str) -> str:
    """A CLDR date/time pattern as a spreadsheet number format ("dd.MM.y" → "dd.mm.yyyy")."""
    parts = []
    for match in _PATTERN_PART.finditer(pattern):
        text = match.group(0)
        if text.startswith("'"):
            parts.append('"' + text.strip("'") + '"' if text != "''" else "'")
        elif match.group(1):
            parts.append(_SPREADSHEET_CODES.get(text, ""))
        else:
            parts.append(text.replace("\u202f", " ").replace("\u00a0", " "))
    return "".join(parts)


def spreadsheet_formats(lang: str | None) -> tuple[str, str]:
    """(date, date-and-time) number formats for spreadsheet cells, from the same CLDR
    patterns the pages use: "dd.mm.yyyy" and "dd.mm.yyyy, hh:mm" in Russian."""
    cldr = locale(lang)
    day = _spreadsheet_format(cldr.datetime_skeletons[DATE_SKELETON].pattern)
    clock = _spreadsheet_format(cldr.time_formats["short"].pattern)
    pattern = str(get_datetime_format("short", locale=cldr))
    return day, pattern.replace("'", "").replace("{1}", day).replace("{0}", clock)


# CLDR day and month letters and what a chart's (d3) time format writes for them.
_CHART_CODES = {"d": "%-d", "dd": "%d", "M": "%-m", "MM": "%m"}


def chart_day_format(lang: str | None) -> str:
    """The language's numeric day-and-month (CLDR skeleton "Md") as a chart's d3 time
    format: "%d.%m" (Russian), "%-m/%-d" (English)."""
    parts = []
    for match in _PATTERN_PART.finditer(locale(lang).datetime_skeletons["Md"].pattern):
        text = match.group(0)
        parts.append(_CHART_CODES.get(text, "") if match.group(1) else text.strip("'"))
    return "".join(parts)


# CLDR date letters and what a date picker (moment.js display format) writes for them.
_PICKER_CODES = {"d": "D", "dd": "DD", "M": "M", "MM": "MM", "y": "YYYY", "yyyy": "YYYY"}


def picker_format(lang: str | None) -> str:
    """The language's date (the same CLDR skeleton as `date_text`) as a date picker's display
    format: "DD.MM.YYYY" (Russian, Kyrgyz), "M/D/YYYY" (English)."""
    parts = []
    for match in _PATTERN_PART.finditer(locale(lang).datetime_skeletons[DATE_SKELETON].pattern):
        text = match.group(0)
        parts.append(_PICKER_CODES.get(text, "") if match.group(1) else text.strip("'"))
    return "".join(parts)


def intl_locales(lang: str | None) -> list[str]:
    """The Intl locales (best first) a page script formats times in for page language `lang`."""
    return INTL_LOCALES[normalize_lang(lang)]


def zone_text(tz: ZoneInfo, lang: str | None) -> str:
    """The console's zone in words ("время Бишкека", "Bishkek time"), never its code
    ("Asia/Bishkek"): the table's words for it, or its city's name (CLDR, through Babel)."""
    key = f"zone.{tz.key}"
    if has(key):
        return t(key, lang)
    city = get_timezone_location(tz, locale=locale(lang), return_city=True)
    return t("zone.city", lang, city=city)
