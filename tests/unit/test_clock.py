"""Time in the register: instants from stored or sent values, local days in Bishkek."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from rules.clock import end_of_local_day, instant, local_date, zone

BISHKEK = zone("Asia/Bishkek")


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
