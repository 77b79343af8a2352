"""Every page passes axe-core (the engine the `axe-playwright-python` package ships) with no
serious or critical violation, in Russian and in English: the login form (and its error), the
password and log-out pages, the live page (with a filter's list open, the connection and
data-health banners shown), the overdue lists (a case selected for the flag panel, the second
tab open), the workload grid and its drill-down, a case, the admin's dead letters and a page
that does not exist. The console's pages are checked in Russian in the light theme and in
English in the dark theme (the wall screen's), one browser context per page and language.

The repairs of third-party widgets (components/assets/kup-a11y.js) are checked as a keyboard
user meets them: a filter is a named tab stop that opens and chooses with the keys, the
overdue page's tabs are named tabs that the arrow keys switch. And the admin's navbar, the
longest, stays on one line at 1366 px in every language."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from components import ids
from components.health import health_messages
from components.i18n import t
from components.layout import LANG_COOKIE, THEME_COOKIE
from data import flags
from data.db import make_sessionmaker, writer_engine
from rules.access import Viewer
from rules.clock import DEFAULT_TZ, zone
from tests.browser.console import RunningConsole, expect, grid_row, log_in
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on liveness (ingest, push, callback), not a speed requirement
SEVERE = ("serious", "critical")
LAPTOP = (1366, 900)
WIDE = (1920, 1080)  # a desktop monitor: the navbar's case search a box, not a magnifier
# The console's pages in Russian (light) and in English (dark, the wall screen's theme).
VARIANTS = [("ru", "light"), ("en", "dark")]


@pytest.fixture(scope="module")
def axe() -> Axe:
    return Axe()


@pytest.fixture(scope="module")
def cases(live_console: RunningConsole) -> dict[str, str]:
    """An overdue case (flagged by a prosecutor) and one due soon in Bishkek, a fresh one in
    Osh city, and an entry the contract refuses (a dead letter)."""
    now = datetime.now(UTC)
    overdue, soon, osh = (
        ev.next_reg_no(ev.BISHKEK),
        ev.next_reg_no(ev.BISHKEK),
        ev.next_reg_no(ev.OSH_CITY),
    )
    apply_events(
        live_console.engine,
        [
            ev.registered(overdue, now - timedelta(days=6), summary="Кража велосипеда у школы"),
            ev.assigned(overdue, now - timedelta(days=5), unit="ОВД Первомайского района"),
            ev.registered(soon, ev.due_today_noon(now), summary="Угон автомобиля"),
            ev.registered(
                osh, now - timedelta(hours=2), district=ev.OSH_CITY, summary="Мошенничество"
            ),
        ],
    )
    live_console.xadd([ev.registered(ev.next_reg_no(), now, source="pigeon")])
    writer = make_sessionmaker(writer_engine(live_console.engine))
    flags.FlagService(writer, None, live_console.settings.streams).set(
        Viewer("prosecutor", "prosecutor"), overdue, "Проверить причину задержки"
    )
    return {"overdue": overdue, "soon": soon, "osh": osh}


@pytest.fixture
def open_page(chromium, live_console: RunningConsole) -> Iterator[Callable[..., Page]]:  # type: ignore[no-untyped-def]
    """A fresh browser context at 1366 px (or `viewport`) in `lang` and `theme`, logged in as
    the admin (who sees every page and the flag panel) at `path`; no error in the browser
    console after."""
    contexts, problems = [], []

    def open_(
        path: str, lang: str = "ru", theme: str = "light", viewport: tuple[int, int] = LAPTOP
    ) -> Page:
        context = chromium.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        contexts.append(context)
        context.add_cookies(
            [
                {"name": LANG_COOKIE, "value": lang, "url": live_console.url},
                {"name": THEME_COOKIE, "value": theme, "url": live_console.url},
            ]
        )
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        log_in(page, live_console.url, "admin", next_path=path)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert problems == []


def severe(axe: Axe, page: Page, state: str) -> list[str]:
    """axe's serious and critical violations on `page` as it is now, one line each: the state,
    the rule, and the elements with what is wrong."""
    page.wait_for_timeout(300)  # a frame or two for the repairs of kup-a11y.js
    results = axe.run(page)
    return [
        f"{state}: {violation['id']} ({violation['impact']}): "
        + "; ".join(
            f"{' '.join(map(str, node['target']))} — {node.get('failureSummary', '')}"
            for node in violation["nodes"]
        )
        for violation in results.response["violations"]
        if violation["impact"] in SEVERE
    ]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_login_password_and_logout_pages(  # type: ignore[no-untyped-def]
    lang: str, chromium, live_console: RunningConsole, axe: Axe
) -> None:
    context = chromium.new_context(viewport={"width": LAPTOP[0], "height": LAPTOP[1]})
    try:
        page = context.new_page()
        page.goto(f"{live_console.url}/lang/{lang}?next=/login")
        expect(page.locator("#login-form")).to_be_visible()
        found = severe(axe, page, "login")
        page.fill("input[name=username]", "admin")
        page.fill("input[name=password]", "not the password")
        page.click("button[type=submit]")
        expect(page.locator("#login-error")).to_be_visible()
        found += severe(axe, page, "login refused")
        log_in(page, live_console.url, "admin", next_path="/account/password")
        expect(page.locator("#password-form")).to_be_visible()
        found += severe(axe, page, "password")
        page.goto(f"{live_console.url}/logout")
        found += severe(axe, page, "log out")
        assert found == []
    finally:
        context.close()


def show_banners(page: Page, lang: str) -> None:
    """The connection banner and the data-health alert, shown with their real sentences."""
    stale = health_messages(
        {"stale": True, "stale_since": "2026-11-30T08:00:00+00:00", "lag": 120, "behind_s": 900},
        [{"kind": "trimmed", "count": 15, "count_exact": True, "since": None}],
        lang,
        zone(DEFAULT_TZ),
    )
    page.evaluate(
        """([banner, bannerText, health, lost, messages]) => {
            dash_clientside.set_props(banner, {is_open: true});
            dash_clientside.set_props(bannerText, {children: lost});
            dash_clientside.set_props(health, {is_open: true, children: messages});
        }""",
        [ids.BANNER, ids.BANNER_TEXT, ids.HEALTH_ALERT, t("conn.lost", lang, time="14:05"), stale],
    )
    expect(page.locator(f"#{ids.HEALTH_ALERT}")).to_be_visible()


def live_states(page: Page, axe: Axe, lang: str, cases: dict[str, str]) -> list[str]:
    expect(page.locator(f"#{ids.LIVE_FEED} [data-reg-no]").first).to_be_visible(timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_MAP} .choroplethlocation").first).to_be_attached(
        timeout=PUSHED
    )
    found = severe(axe, page, "live")
    page.click(f"#{ids.LIVE_REGION}")  # a filter's list open
    expect(page.locator(".dash-dropdown-content")).to_be_visible()
    found += severe(axe, page, "live, a filter open")
    page.keyboard.press("Escape")
    show_banners(page, lang)
    return found + severe(axe, page, "live, banners shown")


def overdue_states(page: Page, axe: Axe, lang: str, cases: dict[str, str]) -> list[str]:
    row = grid_row(page, ids.OVERDUE_GRID, cases["overdue"])
    expect(row).to_be_visible(timeout=PUSHED)
    found = severe(axe, page, "overdue")
    row.locator("[col-id='district']").click()  # selected for the flag panel
    expect(page.locator(f"#{ids.FLAG_BUTTON}")).to_be_enabled()
    found += severe(axe, page, "overdue, a case selected")
    page.get_by_role("tab", name=t("overdue.tab_due_soon", lang)).click()
    expect(grid_row(page, ids.DUE_SOON_GRID, cases["soon"])).to_be_visible(timeout=PUSHED)
    return found + severe(axe, page, "overdue, due soon")


def ready(selector: str) -> Callable[[Page, Axe, str, dict[str, str]], list[str]]:
    """A page checked once, when `selector` shows."""

    def check(page: Page, axe: Axe, lang: str, cases: dict[str, str]) -> list[str]:
        expect(page.locator(selector).first).to_be_visible(timeout=PUSHED)
        return severe(axe, page, "loaded")

    return check


PAGES: dict[str, tuple[str, Callable[[Page, Axe, str, dict[str, str]], list[str]]]] = {
    "live": ("/", live_states),
    "overdue": ("/overdue", overdue_states),
    "workload": ("/workload", ready(f"#{ids.WORKLOAD_GRID} .ag-row")),
    "workload-district": (
        f"/workload?district={ev.BISHKEK}",
        ready(f"#{ids.WORKLOAD_GRID} .ag-row"),
    ),
    "case": ("/cases/{overdue}", ready(f"#{ids.CASE_FLAGS}")),
    "deadletters": ("/deadletters", ready(f"#{ids.DEAD_GRID} .ag-row")),
    "audit": ("/audit", ready(f"#{ids.AUDIT_GRID} .ag-row")),
    "not-found": ("/no-such-page", ready("h1")),
    "wall": ("/wall", ready(f"#{ids.WALL_FEED} [data-reg-no]")),
    "summary": ("/summary", ready(f"#{ids.DAILY_HEADLINE}")),
    "integrity": ("/integrity", ready(f"#{ids.INTEGRITY_GRID} .ag-row")),
}


@pytest.mark.parametrize(("lang", "theme"), VARIANTS)
@pytest.mark.parametrize("name", list(PAGES))
def test_console_page(  # type: ignore[no-untyped-def]
    name: str, lang: str, theme: str, open_page, cases: dict[str, str], axe: Axe
) -> None:
    path, states = PAGES[name]
    page = open_page(path.format(**cases), lang, theme)
    assert states(page, axe, lang, cases) == []


def test_a_keyboard_user_filters_and_switches_tabs(open_page, cases: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_page("/overdue")
    expect(grid_row(page, ids.OVERDUE_GRID, cases["overdue"])).to_be_visible(timeout=PUSHED)
    region = page.get_by_role("button", name=re.compile(f"^{t('filter.region', 'ru')} "))
    expect(region).to_have_attribute("id", ids.OVERDUE_REGION)  # named by its label
    page.focus(f"#{ids.LANG_SELECT}")
    for _ in range(20):  # Tab on from the navbar until the filter
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == ids.OVERDUE_REGION:
            break
    assert page.evaluate("document.activeElement.id") == ids.OVERDUE_REGION
    page.keyboard.press("ArrowDown")  # opens the list
    group = page.get_by_role("radiogroup", name=t("filter.region", "ru"))
    expect(group).to_be_visible()
    # The open list takes the focus (its search box, or the chosen option); ↓ to an option.
    page.wait_for_function(
        "() => document.activeElement.closest('[role=radiogroup], [role=dialog]')"
    )
    if page.evaluate("document.activeElement.type") != "radio":
        page.keyboard.press("ArrowDown")
        page.wait_for_function("() => document.activeElement.type === 'radio'")
    chosen = page.evaluate("document.activeElement.closest('label').innerText")
    assert chosen in {option.inner_text() for option in group.locator("label").all()}
    page.keyboard.press("Enter")
    expect(group).to_be_hidden()
    expect(region).to_have_text(chosen)  # the region chosen

    overdue_tab = page.get_by_role("tab", name=t("overdue.tab_overdue", "ru"), selected=True)
    expect(overdue_tab).to_have_attribute("tabindex", "0")  # the tab stop of the tab list
    overdue_tab.focus()
    page.keyboard.press("ArrowRight")
    soon_tab = page.get_by_role("tab", name=t("overdue.tab_due_soon", "ru"), selected=True)
    expect(soon_tab).to_be_focused()
    panel = page.locator(f"[id='{soon_tab.get_attribute('aria-controls')}']")
    expect(panel).to_be_visible()
    expect(panel.locator(f"#{ids.DUE_SOON_GRID}")).to_be_attached()


@pytest.mark.parametrize("viewport", [LAPTOP, WIDE], ids=["1366", "1920"])
@pytest.mark.parametrize("lang", ["ru", "ky", "en"])
def test_the_admins_navbar_is_one_line(open_page, lang: str, viewport: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    page = open_page("/deadletters", lang, viewport=viewport)
    navbar = page.locator("nav.navbar")
    expect(page.locator(f"#{ids.NAV_USER}")).to_be_visible()
    brand, logout = (
        page.locator(".navbar-brand"),
        navbar.get_by_role("link", name=t("nav.logout", lang)),
    )
    first, last = brand.bounding_box(), logout.bounding_box()
    bar = navbar.bounding_box()
    assert first and last and bar
    assert abs((first["y"] + first["height"] / 2) - (last["y"] + last["height"] / 2)) < 8
    assert bar["height"] < 2 * last["height"] + 16, bar  # one row of items, not two
    links = navbar.locator(".nav-link")
    heights = {
        round(box["height"])
        for box in (links.nth(i).bounding_box() for i in range(links.count()))
        if box
    }
    assert len(heights) == 1, heights  # no link broken onto two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport[0]
