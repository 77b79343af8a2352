"""Soak (issue 5, fault 7): the simulator writes 50 events/s to the stream while 20 pages are
open — a few real Chromium pages (live feed, overdue, workload) and logged-in Socket.IO
clients that re-query the live feed over the Dash callback as a page does — against a real
`kup-console serve` process and a real `kup-console ingest` process.

During the run: the resident memory (RSS) of both processes is sampled. At the end: the
stream is compared with the store (every entry stored, dead-lettered or a counted duplicate),
the logs of both processes and the browsers' consoles are searched for errors, and every page
must still be connected and hearing pushes.

    python -m tests.soak.run --minutes 30          # the full run (prints a JSON report)
    python -m tests.soak.run --seconds 45          # what tests/soak/test_soak.py runs in CI
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from components import ids
from data import streams, users
from data.db import make_sessionmaker, writer_engine
from data.reference import load_geography
from data.simulator import Simulator
from rules.clock import DEFAULT_TZ, zone
from tests.soak.stack import (
    PASSWORD,
    ServeProcess,
    SocketWatcher,
    csrf_headers,
    ingest_process,
    log_problems,
    login_session,
    redis_client,
    rss_mb,
    sqlite_store,
)
from tests.support.processes import check_exactly_once, drained, scratch_dir, wait_until
from tests.support.servers import RedisServer

BROWSER_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
CHROMIUM = "/usr/bin/chromium"
GROUP = "kup-console"
# (user, path) of the Chromium pages, in order; socket clients cycle through SOCKET_USERS.
BROWSER_PAGES = [
    ("duty", "/"),
    ("prosecutor", "/overdue"),
    ("manager-osh", "/workload"),
    ("manager", "/"),
    ("manager-chui", "/overdue"),
]
SOCKET_USERS = ["duty", "manager", "manager-osh", "manager-chui", "prosecutor", "admin"]
REQUERY_EVERY_S = 2.0  # a socket client re-queries the feed at most this often
BAD_EVERY = 200  # one malformed entry in so many (dead letters are part of the check)
MEMORY_BOUND_MB = 50.0


@dataclass
class Series:
    """RSS samples of one process: (seconds since start, MB)."""

    samples: list[tuple[float, float]] = field(default_factory=list)

    def at_or_after(self, t: float) -> float:
        return next(mb for s, mb in self.samples if s >= t)

    def summary(self, warm: float) -> dict[str, float]:
        after = [(s, mb) for s, mb in self.samples if s >= warm]
        base, end = after[0][1], after[-1][1]
        slope = 0.0
        if len(after) >= 3:
            xs, ys = [s / 60 for s, _ in after], [mb for _, mb in after]
            slope = statistics.linear_regression(xs, ys).slope
        middle = after[len(after) // 2][1]
        return {
            "start_mb": round(self.samples[0][1], 1),
            "after_warmup_mb": round(base, 1),
            "end_mb": round(end, 1),
            "max_mb": round(max(mb for _, mb in after), 1),
            "growth_mb": round(max(mb for _, mb in after) - base, 1),
            "first_half_growth_mb": round(middle - base, 1),
            "second_half_growth_mb": round(end - middle, 1),
            "slope_mb_per_min": round(slope, 3),
        }

    def thinned(self, points: int = 60) -> list[tuple[float, float]]:
        """At most `points` samples, evenly spread (for the report)."""
        step = max(1, len(self.samples) // points)
        return [(s, round(mb, 1)) for s, mb in self.samples[::step]]


@dataclass
class SoakReport:
    """What a run measured (JSON-ready through `as_dict`)."""

    seconds: float
    warmup_s: float
    rate: float
    pages: int
    browser_pages: int
    produced: int = 0
    backfilled: int = 0
    tally: dict[str, int] = field(default_factory=dict)
    web_rss: dict[str, float] = field(default_factory=dict)
    ingest_rss: dict[str, float] = field(default_factory=dict)
    max_lag: int = 0
    drain_s: float = 0.0
    socket_changes: dict[str, int] = field(default_factory=dict)
    socket_disconnects: int = 0
    socket_silent: list[str] = field(default_factory=list)
    feed_queries: int = 0
    feed_failures: list[str] = field(default_factory=list)
    browser_problems: list[str] = field(default_factory=list)
    browser_new_counts: list[int] = field(default_factory=list)
    log_problems: list[str] = field(default_factory=list)
    web_samples: list[tuple[float, float]] = field(default_factory=list)
    ingest_samples: list[tuple[float, float]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def failures(self, bound_mb: float = MEMORY_BOUND_MB) -> list[str]:
        """Why the run failed (empty: it passed)."""
        out = []
        for name, rss in (("web", self.web_rss), ("ingest", self.ingest_rss)):
            if rss["growth_mb"] >= bound_mb:
                out.append(
                    f"{name} RSS grew {rss['growth_mb']} MB after warm-up (bound {bound_mb} MB)"
                )
        if self.socket_disconnects:
            out.append(f"{self.socket_disconnects} socket disconnects")
        if self.socket_silent:
            out.append(f"sockets that heard no change: {self.socket_silent}")
        if self.feed_failures:
            out.append(f"feed re-queries failed: {self.feed_failures[:5]}")
        if self.browser_problems:
            out.append(f"browser problems: {self.browser_problems[:5]}")
        if any(n <= 0 for n in self.browser_new_counts):
            out.append(f"a live page counted no new registration: {self.browser_new_counts}")
        if self.log_problems:
            out.append(f"errors in the logs: {self.log_problems[:5]}")
        return out


class Producer(threading.Thread):
    """The registry: `rate` events per second (registrations and their follow-ups), one
    malformed entry in BAD_EVERY."""

    def __init__(self, redis_url: str, stream: str, rate: float, seed: int = 50) -> None:
        super().__init__(name="soak-producer", daemon=True)
        self.client = streams.connect(redis_url)
        self.stream, self.rate = stream, rate
        self.sim = Simulator(
            load_geography(), seed=seed, tz=zone(DEFAULT_TZ), registrations_per_day=600
        )
        self.stop = threading.Event()
        self.produced = 0
        self.error: BaseException | None = None

    def backfill(self, days: float) -> int:
        now = datetime.now(UTC)
        return streams.append_events(
            self.client, self.stream, self.sim.backfill(now - timedelta(days=days), now)
        )

    def run(self) -> None:
        started = time.monotonic()
        try:
            while not self.stop.wait(0.1):
                due = int(self.rate * (time.monotonic() - started)) - self.produced
                if due <= 0:
                    continue
                now = datetime.now(UTC)
                events = self.sim.live(now, due)
                for n in range(len(events)):
                    if (self.produced + n + 1) % BAD_EVERY == 0:
                        events[n] = self.sim.malformed(now)
                self.produced += streams.append_events(self.client, self.stream, events)
        except BaseException as exc:
            self.error = exc


class FeedPage:
    """A Socket.IO client that behaves like an open live page: on a "changes" push it
    re-queries the feed through the same Dash callback (at most every REQUERY_EVERY_S)."""

    def __init__(
        self, base_url: str, username: str, http: requests.Session, dependency: dict[str, Any]
    ) -> None:
        self.base_url = base_url
        self.watcher = SocketWatcher.open(base_url, username, http)
        self.dependency = dependency
        self.opened = datetime.now(UTC).isoformat()
        self.queries = 0
        self.failures: list[str] = []
        self._last = 0.0

    def maybe_requery(self) -> None:
        w = self.watcher
        if w.last_changes_at <= self._last or time.monotonic() - self._last < REQUERY_EVERY_S:
            return
        self._last = time.monotonic()
        body = feed_request(self.dependency, w.last_changes, self.opened)
        try:
            response = w.http.post(
                f"{self.base_url}/_dash-update-component",
                json=body,
                headers=csrf_headers(w.http),
                timeout=30,
            )
            if response.status_code != 200:
                self.failures.append(f"{w.username}: {response.status_code} {response.text[:200]}")
        except requests.RequestException as exc:
            self.failures.append(f"{w.username}: {type(exc).__name__}")
        self.queries += 1


def feed_dependency(http: requests.Session, base_url: str) -> dict[str, Any]:
    """The live feed's callback as dash-renderer knows it (from /_dash-dependencies)."""
    deps = http.get(f"{base_url}/_dash-dependencies", timeout=10).json()
    return next(d for d in deps if f"{ids.LIVE_FEED}.children" in d["output"])


