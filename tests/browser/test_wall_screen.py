"""The wall screen (/wall) in headless Chromium against a served console, in Russian: it fills a
1920x1080 television and a 1366x768 laptop with no scrolling, its counters and feed in type read
from afar, with no navbar; a registration sent through the stream appears in the wall of its
region only, without a reload; a case whose deadline passes (found by the push leader's deadline
watcher) and a flag raised (announced by the flag service) come up in the attention panel,
highlighted, with a tone when the sound is on. Every test ends with no error in the browser
console (the `open_as` fixture)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from components import ids
from data import streams
from data.db import make_sessionmaker, writer_engine
from data.flags import FlagService
from data.models import Case
from tests.browser.console import RunningConsole, expect
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import viewer

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on liveness (ingest, push, callback), not a speed requirement
WATCHED = 45_000  # ms: the deadline watcher looks every 15 s, then the push and the callback
WALL, LAPTOP = (1920, 1080), (1366, 768)
# The page's overflow, the sizes of its type, and whether anything of the top line or the
# panels lies outside the window.
MEASURES = """() => {
    const root = document.scrollingElement;
    const size = s => parseFloat(getComputedStyle(document.querySelector(s)).fontSize);
    const outside = [...document.querySelectorAll(
        '.kup-wall-top > *, .kup-wall-count, .kup-wall-panel')].filter(e => {
            const box = e.getBoundingClientRect();
            return box.right > innerWidth + 0.5 || box.bottom > innerHeight + 0.5 || box.left < 0;
        }).map(e => e.className);
    return {
        tall: root.scrollHeight - innerHeight,
        wide: root.scrollWidth - innerWidth,
        counter: size('.kup-wall-number'),
        feed: size('.kup-wall .kup-feed-item'),
        navbar: document.querySelector('.navbar').getBoundingClientRect().height,
        outside: outside,
    };
}"""


def now() -> datetime:
    return datetime.now(UTC)


def feed_numbers(page) -> list[str]:  # type: ignore[no-untyped-def]
    return page.locator(f"#{ids.WALL_FEED} [data-reg-no]").evaluate_all(
        "items => items.map(i => i.getAttribute('data-reg-no'))"
    )


def live(page) -> None:  # type: ignore[no-untyped-def]
    """Wait until the wall is loaded and its socket connected; mark the page (not reloaded)."""
    expect(page.locator(f"#{ids.WALL_CONNECTION}")).to_have_text("В эфире", timeout=PUSHED)
    expect(page.locator(f"#{ids.WALL_FEED} [data-reg-no]").first).to_be_visible(timeout=PUSHED)
    page.evaluate("window.__notReloaded = true")


@pytest.fixture(scope="module")
def history(live_console: RunningConsole) -> None:
    """Forty registrations of the last two days, in Bishkek and Osh (more than a wall shows)."""
    at = now()
    apply_events(
        live_console.engine,
        [
            ev.registered(
                ev.next_reg_no(district),
                at - timedelta(hours=i),
                district=district,
                summary="Кража мобильного телефона в общественном транспорте, ущерб 25000 сомов",
            )
            for i in range(20)
            for district in (ev.BISHKEK, ev.OSH_CITY)
        ],
    )


@pytest.mark.parametrize("size", [WALL, LAPTOP], ids=["1920", "1366"])
def test_the_wall_fills_the_screen_without_scrolling(  # type: ignore[no-untyped-def]
    open_as, history: None, size: tuple[int, int]
) -> None:
    page = open_as("duty", "/wall", viewport=size).page
    live(page)
    expect(page.locator(f"#{ids.WALL_CLOCK}")).to_contain_text(
        re.compile(r"\d\d:\d\d:\d\d"), timeout=3000
    )
    measured = page.evaluate(MEASURES)
    assert measured["tall"] <= 0 and measured["wide"] <= 0, measured
    assert measured["outside"] == [], measured
    assert measured["navbar"] == 0  # the wall has its own top line
    if size == WALL:  # read from three metres on a 1080p television
        assert measured["counter"] >= 64 and measured["feed"] >= 22, measured
    assert page.locator("html").get_attribute("lang") == "ru"
    assert page.locator(f"#{ids.WALL}").get_attribute("data-bs-theme") == "dark"


def test_a_registration_reaches_the_walls_of_its_region_without_a_reload(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole, history: None
) -> None:
    country = open_as("duty", "/wall").page
    osh = open_as("manager-osh", "/wall").page
    for page in (country, osh):
        live(page)
    assert all(n.startswith(f"KUP-{ev.OSH_CITY}") for n in feed_numbers(osh))
    in_osh, in_bishkek = ev.next_reg_no(ev.OSH_CITY), ev.next_reg_no(ev.BISHKEK)
    today = osh.locator("#wall-today").inner_text()
    live_console.xadd(
        [
            ev.registered(in_osh, now(), district=ev.OSH_CITY, summary="Угон автомобиля"),
            ev.registered(in_bishkek, now(), summary="Грабёж на улице"),
        ]
    )
    for page, reg_no in ((osh, in_osh), (country, in_bishkek), (country, in_osh)):
        item = page.locator(f"#{ids.WALL_FEED} [data-reg-no='{reg_no}']")
        expect(item).to_be_visible(timeout=PUSHED)
    expect(osh.locator("#wall-today")).not_to_have_text(today, timeout=PUSHED)
    assert in_bishkek not in feed_numbers(osh)  # another region's case never reaches it
    assert osh.evaluate("window.__notReloaded") and country.evaluate("window.__notReloaded")


def test_a_deadline_passing_and_a_flag_come_up_highlighted_with_a_tone(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole, history: None
) -> None:
    due, flagged = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.BISHKEK)
    apply_events(
        live_console.engine,
        [
            ev.registered(due, now() - timedelta(hours=2), summary="Кража велосипеда"),
            ev.registered(flagged, now() - timedelta(days=6), summary="Мошенничество"),
        ],
    )
    page = open_as("duty", "/wall").page
    live(page)
    page.click(f"#{ids.WALL_SOUND}")  # a click: the browser lets the page play sound
    expect(page.locator(f"#{ids.WALL}")).to_have_attribute("data-sound", "on")

    # A deadline a few seconds away (set straight in the store: deadlines fall at midnight),
    # found passed by the deadline watcher, which pushes it.
    writer = make_sessionmaker(writer_engine(live_console.engine))
    with writer.begin() as session:
        session.execute(
            update(Case).where(Case.reg_no == due).values(deadline=now() + timedelta(seconds=2))
        )
    overdue = page.locator(f"#wall-att-overdue-{due}")
    expect(overdue).to_be_visible(timeout=WATCHED)
    expect(overdue).to_have_class(re.compile("kup-attention-new"))
    expect(overdue).to_contain_text("Просрочен")
    expect(page.locator(f"#{ids.WALL}")).to_have_attribute("data-tones", "1")

    client = streams.connect(live_console.web.state.redis_url)
    try:
        FlagService(writer, client, live_console.settings.streams).set(
            viewer("prosecutor"), flagged, "Истребовать материал для проверки"
        )
    finally:
        client.close()
    raised = page.locator(f"#wall-att-flagged-{flagged}")
    expect(raised).to_contain_text("Истребовать материал для проверки", timeout=PUSHED)
    expect(raised).to_have_class(re.compile("kup-attention-new"))
    expect(page.locator(f"#{ids.WALL}")).to_have_attribute("data-tones", "2")
    # The newest first: the flag above the deadline.
    order = page.locator(".kup-attention-item").evaluate_all("items => items.map(i => i.id)")
    assert order.index(f"wall-att-flagged-{flagged}") < order.index(f"wall-att-overdue-{due}")
    assert page.evaluate("window.__notReloaded")
