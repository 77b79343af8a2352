"""The daily summary page in real Chromium, in Russian: today's figures as an independent
count of the cases stored gives them, another day chosen in the date box, the region choice of
those who see the country (a regional manager's fixed to theirs), and the download button
yielding the PDF of the same figures."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from components import ids
from components.i18n import region_name, t
from rules.clock import DEFAULT_TZ, local_date, zone
from tests.browser.console import RunningConsole, expect
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
SHOWN = 30_000  # ms: a bound on liveness, not a speed requirement
TZ = zone(DEFAULT_TZ)


def totals_row(page, measure: str):  # type: ignore[no-untyped-def]
    """The totals table's row of a measure."""
    name = t(f"daily.m.{measure}", "ru", time="").strip()  # (the time of today's count)
    return page.locator(f"#{ids.DAILY_BODY} tr", has_text=name).first


def test_the_page_shows_todays_figures_and_downloads_the_pdf(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    today = local_date(now, TZ)
    start = datetime.combine(today, datetime.min.time(), TZ)
    at = max(start + timedelta(seconds=30), now - timedelta(minutes=5))
    bishkek = [ev.next_reg_no(ev.BISHKEK) for _ in range(3)]
    osh = ev.next_reg_no(ev.OSH_CITY)
    apply_events(
        live_console.engine,
        [
            *(ev.registered(r, at, category="homicide") for r in bishkek),
            ev.registered(
                osh, at, district=ev.OSH_CITY, received_at=at - timedelta(hours=30)
            ),  # a late registration
            ev.decided(bishkek[0], at + timedelta(seconds=10)),
        ],
        now=now,
    )
    page = open_as("duty", "/summary", viewport=(1366, 768)).page
    expect(page.locator("h1")).to_have_text("Суточная сводка", timeout=SHOWN)
    headline = page.locator(f"#{ids.DAILY_HEADLINE}")
    expect(headline).to_have_text("4 регистрации за сутки", timeout=SHOWN)
    expect(totals_row(page, "registered")).to_contain_text("4")
    expect(totals_row(page, "late")).to_contain_text("1")
    expect(totals_row(page, "decided")).to_contain_text("1")
    expect(totals_row(page, "open_at_end")).to_contain_text("3")
    notable = page.locator(f"#{ids.DAILY_BODY} tr", has_text=bishkek[1])
    expect(notable).to_contain_text(t("daily.reason.serious", "ru"))

    with page.expect_download(timeout=SHOWN) as download:
        page.get_by_role("link", name="Скачать PDF").click()
    saved = tmp_path / "summary.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == f"summary-{today.isoformat()}.pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(saved).pages)
    assert "Суточная сводка" in text
    assert "Зарегистрировано 4" in text and "Поздняя регистрация 1" in text

    # The region chosen: Osh city's one registration; another day: nothing.
    page.locator(f"#{ids.DAILY_REGION}").select_option("KG-GO")
    expect(headline).to_have_text("1 регистрация за сутки", timeout=SHOWN)
    box = page.locator(f"#{ids.DAILY_DATE}")
    expect(box).to_have_value(today.strftime("%d.%m.%Y"))  # as the pages write dates
    box.fill((today - timedelta(days=1)).strftime("%d.%m.%Y"))
    box.press("Enter")
    expect(headline).to_have_text("0 регистраций за сутки", timeout=SHOWN)
    href = page.get_by_role("link", name="Скачать PDF").get_attribute("href")
    assert href and "region=KG-GO" in href and (today - timedelta(days=1)).isoformat() in href


def test_a_regional_manager_sees_their_region_only(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager-osh", "/summary").page
    region = page.locator(f"#{ids.DAILY_REGION}")
    expect(region).to_be_disabled(timeout=SHOWN)
    expect(region).to_have_value("KG-GO")
    expect(page.locator(f"#{ids.DAILY_BODY}")).to_contain_text(
        region_name("KG-GO", "ru"), timeout=SHOWN
    )
    href = page.get_by_role("link", name="Скачать PDF").get_attribute("href")
    assert href and "region=KG-GO" in href


# The open calendar's visible words, weekday names and buttons' names.
CALENDAR_WORDS = """() => {
    const calendar = document.querySelector('.dash-datepicker-calendar');
    const box = calendar.closest('[data-radix-popper-content-wrapper]');
    return {
        text: box.innerText,
        days: [...calendar.querySelectorAll('th')].map(d => d.textContent),
        names: [...box.querySelectorAll('[aria-label]')].map(e => e.getAttribute('aria-label')),
    };
}"""


@pytest.mark.parametrize(
    ("path", "box"), [("/summary", ids.DAILY_DATE), ("/audit", ids.AUDIT_SINCE)]
)
def test_date_fields_write_dates_as_the_page_does(  # type: ignore[no-untyped-def]
    open_as, tmp_path: Path, path: str, box: str
) -> None:
    """A Russian page's date field shows DD.MM.YYYY in an English Chromium (where a native
    date input shows MM/DD/YYYY), its calendar has no English word (weekdays, month, its
    buttons' names) and starts on Monday, and a date typed so is the one the address keeps
    (ISO)."""
    page = open_as("admin", path, viewport=(1366, 768)).page
    field = page.locator(f"#{box}")
    expect(field).to_be_visible(timeout=SHOWN)
    day = local_date(datetime.now(UTC), TZ) - timedelta(days=2)
    field.fill(day.strftime("%d.%m.%Y"))
    field.press("Enter")
    expect(page).to_have_url(re.compile(rf"={day.isoformat()}"), timeout=SHOWN)
    expect(field).to_have_value(day.strftime("%d.%m.%Y"))
    page.locator("h1").first.click()  # (away, then into the field again: the calendar opens)
    field.click()
    calendar = page.locator(".dash-datepicker-calendar").first
    expect(calendar).to_be_visible(timeout=SHOWN)
    expect(calendar.locator("th").first).to_have_text("пн", timeout=SHOWN)  # (kup-dates.js)
    page.screenshot(path=tmp_path / "calendar.png")  # (to look at: pytest --basetemp)
    shown = page.evaluate(CALENDAR_WORDS)
    assert not re.search(r"[A-Za-z]", shown["text"]), shown["text"]
    assert shown["days"] == ["пн", "вт", "ср", "чт", "пт", "сб", "вс"]
    assert not [n for n in shown["names"] if re.search(r"[A-Za-z]", n)], shown["names"]