def feed_request(dependency: dict[str, Any], payload: Any, opened: str) -> dict[str, Any]:
    """The POST body dash-renderer sends when a "changes" push triggers the feed."""
    values = {
        f"{ids.SOCKET}.data-changes": payload,
        f"{ids.RESYNC}.data": 0,
        f"{ids.LIVE_OPENED}.data": opened,
        f"{ids.LANG}.data": "ru",
    }

    def filled(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**item, "value": values.get(f"{item['id']}.{item['property']}")} for item in items]

    outputs = [
        dict(zip(("id", "property"), part.split(".", 1)))
        for part in dependency["output"].strip(".").split("...")
    ]
    return {
        "output": dependency["output"],
        "outputs": outputs if dependency["output"].startswith("..") else outputs[0],
        "inputs": filled(dependency["inputs"]),
        "state": filled(dependency["state"]),
        "changedPropIds": [f"{ids.SOCKET}.data-changes"],
    }


def _new_count(page: Any) -> int:
    text = page.locator(f"#{ids.LIVE_NEW_COUNT}").inner_text(timeout=10_000)
    match = re.search(r"\d+", text.replace("\u00a0", "").replace(" ", ""))
    return int(match.group()) if match else -1


def run_soak(
    seconds: float,
    rate: float = 50.0,
    pages: int = 20,
    browsers: int = 3,
    warmup_s: float | None = None,
    sample_s: float | None = None,
    backfill_days: float = 2.0,
    redis_url: str | None = None,
    progress: bool = False,
) -> SoakReport:
    """Run the soak for `seconds` (after start-up) and return what it measured."""
    warm = warmup_s if warmup_s is not None else max(15.0, min(180.0, seconds * 0.1))
    every = sample_s if sample_s is not None else (2.0 if seconds <= 120 else 10.0)
    report = SoakReport(
        seconds=seconds, warmup_s=warm, rate=rate, pages=pages, browser_pages=browsers
    )
    folder = scratch_dir("kup-soak-")
    own_redis = None
    if redis_url is None:
        own_redis = RedisServer().start()
        redis_url = own_redis.url
    stream = f"kup:soak:{uuid.uuid4().hex[:8]}"
    db_url, engine = sqlite_store(folder)
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        monitor = {"Authorization": f"Bearer {users.issue_token(session, 'monitor')}"}
    producer = Producer(redis_url, stream, rate)
    report.backfilled = producer.backfill(backfill_days)
    ingest = ingest_process(db_url, redis_url, stream).start()
    web = ServeProcess(db_url=db_url, redis_url=redis_url, stream=stream, workdir=folder)
    feeds: list[FeedPage] = []
    playwright = browser = None
    watched: list[tuple[Any, list[str]]] = []
    say = (lambda *a: print(*a, file=sys.stderr, flush=True)) if progress else (lambda *a: None)
    try:
        web.start()
        from playwright.sync_api import sync_playwright

        playwright = sync_playwright().start()
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        for n in range(min(browsers, pages)):
            username, path = BROWSER_PAGES[n % len(BROWSER_PAGES)]
            watched.append(_open_page(browser, web.url, username, path))
        # One login per user (the login form allows 10 attempts a minute per address):
        # socket pages of one user share its session, as tabs of one browser do.
        sessions = {
            name: login_session(web.url, name)
            for name in SOCKET_USERS[: max(0, min(len(SOCKET_USERS), pages - len(watched)))]
        }
        dependency = feed_dependency(next(iter(sessions.values())), web.url) if sessions else {}
        for n in range(pages - len(watched)):
            name = SOCKET_USERS[n % len(SOCKET_USERS)]
            feeds.append(FeedPage(web.url, name, sessions[name], dependency))
        say(f"soak: {len(watched)} browser pages, {len(feeds)} socket pages; producing")

        web_rss, ingest_rss = _Sampler(web.pid), _Sampler(ingest.process.pid)  # type: ignore[union-attr]
        producer.start()
        started = time.monotonic()
        next_sample = 0.0
        counts_at_warm: list[int] = []
        while (elapsed := time.monotonic() - started) < seconds:
            if producer.error is not None:
                raise RuntimeError(f"producer failed: {producer.error!r}")
            if not (web.running and ingest.running):
                raise RuntimeError("a console process died:\n" + (web.log() + ingest.log())[-3000:])
            for page in feeds:
                page.maybe_requery()
            if elapsed >= next_sample:
                web_rss.sample(elapsed)
                ingest_rss.sample(elapsed)
                report.max_lag = max(report.max_lag, _lag(web.url, monitor))
                next_sample += every
                if progress and int(elapsed) % 60 < every:
                    say(
                        f"soak: {elapsed:.0f}s web {web_rss.series.samples[-1][1]:.0f} MB "
                        f"ingest {ingest_rss.series.samples[-1][1]:.0f} MB "
                        f"produced {producer.produced} lag {report.max_lag}"
                    )
            if not counts_at_warm and elapsed >= warm:
                counts_at_warm = [_new_count(p) for p, _ in watched if _is_live(p)]
            if watched:
                watched[0][0].wait_for_timeout(200)  # lets Playwright deliver page events
            else:
                time.sleep(0.2)
        producer.stop.set()
        producer.join(30)
        report.produced = producer.produced
        web_rss.sample(time.monotonic() - started)
        ingest_rss.sample(time.monotonic() - started)

        client = redis_client(redis_url)
        drain_started = time.monotonic()
        wait_until(lambda: drained(client, stream, GROUP), "ingest to drain the stream", 300)
        report.drain_s = round(time.monotonic() - drain_started, 1)
        report.tally = check_exactly_once(client, engine, stream, f"{stream}:dead")
        client.close()

        time.sleep(2.0)  # the last pushes reach the pages
        for page, _ in watched:
            page.wait_for_timeout(100)
        live_counts = [_new_count(p) for p, _ in watched if _is_live(p)]
        report.browser_new_counts = [
            end - start for start, end in zip(counts_at_warm or [0] * len(live_counts), live_counts)
        ]
        report.browser_problems = [p for _, problems in watched for p in problems]
        report.web_rss = web_rss.series.summary(warm)
        report.ingest_rss = ingest_rss.series.summary(warm)
        report.web_samples = web_rss.series.thinned()
        report.ingest_samples = ingest_rss.series.thinned()
        for n, page in enumerate(feeds, 1):
            w = page.watcher
            report.socket_changes[f"{n}:{w.username}"] = w.count("changes")
            report.socket_disconnects += w.disconnects
            if not w.count("changes"):
                report.socket_silent.append(w.username)
            report.feed_queries += page.queries
            report.feed_failures += page.failures
        # The logs as they stand at the end of the run (what closing the pages logs is
        # not part of it).
        report.log_problems = log_problems(web.log()) + log_problems(ingest.log())
    finally:
        producer.stop.set()
        closing = [threading.Thread(target=page.watcher.close) for page in feeds]
        for thread in closing:  # a websocket-client close may wait 3 s for the close frame
            thread.start()
        for thread in closing:
            thread.join(15)
        if browser is not None:
            browser.close()
        if playwright is not None:
            playwright.stop()
        web.close()
        ingest.close()
        engine.dispose()
        if own_redis is not None:
            own_redis.close()
    return report


