"""Issue 5, fault 4: the web server restarted under open pages. A real `kup-console serve`
process (KUP_SECRET_KEY, Redis, SQLite) and a real `kup-console ingest` process; a logged-in
Chromium page on the live feed; the server is killed (SIGKILL) and started again on the same
port. The page shows the connection loss, reconnects by itself and catches up, without a
reload, with a registration that was written to the stream and stored during the outage.

Two defects found here stay covered below: a restarted server must not crash when several
callbacks serialise figures at once (create_app warms orjson's numpy support up), and
registrations announced before it takes over the push must still reach the pages (the new push
leader sends "resync")."""

from __future__ import annotations

import re
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from components import ids
from data import streams
from data.db import make_sessionmaker
from data.models import Case
from tests.soak.run import feed_request
from tests.soak.stack import (
    PASSWORD,
    ServeProcess,
    SocketWatcher,
    csrf_headers,
    ingest_process,
    log_problems,
    login_session,
    sqlite_store,
)
from tests.support import events as ev
from tests.support.processes import scratch_dir, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]
BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
LIVE = 30_000  # ms: a bound on liveness (reconnect back-off, ingest, push), not a speed
# What the browser reports while the server is away: failed reconnection attempts and the
# callback that was in flight when the server died.
OUTAGE_NOISE = (
    "ERR_CONNECTION_REFUSED",
    "ERR_CONNECTION_RESET",
    "ERR_EMPTY_RESPONSE",
    "WebSocket connection to",
    "socket.io",
    "Callback failed: the server did not respond",
)


@pytest.fixture(scope="module")
def stack(redis_server) -> Iterator[tuple[ServeProcess, object, object]]:  # type: ignore[no-untyped-def]
    folder = scratch_dir("kup-restart-")
    stream = f"kup:restart:{uuid.uuid4().hex[:8]}"
    db_url, engine = sqlite_store(folder)
    ingest = ingest_process(db_url, redis_server.url, stream).start()
    web = ServeProcess(db_url=db_url, redis_url=redis_server.url, stream=stream, workdir=folder)
    try:
        web.start()
        yield web, ingest, engine
    finally:
        web.close()
        ingest.close()
        engine.dispose()


def _callback_body(http, base_url: str, output: str) -> dict:  # type: ignore[no-untyped-def]
    """A POST body for the callback with `output` (inputs as a freshly opened page has them)."""
    deps = http.get(f"{base_url}/_dash-dependencies", timeout=10).json()
    dependency = next(d for d in deps if output in d["output"])
    body = feed_request(dependency, None, datetime.now(UTC).isoformat())
    body["changedPropIds"] = [f"{ids.RESYNC}.data"]
    return body


def test_web_server_restart_page_reconnects_and_catches_up(stack) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect, sync_playwright

    web, ingest, engine = stack
    client = streams.connect(web.env["REDIS_URL"])
    stream = web.env["KUP_STREAM"]
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=BROWSER_ARGS)
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
        page.goto(f"{web.url}/login?next=/")
        page.fill("input[name=username]", "duty")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{web.url}/")
        badge, banner = page.locator(f"#{ids.LIVE_BADGE}"), page.locator(f"#{ids.BANNER}")
        expect(badge).to_have_text("В эфире", timeout=LIVE)
        before = ev.next_reg_no(ev.BISHKEK)  # the feed works before the outage
        streams.append_events(
            client,
            stream,
            [ev.registered(before, datetime.now(UTC), summary="До перезапуска")],
        )
        expect(page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{before}']")).to_be_visible(
            timeout=LIVE
        )
        page.evaluate("window.__notReloaded = true")

        web.kill()
        expect(banner).to_be_visible(timeout=LIVE)
        expect(banner).to_have_text(re.compile(r"Нет связи — данные на \d\d:\d\d:\d\d"))
        missed = ev.next_reg_no(ev.BISHKEK)  # written and stored while the server is down
        streams.append_events(
            client,
            stream,
            [ev.registered(missed, datetime.now(UTC), summary="Пока сервер перезапускался")],
        )
        sessions = make_sessionmaker(engine)

        def stored() -> bool:
            with sessions() as session:
                return session.get(Case, missed) is not None

        wait_until(stored, f"ingest (a process of its own) to store {missed}", 30)
        assert page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{missed}']").count() == 0

        web.start()  # (same port, same KUP_SECRET_KEY)

        expect(banner).to_be_hidden(timeout=LIVE)
        expect(badge).to_have_text("В эфире", timeout=LIVE)
        entry = page.locator(f"#{ids.LIVE_FEED} [data-reg-no='{missed}']")
        expect(entry).to_be_visible(timeout=LIVE)
        expect(entry).to_contain_text("Пока сервер перезапускался")
        assert page.evaluate("window.__notReloaded") is True  # caught up without a reload
        page.select_option(f"#{ids.LANG_SELECT}", "en")  # callbacks pass CSRF as before
        expect(page.locator("h1")).to_have_text("Live feed", timeout=LIVE)
        browser.close()
    client.close()
    assert ingest.running and web.running
    unexpected = [p for p in problems if not any(n in p for n in OUTAGE_NOISE)]
    assert unexpected == []
    assert log_problems(web.log()) == []


