"""The audit page (/audit) in headless Chromium, in Russian: an admin sees their own login
entry, the chain's verification state and the action filter at work; a duty commander has no
link to it and is refused there; a click on a case's number opens the case."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from components import ids
from data import audit
from data.db import make_sessionmaker, writer_engine
from tests.browser.console import RunningConsole, expect

pytestmark = pytest.mark.browser
SHOWN = 30_000  # ms: a bound on the callback, not a speed requirement
ACTION = f"#{ids.AUDIT_GRID} .ag-center-cols-container [col-id='action']"


def test_an_admin_sees_the_log_its_state_and_filters_it(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole
) -> None:
    writer = make_sessionmaker(writer_engine(live_console.engine))
    with writer.begin() as s:  # (a case viewed through the API: the page links its number)
        audit.record(s, "prosecutor", "case_view", "KG-2026-AUDIT1", {"via": "api"})
    page = open_as("admin", "/audit").page
    expect(page.locator("h1")).to_have_text("Журнал аудита")
    state = page.locator(f"#{ids.AUDIT_STATE_TEXT}")
    expect(state).to_contain_text("Цепочка журнала проверена", timeout=SHOWN)
    expect(state).to_contain_text(re.compile(r"записи по №\d+ целы"))
    expect(state).to_contain_text("Внешняя привязка подтверждает записи по №")
    rows = page.locator(f"#{ids.AUDIT_GRID} .ag-center-cols-container .ag-row")
    login = page.locator("[col-id='action']", has_text=re.compile("^вход$"))
    admin_login = rows.filter(has=page.locator("[col-id='user']", has_text="admin")).filter(
        has=login
    )
    expect(admin_login.first).to_be_visible(timeout=SHOWN)
    today = datetime.now(UTC).strftime("%Y")
    expect(admin_login.first.locator("[col-id='at']")).to_contain_text(today)
    expect(page.locator(ACTION, has_text="просмотр материала").first).to_be_visible()
    page.click(f"#{ids.AUDIT_ACTION}")
    page.keyboard.type("вход")
    page.keyboard.press("Enter")
    expect(page.locator(ACTION, has_text="просмотр материала")).to_have_count(0, timeout=SHOWN)
    actions = page.locator(ACTION).all_inner_texts()
    assert actions and set(actions) <= {"вход"}, actions
    expect(page.locator(f"#{ids.NAV_USER}")).to_be_visible()
    page.locator(f"#{ids.NAV_OVERSIGHT}").click()  # an admin's oversight pages: a menu
    expect(page.get_by_role("link", name="Аудит", exact=True)).to_be_visible()


def test_a_case_number_in_the_log_opens_the_case(  # type: ignore[no-untyped-def]
    open_as, live_console: RunningConsole
) -> None:
    writer = make_sessionmaker(writer_engine(live_console.engine))
    with writer.begin() as s:
        audit.record(s, "manager", "export", "KG-2026-AUDIT2", {"rows": 1})
    page = open_as("prosecutor", "/audit").page
    cell = page.locator(f"#{ids.AUDIT_GRID} [col-id='reg_no']", has_text="KG-2026-AUDIT2")
    cell.first.click(timeout=SHOWN)
    page.wait_for_url(re.compile(r"/cases/KG-2026-AUDIT2$"), timeout=SHOWN)


def test_a_duty_commander_is_refused(open_as) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/audit").page
    expect(page.locator(f"#{ids.AUDIT_FORBIDDEN}")).to_have_text(
        "Журнал аудита доступен только прокурорам и администраторам.", timeout=SHOWN
    )
    expect(page.locator(f"#{ids.AUDIT_GRID}")).to_have_count(0)
    expect(page.get_by_role("link", name="Аудит", exact=True)).to_have_count(0)
