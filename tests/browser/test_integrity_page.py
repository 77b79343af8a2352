"""The integrity signals' page in real Chromium, in Russian: grouped by unit, the unit whose
refusals are significantly high comes first with its refusal cell marked, the unit with two
refusals of two cases is not marked; a click on the number lists its cases, a case opens; the
CSV export downloads the table; a duty commander has no link and is refused."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from components import ids
from tests.browser.console import RunningConsole, expect
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
SHOWN = 30_000  # ms: a bound on liveness, not a speed requirement
MARKED = re.compile(r"(^|\s)kup-integrity-marked(\s|$)")  # among the cell's classes
ROW_MARKED = re.compile(r"(^|\s)kup-integrity-row-marked(\s|$)")


@pytest.fixture(scope="module")
def refusals(live_console: RunningConsole) -> dict[str, list[str]]:
    """In Bishkek: unit HIGH refuses 20 cases of 20, BASE 4 of 40, TWO 2 of 2."""
    at = datetime.now(UTC) - timedelta(days=2)
    events: list[dict[str, str]] = []
    made: dict[str, list[str]] = {}
    for unit, total, refused in (("HIGH", 20, 20), ("BASE", 40, 4), ("TWO", 2, 2)):
        for i in range(total):
            reg_no = ev.next_reg_no(ev.BISHKEK)
            made.setdefault(unit, []).append(reg_no)
            events += [
                ev.registered(reg_no, at, unit=unit),
                ev.decided(
                    reg_no, at + timedelta(hours=1), "refused" if i < refused else "initiated"
                ),
            ]
    apply_events(live_console.engine, events)
    return made


def test_the_marked_unit_comes_first_and_its_number_opens_its_cases(
    open_as, live_console: RunningConsole, refusals: dict[str, list[str]]
) -> None:  # type: ignore[no-untyped-def]
    page = open_as("prosecutor", "/integrity", viewport=(1366, 900)).page
    expect(page.locator("h1")).to_have_text("Сигналы добросовестности учёта", timeout=SHOWN)
    page.locator(f"#{ids.NAV_OVERSIGHT}").click()  # a prosecutor's oversight pages: a menu
    expect(page.get_by_role("link", name="Сигналы")).to_be_visible()
    page.keyboard.press("Escape")
    page.locator(f"#{ids.INTEGRITY_GROUP}").select_option("unit")
    grid = page.locator(f"#{ids.INTEGRITY_GRID}")
    first = grid.locator(".ag-pinned-left-cols-container .ag-row[row-index='0']")
    expect(first).to_contain_text("HIGH", timeout=SHOWN)
    expect(first.locator("[col-id='name']")).to_have_class(ROW_MARKED)
    high = grid.locator(".ag-center-cols-container .ag-row[row-id='HIGH'] [col-id='refusal']")
    expect(high).to_contain_text("▲ 20 · 100,0 %")
    expect(high).to_have_class(MARKED)
    two = grid.locator(".ag-center-cols-container .ag-row[row-id='TWO'] [col-id='refusal']")
    expect(two).to_contain_text("2 · 100,0 %")
    expect(two).not_to_have_class(MARKED)
    expect(page.locator(f"#{ids.INTEGRITY_SUMMARY}")).to_contain_text("Отмечено строк: 1 из 3")
    high.click()
    listed = page.locator(f"#{ids.INTEGRITY_CASES} a")
    expect(listed).to_have_count(20, timeout=SHOWN)
    expect(page.locator(f"#{ids.INTEGRITY_CASES}")).to_contain_text("HIGH — Отказы")
    with page.expect_download() as download:
        page.locator(f"#{ids.INTEGRITY_EXPORT_CSV}").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Подразделение;Материалов;Поздняя регистрация")
    assert any(line.startswith("HIGH;20;") for line in text.splitlines())
    reg_no = refusals["HIGH"][0]
    page.locator(f"#{ids.INTEGRITY_CASES} a[href='/cases/{reg_no}']").click()
    expect(page).to_have_url(f"{live_console.url}/cases/{reg_no}", timeout=SHOWN)
    expect(page.locator(f"#{ids.CASE_BODY}")).to_contain_text(reg_no, timeout=SHOWN)


def test_a_duty_commander_has_no_link_and_is_refused(open_as, refusals) -> None:  # type: ignore[no-untyped-def]
    page = open_as("duty", "/integrity").page
    expect(page.get_by_text("Сигналы доступны руководителям")).to_be_visible(timeout=SHOWN)
    expect(page.get_by_role("link", name="Сигналы")).to_have_count(0)
