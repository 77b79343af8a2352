"""The notifications page in Chromium: a regional manager adds an e-mail subscription, sees it
listed with their region, removes it; the page has no serious or critical axe-core violation,
and fits 1366 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.browser.console import expect

pytestmark = pytest.mark.browser


def _severe(axe: Axe, page) -> list[str]:  # type: ignore[no-untyped-def]
    results = axe.run(page)
    return [
        v["id"]
        for v in results.response["violations"]
        if v.get("impact") in ("serious", "critical")
    ]


def test_a_manager_adds_sees_and_removes_a_subscription(open_as, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = open_as("manager-osh", "/account/notifications", viewport=(1366, 900)).page
    expect(page.locator("#notify-none")).to_be_visible()
    page.select_option("#channel", "email")
    page.fill("#target", "osh-duty@example.org")
    page.check("#event-escalated")
    page.uncheck("#event-flagged")
    page.click("#notify-add")
    expect(page.locator("#notify-done")).to_contain_text("Подписка добавлена")
    row = page.locator("#notify-list .notify-row")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("osh-duty@example.org")
    expect(row).to_contain_text("Ош")
    expect(row).to_contain_text("Просрочен, Эскалация")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert _severe(Axe(), page) == []
    page.screenshot(path=str(tmp_path / "notifications-1366.png"), full_page=True)
    page.click("#notify-list button[type=submit]")
    expect(page.locator("#notify-done")).to_contain_text("Подписка удалена")
    expect(page.locator("#notify-none")).to_be_visible()
