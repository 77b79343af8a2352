"""Stored XSS, in real headless Chromium against a served console: markup written to the stream
in `summary`, `address`, `unit` and `officer`, and set as a flag comment through the API, is
shown as text on the live feed, the overdue grid, every level of the workload drill-down and
the case page. No script runs (no dialog, the payloads' `window.__xss` hook never set, no
element they would create exists), the literal text is visible, and the Content-Security-
Policy reports no violation while Dash renders all of it (no `securitypolicyviolation` event,
no error in the browser console: the `open_as` fixture checks that)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from components import ids
from tests.browser.console import RunningConsole
from tests.support import events as ev

pytestmark = pytest.mark.browser
SHOWN = 30_000  # ms: a bound on liveness (ingest, push, callbacks), not a speed requirement
PAYLOADS = {  # (unit and officer: at most 64 characters by the contract)
    "summary": "<img src=x onerror=\"window.__xss='summary';alert(1)\">"
    "<script>window.__xss='summary-script'</script>",
    "address": '"><svg onload="window.__xss=\'address\';alert(2)">',
    "unit": "<img src=x onerror=window.__xss='unit'>",
    "officer": "<svg/onload=window.__xss='officer'>",
    "comment": "<iframe src=\"javascript:window.top.__xss='comment'\"></iframe>"
    '<a href="javascript:alert(3)">click</a>',
}
WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', function (e) {
    window.__csp.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""


def expect(locator):  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def assert_inert(page) -> None:  # type: ignore[no-untyped-def]
    """No payload ran or became markup; the CSP saw nothing to block."""
    assert page.evaluate("window.__xss") is None
    assert page.evaluate("window.__csp") == []
    for selector in (
        "img[src='x']",
        "svg[onload]",
        "iframe",
        "a[href^='javascript']",
        "[onerror]",
        "[onload]",
    ):
        assert page.locator(selector).count() == 0, selector
    assert page.locator("script", has_text="__xss").count() == 0


@pytest.fixture(scope="module")
def injected(live_console: RunningConsole) -> dict[str, str]:
    """Two cases carrying the payloads, written to the stream as the registry would: one
    overdue (assigned to the payload unit and officer), one registered now."""
    now = datetime.now(UTC)
    old, new = ev.next_reg_no(ev.BISHKEK), ev.next_reg_no(ev.BISHKEK)
    live_console.xadd(
        [
            ev.registered(
                old,
                now - timedelta(days=6),
                summary=PAYLOADS["summary"],
                address=PAYLOADS["address"],
            ),
            ev.assigned(
                old, now - timedelta(days=5), unit=PAYLOADS["unit"], officer=PAYLOADS["officer"]
            ),
            ev.registered(
                new,
                now - timedelta(minutes=1),
                summary=PAYLOADS["summary"],
                address=PAYLOADS["address"],
                unit=PAYLOADS["unit"],
            ),
        ]
    )
    live_console.wait_stored(old)
    live_console.wait_stored(new)
    return {"overdue": old, "new": new}


def test_markup_from_the_stream_and_flags_is_shown_as_text_everywhere(
    open_as, live_console: RunningConsole, injected: dict[str, str]
) -> None:  # type: ignore[no-untyped-def]
    watched = open_as("prosecutor")
    page = watched.page
    page.context.add_init_script(WATCH)
    page.reload()
    reg_no = injected["overdue"]

    # The live feed (the case registered now, pushed and rendered by the feed callback).
    entry = page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{injected['new']}']")
    expect(entry).to_contain_text(PAYLOADS["summary"], timeout=SHOWN)
    assert_inert(page)

    # A flag comment with markup, through the API as the page's session.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "_csrf_token")
    answer = page.request.post(
        f"{live_console.url}/api/v1/cases/{reg_no}/flags",
        data={"comment": PAYLOADS["comment"]},
        headers={"X-CSRFToken": csrf},
    )
    assert answer.status == 201

    # The overdue grid: unit, officer, flag comment and summary columns.
    page.goto(f"{live_console.url}/overdue")
    row = page.locator(f"#{ids.OVERDUE_GRID} .ag-center-cols-container .ag-row[row-id='{reg_no}']")
    expect(row.locator("[col-id='unit']")).to_have_text(PAYLOADS["unit"], timeout=SHOWN)
    expect(row.locator("[col-id='officer']")).to_have_text(PAYLOADS["officer"])
    expect(row.locator("[col-id='flag']")).to_contain_text(PAYLOADS["comment"], timeout=SHOWN)
    page.locator(f"#{ids.OVERDUE_GRID}").evaluate(
        "g => g.querySelector('.ag-center-cols-viewport').scrollLeft = 10000"
    )
    expect(row.locator("[col-id='summary']")).to_contain_text(PAYLOADS["summary"], timeout=SHOWN)
    assert_inert(page)

    # The workload drill-down: the unit among a district's units, the officer among the
    # unit's officers, then the officer's cases.
    grid = page.locator(f"#{ids.WORKLOAD_GRID} .ag-pinned-left-cols-container")
    page.goto(f"{live_console.url}/workload?region=KG-GB&district={ev.BISHKEK}")
    expect(grid).to_contain_text(PAYLOADS["unit"], timeout=SHOWN)
    assert_inert(page)
    page.goto(
        f"{live_console.url}/workload?region=KG-GB&district={ev.BISHKEK}"
        f"&unit={quote(PAYLOADS['unit'], safe='')}"
    )
    expect(grid).to_contain_text(PAYLOADS["officer"], timeout=SHOWN)
    expect(page.locator(f"#{ids.WORKLOAD_BREADCRUMB}")).to_contain_text(PAYLOADS["unit"])
    assert_inert(page)
    page.goto(
        f"{live_console.url}/workload?region=KG-GB&district={ev.BISHKEK}"
        f"&unit={quote(PAYLOADS['unit'], safe='')}"
        f"&officer={quote(PAYLOADS['officer'], safe='')}"
    )
    cases = page.locator(f"#{ids.WORKLOAD_CASES} .ag-center-cols-container")
    expect(cases.locator(f".ag-row[row-id='{reg_no}']")).to_be_visible(timeout=SHOWN)
    expect(page.locator(f"#{ids.WORKLOAD_BREADCRUMB}")).to_contain_text(PAYLOADS["officer"])
    assert_inert(page)

    # The case page: every field, the flag with its comment.
    page.goto(f"{live_console.url}/cases/{reg_no}")
    body = page.locator(f"#{ids.CASE_BODY}")
    for field in ("summary", "address", "unit", "officer"):
        expect(body).to_contain_text(PAYLOADS[field], timeout=SHOWN)
    expect(page.locator(f"#{ids.CASE_FLAGS}")).to_contain_text(PAYLOADS["comment"], timeout=SHOWN)
    page.locator(f"#{ids.CASE_FLAGS}").get_by_text("click").count()  # (a link would be here)
    assert_inert(page)
    assert watched.unexpected() == []
