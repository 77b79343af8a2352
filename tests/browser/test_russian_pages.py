"""A person who reads only Russian meets no English word and no internal code on the console's
pages (headless Chromium, Russian pages at 1366 px): every page's visible text (live, overdue
and its due-soon tab, workload at each level, case, dead letters, integrity, summary, audit,
wall, the account's password and notifications pages, the complainant's receipt page and its
answer) is scanned for Latin words, and what is left are the register's own data
(registration numbers, a receipt's code, user names), a refused entry's value as it came, the
language switch's "English", and the names of the export formats. Dates are written one way
and a deadline as its last day."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from components import ids
from console.web.receipts import KEY_CONFIG
from rules.receipts import receipt_code
from tests.browser.console import RunningConsole, expect, grid_row
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import USERS

pytestmark = pytest.mark.browser
PUSHED = 30_000
LAPTOP = (1366, 900)
# Latin words a Russian page may show: the language switch's own name for English, the export
# formats, the standards named in a dead letter's reason, the command that re-drives them.
ALLOWED = {
    "English",
    "Excel",
    "CSV",
    "PDF",
    "ISO",
    "UTC",
    "UTF",
    "kup",
    "console",
    "deadletters",
    "retry",
}
ALLOWED |= {"IP"}  # the audit log's «IP-адрес», as Russian writes it
ALLOWED |= {"p"}  # the integrity page's p-values ("p = 0,004"), as statistics writes them
REG_NO = re.compile(r"KUP-[0-9A-Z-]+|\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")  # (and a receipt's code)
LATIN = re.compile(r"[A-Za-z][A-Za-z_]*")


@pytest.fixture(scope="module")
def russian_data(live_console: RunningConsole) -> dict[str, str]:
    """An overdue case assigned in Bishkek, a fresh one in Osh city, one due within the day
    (registered at noon three days ago), a decided one (for the receipt page), and entries
    the contract refuses (dead letters)."""
    now = datetime.now(UTC)
    overdue, osh = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.OSH_CITY)
    soon, decided = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.BISHKEK)
    apply_events(
        live_console.engine,
        [
            ev.registered(overdue, now - timedelta(days=6), summary="Кража велосипеда у школы"),
            ev.assigned(overdue, now - timedelta(days=5), unit="ОВД Первомайского района"),
            ev.registered(
                osh,
                now - timedelta(hours=2),
                district=ev.OSH_CITY,
                summary="Мошенничество с картой",
            ),
            ev.registered(soon, ev.due_today_noon(now), category="property_damage"),
            ev.registered(decided, now - timedelta(days=1), summary="Кража телефона"),
            ev.decided(decided, now - timedelta(hours=3), "refused"),
        ],
    )
    refused = [
        ev.registered(ev.next_reg_no(), now, district="4171100000"),
        ev.registered(ev.next_reg_no(), now, source="pigeon"),
        {**ev.registered(ev.next_reg_no(), now), "occurred_at": "2026-11-03T10:00:00"},
        {"schema": "2", "type": "registered"},
    ]
    live_console.xadd(refused)
    return {"overdue": overdue, "osh": osh, "soon": soon, "decided": decided}


def foreign_words(text: str, users: set[str]) -> set[str]:
    """The Latin words of a page's text that are neither data (registration numbers, user
    names, a refused entry's value quoted in «») nor allowed."""
    text = REG_NO.sub("", re.sub(r"«[^»]*»", "", text))
    for user in sorted(users, key=len, reverse=True):  # ("manager-osh" before "manager")
        text = text.replace(user, "")
    return set(LATIN.findall(text)) - ALLOWED


