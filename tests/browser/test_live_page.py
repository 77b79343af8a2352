"""The live page in headless Chromium against a served console: a registration pushed live goes
to the top of the feed and is highlighted, even a late one whose registration time is older
than the rows shown; the map's points can be hidden so that a click where one sits opens the
district; a region filter frames the region and keeps only its points; no mode bar over the
legend; a stream of registrations redraws the map's points once per MAP_POINTS_EVERY, the last
one shown too. Every test ends with no error in the browser console (the `open_as` fixture)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from callbacks.live import MAP_POINTS_EVERY
from components import ids
from components.live_map import POINTS_TRACE_OFFSET, view_ranges
from data.reference import load_geography
from tests.browser.console import RunningConsole, expect
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on liveness (ingest, push, callback), not a speed requirement
ALAI = "41706207000000"  # a large district of the Osh region (KG-O)


def now() -> datetime:
    return datetime.now(UTC)


def feed_items(page):  # type: ignore[no-untyped-def]
    return page.locator(f"#{ids.LIVE_FEED} .kup-feed-item")


def first_number(page) -> str | None:  # type: ignore[no-untyped-def]
    return feed_items(page).first.locator("[data-reg-no]").get_attribute("data-reg-no")


@pytest.fixture(scope="module")
def map_cases(live_console: RunningConsole) -> dict[str, str]:
    """Two registrations of the last hours with coordinates: at the middle of Alai district
    (Osh region) and in Bishkek."""
    alai, bishkek = ev.next_reg_no(ALAI), ev.next_reg_no(ev.BISHKEK)
    middle = load_geography().districts[ALAI]
    at = now() - timedelta(hours=1)
    apply_events(
        live_console.engine,
        [
            ev.registered(alai, at, district=ALAI, lat=str(middle.lat), lon=str(middle.lon)),
            ev.registered(bishkek, at, lat="42.8746", lon="74.5698"),
        ],
    )
    return {"alai": alai, "bishkek": bishkek}


def test_a_late_registration_pushed_live_goes_on_top_highlighted(
    open_as, live_console: RunningConsole
) -> None:  # type: ignore[no-untyped-def]
    at = now()
    recent = [ev.next_reg_no() for _ in range(3)]
    apply_events(
        live_console.engine,
        [ev.registered(r, at - timedelta(minutes=i + 1)) for i, r in enumerate(recent)],
    )
    page = open_as("duty").page
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=PUSHED)
    expect(feed_items(page).first).to_be_visible(timeout=PUSHED)
    assert first_number(page) == recent[0]

    # Registered three hours ago, received three days ago, published only now: older than
    # every row shown, so a feed by registration time would put it below them.
    late = ev.next_reg_no()
    live_console.xadd(
        [
            ev.registered(
                late,
                at - timedelta(hours=3),
                received_at=at - timedelta(days=3),
                summary="Поздняя регистрация",
            )
        ]
    )
    top = feed_items(page).first
    expect(top.locator(f"[data-reg-no='{late}']")).to_be_attached(timeout=PUSHED)
    expect(top).to_have_class(re.compile(r"\bkup-feed-new\b"))
    expect(top).to_contain_text("новая")
    expect(top).to_contain_text("Поздняя регистрация")
    assert feed_items(page).nth(1).locator(f"[data-reg-no='{recent[0]}']").count() == 1
    # Registered before the page opened, but new to it: counted.
    expect(page.locator(f"#{ids.LIVE_NEW_COUNT}")).to_have_text(
        "1 новая регистрация с открытия страницы"
    )

    # The next arrival goes above it; the late one stays second, no longer highlighted once
    # its few seconds are over.
    following = ev.next_reg_no()
    live_console.xadd([ev.registered(following, now())])
    expect(top.locator(f"[data-reg-no='{following}']")).to_be_attached(timeout=PUSHED)
    second = feed_items(page).nth(1)
    assert second.locator(f"[data-reg-no='{late}']").count() == 1
    expect(page.locator(f"#{ids.LIVE_NEW_COUNT}")).to_have_text(
        "2 новые регистрации с открытия страницы"
    )


def test_a_click_where_a_point_sits_opens_the_district_once_points_are_hidden(
    open_as, map_cases: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager").page
    point = page.locator(f"#{ids.LIVE_MAP} .scattergeo .point")
    expect(point).to_have_count(2, timeout=PUSHED)
    hover = page.locator(f"#{ids.LIVE_MAP} .hoverlayer")
    for _ in range(3):  # a live update may redraw the points between reading and hovering
        # The Alai point: the one further south (greater y on the screen), read at once.
        x, y = page.evaluate(
            f"""() => {{
                const boxes = [...document.querySelectorAll("#{ids.LIVE_MAP} .scattergeo .point")]
                    .map(p => p.getBoundingClientRect());
                const b = boxes.reduce((a, c) => (c.y > a.y ? c : a));
                return [b.x + b.width / 2, b.y + b.height / 2];
            }}"""
        )
        page.mouse.move(x, y)  # the point is what the pointer is on there: its case in the hover
        try:
            expect(hover).to_contain_text(map_cases["alai"], timeout=3000)
            break
        except AssertionError:
            page.mouse.move(0, 0)
    expect(hover).to_contain_text(map_cases["alai"])

    page.click(f"label[for='{ids.LIVE_POINTS}']")
    expect(point).to_have_count(0, timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_MAP_HINT}")).to_contain_text("Точки скрыты")
    page.mouse.click(x, y)
    expect(page).to_have_url(re.compile(rf"/workload\?district={ALAI}$"), timeout=PUSHED)


def test_a_region_filter_frames_the_region_with_only_its_points(
    open_as, map_cases: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty").page
    expect(page.locator(f"#{ids.LIVE_MAP} .scattergeo .point")).to_have_count(2, timeout=PUSHED)
    graph = f"#{ids.LIVE_MAP} .js-plotly-plot"

    # No mode bar over the legend, even with the pointer on the map.
    page.hover(graph)
    assert page.locator(f"#{ids.LIVE_MAP} .modebar").count() == 0
    expect(page.locator(f"#{ids.LIVE_MAP} .legend")).to_be_visible()

    page.click(f"#{ids.LIVE_REGION}")
    # the open list is a radio group (components/assets/kup-a11y.js)
    page.get_by_role("radiogroup").get_by_text("Ошская область").click()
    expect(page.locator(f"#{ids.LIVE_MAP} .scattergeo .point")).to_have_count(1, timeout=PUSHED)
    shown = page.evaluate(
        f"""() => {{
            const gd = document.querySelector("{graph}");
            const points = gd.data.slice({POINTS_TRACE_OFFSET}).flatMap(
                t => (t.customdata || []).map(c => c[0]));
            return {{lon: gd._fullLayout.geo.lonaxis.range, lat: gd._fullLayout.geo.lataxis.range,
                     districts: gd.data[0].locations, points}};
        }}"""
    )
    osh = sorted(s for s, d in load_geography().districts.items() if d.region == "KG-O")
    assert shown["districts"] == osh
    assert shown["points"] == [map_cases["alai"]]
    assert [shown["lon"], shown["lat"]] == [pytest.approx(r) for r in view_ranges(osh)]
    country_lon, _ = view_ranges(load_geography().districts)
    assert shown["lon"][1] - shown["lon"][0] < (country_lon[1] - country_lon[0]) / 2


MAP_POINTS = f"""() => {{
    const gd = document.querySelector("#{ids.LIVE_MAP} .js-plotly-plot");
    return gd.data.slice({POINTS_TRACE_OFFSET}).flatMap(t => (t.customdata || []).map(c => c[0]));
}}"""


def test_a_stream_of_registrations_redraws_the_map_once_in_a_while_and_shows_the_last(
    open_as, live_console: RunningConsole
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty").page
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=PUSHED)
    expect(page.locator(f"#{ids.LIVE_MAP} .choroplethlocation").first).to_be_attached(
        timeout=PUSHED
    )
    page.wait_for_timeout(MAP_POINTS_EVERY.total_seconds() * 1000)  # the first load's redraws
    page.evaluate(
        f"""() => {{
            const gd = document.querySelector("#{ids.LIVE_MAP} .js-plotly-plot");
            window.kupRedraws = 0;
            gd.on("plotly_afterplot", () => {{ window.kupRedraws += 1; }});
        }}"""
    )
    middle = load_geography().districts[ALAI]
    sent = [ev.next_reg_no(ALAI) for _ in range(8)]
    for reg_no in sent:  # one push each (a push gathers what came in its interval)
        live_console.xadd(
            [ev.registered(reg_no, now(), district=ALAI, lat=str(middle.lat), lon=str(middle.lon))]
        )
        page.wait_for_timeout(400)
    feed_top = feed_items(page).first.locator(f"[data-reg-no='{sent[-1]}']")
    expect(feed_top).to_be_attached(timeout=PUSHED)
    # The last registration reaches the map within MAP_POINTS_EVERY of its push, the earlier
    # ones with it.
    page.wait_for_function(
        f"() => ({MAP_POINTS})().includes({sent[-1]!r})",
        timeout=MAP_POINTS_EVERY.total_seconds() * 1000 + PUSHED,
    )
    assert set(sent) <= set(page.evaluate(MAP_POINTS))
    # Eight pushes over 3.2 s: the points redrawn at once, once per MAP_POINTS_EVERY and once
    # at the end, perhaps once more for the shading (a "map" push); a redraw per push would be
    # eight.
    page.wait_for_timeout(MAP_POINTS_EVERY.total_seconds() * 1000)
    redraws = page.evaluate("window.kupRedraws")
    assert 1 <= redraws <= len(sent) // 2
