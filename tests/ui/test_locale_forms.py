"""Counts, numbers and dates in each language's own form, from Babel's CLDR data: plural rules
(Russian one/few/many, Kyrgyz and English one/other), digit grouping and the decimal sign,
percentages, one date format everywhere, and a deadline shown as its last day."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from dash import html

from components import i18n
from components.formatting import (
    chart_day_format,
    deadline_day,
    deadline_text,
    local_date,
    local_datetime,
    local_time,
    spreadsheet_formats,
    spreadsheet_text,
)
from components.live import new_count, status_strip
from components.live_map import build_map_figure, choropleth_arrays
from components.workload import build_intake_figure, grid_rows, total_grid_row
from data.workload_counts import WorkloadRow
from tests.ui.common import texts

BISHKEK = ZoneInfo("Asia/Bishkek")
NBSP = "\xa0"


@pytest.mark.parametrize(
    ("count", "words"),
    [
        (1, "1 новая регистрация с открытия страницы"),
        (2, "2 новые регистрации с открытия страницы"),
        (4, "4 новые регистрации с открытия страницы"),
        (5, "5 новых регистраций с открытия страницы"),
        (11, "11 новых регистраций с открытия страницы"),
        (12, "12 новых регистраций с открытия страницы"),
        (21, "21 новая регистрация с открытия страницы"),
        (22, "22 новые регистрации с открытия страницы"),
        (0, "0 новых регистраций с открытия страницы"),
        (111, "111 новых регистраций с открытия страницы"),
        (1001, f"1{NBSP}001 новая регистрация с открытия страницы"),
    ],
)
def test_russian_counts_agree_with_their_number(count: int, words: str) -> None:
    assert i18n.plural("live.new_since", count, "ru") == words


def test_kyrgyz_and_english_counts_follow_cldr() -> None:
    # Babel's CLDR for Kyrgyz: "one" for 1, "other" for every other number; the noun keeps
    # its form after a number.
    assert Locale.parse("ky").plural_form.rules == {"one": "n in 1"}
    assert [i18n.plural("live.new_since", n, "ky") for n in (1, 5)] == [
        "барак ачылгандан бери 1 жаңы каттоо",
        "барак ачылгандан бери 5 жаңы каттоо",
    ]
    assert [i18n.plural("live.new_since", n, "en") for n in (1, 2, 1234)] == [
        "1 new registration since this page opened",
        "2 new registrations since this page opened",
        "1,234 new registrations since this page opened",
    ]
    assert [i18n.plural("overdue.newly", n, "ru") for n in (1, 3, 7)] == [
        "1 материал только что просрочен",
        "3 материала только что просрочены",
        "7 материалов только что просрочены",
    ]


def test_every_counted_phrase_has_each_plural_category_of_its_language() -> None:
    for key, forms in i18n._PLURALS.items():
        for lang, texts_by_category in zip(i18n.LANGUAGES, forms, strict=True):
            wanted = set(Locale.parse(lang).plural_form.tags) | {"other"}
            assert set(texts_by_category) == wanted, (key, lang)
            assert all("{count}" in text for text in texts_by_category.values()), (key, lang)


def test_live_counter_shows_the_number_in_bold_and_the_words_agreeing() -> None:
    number, words = new_count(2, "ru")
    assert isinstance(number, html.Strong) and number.children == "2"
    assert words == " новые регистрации с открытия страницы"
    before, number, after = new_count(3, "ky")
    assert (before, texts(number), after) == ("барак ачылгандан бери ", ["3"], " жаңы каттоо")


def test_numbers_in_each_languages_own_form() -> None:
    assert i18n.number_text(1234567, "ru") == f"1{NBSP}234{NBSP}567"
    assert i18n.number_text(1234567, "en") == "1,234,567"
    assert i18n.number_text(21.3, "ru") == "21,3" and i18n.number_text(21.3, "en") == "21.3"
    assert i18n.percent_text(0.213, "ru") == f"21,3{NBSP}%"
    assert i18n.percent_text(0.213, "ky") == "21,3%"
    assert i18n.percent_text(0.213, "en") == "21.3%"
    assert (
        i18n.percent_text(0.2, "ru") == f"20{NBSP}%" and i18n.percent_text(1 / 3, "en") == "33.3%"
    )
    # every whole number a message is given is grouped the same way
    assert i18n.t("overdue.shown", "ru", shown=1500, total=12345) == (
        f"Показано 1{NBSP}500 из 12{NBSP}345"
    )
    assert i18n.t("overdue.shown", "en", shown=1500, total=12345) == "Showing 1,500 of 12,345"
    assert texts(status_strip({"open": 12345}, "en"))[0] == "12,345"


def test_map_hover_says_counts_and_shares_the_languages_way() -> None:
    stats = [
        {
            "district": "41711000000000",
            "open": 1234,
            "overdue": 263,
            "overdue_share": 0.213,
            "received_24h": 5,
        }
    ]
    ru = choropleth_arrays(stats, "overdue_share", "ru")["customdata"][0]
    assert ru[2:] == [f"1{NBSP}234", "263", f"21,3{NBSP}%", "5"]
    assert choropleth_arrays(stats, "open", "en")["customdata"][0][4] == "21.3%"
    figure = build_map_figure(stats, [], "overdue_share", "ru")
    assert figure.layout.separators == f",{NBSP}"  # the colour bar's ticks: "61,4"
    assert "(%{customdata[4]})" in figure.data[0].hovertemplate  # the share brings its own %


def test_workload_counts_are_grouped_for_the_grid() -> None:
    rows = grid_rows([WorkloadRow("41711000000000", open=4321, overdue=2)], "districts", "ru")
    assert rows[0]["open"] == 4321 and rows[0]["open_shown"] == f"4{NBSP}321"
    assert total_grid_row(rows, "en")["open_shown"] == "4,321"
    series = [{"day": "2026-11-03", "intake": 1200, "decided": 3}]
    assert build_intake_figure(series, "ru").layout.xaxis.tickformat == "%d.%m"
    assert build_intake_figure(series, "en").layout.xaxis.tickformat == "%-m/%-d"
    assert chart_day_format("ky") == "%d-%m"


MOMENT = datetime(2026, 11, 3, 8, 5, 30, tzinfo=UTC)  # 14:05:30 in Bishkek


def test_one_date_format_in_each_language() -> None:
    assert local_datetime(MOMENT, BISHKEK, "ru") == "03.11.2026, 14:05"
    assert local_datetime(MOMENT, BISHKEK, "ky") == "03.11.2026 14:05"
    assert local_datetime(MOMENT, BISHKEK, "en") == "11/3/2026, 2:05\u202fPM"
    assert local_date(MOMENT, BISHKEK, "ru") == "03.11.2026"
    assert local_time(MOMENT, BISHKEK, "ru", seconds=True) == "14:05:30"
    assert local_time(MOMENT, BISHKEK, "en") == "2:05\u202fPM"
    assert spreadsheet_text(datetime(2026, 11, 3, 14, 5), "ru") == "03.11.2026 14:05"
    assert spreadsheet_formats("ru") == ("dd.mm.yyyy", "dd.mm.yyyy, hh:mm")
    assert spreadsheet_formats("en") == ("m/d/yyyy", "m/d/yyyy, h:mm AM/PM")
    assert local_datetime(None, BISHKEK, "ru") == ""


def test_a_deadline_at_local_midnight_is_shown_as_its_last_day() -> None:
    # 24:00 of 3 November in Bishkek: stored as 4 November 00:00 local (18:00 UTC on the 3rd)
    end = datetime(2026, 11, 3, 18, 0, tzinfo=UTC)
    assert deadline_text(end, BISHKEK, "ru") == "до 24:00 03.11.2026"
    assert deadline_text(end, BISHKEK, "ky") == "03.11.2026 күнүнүн аягына чейин"
    assert deadline_text(end, BISHKEK, "en") == "until the end of 11/3/2026"
    assert deadline_day(end, BISHKEK) == date(2026, 11, 3)
    # one minute later is already the next day's: shown with its time
    late = datetime(2026, 11, 3, 18, 1, tzinfo=UTC)
    assert deadline_text(late, BISHKEK, "ru") == "до 00:01 04.11.2026"
    assert deadline_day(late, BISHKEK) == datetime(2026, 11, 4, 0, 1)
    # the rule is the console zone's midnight, not UTC's: in Berlin the same instant is 19:00
    assert deadline_text(end, ZoneInfo("Europe/Berlin"), "ru") == "до 19:00 03.11.2026"
    berlin_end = datetime(2026, 3, 29, 22, 0, tzinfo=UTC)  # 24:00 of 29 March, summer time
    assert deadline_text(berlin_end, ZoneInfo("Europe/Berlin"), "ru") == "до 24:00 29.03.2026"
    assert deadline_text(None, BISHKEK, "ru") == "" and deadline_day(None, BISHKEK) is None
