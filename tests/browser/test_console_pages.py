"""The console's pages in real headless Chromium against a served console: live push into the
feed, overdue cases, flagging and who sees it, roles and regions, markup shown as text, the
connection banner and the catch-up after a reconnect, language and theme. Every test ends with
no error in the browser console (checked by the `open_as` fixture)."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Page

from components import ids
from components.layout import LANG_COOKIE
from data.reference import load_geography
from rules.clock import DEFAULT_TZ, local, zone
from tests.browser.console import RunningConsole, expect, grid_row
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on liveness (ingest, push, callback), not a speed requirement
# What an outage itself makes the browser log (refused reconnects, requests cut off).
OUTAGE = (
    "ERR_CONNECTION_REFUSED",
    "ERR_CONNECTION_RESET",
    "ERR_SOCKET_NOT_CONNECTED",  # a load cut off as the server went away
    "socket.io",
    "Callback failed: the server did not respond",
)
MARKUP = "<img src=x onerror=alert(1)>"


def now() -> datetime:
    return datetime.now(UTC)


def feed_entry(page, reg_no: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{reg_no}']")


@pytest.fixture(scope="module")
def overdue_cases(live_console: RunningConsole) -> dict[str, str]:
    """An overdue case in Bishkek (assigned) and a recent one in Osh city, in the store."""
    bishkek, osh = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    at = now()
    apply_events(
        live_console.engine,
        [
            ev.registered(bishkek, at - timedelta(days=6), summary="Кража велосипеда у школы"),
            ev.assigned(bishkek, at - timedelta(days=5), unit="OVD-Pervomaisky", officer="10442"),
            ev.registered(
                osh, at - timedelta(hours=2), district=ev.OSH_CITY, summary="Мошенничество с картой"
            ),
        ],
    )
    return {"bishkek": bishkek, "osh": osh}


def test_registration_appears_in_the_feed_without_reload(
    open_as, live_console: RunningConsole
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty").page
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=PUSHED)
    page.evaluate("window.__notReloaded = true")
    reg_no = ev.next_reg_no(ev.BISHKEK)
    live_console.xadd(
        [
            ev.registered(
                reg_no,
                now(),
                summary="Кража телефона в маршрутке №110",
                lat="42.8746",
                lon="74.5698",
            )
        ]
    )
    entry = feed_entry(page, reg_no)
    expect(entry).to_be_visible(timeout=PUSHED)
    expect(entry).to_contain_text("Кража телефона в маршрутке №110")
    expect(entry).to_contain_text("кража")
    expect(page.locator(f"#{ids.LIVE_NEW_COUNT}")).to_have_text(
        re.compile(r"^[1-9]\d* (новая регистрация|новые регистрации|новых регистраций) с открытия")
    )
    assert page.evaluate("window.__notReloaded") is True
    expect(page.locator(f"#{ids.LIVE_MAP} .choroplethlayer path").first).to_be_attached()


def test_markup_in_a_summary_is_shown_as_text(open_as, live_console: RunningConsole) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty").page
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=PUSHED)
    reg_no = ev.next_reg_no(ev.BISHKEK)
    live_console.xadd([ev.registered(reg_no, now(), summary=MARKUP)])
    entry = feed_entry(page, reg_no)
    expect(entry).to_contain_text(MARKUP, timeout=PUSHED)
    assert page.locator("img[src='x']").count() == 0
    page.click(f"text={reg_no}")  # its own page shows it as text too
    expect(page.locator(f"#{ids.CASE_BODY}")).to_contain_text(MARKUP, timeout=PUSHED)
    assert page.locator("img[src='x']").count() == 0


def test_overdue_case_flagged_by_a_prosecutor_seen_by_a_manager(
    open_as, overdue_cases: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    reg_no = overdue_cases["bishkek"]
    page = open_as("prosecutor", "/overdue").page
    row = grid_row(page, ids.OVERDUE_GRID, reg_no)
    expect(row).to_be_visible(timeout=PUSHED)
    expect(row.locator("[col-id='overdue_by']")).to_contain_text("д")
    row.locator("[col-id='district']").click()
    expect(page.locator(f"#{ids.FLAG_SELECTED}")).to_have_text(f"Выбран: {reg_no}")
    page.fill(f"#{ids.FLAG_COMMENT}", "Проверить причину задержки")
    page.click(f"#{ids.FLAG_BUTTON}")
    expect(page.locator(f"#{ids.FLAG_RESULT}")).to_contain_text("Отметка поставлена")
    expect(row.locator("[col-id='flag']")).to_contain_text(
        "Проверить причину задержки", timeout=PUSHED
    )

    manager = open_as("manager", f"/cases/{reg_no}").page
    flags = manager.locator(f"#{ids.CASE_FLAGS}")
    expect(flags).to_contain_text("Проверить причину задержки", timeout=PUSHED)
    expect(flags).to_contain_text("prosecutor")
    assert manager.locator(f"#{ids.CASE_FLAG_BUTTON}").count() == 0
    expect(manager.locator(f"#{ids.CASE_BODY}")).to_contain_text("Назначен исполнитель")


def test_duty_officer_has_no_flag_control(open_as, overdue_cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/overdue").page
    expect(grid_row(page, ids.OVERDUE_GRID, overdue_cases["bishkek"])).to_be_visible(timeout=PUSHED)
    assert page.locator(f"#{ids.FLAG_BUTTON}").count() == 0
    page.goto(page.url.replace("/overdue", f"/cases/{overdue_cases['bishkek']}"))
    expect(page.locator(f"#{ids.CASE_BODY}")).to_contain_text(
        overdue_cases["bishkek"], timeout=PUSHED
    )
    assert page.locator(f"#{ids.CASE_FLAG_BUTTON}").count() == 0


def test_regional_manager_sees_only_their_region(
    open_as, live_console: RunningConsole, overdue_cases: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    bishkek, osh = overdue_cases["bishkek"], overdue_cases["osh"]
    page = open_as("manager-osh").page
    expect(feed_entry(page, osh)).to_be_visible(timeout=PUSHED)
    assert feed_entry(page, bishkek).count() == 0

    page.click("text=Просроченные")
    expect(page.locator(f"#{ids.OVERDUE_COUNT}")).to_contain_text("Показано", timeout=PUSHED)
    assert grid_row(page, ids.OVERDUE_GRID, bishkek).count() == 0

    page.click("text=Нагрузка")
    grid = page.locator(f"#{ids.WORKLOAD_GRID} .ag-center-cols-container")
    expect(grid.locator(f".ag-row[row-id='{ev.OSH_CITY}']")).to_be_visible(timeout=PUSHED)
    assert grid.locator(f".ag-row[row-id='{ev.BISHKEK}']").count() == 0

    page.goto(f"{live_console.url}/cases/{bishkek}")
    expect(page.locator(f"#{ids.CASE_BODY}")).to_contain_text("Материал не найден", timeout=PUSHED)
    expect(page.locator(f"#{ids.CASE_BODY}")).not_to_contain_text("велосипеда")
    assert page.request.get(f"{live_console.url}/api/v1/cases/{bishkek}").status == 404
    assert page.request.get(f"{live_console.url}/api/v1/cases/{osh}").status == 200


def test_workload_drill_down_to_an_officers_cases(open_as, overdue_cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager", "/workload").page
    grid = page.locator(f"#{ids.WORKLOAD_GRID} .ag-pinned-left-cols-container")
    grid.locator(f".ag-row[row-id='{ev.BISHKEK}'] [col-id='name']").click(timeout=PUSHED)
    expect(page).to_have_url(
        f"{page.url.split('?')[0]}?region=KG-GB&district={ev.BISHKEK}", timeout=PUSHED
    )
    grid.locator(".ag-row[row-id='OVD-Pervomaisky'] [col-id='name']").click(timeout=PUSHED)
    grid.locator(".ag-row[row-id='10442'] [col-id='name']").click(timeout=PUSHED)
    cases = page.locator(f"#{ids.WORKLOAD_CASES} .ag-center-cols-container")
    expect(cases.locator(f".ag-row[row-id='{overdue_cases['bishkek']}']")).to_be_visible(
        timeout=PUSHED
    )
    expect(page.locator(f"#{ids.WORKLOAD_BREADCRUMB}")).to_contain_text("OVD-Pervomaisky")
    page.go_back()
    expect(grid.locator(".ag-row[row-id='10442']")).to_be_visible(timeout=PUSHED)


def lazy_parts_loaded(page: Page) -> None:
    """Wait until the live page's lazily loaded parts (the map's chunks) are in: an outage made
    before would cut their loading off, which is not what an outage test is about."""
    expect(page.locator(f"#{ids.LIVE_MAP} .choroplethlocation").first).to_be_attached(
        timeout=PUSHED
    )


def test_banner_when_the_connection_is_lost_and_catch_up_after(
    open_as, live_console: RunningConsole
) -> None:  # type: ignore[no-untyped-def]
    watched = open_as("duty", allowed=OUTAGE)
    page = watched.page
    banner = page.locator(f"#{ids.BANNER}")
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=PUSHED)
    expect(banner).to_be_hidden()
    lazy_parts_loaded(page)
    live_console.stop_http()
    try:
        expect(banner).to_be_visible(timeout=PUSHED)
        expect(banner).to_have_text(re.compile(r"Нет связи — данные на \d\d:\d\d:\d\d"))
        missed = ev.next_reg_no(ev.BISHKEK)  # stored while the page cannot hear about it
        live_console.xadd([ev.registered(missed, now(), summary="Пока вас не было")])
        live_console.wait_stored(missed)
    finally:
        live_console.start_http()
    expect(banner).to_be_hidden(timeout=PUSHED)
    expect(feed_entry(page, missed)).to_be_visible(timeout=PUSHED)


def test_banner_time_is_written_the_english_way_on_an_english_page(
    open_as, live_console: RunningConsole
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", allowed=OUTAGE).page
    page.context.add_cookies([{"name": LANG_COOKIE, "value": "en", "url": live_console.url}])
    page.reload()
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("Live", timeout=PUSHED)
    lazy_parts_loaded(page)
    banner = page.locator(f"#{ids.BANNER}")
    live_console.stop_http()
    try:
        english = re.compile(r"No connection — data as of (\d\d:\d\d:\d\d\s[AP]M)")
        expect(banner).to_have_text(english, timeout=PUSHED)
        match = english.search(banner.inner_text())
    finally:
        live_console.start_http()
    expect(banner).to_be_hidden(timeout=PUSHED)
    assert match is not None
    shown = datetime.strptime(re.sub(r"\s", " ", match.group(1)), "%I:%M:%S %p")
    here = local(now(), zone(DEFAULT_TZ))  # the console's zone, not the browser's
    apart = abs((shown.hour - here.hour) * 60 + shown.minute - here.minute) % (24 * 60)
    assert min(apart, 24 * 60 - apart) <= 2, (match.group(1), here)


def test_language_and_theme_switches(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager").page
    expect(page.locator("nav")).to_contain_text("Просроченные")
    page.select_option(f"#{ids.LANG_SELECT}", "en")
    expect(page.locator("nav")).to_contain_text("Overdue", timeout=PUSHED)
    expect(page.locator("h1")).to_have_text("Live feed", timeout=PUSHED)
    page.select_option(f"#{ids.LANG_SELECT}", "ky")
    expect(page.locator("nav")).to_contain_text("Мөөнөтү өткөндөр", timeout=PUSHED)
    page.click(f"label[for='{ids.THEME_SWITCH}']")
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-bs-theme", "dark", timeout=PUSHED)
    page.select_option(f"#{ids.LANG_SELECT}", "ru")
    expect(page.locator("nav")).to_contain_text("Просроченные", timeout=PUSHED)


def test_clicking_a_district_on_the_map_opens_its_workload(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager").page
    shapes = page.locator(f"#{ids.LIVE_MAP} .choroplethlocation")
    expect(shapes.first).to_be_attached(timeout=PUSHED)
    first = sorted(load_geography().districts)[0]  # the map lists districts by SOATE code
    shapes.first.click(force=True)
    expect(page).to_have_url(re.compile(rf"/workload\?district={first}$"), timeout=PUSHED)
    expect(page.locator(f"#{ids.WORKLOAD_BREADCRUMB}")).to_contain_text(
        load_geography().districts[first].name_ru, timeout=PUSHED
    )


def test_excel_and_csv_exports_of_the_overdue_list(open_as, overdue_cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager-osh", "/overdue").page
    expect(page.locator(f"#{ids.OVERDUE_COUNT}")).to_contain_text("Показано", timeout=PUSHED)
    expect(page.locator(f"#{ids.OVERDUE_EXPORT}")).to_have_text("Выгрузить в Excel")
    with page.expect_download(timeout=PUSHED) as download:
        page.click(f"#{ids.OVERDUE_EXPORT}")
    assert download.value.suggested_filename.startswith("kup-overdue-")
    assert download.value.suggested_filename.endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes())).active
    assert sheet is not None and sheet["A1"].value == "№ КУП" and sheet.freeze_panes == "A2"
    exported = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert overdue_cases["bishkek"] not in exported  # another region's case is not exported

    with page.expect_download(timeout=PUSHED) as download:
        page.click(f"#{ids.OVERDUE_EXPORT_CSV}")
    assert download.value.suggested_filename.endswith(".csv")
    raw = Path(download.value.path()).read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs for UTF-8
    assert raw.decode("utf-8-sig").startswith("№ КУП;Район / город;Область;")
