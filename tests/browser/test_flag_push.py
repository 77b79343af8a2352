"""A flag set in one prosecutor's page reaches another prosecutor's open page within 2 s,
without a reload: the page's flag callback goes through data.flags' service, which announces the
change; the push leader forwards it as the "flags" event and the other page re-renders on it.
Both directions: overdue page → case page, and case page → overdue page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from components import ids
from tests.browser.console import RunningConsole, expect, grid_row
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
LOADED = 30_000  # ms: a bound on a page's first load, not a speed requirement
SEEN = 2_000  # ms: from the click in one page to the flag shown in the other


@pytest.fixture
def overdue_case(live_console: RunningConsole) -> str:
    """An overdue case in Bishkek, not flagged."""
    reg_no = ev.next_reg_no(ev.BISHKEK)
    apply_events(
        live_console.engine,
        [ev.registered(reg_no, datetime.now(UTC) - timedelta(days=6), summary="Кража")],
    )
    return reg_no


def two_prosecutors(open_as, reg_no: str):  # type: ignore[no-untyped-def]
    """One prosecutor's overdue page (and the case's row in it) and another's page of the
    case, both loaded and live (their sockets connected), neither to be reloaded."""
    overdue = open_as("prosecutor", "/overdue").page
    case = open_as("prosecutor-2", f"/cases/{reg_no}").page
    row = grid_row(overdue, ids.OVERDUE_GRID, reg_no)
    expect(row).to_be_visible(timeout=LOADED)
    expect(case.locator(f"#{ids.CASE_FLAG_BUTTON}")).to_be_visible(timeout=LOADED)
    for page in (overdue, case):
        expect(page.locator(f"#{ids.LIVE_BADGE}")).to_have_text("В эфире", timeout=LOADED)
        page.evaluate("window.__notReloaded = true")
    return overdue, row, case


def not_reloaded(page) -> bool:  # type: ignore[no-untyped-def]
    return page.evaluate("window.__notReloaded") is True


def test_a_flag_set_on_the_overdue_page_appears_on_an_open_case_page(
    open_as, overdue_case: str
) -> None:  # type: ignore[no-untyped-def]
    flagging, row, watching = two_prosecutors(open_as, overdue_case)
    row.locator("[col-id='district']").click()
    expect(flagging.locator(f"#{ids.FLAG_SELECTED}")).to_have_text(f"Выбран: {overdue_case}")
    flagging.fill(f"#{ids.FLAG_COMMENT}", "Запросить объяснение у исполнителя")
    flagging.click(f"#{ids.FLAG_BUTTON}")
    flags = watching.locator(f"#{ids.CASE_FLAGS}")
    expect(flags).to_contain_text("Запросить объяснение у исполнителя", timeout=SEEN)
    expect(flags).to_contain_text("prosecutor")
    assert not_reloaded(watching)
    expect(flagging.locator(f"#{ids.FLAG_RESULT}")).to_contain_text("Отметка поставлена")


def test_a_flag_set_on_the_case_page_appears_on_an_open_overdue_page(
    open_as, overdue_case: str
) -> None:  # type: ignore[no-untyped-def]
    watching, row, flagging = two_prosecutors(open_as, overdue_case)
    flagging.fill(f"#{ids.CASE_FLAG_COMMENT}", "Проверить сроки")
    flagging.click(f"#{ids.CASE_FLAG_BUTTON}")
    expect(row.locator("[col-id='flag']")).to_contain_text("Проверить сроки", timeout=SEEN)
    assert not_reloaded(watching)
    expect(flagging.locator(f"#{ids.CASE_FLAGS}")).to_contain_text("Проверить сроки")


def test_a_second_flagging_comments_and_clearing_asks_for_a_comment(
    open_as, overdue_case: str
) -> None:  # type: ignore[no-untyped-def]
    """One active flag per case: the second prosecutor's flagging is a comment on the first's
    flag, shown with who and when on both pages; the case page's clear control refuses to
    clear without a comment, then clears with it."""
    overdue, row, case = two_prosecutors(open_as, overdue_case)
    row.locator("[col-id='district']").click()
    overdue.fill(f"#{ids.FLAG_COMMENT}", "Запросить объяснение")
    overdue.click(f"#{ids.FLAG_BUTTON}")
    flags = case.locator(f"#{ids.CASE_FLAGS}")
    expect(flags).to_contain_text("Запросить объяснение", timeout=SEEN)
    expect(case.locator(f"#{ids.CASE_FLAG_BUTTON}")).to_have_text("Добавить комментарий")
    case.fill(f"#{ids.CASE_FLAG_COMMENT}", "Согласен, срок истёк")
    case.click(f"#{ids.CASE_FLAG_BUTTON}")
    expect(case.locator(f"#{ids.CASE_FLAG_RESULT}")).to_contain_text("Комментарий добавлен")
    expect(flags.locator(".kup-flag")).to_have_count(1)  # one flag, two notes
    expect(flags.locator(".kup-flag-note")).to_have_count(2)
    expect(flags.locator(".kup-flag-note-comment")).to_contain_text("prosecutor-2")
    panel = overdue.locator(f"#{ids.FLAG_HISTORY}")
    expect(panel).to_contain_text("Согласен, срок истёк", timeout=SEEN)
    expect(panel).to_contain_text("Запросить объяснение")

    clear = flags.get_by_role("button", name="Снять отметку")
    clear.click()
    expect(case.locator(f"#{ids.CASE_FLAG_RESULT}")).to_contain_text(
        "Чтобы снять отметку, напишите комментарий."
    )
    expect(flags.locator(".kup-flag-active")).to_have_count(1)  # still flagged
    flags.get_by_placeholder("Почему отметка снимается (обязательно)").fill("Объяснение получено")
    clear.click()
    expect(case.locator(f"#{ids.CASE_FLAG_RESULT}")).to_contain_text("Отметка снята")
    expect(flags.locator(".kup-flag-active")).to_have_count(0)
    expect(flags.locator(".kup-flag-note-clear")).to_contain_text("Объяснение получено")
    expect(row.locator("[col-id='flag']")).to_have_text("", timeout=SEEN)
    expect(panel).to_be_empty(timeout=SEEN)
    assert not_reloaded(overdue) and not_reloaded(case)
