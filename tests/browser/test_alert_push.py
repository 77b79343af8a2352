"""A duty commander acknowledges an alert on the case page; another user's open pages of the
case and of the overdue list show the new state without a reload (data.alerts' service
announces the step, the push leader forwards it as "alerts")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from sqlalchemy import select

from components import ids
from data import alerts
from data.db import make_sessionmaker, writer_engine
from data.models import Case
from tests.browser.console import RunningConsole, expect, grid_row
from tests.browser.test_accessibility import severe
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
LOADED = 30_000  # ms: a bound on a page's first load, not a speed requirement
SEEN = 3_000  # ms: from the click in one page to the state shown in the other


@pytest.fixture
def alerted_case(live_console: RunningConsole) -> str:
    """An overdue case in Bishkek with an open alert."""
    reg_no = ev.next_reg_no(ev.BISHKEK)
    now = datetime.now(UTC)
    apply_events(live_console.engine, [ev.registered(reg_no, now - timedelta(days=6))])
    writer = make_sessionmaker(writer_engine(live_console.engine))
    with writer.begin() as s:
        case = s.scalar(select(Case).where(Case.reg_no == reg_no))
        assert case is not None
        raised = alerts.raise_alert(
            s, reg_no, case.district, case.region, case.deadline, "overdue", now
        )
        assert raised is not None
    return reg_no


def test_an_acknowledgement_is_pushed_to_other_open_pages(open_as, alerted_case: str) -> None:  # type: ignore[no-untyped-def]
    duty = open_as("duty", f"/cases/{alerted_case}").page
    watching = open_as("manager", f"/cases/{alerted_case}").page
    overdue = open_as("prosecutor", "/overdue").page
    row = grid_row(overdue, ids.OVERDUE_GRID, alerted_case)
    expect(row.locator("[col-id='flag']")).to_have_text("тревога: открыта", timeout=LOADED)
    card = watching.locator(".kup-alert-card")
    expect(card.locator(".kup-alert-state")).to_have_text("открыта", timeout=LOADED)
    for page in (duty, watching, overdue):
        expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=LOADED)
        page.evaluate("window.__notReloaded = true")

    acknowledge = duty.get_by_role("button", name="Принять")
    acknowledge.click()  # no comment: refused
    expect(duty.locator(f"#{ids.CASE_ALERT_RESULT}")).to_contain_text("Напишите комментарий")
    duty.get_by_placeholder("Комментарий (обязательно)").fill("Связался с начальником РОВД")
    acknowledge.click()
    expect(duty.locator(f"#{ids.CASE_ALERT_RESULT}")).to_contain_text("Тревога принята")

    expect(card.locator(".kup-alert-state")).to_have_text("принята", timeout=SEEN)
    expect(card).to_contain_text("Связался с начальником РОВД")
    expect(card.locator(".kup-alert-step-acknowledged")).to_contain_text("duty")
    expect(row.locator("[col-id='flag']")).to_have_text("тревога: принята", timeout=SEEN)
    assert all(p.evaluate("window.__notReloaded") is True for p in (watching, overdue))
    # The manager may claim it now (the assignee defaults to the user).
    expect(card.get_by_role("button", name="Взять в работу")).to_be_visible()
    assert severe(Axe(), watching, "case page with an alert") == []
