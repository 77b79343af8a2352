"""The daily summary page's callback on a real store: the viewer's region enforced whatever the
page sends (a manager of Osh forging another region gets a refusal, not its figures), a bad
date is a sentence, a forged input type a 400, and the summary's words in each language."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from callbacks.daily_summary import load_summary
from callbacks.inputs import InvalidCallbackInput
from components.daily_summary import COUNTRY
from components.formatting import zone_text
from components.i18n import t
from tests.ui.common import NOW, context, texts

DAY = "2026-03-11"  # NOW's local day


def test_the_country_and_a_region(engine: Engine, cases: dict[str, str]) -> None:
    body, alert, shown, href = load_summary(context(engine, "duty"), DAY, COUNTRY, "ru")
    words = texts(body)
    assert not shown and alert == ""
    assert "2 регистрации за сутки" in words  # A (Bishkek) and F (Osh city) of the day
    assert href == f"/summary.pdf?date={DAY}&lang=ru"
    body, _, _, href = load_summary(context(engine, "duty"), DAY, "KG-GO", "ky")
    assert "суткада 1 каттоо" in texts(body)
    assert href.endswith("&region=KG-GO")


def test_a_regional_manager_gets_their_region_only(engine: Engine, cases: dict[str, str]) -> None:
    osh = context(engine, "manager-osh")
    body, _, shown, href = load_summary(osh, DAY, "KG-GO", "ru")
    assert not shown and "1 регистрация за сутки" in texts(body)
    body, alert, shown, href = load_summary(osh, DAY, "KG-GB", "ru")  # forged
    assert body is None and shown and alert == t("daily.forbidden", "ru")
    assert "KG-GB" not in href


@pytest.mark.parametrize("day", ["2026-02-30", "11.03.2026", "", None])
def test_a_bad_date_is_said(engine: Engine, day: object) -> None:
    body, alert, shown, _ = load_summary(context(engine, "admin"), day, COUNTRY, "en")
    assert body is None and shown and alert == t("daily.bad_date", "en")


def test_a_forged_input_type_is_refused(engine: Engine) -> None:
    with pytest.raises(InvalidCallbackInput):
        load_summary(context(engine, "admin"), ["2026-03-11"], COUNTRY, "ru")


def test_the_day_under_way_is_counted_at_the_time(engine: Engine, cases: dict[str, str]) -> None:
    body, *_ = load_summary(context(engine, "admin", NOW), DAY, COUNTRY, "ru")
    assert any("В работе на 12:00" in w for w in texts(body))


@pytest.mark.parametrize(
    ("lang", "zone"),
    [("ru", "(время Бишкека)"), ("ky", "(Бишкек убактысы)"), ("en", "(Bishkek time)")],
)
def test_the_period_names_the_zone_in_words(
    engine: Engine, cases: dict[str, str], lang: str, zone: str
) -> None:
    body, *_ = load_summary(context(engine, "admin", NOW), DAY, COUNTRY, lang)
    words = " ".join(texts(body))
    assert zone in words and "Asia/Bishkek" not in words


def test_a_zone_without_words_is_named_by_its_city() -> None:
    assert zone_text(ZoneInfo("Europe/Moscow"), "ru") == "время: Москва"
    assert zone_text(ZoneInfo("Europe/Moscow"), "en") == "Moscow time"
