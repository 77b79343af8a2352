"""Take the README's screenshots of every page from a console with realistic demo data.

    python docs/screenshots/take.py [--out docs/screenshots]

Builds a throw-away console (SQLite in a temporary folder, a private redis-server, 30 days of
simulated history at 600 registrations a day, demo users of every role), serves it, feeds a few
live registrations through the stream while the live page is open, flags two overdue cases as a
prosecutor, and photographs each page in headless Chromium (no network needed): every page, each
role where it differs, the dark theme of the live page, the wall screen (/wall), 1920 and 1366
px, the printed case card and overdue list, and the live page as it was three hours before
(the last day's history is stored hour by hour, as it came). tests/unit/test_readme_images.py
checks that the documents show every picture this script makes, and that it makes every
picture they show.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from components import ids  # noqa: E402
from console.config import Settings  # noqa: E402
from console.web.receipts import KEY_CONFIG, slip_url  # noqa: E402
from data import alerts, flags, notifications  # noqa: E402
from data.db import make_engine, make_sessionmaker, writer_engine  # noqa: E402
from data.models import Alert, Case  # noqa: E402
from data.schema import upgrade  # noqa: E402
from rules.access import Viewer  # noqa: E402
from rules.clock import DEFAULT_TZ, local_iso, zone  # noqa: E402
from rules.receipts import receipt_code  # noqa: E402
from tests.browser.console import (  # noqa: E402
    BROWSER_ARGS,
    CHROMIUM,
    log_in,
    running_console,
    simulated_history,
    store,
)
from tests.support import events as ev  # noqa: E402
from tests.support.servers import RedisServer  # noqa: E402
from tests.support.users import add_test_users  # noqa: E402

WALL = (1920, 1080)
LAPTOP = (1440, 900)
SMALL = (1366, 768)  # the district offices' laptops
PHONE = (400, 800)  # a complainant's phone (the receipt page)
TZ = zone(DEFAULT_TZ)
COMMENTS = (
    "Срок нарушен более чем на 5 суток: запросить объяснение у начальника ОВД.",
    "Проверить законность отказа в возбуждении, истребовать материал.",
)


def flag_examples(engine, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """Flag the two most overdue Bishkek cases as a prosecutor; returns the first."""
    prosecutor = Viewer("prosecutor", "prosecutor")
    with make_sessionmaker(engine)() as session:
        worst = list(
            session.scalars(
                select(Case.reg_no)
                .where(Case.decision.is_(None), Case.deadline <= now, Case.region == "KG-GB")
                .order_by(Case.deadline)
                .limit(2)
            )
        )
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        for reg_no, comment in zip(worst, COMMENTS, strict=False):
            flags.add_flag(session, prosecutor, reg_no, comment, now)
    return worst[0]


def integrity_examples(engine, now: datetime) -> None:  # type: ignore[no-untyped-def]
    """A unit of Osh city that refuses 45 reports of 60 over the last three weeks: the
    integrity page's marked row."""
    events: list[dict[str, str]] = []
    for i in range(60):
        reg_no = f"KUP-{ev.OSH_CITY}-2026-OP3-{i:03d}"  # (no simulated number has letters)
        at = now - timedelta(days=2 + i / 3)
        events += [
            ev.registered(reg_no, at, district=ev.OSH_CITY, unit="ОП-3 УВД г. Ош"),
            ev.decided(reg_no, at + timedelta(hours=5), "refused" if i % 4 else "initiated"),
        ]
    store(engine, events, now=now)


