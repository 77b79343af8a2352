"""rules.clock: parsing instants, the console's zone, local wall times and local calendar days,
in Bishkek (no daylight saving time) and in a zone that has it (Berlin, on the days it changes)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pytest

from data.streams import id_time
from rules.clock import (
    DEFAULT_TZ,
    end_of_local_day,
    from_epoch_ms,
    instant,
    local,
    local_date,
    local_instant,
    local_iso,
    utc,
    utc_naive,
    zone,
)

BISHKEK = ZoneInfo("Asia/Bishkek")
BERLIN = ZoneInfo("Europe/Berlin")
SPRING_FORWARD = date(2026, 3, 29)  # Berlin: 02:00 CET -> 03:00 CEST (01:00 UTC)
FALL_BACK = date(2026, 10, 25)  # Berlin: 03:00 CEST -> 02:00 CET (01:00 UTC)


def utc_at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_console_zone_is_resolved_from_its_name() -> None:
    assert DEFAULT_TZ == "Asia/Bishkek"
    assert zone(DEFAULT_TZ) is zone(None) is zone("")  # an empty setting means the default
    assert zone("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(ZoneInfoNotFoundError):
        zone("Mars/Olympus_Mons")


def test_instants_from_iso_text_and_datetimes() -> None:
    moment = utc_at(2026, 3, 10, 19, 5, 30)
    assert instant("2026-03-11T01:05:30+06:00") == moment
    assert instant("2026-03-10T19:05:30Z") == moment
    assert instant("2026-03-10T19:05:30") == moment  # naive text is UTC
    assert instant(datetime(2026, 3, 10, 19, 5, 30)) == moment  # so is a naive datetime
    aware = datetime(2026, 3, 11, 1, 5, 30, tzinfo=BISHKEK)
    assert instant(aware) is aware
    assert instant(None) is None and instant("") is None
    with pytest.raises(ValueError):
        instant("11.03.2026 01:05")


def test_epoch_milliseconds_and_stream_ids() -> None:
    assert from_epoch_ms(0) == utc_at(1970, 1, 1)
    assert from_epoch_ms(1_700_000_000_123) == utc_at(2023, 11, 14, 22, 13, 20, 123_000)
    assert id_time("1700000000123-7") == from_epoch_ms(1_700_000_000_123)
    assert id_time(b"1700000000123") == from_epoch_ms(1_700_000_000_123)
    assert id_time("0-0") is None and id_time(None) is None


def test_utc_and_the_stored_form() -> None:
    noon = datetime(2026, 3, 11, 12, 0, tzinfo=BISHKEK)
    assert utc(noon) == noon and utc(noon).tzinfo is UTC and utc(noon).hour == 6
    assert utc_naive(noon) == datetime(2026, 3, 11, 6, 0)
    with pytest.raises(OverflowError):  # no UTC instant before year 1
        utc(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))))


def test_local_wall_time_and_iso_with_the_offset_of_the_day() -> None:
    moment = utc_at(2026, 3, 10, 19, 5, 30, 999_999)
    assert local(moment, BISHKEK).replace(tzinfo=None) == datetime(2026, 3, 11, 1, 5, 30, 999_999)
    assert local_iso(moment, BISHKEK) == "2026-03-11T01:05:30+06:00"  # to the second
    assert local_iso(utc_at(2026, 3, 29, 0, 30), BERLIN) == "2026-03-29T01:30:00+01:00"
    assert local_iso(utc_at(2026, 3, 29, 1, 30), BERLIN) == "2026-03-29T03:30:00+02:00"


def test_local_dates_in_bishkek() -> None:
    assert local_date(utc_at(2026, 3, 10, 17, 59), BISHKEK) == date(2026, 3, 10)
    assert local_date(utc_at(2026, 3, 10, 18, 0), BISHKEK) == date(2026, 3, 11)  # local midnight


def test_local_dates_around_berlin_clock_changes() -> None:
    # The day of the spring change starts at 23:00 UTC (+01:00) and ends at 22:00 UTC (+02:00).
    assert local_date(utc_at(2026, 3, 28, 22, 59), BERLIN) == date(2026, 3, 28)
    assert local_date(utc_at(2026, 3, 28, 23, 0), BERLIN) == SPRING_FORWARD
    assert local_date(utc_at(2026, 3, 29, 21, 59), BERLIN) == SPRING_FORWARD
    assert local_date(utc_at(2026, 3, 29, 22, 0), BERLIN) == date(2026, 3, 30)
    # The day of the autumn change starts at 22:00 UTC (+02:00) and ends at 23:00 UTC (+01:00).
    assert local_date(utc_at(2026, 10, 24, 22, 0), BERLIN) == FALL_BACK
    assert local_date(utc_at(2026, 10, 25, 22, 59), BERLIN) == FALL_BACK
    assert local_date(utc_at(2026, 10, 25, 23, 0), BERLIN) == date(2026, 10, 26)


def test_end_of_local_day_in_bishkek_every_day_of_a_year() -> None:
    assert end_of_local_day(date(2026, 12, 31), BISHKEK) == utc_at(2026, 12, 31, 18, 0)
    day = date(2026, 1, 1)
    while day.year == 2026:
        end = end_of_local_day(day, BISHKEK)
        assert end - end_of_local_day(day - timedelta(days=1), BISHKEK) == timedelta(hours=24)
        assert local_date(end, BISHKEK) == day + timedelta(days=1)
        assert local_date(end - timedelta(microseconds=1), BISHKEK) == day
        day += timedelta(days=1)


@pytest.mark.parametrize(
    ("day", "end", "length"),
    [
        (SPRING_FORWARD, utc_at(2026, 3, 29, 22, 0), timedelta(hours=23)),
        (FALL_BACK, utc_at(2026, 10, 25, 23, 0), timedelta(hours=25)),
    ],
)
def test_end_of_local_day_on_a_day_the_clock_changes(
    day: date, end: datetime, length: timedelta
) -> None:
    assert end_of_local_day(day, BERLIN) == end
    assert end - end_of_local_day(day - timedelta(days=1), BERLIN) == length
    assert local_date(end, BERLIN) == day + timedelta(days=1)
    assert local_date(end - timedelta(microseconds=1), BERLIN) == day


def test_local_instant_of_a_wall_time() -> None:
    assert local_instant(date(2026, 1, 1), time(9), BISHKEK) == utc_at(2026, 1, 1, 3, 0)
    # 02:30 happens twice on the autumn change: the earlier one (still +02:00). (Python never
    # finds such an ambiguous wall time equal to an instant of another zone: compare in UTC.)
    assert utc(local_instant(FALL_BACK, time(2, 30), BERLIN)) == utc_at(2026, 10, 25, 0, 30)
    assert local_instant(FALL_BACK, time(4, 0), BERLIN) == utc_at(2026, 10, 25, 3, 0)


# --- the basics, each pinned against a mutation of rules/clock.py ---


@pytest.mark.parametrize("nothing", [None, ""])
def test_no_value_is_no_instant(nothing: str | None) -> None:
    assert instant(nothing) is None


def test_an_iso_string_keeps_its_offset() -> None:
    moment = instant("2026-11-28T09:15:00+06:00")
    assert moment == datetime(2026, 11, 28, 3, 15, tzinfo=UTC)
    assert moment is not None and moment.utcoffset() == timedelta(hours=6)


def test_a_naive_value_is_taken_as_utc() -> None:
    assert instant("2026-11-28T03:15:00") == datetime(2026, 11, 28, 3, 15, tzinfo=UTC)
    assert instant(datetime(2026, 11, 28, 3, 15)) == datetime(2026, 11, 28, 3, 15, tzinfo=UTC)


def test_an_aware_datetime_is_returned_as_it_is() -> None:
    moment = datetime(2026, 11, 28, 9, 15, tzinfo=timezone(timedelta(hours=6)))
    assert instant(moment) is moment


def test_the_default_zone_is_bishkek() -> None:
    assert zone(None) is zone("") is BISHKEK


def test_the_local_day_of_an_instant_is_the_day_in_the_zone() -> None:
    # 20:00 UTC is already 02:00 the next day in Bishkek (UTC+6).
    assert local_date(datetime(2026, 11, 28, 20, tzinfo=UTC), BISHKEK) == date(2026, 11, 29)
    assert local_date(datetime(2026, 11, 28, 17, 59, tzinfo=UTC), BISHKEK) == date(2026, 11, 28)


def test_a_local_day_ends_at_midnight_local() -> None:
    assert end_of_local_day(date(2026, 11, 28), BISHKEK) == datetime(2026, 11, 28, 18, tzinfo=UTC)