def test_registration_right_after_a_restart_reaches_open_pages(stack) -> None:  # type: ignore[no-untyped-def]
    """A page connected to the restarted server hears of a registration stored in the first
    seconds after the restart (as a "changes" item, or a "resync" telling it to re-query)."""
    web, _, _ = stack
    client = streams.connect(web.env["REDIS_URL"])
    http = login_session(web.url, "manager")
    admin = login_session(web.url, "admin")  # (reads the health detail)
    wait_until(  # a new connection each time: any of the server's workers may be the leader
        lambda: (
            admin.get(f"{web.url}/healthz/detail", timeout=5, headers={"Connection": "close"})
            .json()
            .get("push")
            or {}
        ).get("leader"),
        "the running server to lead the push",
        40,
        0.5,
    )
    web.kill()
    web.start()
    watcher = SocketWatcher.open(web.url, "manager", http)
    try:
        wait_until(lambda: watcher.count("hello"), "the socket's hello", 30)
        reg_no = ev.next_reg_no(ev.BISHKEK)
        streams.append_events(
            client,
            web.env["KUP_STREAM"],
            [ev.registered(reg_no, datetime.now(UTC), summary="Сразу после перезапуска")],
        )

        def heard() -> bool:
            items = (watcher.last_changes or {}).get("registered") or []
            return watcher.count("resync") > 0 or any(i.get("reg_no") == reg_no for i in items)

        wait_until(heard, f"the page to hear of {reg_no}", 25)
    finally:
        watcher.close()
        client.close()


def test_concurrent_first_callbacks_do_not_crash_a_fresh_server(stack) -> None:  # type: ignore[no-untyped-def]
    """Pages reconnecting to a restarted server resync at once: six live-map callbacks
    arrive together at a fresh process (three restarts); it must stay up and answer them."""
    web, _, _ = stack
    http = login_session(web.url, "duty")
    body = _callback_body(http, web.url, f"{ids.LIVE_MAP}.figure")
    for _ in range(3):
        web.kill()
        web.start()
        answers: list[int | str] = []
        go = threading.Event()

        def hit(go: threading.Event = go, answers: list = answers) -> None:
            go.wait()
            try:
                answers.append(
                    http.post(
                        f"{web.url}/_dash-update-component",
                        json=body,
                        headers=csrf_headers(http),
                        timeout=30,
                    ).status_code
                )
            except Exception as exc:
                answers.append(type(exc).__name__)

        threads = [threading.Thread(target=hit) for _ in range(6)]
        for thread in threads:
            thread.start()
        go.set()
        for thread in threads:
            thread.join(60)
        assert web.running, f"serve died (exit {web.process.poll()}): {answers}"  # type: ignore[union-attr]
        assert answers == [200] * 6
