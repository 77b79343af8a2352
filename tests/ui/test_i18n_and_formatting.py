"""The message table and time formatting: every domain code has a label in every language,
placeholders fill in, Kyrgyz falls back to Russian, times are shown in the console's zone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from components import i18n
from components.formatting import (
    INTL_LOCALES,
    instant,
    intl_locales,
    iso_local,
    local_datetime,
    local_time,
    sort_key,
)
from data.reference import load_geography
from rules.access import ROLES
from rules.contract import CATEGORIES, DECISIONS, EVENT_TYPES, KINDS, SOURCES
from rules.deadlines import Status

BISHKEK = ZoneInfo("Asia/Bishkek")  # pins the local times of the formatting tests
CODES = {
    "category": CATEGORIES,
    "kind": KINDS,
    "decision": DECISIONS,
    "event": EVENT_TYPES,
    "source": SOURCES,
    "role": ROLES,
    "status": Status.__args__,
}  # type: ignore[attr-defined]


@pytest.mark.parametrize("prefix", sorted(CODES))
def test_every_code_has_a_label_in_every_language(prefix: str) -> None:
    for code in CODES[prefix]:
        labels = {lang: i18n.label(prefix, code, lang) for lang in i18n.LANGUAGES}
        assert all(labels.values()), (prefix, code)
        assert labels["ru"] != code and labels["en"], (prefix, code)


def test_russian_is_the_default_and_categories_read_naturally() -> None:
    assert i18n.t("nav.overdue") == "Просроченные"
    assert i18n.label("category", "theft", None) == "кража"
    assert i18n.label("category", "robbery", "ru") == "грабёж"
    assert i18n.label("category", "fraud", "xx") == "мошенничество"
    assert i18n.label("category", "theft", "en") == "theft"
    assert i18n.label("category", "theft", "ky") == "уурулук"


def test_placeholders_fallbacks_and_unknown_codes() -> None:
    assert i18n.t("conn.lost", "ru", time="10:15:00") == "Нет связи — данные на 10:15:00"
    assert i18n.t("conn.lost", "en", time="10:15:00") == "No connection — data as of 10:15:00"
    # An empty Kyrgyz entry falls back to Russian; an unknown key shows itself.
    assert i18n.t("overdue.empty_soon", "ky") == i18n.t("overdue.empty_soon", "ru")
    assert i18n.t("no.such.key", "en") == "no.such.key"
    assert i18n.label("category", "new_kind_of_crime", "ru") == "new_kind_of_crime"
    assert i18n.label("category", None, "ru") == ""


def test_every_entry_has_russian_and_english() -> None:
    for key, (ru, _ky, en) in i18n._TABLE.items():
        assert ru and en, key


def test_place_names_in_three_languages() -> None:
    assert (
        i18n.district_name("41711000000000", "ru")
        == load_geography().districts["41711000000000"].name_ru
    )
    assert i18n.region_name("KG-C", "ky") == "Чүй облусу"
    assert i18n.region_name("KG-C", "en") == "Chui"
    assert i18n.district_name("99999999999999", "ru") == "99999999999999"


def test_grid_locale_translates_ag_grid() -> None:
    words = i18n.grid_locale("ru", "overdue.empty")
    assert words["noRowsToShow"] == "Просроченных материалов нет."
    assert words["contains"] == "Содержит" and words["loadingOoo"] == "Загрузка данных…"


def test_durations() -> None:
    assert i18n.duration_text(timedelta(days=3, hours=4, minutes=5), "ru") == "3 д 4 ч"
    assert i18n.duration_text(-timedelta(hours=5, minutes=10), "en") == "5 h 10 min"
    assert i18n.duration_text(timedelta(minutes=12), "ru") == "12 мин"


def test_times_in_the_console_zone() -> None:
    moment = datetime(2026, 3, 10, 19, 5, 30, tzinfo=UTC)  # 01:05:30 in Bishkek
    assert local_time(moment, BISHKEK, "ru") == "01:05"
    assert local_time(moment, BISHKEK, "ru", seconds=True) == "01:05:30"
    assert local_datetime(moment, BISHKEK, "ru") == "11.03.2026, 01:05"
    london = ZoneInfo("Europe/London")
    assert local_datetime("2026-03-10T19:05:30+00:00", london, "ru") == "10.03.2026, 19:05"
    assert iso_local(moment, BISHKEK) == "2026-03-11T01:05:30+06:00"
    assert iso_local("2026-07-01T10:00:00+00:00", ZoneInfo("Europe/Berlin")).endswith("+02:00")
    assert sort_key(moment) == "2026-03-10T19:05:30" and sort_key(None) == ""
    assert local_time(None, BISHKEK, "ru") == "" and instant("") is None
    assert instant("2026-03-10T19:05:30") == moment  # naive means UTC


def test_page_scripts_write_times_in_the_pages_language() -> None:
    """The Intl locales the connection banner formats its time in, by page language."""
    assert intl_locales("ru") == ["ru-RU"]
    assert intl_locales("en") == ["en-US"]
    assert intl_locales("ky") == ["ky-KG", "ru-RU"]  # Russian where a browser lacks Kyrgyz
    assert intl_locales("xx") == intl_locales(None) == ["ru-RU"]  # the default language
    assert set(INTL_LOCALES) == set(i18n.LANGUAGES)  # a new language needs its locale too