def test_every_russian_page_is_in_russian(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole, russian_data: dict[str, str]
) -> None:
    overdue = russian_data["overdue"]
    unit = quote("ОВД Первомайского района")
    pages = [
        ("admin", "/", f"#{ids.LIVE_FEED} [data-reg-no]"),
        ("admin", "/overdue", f"#{ids.OVERDUE_GRID} .ag-row"),
        ("admin", "/workload", f"#{ids.WORKLOAD_GRID} .ag-row"),
        ("admin", f"/workload?district={ev.BISHKEK}", f"#{ids.WORKLOAD_GRID} .ag-row"),
        ("admin", f"/cases/{overdue}", f"#{ids.CASE_FLAGS}"),
        ("admin", "/deadletters", f"#{ids.DEAD_GRID} .ag-row"),
        ("admin", "/integrity", f"#{ids.INTEGRITY_GRID} .ag-row"),
        ("manager-osh", "/", f"#{ids.LIVE_FEED} [data-reg-no]"),
        ("admin", "/overdue?tab=due_soon", f"#{ids.DUE_SOON_GRID} .ag-row"),
        ("admin", f"/workload?district={ev.BISHKEK}&unit={unit}", f"#{ids.WORKLOAD_GRID} .ag-row"),
        (
            "admin",
            f"/workload?district={ev.BISHKEK}&unit={unit}&officer=10442",
            f"#{ids.WORKLOAD_CASES} .ag-row",
        ),
        ("admin", "/summary", f"#{ids.DAILY_HEADLINE}"),
        ("admin", "/audit", f"#{ids.AUDIT_GRID} .ag-row"),
        ("admin", "/wall", f"#{ids.WALL_COUNTERS} *"),
        ("admin", "/account/password", "input[type='password']"),
        ("manager-osh", "/account/notifications", "h1"),
        ("admin", "/receipt", "h1"),
    ]
    for user, path, ready in pages:
        page = open_as(user, path, viewport=LAPTOP).page
        expect(page.locator(ready).first).to_be_visible(timeout=PUSHED)
        if path == "/receipt":  # a decided case's state, as its complainant sees it
            decided = russian_data["decided"]
            page.get_by_label("Регистрационный номер").fill(decided)
            code = receipt_code(decided, live_console.web.server.config[KEY_CONFIG])
            page.get_by_label("Код с квитанции").fill(code)
            page.get_by_role("button", name="Проверить").click()
            expect(page.locator("#receipt-status")).to_contain_text("Решение принято")
        if path == "/deadletters":
            expect(page.locator(f"#{ids.DEAD_GRID} .ag-row")).to_have_count(4, timeout=PUSHED)
        page.wait_for_timeout(500)
        text = page.inner_text("body")
        assert foreign_words(text, set(USERS)) == set(), (path, user)  # (the audit's names)
        assert "KG-" not in text and "True" not in text and "False" not in text, path
        # Plotly's own words: the mode bar's buttons (titles shown on hover)
        titles = page.locator(".modebar-btn").evaluate_all(
            "buttons => buttons.map(b => b.getAttribute('data-title'))"
        )
        if path == "/workload":  # (the live map has none: it would lie over its legend)
            assert titles, path  # the charts' mode bars are there to be read
        assert not [title for title in titles if LATIN.search(title or "")], (path, titles)
        if user == "manager-osh" and path == "/":  # the region in the top bar, by its name
            expect(page.locator(f"#{ids.NAV_USER}")).to_contain_text("руководитель · г. Ош")


def test_dates_one_way_and_deadlines_as_their_last_day(  # type: ignore[no-untyped-def]
    open_as, russian_data: dict[str, str]
) -> None:
    overdue = russian_data["overdue"]
    page = open_as("prosecutor", "/overdue", viewport=LAPTOP).page
    row = grid_row(page, ids.OVERDUE_GRID, overdue)
    expect(row.locator("[col-id='deadline']")).to_have_text(
        re.compile(r"^до 24:00 \d\d\.\d\d\.\d{4}$"), timeout=PUSHED
    )
    page.goto(page.url.replace("/overdue", f"/cases/{overdue}"))
    body = page.locator(f"#{ids.CASE_BODY}")
    expect(body).to_contain_text("Срок рассмотрения", timeout=PUSHED)
    expect(body).to_contain_text(re.compile(r"до 24:00 \d\d\.\d\d\.\d{4} \(просрочено на"))
    expect(body).to_contain_text(re.compile(r"\d\d\.\d\d\.\d{4}, \d\d:\d\d"))
    assert not re.search(r"\d{4}-\d\d-\d\d", body.inner_text())  # no ISO dates shown


def test_the_grids_own_menus_are_in_russian(open_as, russian_data: dict[str, str]) -> None:  # type: ignore[no-untyped-def]
    page = open_as("prosecutor", "/overdue", viewport=LAPTOP).page
    expect(grid_row(page, ids.OVERDUE_GRID, russian_data["overdue"])).to_be_visible(timeout=PUSHED)
    header = page.locator(f"#{ids.OVERDUE_GRID} .ag-header-cell[col-id='district']")
    header.hover()
    header.locator(".ag-header-cell-filter-button").click()
    popup = page.locator(".ag-filter").first
    expect(popup).to_be_visible(timeout=PUSHED)
    expect(popup).to_contain_text("Содержит")
    words = set(LATIN.findall(popup.inner_text())) | {
        word
        for placeholder in popup.locator("input").evaluate_all(
            "inputs => inputs.map(i => i.placeholder || '')"
        )
        for word in LATIN.findall(placeholder)
    }
    assert words == set()