class _Sampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.series = Series()

    def sample(self, elapsed: float) -> None:
        self.series.samples.append((round(elapsed, 1), rss_mb(self.pid)))


def _lag(base_url: str, monitor: dict[str, str]) -> int:
    """The consumer group's lag, from the health detail (a monitor's token reads it)."""
    try:
        detail = requests.get(f"{base_url}/healthz/detail", headers=monitor, timeout=5).json()
        consumer = detail.get("consumer") or {}
    except (requests.RequestException, ValueError):
        return 0
    return int(consumer.get("lag") or 0)


def _is_live(page: Any) -> bool:
    return page.url.rstrip("/").count("/") == 2  # http://host:port/


def _open_page(browser: Any, base_url: str, username: str, path: str) -> tuple[Any, list[str]]:
    """A logged-in page at `path` recording console errors, page errors and dialogs."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    problems: list[str] = []
    page.on(
        "console",
        lambda m: (
            problems.append(f"{username}{path} console: {m.text}") if m.type == "error" else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(f"{username}{path} page error: {e}"))
    page.on(
        "dialog", lambda d: (problems.append(f"{username}{path} dialog: {d.message}"), d.dismiss())
    )
    page.goto(f"{base_url}/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base_url}{path}")
    page.locator(f"#{ids.LIVE_BADGE}").filter(has_text=re.compile(r"\S")).wait_for(timeout=30_000)
    return page, problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.soak.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    length = parser.add_mutually_exclusive_group()
    length.add_argument("--minutes", type=float)
    length.add_argument("--seconds", type=float)
    parser.add_argument("--rate", type=float, default=50.0, help="events per second")
    parser.add_argument("--pages", type=int, default=20, help="open pages in all")
    parser.add_argument(
        "--browsers",
        type=int,
        default=3,
        help="of which real Chromium pages (the rest are Socket.IO clients)",
    )
    parser.add_argument("--bound-mb", type=float, default=MEMORY_BOUND_MB)
    parser.add_argument("--json", type=Path, help="also write the report here")
    args = parser.parse_args(argv)
    seconds = args.seconds if args.seconds is not None else (args.minutes or 30.0) * 60
    report = run_soak(
        seconds, rate=args.rate, pages=args.pages, browsers=args.browsers, progress=True
    )
    text = json.dumps(
        {**report.as_dict(), "failures": report.failures(args.bound_mb)},
        indent=2,
        ensure_ascii=False,
    )
    print(text)
    if args.json:
        args.json.write_text(text)
    return 1 if report.failures(args.bound_mb) else 0


if __name__ == "__main__":
    sys.exit(main())
