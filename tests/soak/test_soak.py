"""Issue 5, fault 7, the short form run in CI: 45 seconds of the soak of tests/soak/run.py (50
events/s, 20 open pages: 3 Chromium pages and 17 logged-in Socket.IO clients re-querying the
feed) against real `serve` and `ingest` processes. The 30-minute run is
`python -m tests.soak.run --minutes 30`; its figures are in docs/RELIABILITY.md."""

from __future__ import annotations

import json

import pytest

from tests.soak.run import MEMORY_BOUND_MB, run_soak

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SECONDS = 45.0


def test_soak_short(redis_server) -> None:  # type: ignore[no-untyped-def]
    report = run_soak(
        SECONDS, rate=50.0, pages=20, browsers=3, warmup_s=15.0, redis_url=redis_server.url
    )
    print("FIGURE soak", json.dumps(report.as_dict(), ensure_ascii=False))
    # Nothing lost: every stream entry stored, dead-lettered or a counted duplicate (checked
    # entry by entry by check_exactly_once; here the totals add up).
    tally = report.tally
    assert tally["entries"] == report.produced + report.backfilled
    assert tally["entries"] == tally["stored"] + tally["dead"] + tally["duplicates"]
    assert report.produced >= 0.8 * 50 * SECONDS  # the producer kept (about) its rate
    assert tally["dead"] > 0  # the malformed entries went where they belong
    # Memory bounded, no errors, every page still connected and hearing pushes.
    assert report.web_rss["growth_mb"] < MEMORY_BOUND_MB
    assert report.ingest_rss["growth_mb"] < MEMORY_BOUND_MB
    assert report.failures() == []
    assert len(report.socket_changes) == 17
    assert report.feed_queries > 0