def alert_examples(engine, now: datetime) -> str:  # type: ignore[no-untyped-def]
    """The alert ladder over the last day's passed deadlines: raised three hours ago, escalated
    twice since (nobody acknowledged), then one acknowledged by a duty commander and claimed;
    returns that case."""
    writer = make_sessionmaker(writer_engine(engine))
    hour = timedelta(hours=1)
    for at in (now - 3 * hour, now - 2 * hour, now - hour + timedelta(minutes=1)):
        with writer.begin() as session:
            alerts.sweep(session, at, hour, None, look_back=timedelta(days=1))
    with writer() as session:
        alert = session.scalars(
            select(Alert).where(Alert.region == "KG-GB", Alert.escalation_level == 2)
        ).first()
    assert alert is not None, "no escalated alert in the history"
    duty = Viewer("duty", "duty")
    with writer.begin() as session:
        alerts.act(session, duty, alert.id, "ack", "Принято, связываюсь с ОВД.", now=now - hour / 2)
    with writer.begin() as session:
        alerts.act(session, duty, alert.id, "claim", "Поручено", "Асанов Б. К.", now - hour / 4)
    with writer.begin() as session:
        notifications.add_subscription(
            session, "manager", "email", "manager@mvd.example.kg", "overdue,escalated,flagged"
        )
        notifications.add_subscription(
            session, "manager", "webhook", "https://duty.example.kg/kup-hook", "escalated"
        )
    return alert.reg_no


