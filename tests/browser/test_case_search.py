"""The navbar's case search in real Chromium: typing shows the case found (Cyrillic, as the
user types, before the word is complete), a click opens its page, and the box empties. The
keys come with pauses longer than the box's debounce, as a slow typist's do: each pause sends a
query, and the letters must stay in the order typed (dcc.Input of Dash 4 moved the cursor back
when a query went out, and "жээнб" became "энбэж")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components import ids
from components.search import DEBOUNCE_S
from tests.browser.console import RunningConsole, expect
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
SHOWN = 30_000  # ms: a bound on liveness (the debounced callback), not a speed requirement


def test_typing_finds_the_case_and_a_click_opens_it(open_as, live_console: RunningConsole) -> None:  # type: ignore[no-untyped-def]
    reg_no, at = ev.next_reg_no(ev.BISHKEK), datetime.now(UTC) - timedelta(hours=3)
    apply_events(
        live_console.engine,
        [
            ev.registered(reg_no, at, summary="Кража велосипеда у школы"),
            ev.assigned(reg_no, at, unit="OVD-Pervomaisky", officer="Жээнбеков Нурбек"),
        ],
    )
    page = open_as("duty").page
    box = page.locator(f"#{ids.SEARCH_INPUT}")
    expect(page.get_by_label("Поиск материала")).to_be_visible(timeout=SHOWN)
    box.press_sequentially("жээнб", delay=DEBOUNCE_S * 1000 * 1.6)
    expect(box).to_have_value("жээнб")
    found = page.locator(f"#{ids.SEARCH_RESULTS} a[href='/cases/{reg_no}']")
    expect(found).to_be_visible(timeout=SHOWN)
    expect(found).to_contain_text("Жээнбеков Нурбек")
    found.click()
    expect(page).to_have_url(f"{live_console.url}/cases/{reg_no}", timeout=SHOWN)
    expect(page.locator(f"#{ids.CASE_BODY}")).to_contain_text(reg_no, timeout=SHOWN)
    expect(box).to_have_value("", timeout=SHOWN)
    expect(page.locator(f"#{ids.SEARCH_RESULTS}")).to_be_hidden()
