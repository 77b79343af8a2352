"""The benchmarks run and report (their quick mode, as CI runs it); no speed is asserted here.

Also checks what the figures rest on: the bulk seeder writes cases that are what the
lifecycle makes of their own stored events, so the big-store figures are about real data.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from data.db import make_sessionmaker
from data.intake import STATE_COLUMNS
from data.models import Case, DeadlineChangeRow, EventRow
from data.reference import load_geography
from data.seed import seed_cases
from rules.clock import DEFAULT_TZ, zone
from rules.contract import validate_event
from rules.deadlines import get_rule_set
from rules.lifecycle import CaseState, apply_event, register_case
from tests.support.servers import postgres_available

ROOT = Path(__file__).resolve().parents[2]
TZ = zone(DEFAULT_TZ)
# Each benchmark's tables, by the start of their titles.
EXPECTED_TABLES = {
    "ingest": ["Ingest throughput", "Redis reply parsing"],
    "bigstore": [
        "Big store: 10,000 cases",
        "Big store counters: 10,000 cases",
        "Big store search: 10,000 cases",
        "Big store: peak memory",
        "Big store: query plans",
        "Backlog: 3,000 cases",
    ],
    "e2e": ["End-to-end latency", "Burst"],
    "push": ["Push vs. polling"],
    "viewers": [
        "Viewers: Socket.IO fan-out",
        "Viewers: API clients",
        "Viewers: each API request alone",
        "Viewers: production server against the targets",
    ],
    "look_back": ["Looking back: 2,000 cases"],
    "growth": ["Growth: SQLite, p95 of each read", "Growth: ingest, disk and memory"],
}
NUMBER = re.compile(r"^-?[\d,]+(\.\d+)?$")


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m MODULE ARGS` from the project's root, which must succeed; its output."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory: pytest.TempPathFactory) -> str:
    """`python -m benchmarks.run --quick`, run once for the module; its Markdown report."""
    out = tmp_path_factory.mktemp("bench") / "report.md"
    done = run_module("benchmarks.run", "--quick", "--markdown", str(out))
    report = out.read_text(encoding="utf-8")
    assert report.splitlines()[0] in done.stdout  # printed as well as written
    return report


def tables(report: str) -> dict[str, list[list[str]]]:
    """Title -> rows of cells of every Markdown table in the report."""
    found: dict[str, list[list[str]]] = {}
    title = None
    for line in report.splitlines():
        if line.startswith("### "):
            title = line[4:]
            found[title] = []
        elif title and line.startswith("|") and not line.startswith("|-"):
            found[title].append([c.strip() for c in line.strip("|").split("|")])
    return {t: rows[1:] for t, rows in found.items()}  # without the header row


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("name", list(EXPECTED_TABLES))
def test_quick_benchmark_reports_its_tables(quick_report: str, name: str) -> None:
    assert f"{name}: FAILED" not in quick_report
    found = tables(quick_report)
    for prefix in EXPECTED_TABLES[name]:
        matching = [t for t in found if t.startswith(prefix)]
        assert matching, f"no table {prefix!r} in the report"
        rows = found[matching[0]]
        assert rows, f"table {matching[0]!r} is empty"
        numbers = [c for row in rows for c in row[1:] if NUMBER.match(c)]
        if "plans" not in prefix:
            assert numbers, f"table {matching[0]!r} has no figures"
        for cell in numbers:
            assert math.isfinite(float(cell.replace(",", ""))), cell


@pytest.mark.slow
@pytest.mark.browser
def test_ingest_report_compares_with_the_bare_loop_and_checks_the_store(quick_report: str) -> None:
    rows = next(r for t, r in tables(quick_report).items() if t.startswith("Ingest"))
    bare = next(r for r in rows if r[0].startswith("bare"))
    assert bare[5] == "1.00"  # the baseline's own ratio
    kup = [r for r in rows if r[0].startswith("kup-console")]
    assert {(r[1], r[2]) for r in kup} >= {("SQLite", "1"), ("SQLite", "2"), ("SQLite", "4")}
    assert re.search(r"scaling on SQLite .*: 1: 1\.00 ×, 2: [\d.]+ ×, 4: [\d.]+ ×", quick_report)
    checks = re.findall(r"store check (\S+) workers: ([\d,]+) cases, ([\d,]+) events", quick_report)
    assert checks and len({(c, e) for _, c, e in checks}) == 1  # every run stored the same


@pytest.mark.slow
@pytest.mark.browser
def test_viewers_report_compares_the_production_server_with_the_single_process(
    quick_report: str,
) -> None:
    found = tables(quick_report)
    fan_out = next(r for t, r in found.items() if t.startswith("Viewers: Socket.IO fan-out"))
    single, production = fan_out
    assert single[0].startswith("single process") and single[1] == "1"
    assert production[0].startswith("production") and production[1].endswith("workers")
    workers = int(production[1].split()[0])
    per_worker = [int(n) for n in production[2].split(" / ")]  # every client on some worker
    assert len(per_worker) == workers and sum(per_worker) == int(single[2])
    for row in fan_out:
        received, expected = row[3].replace(",", "").split("/")
        assert received == expected  # every push reached every client of every worker
    api = next(r for t, r in found.items() if t.startswith("Viewers: API clients"))
    assert [(r[0].split()[0], r[6]) for r in api] == [
        ("single", "0"),
        ("single", "0"),
        ("production", "0"),
        ("production", "0"),
    ]  # both servers, 1 and many clients, no errors
    assert [r[-1] for r in api][:2] == ["1.00", "1.00"]  # the single process is the baseline


@pytest.mark.slow
def test_search_only_times_every_search_on_both_stores_and_explains_it() -> None:
    from benchmarks.bigstore import SEARCHES

    done = run_module("benchmarks.bigstore", "--search-only", "--cases", "1500", "--repeat", "2")
    found = tables(done.stdout)
    assert list(found) == ["Big store search: 1,500 cases — the navbar's case search"] + [
        "Big store search: plans"
    ]  # the search alone: no other read, no process, no backlog
    timed = found["Big store search: 1,500 cases — the navbar's case search"]
    assert [row[0] for row in timed] == [name for name, _ in SEARCHES]
    stores = {"SQLite": "cases"} | ({"PostgreSQL": "actual time"} if postgres_available() else {})
    for row in timed:
        assert len(row) == 2 * len(stores) + 2 and row[-1] in {"yes", "NO"}  # and the target
        for cell in row[1:-1]:
            assert NUMBER.match(cell) and math.isfinite(float(cell.replace(",", ""))), row
    for store, plan in stores.items():
        assert f"{store}: seeded 1,500 cases" in done.stdout
        for name, _ in SEARCHES:  # every search's statements, explained by the store
            assert re.search(rf"^- {store}, {re.escape(name)}, 1: .*{plan}", done.stdout, re.M)


def test_seeded_cases_are_what_their_events_make_them(engine: Engine) -> None:
    now = datetime.now(UTC)
    report = seed_cases(engine, 400, seed=21, now=now, per_day=40)
    assert report.cases == 400 and report.events > 400
    rules = get_rule_set("kg-default")
    districts = frozenset(load_geography().districts)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 400
        cases = session.scalars(select(Case)).all()
        statuses = {"open": 0, "decided": 0}
        for case in cases:
            rows = session.scalars(
                select(EventRow)
                .where(EventRow.reg_no == case.reg_no)
                .order_by(EventRow.occurred_at, EventRow.id)
            ).all()
            assert rows[0].type == "registered" and all(r.applied for r in rows)
            state: CaseState | None = None
            for row in rows:
                event = validate_event(row.fields, districts, now + timedelta(minutes=1))
                if state is None:
                    state, _ = register_case(event, TZ, rules)
                else:
                    state, _ = apply_event(state, event, TZ, rules)
            assert state is not None
            stored = {name: getattr(case, name) for name in STATE_COLUMNS}
            assert {name: getattr(state, name) for name in STATE_COLUMNS} == stored
            assert case.region == load_geography().districts[case.district].region
            deadlines = session.scalars(
                select(DeadlineChangeRow.deadline)
                .where(DeadlineChangeRow.reg_no == case.reg_no)
                .order_by(DeadlineChangeRow.set_at)
            ).all()
            assert deadlines and deadlines[-1] == case.deadline
            statuses["open" if case.decision is None else "decided"] += 1
    assert statuses["open"] and statuses["decided"]  # ten days of history: both kinds


def test_seeding_again_adds_cases_with_numbers_of_their_own(engine: Engine) -> None:
    seed_cases(engine, 50, seed=1, per_day=50)
    seed_cases(engine, 50, seed=1, per_day=50)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(func.count(func.distinct(Case.reg_no)))) == 100
        assert session.scalar(
            select(func.count(func.distinct(EventRow.event_id)))
        ) == session.scalar(select(func.count()).select_from(EventRow))


@pytest.mark.slow
@pytest.mark.browser
def test_growth_report_has_every_size_and_judges_the_slope(quick_report: str) -> None:
    found = tables(quick_report)
    reads = next(r for t, r in found.items() if t.startswith("Growth: SQLite"))
    assert len(reads) >= 15  # the pages', counting and API reads
    for row in reads:
        smallest, largest, ratio = (float(c.replace(",", "")) for c in row[1:4])
        # The cells are rounded (three significant figures, at least): compare within that.
        assert ratio == pytest.approx(largest / smallest, rel=0.02, abs=0.002)
        limit = max(1.5 * smallest, smallest + 5)
        if abs(largest - limit) > 0.01 * limit:  # not too close to the limit to tell
            assert row[4] == ("yes" if largest <= limit else "NO")
    side = next(r for t, r in found.items() if t.startswith("Growth: ingest"))
    assert [r[1] for r in side] == ["0", "500", "2,000"]  # the empty baseline, then each size
    assert side[0][4] == "1.00" and all(float(r[3].replace(",", "")) > 0 for r in side)


def test_flat_allows_noise_but_not_growth() -> None:
    from benchmarks.growth import flat

    assert flat(10.0, 14.9) and not flat(10.0, 15.5)  # within 1.5 ×, then beyond
    assert flat(1.0, 5.9) and not flat(1.0, 6.5)  # within 5 ms of a fast read, then beyond
    assert flat(40.0, 20.0)  # faster is flat


def test_the_page_profile_shares_samples_by_script_and_function() -> None:
    """`benchmarks.page_profile` adds up a DevTools CPU profile's hit counts per script (the
    browser's own work under its own name) and per function."""
    from benchmarks.page_profile import shares

    def node(name: str, url: str, hits: int, line: int = 0) -> dict[str, object]:
        frame = {"functionName": name, "url": url, "lineNumber": line}
        return {"callFrame": frame, "hitCount": hits}

    profile = {
        "nodes": [
            node("render", "http://h/_dash-component-suites/dash/dash_renderer.min.js?v=1", 6, 3),
            node("", "http://h/_dash-component-suites/dash/dash_renderer.min.js?v=1", 2, 9),
            node("(program)", "", 4),
            node("(root)", "", 0),
        ]
    }
    total, by_script, by_function = shares(profile)
    assert total == 12
    assert by_script == {"dash_renderer.min.js": 8, "(browser: layout, paint, GC)": 4}
    assert by_function["render (dash_renderer.min.js:3)"] == 6
    assert by_function["(anonymous) (dash_renderer.min.js:9)"] == 2