def shoot(page, path: Path, settle_ms: int = 2500) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(settle_ms)  # let plotly and ag-grid finish drawing
    page.screenshot(path=str(path))
    print(f"wrote {path}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    args.out.mkdir(parents=True, exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="kup-screens-"))
    url = f"sqlite:///{folder / 'kup.db'}"
    engine = make_engine(url)
    upgrade(engine)
    add_test_users(engine)
    now = datetime.now(UTC)
    # The last day stored as it came, hour by hour: the console as it was (as_of) has a past.
    sim = simulated_history(
        engine, days=30, per_day=600, seed=2026, now=now, hourly=timedelta(days=1)
    )
    flagged = flag_examples(engine, now)
    integrity_examples(engine, now)
    alerted = alert_examples(engine, now)
    redis = RedisServer().start()
    settings = Settings(
        data_dir=folder, database_url=url, redis_url=redis.url, consumer="screens-1"
    )
    try:
        with (
            running_console(settings, engine, redis.url) as console,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)

            def page_as(
                user: str,
                path: str,
                size: tuple[int, int],
                ready: str,  # type: ignore[no-untyped-def]
                theme: str = "light",
            ):
                """`user`'s page at `path`, once the first element matching `ready` shows."""
                context = browser.new_context(
                    viewport={"width": size[0], "height": size[1]}, locale="ru-RU"
                )
                context.add_cookies([{"name": "kup_theme", "value": theme, "url": console.url}])
                page = context.new_page()
                log_in(page, console.url, user, next_path=path)
                page.locator(ready).first.wait_for(timeout=30000)
                return page

            def printed(page, name: str) -> None:  # type: ignore[no-untyped-def]
                """The page as the browser prints it (print styles): its first screen (the
                printed list has every row, hundreds of them)."""
                page.emulate_media(media="print")
                page.wait_for_timeout(1500)
                page.screenshot(path=str(args.out / name), timeout=180000)  # hundreds of rows
                print(f"wrote {args.out / name}")

            feed_item = f"#{ids.LIVE_FEED} [data-reg-no]"
            workload_row = f"#{ids.WORKLOAD_GRID} .ag-row"
            live = page_as("duty", "/", LAPTOP, feed_item)
            for _ in range(4):  # the page moves by itself
                console.xadd(sim.live(datetime.now(UTC), 2))
                time.sleep(1.5)
            shoot(live, args.out / "live.png")

            shoot(
                page_as("duty", "/", WALL, feed_item, theme="dark"), args.out / "live-dark-wall.png"
            )
            shoot(
                page_as("duty", "/wall", WALL, f"#{ids.WALL_FEED} [data-reg-no]"),
                args.out / "wall.png",
            )

            row = f"#{ids.OVERDUE_GRID} .ag-center-cols-container .ag-row"
            overdue = page_as("prosecutor", "/overdue", LAPTOP, row)
            overdue.locator(row).first.locator("[col-id='district']").click()
            overdue.fill(f"#{ids.FLAG_COMMENT}", "Запросить материал для проверки")
            shoot(overdue, args.out / "overdue.png")

            shoot(page_as("manager", "/workload", LAPTOP, workload_row), args.out / "workload.png")
            shoot(
                page_as("manager", "/workload?district=41711000000000", LAPTOP, workload_row),
                args.out / "workload-district.png",
            )
            integrity_row = f"#{ids.INTEGRITY_GRID} .ag-row"
            integrity = page_as("prosecutor", "/integrity", WALL, integrity_row)
            integrity.locator(f"#{ids.INTEGRITY_GROUP}").select_option("unit")
            integrity.wait_for_timeout(1500)
            shoot(integrity, args.out / "integrity.png")
            shoot(
                page_as("prosecutor", "/integrity", SMALL, integrity_row),
                args.out / "integrity-1366.png",
            )
            shoot(
                page_as("manager", f"/cases/{flagged}", LAPTOP, f"#{ids.CASE_FLAGS}"),
                args.out / "case.png",
            )
            shoot(
                page_as("manager-osh", "/", LAPTOP, feed_item),
                args.out / "live-regional-manager.png",
            )

            shoot(page_as("duty", "/", SMALL, feed_item), args.out / "live-1366.png")
            three_hours_ago = quote(local_iso(now - timedelta(hours=3), TZ), safe="")
            looking_back = page_as("duty", f"/?as_of={three_hours_ago}", LAPTOP, feed_item)
            shoot(looking_back, args.out / "live-as-of.png")
            looking_back.context.close()  # one page fewer for the long printed list's picture
            overdue_small = page_as("prosecutor", "/overdue", SMALL, row)
            shoot(overdue_small, args.out / "overdue-1366.png")
            printed(overdue_small, "print-overdue.png")
            case_page = page_as("prosecutor", f"/cases/{flagged}", SMALL, f"#{ids.CASE_FLAGS}")
            printed(case_page, "print-case.png")
            shoot(
                page_as("admin", "/deadletters", SMALL, "table, .ag-row, h1, h2"),
                args.out / "deadletters-admin.png",
            )
            shoot(
                page_as("duty", f"/cases/{alerted}", SMALL, f"#{ids.CASE_ALERTS} .card"),
                args.out / "alert-case-1366.png",
            )
            shoot(
                page_as("manager", "/account/notifications", LAPTOP, "#notify-form"),
                args.out / "notifications.png",
                settle_ms=500,
            )
            summary = page_as("duty", "/summary", LAPTOP, f"#{ids.DAILY_HEADLINE}")
            yesterday = (datetime.now(UTC) - timedelta(days=1)).astimezone(TZ).date()
            summary.locator(f"#{ids.DAILY_DATE}").fill(yesterday.strftime("%d.%m.%Y"))
            summary.locator(f"#{ids.DAILY_DATE}").press("Enter")
            summary.locator("h1").first.click()  # (away: the calendar closes)
            summary.locator(f"#{ids.DAILY_BODY}", has_text=" 24:00").wait_for(timeout=30000)
            shoot(summary, args.out / "summary.png")
            shoot(
                page_as("admin", "/audit", SMALL, f"#{ids.AUDIT_GRID} .ag-row"),
                args.out / "audit-1366.png",
            )
            login_page = browser.new_context(viewport={"width": SMALL[0], "height": SMALL[1]})
            login = login_page.new_page()
            login.goto(f"{console.url}/login")
            shoot(login, args.out / "login.png", settle_ms=500)
            phone = browser.new_context(viewport={"width": PHONE[0], "height": PHONE[1]})
            receipt = phone.new_page()
            code = receipt_code(flagged, console.web.server.config[KEY_CONFIG])
            receipt.goto(slip_url(console.url, flagged, code))
            shoot(receipt, args.out / "receipt.png", settle_ms=500)

            banner = page_as("duty", "/", LAPTOP, feed_item)
            console.stop_http()
            banner.locator(f"#{ids.BANNER}").wait_for(state="visible", timeout=30000)
            shoot(banner, args.out / "connection-lost.png", settle_ms=500)
            console.start_http()
            browser.close()
    finally:
        redis.close()
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
