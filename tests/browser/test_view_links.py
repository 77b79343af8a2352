"""Every view is a link, in real Chromium: the filters and tab chosen on the overdue page and
the live page (its map's points switch too) and the wall's colour mode go into the address; a
colleague opening that address sees the same filters and the same rows; Back and Forward
restore the filters; a regional manager's address naming another region shows only their own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page

from components import ids
from components.i18n import label, t
from rules.clock import DEFAULT_TZ, local_date, zone
from tests.browser.console import RunningConsole, expect, grid_row
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on liveness (callback, grid), not a speed requirement
OSH_CITY_NAME = "г. Ош"
ROWS = f"#{ids.OVERDUE_GRID} .ag-center-cols-container .ag-row"


@pytest.fixture(scope="module")
def cases(live_console: RunningConsole) -> dict[str, str]:
    """Overdue cases: fraud and theft in Osh city, fraud in Bishkek."""
    osh_fraud, osh_theft = ev.next_reg_no(ev.OSH_CITY), ev.next_reg_no(ev.OSH_CITY)
    bishkek_fraud = ev.next_reg_no(ev.BISHKEK)
    at = datetime.now(UTC) - timedelta(days=6)
    apply_events(
        live_console.engine,
        [
            ev.registered(osh_fraud, at, district=ev.OSH_CITY, category="fraud"),
            ev.registered(osh_theft, at, district=ev.OSH_CITY, category="theft"),
            ev.registered(bishkek_fraud, at, category="fraud"),
        ],
    )
    return {"osh_fraud": osh_fraud, "osh_theft": osh_theft, "bishkek_fraud": bishkek_fraud}


def choose(page: Page, dropdown: str, text: str) -> None:
    """Pick `text` in the filter `dropdown` (its open list is a radio group)."""
    page.click(f"#{dropdown}")
    page.get_by_role("radiogroup").get_by_text(text, exact=True).click()
    page.keyboard.press("Escape")


def shown_rows(page: Page, only: str) -> list[str]:
    """The overdue grid's rows once it shows the case `only` alone among the test's cases."""
    expect(grid_row(page, ids.OVERDUE_GRID, only)).to_be_visible(timeout=PUSHED)
    expect(page.locator(ROWS)).to_have_count(1, timeout=PUSHED)
    return page.locator(ROWS).evaluate_all("rows => rows.map(r => r.getAttribute('row-id'))")


def test_overdue_filters_live_in_the_address(open_as, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager", "/overdue").page
    expect(grid_row(page, ids.OVERDUE_GRID, cases["bishkek_fraud"])).to_be_visible(timeout=PUSHED)
    page.evaluate("window.__notReloaded = true")
    choose(page, ids.OVERDUE_REGION, OSH_CITY_NAME)
    expect(page).to_have_url(re.compile(r"/overdue\?region=KG-GO$"), timeout=PUSHED)
    choose(page, ids.OVERDUE_CATEGORY, label("category", "fraud", "ru"))
    expect(page).to_have_url(re.compile(r"/overdue\?region=KG-GO&category=fraud$"), timeout=PUSHED)
    rows = shown_rows(page, cases["osh_fraud"])
    address = page.url.split("/", 3)[3]

    # A colleague opens the address: the same filters, the same rows.
    colleague = open_as("prosecutor", f"/{address}").page
    expect(colleague.locator(f"#{ids.OVERDUE_REGION}")).to_contain_text(OSH_CITY_NAME)
    expect(colleague.locator(f"#{ids.OVERDUE_CATEGORY}")).to_contain_text(
        label("category", "fraud", "ru")
    )
    assert shown_rows(colleague, cases["osh_fraud"]) == rows

    # Another filter, then Back: the previous filters and rows; Forward: the later ones.
    choose(page, ids.OVERDUE_CATEGORY, label("category", "theft", "ru"))
    expect(page).to_have_url(re.compile(r"category=theft$"), timeout=PUSHED)
    shown_rows(page, cases["osh_theft"])
    page.go_back()
    expect(page).to_have_url(re.compile(r"/overdue\?region=KG-GO&category=fraud$"))
    expect(page.locator(f"#{ids.OVERDUE_CATEGORY}")).to_contain_text(
        label("category", "fraud", "ru"), timeout=PUSHED
    )
    assert shown_rows(page, cases["osh_fraud"]) == rows
    page.go_forward()
    expect(page.locator(f"#{ids.OVERDUE_CATEGORY}")).to_contain_text(
        label("category", "theft", "ru"), timeout=PUSHED
    )
    shown_rows(page, cases["osh_theft"])
    expect(page).to_have_url(re.compile(r"category=theft$"))

    # The tab too.
    page.get_by_role("tab", name=t("overdue.tab_due_soon", "ru")).click()
    expect(page).to_have_url(re.compile(r"category=theft&tab=due_soon$"), timeout=PUSHED)
    page.go_back()
    expect(page.get_by_role("tab", name=t("overdue.tab_overdue", "ru"))).to_have_class(
        re.compile(r"\bactive\b"), timeout=PUSHED
    )
    assert page.evaluate("window.__notReloaded") is True  # never a reload


def test_an_address_cannot_widen_a_regional_managers_view(open_as, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager-chui", "/overdue?region=KG-GO&category=fraud").page
    expect(page.locator(f"#{ids.OVERDUE_CATEGORY}")).to_contain_text(
        label("category", "fraud", "ru")
    )
    expect(page.locator(f"#{ids.OVERDUE_COUNT}")).not_to_be_empty(timeout=PUSHED)
    expect(page.locator(f"#{ids.OVERDUE_REGION}")).not_to_contain_text(OSH_CITY_NAME)
    expect(grid_row(page, ids.OVERDUE_GRID, cases["osh_fraud"])).to_have_count(0)


def test_live_filters_and_measure_live_in_the_address(open_as, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/?region=KG-GO&measure=overdue").page
    expect(page.locator(f"#{ids.LIVE_REGION}")).to_contain_text(OSH_CITY_NAME)
    expect(page.locator(f"#{ids.LIVE_MEASURE}")).to_have_value("overdue")
    choose(page, ids.LIVE_KIND, label("kind", "crime", "ru"))
    expect(page).to_have_url(re.compile(r"/\?region=KG-GO&kind=crime&measure=overdue$"))
    page.select_option(f"#{ids.LIVE_MEASURE}", "open")
    expect(page).to_have_url(re.compile(r"/\?region=KG-GO&kind=crime$"), timeout=PUSHED)
    page.go_back()
    expect(page.locator(f"#{ids.LIVE_MEASURE}")).to_have_value("overdue", timeout=PUSHED)
    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?region=KG-GO&measure=overdue$"))
    expect(page.locator(f"#{ids.LIVE_KIND}")).not_to_contain_text(
        label("kind", "crime", "ru"), timeout=PUSHED
    )
    expect(page.locator(f"#{ids.LIVE_REGION}")).to_contain_text(OSH_CITY_NAME)


def test_the_map_points_switch_lives_in_the_address(open_as, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/?region=KG-GO&points=hidden").page
    switch = page.locator(f"#{ids.LIVE_POINTS}")
    expect(switch).not_to_be_checked()
    expect(page.locator(f"#{ids.LIVE_MAP_HINT}")).to_have_text(t("map.points_hidden", "ru"))
    expect(page.locator(f"#{ids.LIVE_MAP} .choroplethlocation").first).to_be_attached(
        timeout=PUSHED
    )
    assert page.locator(f"#{ids.LIVE_MAP} .scattergeo .point").count() == 0
    page.evaluate("window.__notReloaded = true")
    page.click(f"label[for='{ids.LIVE_POINTS}']")
    expect(page).to_have_url(re.compile(r"/\?region=KG-GO$"), timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_MAP_HINT}")).to_have_text(t("map.hint", "ru"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/\?region=KG-GO&points=hidden$"))
    expect(switch).not_to_be_checked(timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_MAP_HINT}")).to_have_text(t("map.points_hidden", "ru"))
    page.go_forward()
    expect(switch).to_be_checked(timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_REGION}")).to_contain_text(OSH_CITY_NAME)
    assert page.evaluate("window.__notReloaded") is True


def test_the_walls_colour_mode_lives_in_the_address(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/wall?theme=light").page
    wall = page.locator(f"#{ids.WALL}")
    expect(wall).to_have_attribute("data-bs-theme", "light")
    expect(page.locator(f"#{ids.WALL_DARK}")).not_to_be_checked()
    page.click(f"label[for='{ids.WALL_DARK}']")
    expect(page).to_have_url(re.compile(r"/wall$"), timeout=PUSHED)
    expect(wall).to_have_attribute("data-bs-theme", "dark")
    page.go_back()
    expect(page).to_have_url(re.compile(r"/wall\?theme=light$"))
    expect(wall).to_have_attribute("data-bs-theme", "light", timeout=PUSHED)
    expect(page.locator(f"#{ids.WALL_DARK}")).not_to_be_checked()


def test_integrity_summary_and_audit_controls_live_in_the_address(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager", "/integrity?group=unit&window=90").page
    expect(page.locator(f"#{ids.INTEGRITY_GROUP}")).to_have_value("unit")
    expect(page.locator(f"#{ids.INTEGRITY_WINDOW}")).to_have_value("90")
    page.select_option(f"#{ids.INTEGRITY_WINDOW}", "7")
    expect(page).to_have_url(re.compile(r"/integrity\?group=unit&window=7$"), timeout=PUSHED)
    page.go_back()
    expect(page.locator(f"#{ids.INTEGRITY_WINDOW}")).to_have_value("90", timeout=PUSHED)

    yesterday = (local_date(datetime.now(UTC), zone(DEFAULT_TZ)) - timedelta(days=1)).isoformat()
    summary = open_as("manager", f"/summary?date={yesterday}&region=KG-GO").page
    shown = f"{yesterday[8:10]}.{yesterday[5:7]}.{yesterday[:4]}"  # (as the pages write dates)
    expect(summary.locator(f"#{ids.DAILY_DATE}")).to_have_value(shown)
    expect(summary.locator(f"#{ids.DAILY_REGION}")).to_have_value("KG-GO")
    summary.select_option(f"#{ids.DAILY_REGION}", "KG-C")
    expect(summary).to_have_url(re.compile(rf"date={yesterday}&region=KG-C$"), timeout=PUSHED)
    summary.go_back()
    expect(summary.locator(f"#{ids.DAILY_REGION}")).to_have_value("KG-GO", timeout=PUSHED)

    audit = open_as("admin", "/audit?user=duty&action=export").page
    expect(audit.locator(f"#{ids.AUDIT_USER}")).to_have_value("duty")
    expect(audit.locator(f"#{ids.AUDIT_ACTION}")).to_contain_text(
        label("audit.action", "export", "ru")
    )


def test_back_across_pages_restores_each_pages_view(open_as, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager", "/overdue?region=KG-GO&category=fraud").page
    shown_rows(page, cases["osh_fraud"])
    page.click("a[href='/workload']")
    expect(page).to_have_url(re.compile(r"/workload$"))
    page.go_back()
    expect(page).to_have_url(re.compile(r"/overdue\?region=KG-GO&category=fraud$"))
    expect(page.locator(f"#{ids.OVERDUE_REGION}")).to_contain_text(OSH_CITY_NAME, timeout=PUSHED)
    shown_rows(page, cases["osh_fraud"])
    page.go_forward()
    expect(page).to_have_url(re.compile(r"/workload$"))
    expect(page.locator(f"#{ids.WORKLOAD_GRID}")).to_be_visible(timeout=PUSHED)
