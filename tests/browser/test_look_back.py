"""The console as it was (#13 part 3), in real Chromium: a page whose address names `as_of`
shows the store as it stood then (a case overdue then and decided since is overdue, a case
registered since is not there), says so in a banner and in the navbar's badge, keeps the
instant in its page links, and leads back to the present; the live page's time control opens
the page at an earlier quarter hour and shows where it is; a flag is refused while looking back;
an unreadable `as_of` shows the present with a note."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from components import ids
from components.formatting import local_datetime
from components.i18n import t
from components.time_control import STEP, slider_value, step_start
from console.web.as_of import parse_as_of
from data.db import make_sessionmaker
from data.models import Flag
from rules.clock import DEFAULT_TZ, local_iso, zone
from tests.browser.console import RunningConsole, expect, grid_row
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PUSHED = 30_000  # ms: a bound on a page's load and callbacks, not a speed requirement
TZ = zone(DEFAULT_TZ)


@pytest.fixture(scope="module")
def history(live_console: RunningConsole) -> dict[str, str]:
    """Stored three hours ago: `late` (registered 30 days ago, overdue) and `open` (registered
    20 days ago, overdue and still open); `late` decided an hour ago; `later` registered half an
    hour ago. Each batch stored at its own time (the ingest time is what looking back reads)."""
    now = datetime.now(UTC)
    late, still_open, later = ev.next_reg_no(), ev.next_reg_no(), ev.next_reg_no()
    engine = live_console.engine
    apply_events(
        engine,
        [
            ev.registered(late, now - timedelta(days=30), summary="Кража велосипеда"),
            ev.registered(still_open, now - timedelta(days=20), summary="Угон автомобиля"),
        ],
        now=now - timedelta(hours=3),
    )
    apply_events(engine, [ev.decided(late, now - timedelta(hours=1))], now=now - timedelta(hours=1))
    apply_events(
        engine,
        [ev.registered(later, now - timedelta(minutes=30), summary="Мошенничество")],
        now=now - timedelta(minutes=30),
    )
    return {"late": late, "open": still_open, "later": later}


def two_hours_ago() -> datetime:
    """An instant between the first batch and the decision, to the minute (the banner's)."""
    return (datetime.now(UTC) - timedelta(hours=2)).replace(second=0, microsecond=0)


def as_of_query(at: datetime) -> str:
    """`as_of=` the instant in the console's zone ("+06:00", the plus sign escaped)."""
    return "as_of=" + quote(local_iso(at, TZ), safe="")


def as_of_in(url: str) -> datetime | None:
    """The instant an address looks back at (None: it does not)."""
    given = parse_qs(urlsplit(url).query).get("as_of")
    return parse_as_of(given[0]) if given else None


def feed_item(page: Page, reg_no: str):  # type: ignore[no-untyped-def]
    return page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{reg_no}']")


def test_a_page_looking_back_shows_then_keeps_the_instant_and_leads_back(  # type: ignore[no-untyped-def]
    open_as, history: dict[str, str]
) -> None:
    at = two_hours_ago()
    page = open_as("manager", f"/overdue?{as_of_query(at)}").page
    when = local_datetime(at, TZ, "ru")

    # Overdue then, decided since: listed; the banner and the badge say when.
    expect(grid_row(page, ids.OVERDUE_GRID, history["late"])).to_be_visible(timeout=PUSHED)
    expect(grid_row(page, ids.OVERDUE_GRID, history["open"])).to_be_visible()
    banner = page.locator(f"#{ids.AS_OF_BANNER}")
    expect(banner).to_contain_text(t("as_of.banner", "ru", time=when))
    expect(banner).to_contain_text("Состояние на")
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text(
        t("as_of.badge", "ru", time=when), timeout=PUSHED
    )
    nav = page.locator("nav")
    live_link = nav.get_by_role("link", name=t("nav.live", "ru"), exact=True)
    assert as_of_in(live_link.get_attribute("href") or "") == at
    overdue_link = nav.get_by_role("link", name=t("nav.overdue", "ru"), exact=True)
    expect(overdue_link).to_have_class(re.compile(r"\bactive\b"))  # the page's own link
    expect(live_link).not_to_have_class(re.compile(r"\bactive\b"))

    # The navbar's link to the live page keeps the instant: its feed has no later case.
    live_link.click()
    expect(page).to_have_url(re.compile(r"/\?as_of="), timeout=PUSHED)
    assert as_of_in(page.url) == at
    expect(feed_item(page, history["late"])).to_be_visible(timeout=PUSHED)
    expect(feed_item(page, history["open"])).to_be_visible()
    expect(feed_item(page, history["later"])).to_have_count(0)
    expect(page.locator(f"#{ids.AS_OF_BANNER}")).to_contain_text(t("as_of.banner", "ru", time=when))
    expect(live_link).to_have_class(re.compile(r"\bactive\b"))
    expect(overdue_link).not_to_have_class(re.compile(r"\bactive\b"))

    # Back to the overdue page then, and from its banner to the present: decided, not overdue.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/overdue\?as_of="), timeout=PUSHED)
    expect(grid_row(page, ids.OVERDUE_GRID, history["late"])).to_be_visible(timeout=PUSHED)
    page.locator(f"#{ids.AS_OF_BANNER}").get_by_role("link", name=t("as_of.back", "ru")).click()
    expect(page).to_have_url(re.compile(r"/overdue\??$"), timeout=PUSHED)
    expect(grid_row(page, ids.OVERDUE_GRID, history["open"])).to_be_visible(timeout=PUSHED)
    expect(grid_row(page, ids.OVERDUE_GRID, history["late"])).to_have_count(0)
    expect(page.locator(f"#{ids.AS_OF_BANNER}")).to_have_count(0)
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text(t("conn.live", "ru"), timeout=PUSHED)
    assert as_of_in(page.url) is None


def near_a_quarter_hour() -> bool:
    """True in the last seconds of a quarter hour (a step of the slider could pass meanwhile)."""
    now = datetime.now(UTC)
    return step_start(now) + STEP - now < timedelta(seconds=20)


def test_the_live_pages_time_control_opens_the_page_earlier(  # type: ignore[no-untyped-def]
    open_as, history: dict[str, str]
) -> None:
    page = open_as("duty", "/").page
    expect(feed_item(page, history["later"])).to_be_visible(timeout=PUSHED)
    thumb = page.locator(f"#{ids.LIVE_TIME} [role='slider']")
    expect(thumb).to_have_attribute("aria-valuenow", "0")
    expect(thumb).to_have_accessible_name(t("as_of.control", "ru"))
    while near_a_quarter_hour():
        page.wait_for_timeout(1000)

    # One step to the left: the page loads again a quarter hour back, looking back.
    thumb.focus()
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"/\?as_of="), timeout=PUSHED)
    at = as_of_in(page.url)
    assert at is not None and at == step_start(datetime.now(UTC)) - STEP
    expect(page.locator(f"#{ids.AS_OF_BANNER}")).to_contain_text(
        t("as_of.banner", "ru", time=local_datetime(at, TZ, "ru")), timeout=PUSHED
    )
    expect(page.locator(f"#{ids.LIVE_TIME} [role='slider']")).to_have_attribute(
        "aria-valuenow", str(slider_value(at, datetime.now(UTC))), timeout=PUSHED
    )
    assert slider_value(at, datetime.now(UTC)) == -1

    # Home: 24 hours back, before any of the cases here was stored: none in the feed.
    page.locator(f"#{ids.LIVE_TIME} [role='slider']").focus()
    page.keyboard.press("Home")
    page.wait_for_url(lambda url: as_of_in(url) != at, timeout=PUSHED)  # loaded again
    expect(page.locator(f"#{ids.LIVE_TIME} [role='slider']")).to_have_attribute(
        "aria-valuenow", "-96", timeout=PUSHED
    )
    day_ago = as_of_in(page.url)
    assert day_ago is not None and at - day_ago == 95 * STEP
    expect(page.locator(f"#{ids.LIVE_FEED}")).to_contain_text(
        t("live.feed_empty", "ru"), timeout=PUSHED
    )

    # End: the present, live again.
    page.locator(f"#{ids.LIVE_TIME} [role='slider']").focus()
    page.keyboard.press("End")
    expect(page).to_have_url(re.compile(r"/$"), timeout=PUSHED)
    expect(feed_item(page, history["later"])).to_be_visible(timeout=PUSHED)
    expect(page.locator(f"#{ids.AS_OF_BANNER}")).to_have_count(0)


