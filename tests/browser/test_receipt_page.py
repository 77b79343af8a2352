"""The complainant's receipt page in Chromium, without logging in: on a phone the number and the
code are typed into the form and the status appears; the QR code's address opens the same
answer in Kyrgyz; the page fits a phone's width and has no serious accessibility fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

from console.web.receipts import KEY_CONFIG, slip_url
from rules.receipts import receipt_code
from tests.browser.console import RunningConsole, expect
from tests.browser.test_accessibility import severe
from tests.support import events as ev
from tests.support.stores import apply_events

pytestmark = pytest.mark.browser
PHONE = (400, 800)


def test_a_complainant_checks_the_status_on_a_phone(  # type: ignore[no-untyped-def]
    chromium, live_console: RunningConsole
) -> None:
    reg_no = ev.next_reg_no()
    now = datetime.now(UTC)
    apply_events(
        live_console.engine,
        [
            ev.registered(reg_no, now - timedelta(days=1), summary="Кража телефона"),
            ev.decided(reg_no, now - timedelta(hours=3), "refused"),
        ],
    )
    code = receipt_code(reg_no, live_console.web.server.config[KEY_CONFIG])
    context = chromium.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
    problems: list[str] = []
    try:
        page = context.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(f"{live_console.url}/receipt")
        expect(page.get_by_role("heading", name="Ход рассмотрения заявления")).to_be_visible()
        page.get_by_label("Регистрационный номер").fill(reg_no.lower())
        page.get_by_label("Код с квитанции").fill(code.replace("-", " ").lower())
        page.get_by_role("button", name="Проверить").click()
        expect(page.locator("#receipt-status")).to_contain_text("Решение принято")
        expect(page.locator("#receipt-decision")).to_have_text("отказано в возбуждении")
        assert "Кража телефона" not in page.content()
        fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        assert fits, "the page scrolls sideways on a phone"
        assert severe(Axe(), page, "receipt (ru, phone)") == []

        slip = urlsplit(slip_url("http://anywhere", reg_no, code))  # what the QR code holds
        page.goto(f"{live_console.url}{slip.path}?{slip.query}&lang=ky")
        expect(page.locator("#receipt-status")).to_contain_text("Чечим кабыл алынды")
        page.get_by_role("link", name="Русский").click()
        expect(page.locator("#receipt-status")).to_contain_text("Решение принято")
    finally:
        context.close()
    assert problems == []
