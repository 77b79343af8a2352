"""The live page's time control (components.time_control) and the reading of `as_of`
(console.web.as_of): positions, steps, the future read as now, the unreadable refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components.time_control import STEPS, slider_value, step_start, time_control
from console.web.as_of import EPOCH, parse_as_of
from console.web.openapi import ParameterError

NOW = datetime(2026, 12, 1, 4, 20, 31, tzinfo=UTC)


def test_the_present_is_the_start_of_its_quarter_hour() -> None:
    assert step_start(NOW) == datetime(2026, 12, 1, 4, 15, tzinfo=UTC)
    assert step_start(datetime(2026, 12, 1, 4, 15, tzinfo=UTC)).minute == 15


@pytest.mark.parametrize(
    ("back", "value"),
    [
        (None, 0),
        (timedelta(0), 0),
        (timedelta(minutes=15), -1),
        (timedelta(minutes=22), -1),  # 4:15 - 22 min = 3:53: nearest 4:00
        (timedelta(hours=6), -24),
        (timedelta(hours=24), -STEPS),
        (timedelta(days=3), -STEPS),  # further back than the slider goes: its left end
    ],
)
def test_the_slider_stands_where_the_instant_is(back: timedelta | None, value: int) -> None:
    as_of = None if back is None else step_start(NOW) - back
    assert slider_value(as_of, NOW) == value


def test_the_control_is_labelled_in_the_page_language() -> None:
    control = str(time_control(None, NOW, "ru"))
    assert "Назад во времени" in control and "сейчас" in control and "−24 ч" in control
    assert "Back in time" in str(time_control(None, NOW, "en"))


def test_as_of_reads_an_instant_with_its_offset() -> None:
    assert parse_as_of("2026-12-01T08:00:00+06:00", NOW) == datetime(2026, 12, 1, 2, tzinfo=UTC)
    assert parse_as_of("2027-01-01T00:00:00Z", NOW) == NOW  # the future: what is known now
    assert parse_as_of("0001-01-01T00:00:00Z", NOW) == EPOCH  # nothing was stored before
    for bad in ("", "yesterday", "2026-12-01T08:00:00", "2026-02-30T00:00:00Z"):
        with pytest.raises(ParameterError, match="as_of"):
            parse_as_of(bad, NOW)