def test_flagging_is_refused_while_looking_back(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole, history: dict[str, str]
) -> None:
    late = history["late"]
    page = open_as("prosecutor", f"/cases/{late}?{as_of_query(two_hours_ago())}").page
    expect(page.locator(f"#{ids.CASE_FLAG_BUTTON}")).to_be_visible(timeout=PUSHED)
    page.fill(f"#{ids.CASE_FLAG_COMMENT}", "Запросить объяснение")
    page.click(f"#{ids.CASE_FLAG_BUTTON}")
    expect(page.locator(f"#{ids.CASE_FLAG_RESULT}")).to_have_text(
        t("as_of.read_only", "ru"), timeout=PUSHED
    )
    with make_sessionmaker(live_console.engine)() as session:
        assert session.scalars(select(Flag).where(Flag.reg_no == late)).all() == []

    # The overdue page looking back lists the case then but offers no flagging.
    page.goto(f"{live_console.url}/overdue?{as_of_query(two_hours_ago())}")
    expect(grid_row(page, ids.OVERDUE_GRID, late)).to_be_visible(timeout=PUSHED)
    expect(page.locator(f"#{ids.FLAG_BUTTON}")).to_have_count(0)


def test_an_unreadable_instant_shows_the_present_with_a_note(  # type: ignore[no-untyped-def]
    open_as, history: dict[str, str]
) -> None:
    page = open_as("manager", "/overdue?as_of=yesterday").page
    expect(grid_row(page, ids.OVERDUE_GRID, history["open"])).to_be_visible(timeout=PUSHED)
    expect(grid_row(page, ids.OVERDUE_GRID, history["late"])).to_have_count(0)
    expect(page.locator(f"#{ids.AS_OF_BANNER}")).to_have_text(
        t("as_of.invalid", "ru", value="yesterday")
    )
    expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text(t("conn.live", "ru"), timeout=PUSHED)
