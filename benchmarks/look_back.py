"""Looking back (`as_of`, data/as_of.py): what a first look at a past instant costs (the cases
changed since, replayed from their events) and what the pages' reads cost while looking back,
beside the same reads live, on a seeded store (SQLite and PostgreSQL).

For each distance back (an hour, a day, a week) the first look is timed (finding the changed
cases, replaying them, the first connection's temporary views), then the reads the live and
overdue pages and the API run: the status counts, the first 100 overdue cases, the workload by
district, a case's detail, each the median of a few runs, beside the same read on the live
store (its ratio: how much slower the past is than the present).
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import Table, ms, postgres_ok, postgres_schema, workdir
from data import case_record, workload_counts
from data.as_of import LookBacks
from data.case_lists import case_summaries
from data.consumer import intake_rules
from data.db import make_engine, make_sessionmaker
from data.live_page import status_counts
from data.models import Case
from data.queries import CaseFilter
from data.schema import upgrade
from data.seed import seed_cases
from rules.clock import DEFAULT_TZ, zone

DUE_SOON = timedelta(hours=24)
TZ = zone(DEFAULT_TZ)
DISTANCES = (("1 h", timedelta(hours=1)), ("24 h", timedelta(hours=24)), ("7 d", timedelta(days=7)))
FIRST_LOOK_TARGET_S = 2.0  # the first look a day back, on the full store
READ_TARGET_MS = 1000.0  # each page read while looking back


def _reads(reg_no: str) -> dict[str, Callable[[Session, datetime], Any]]:
    every = CaseFilter()
    return {
        "status counts": lambda s, at: status_counts(s, every, at, DUE_SOON),
        "100 overdue": lambda s, at: case_summaries(
            s, CaseFilter(status="overdue"), at, DUE_SOON, limit=100
        ),
        "workload by district": lambda s, at: workload_counts.district_workload(
            s, every, at, DUE_SOON, tz=TZ
        ),
        "case detail": lambda s, at: case_record.case_detail(s, reg_no, None, at, DUE_SOON),
    }


def _median_ms(sessions: sessionmaker[Session], read: Callable[..., Any], at: datetime) -> float:
    times = []
    for _ in range(3):
        with sessions() as s:
            t0 = time.perf_counter()
            read(s, at)
            times.append(ms(time.perf_counter() - t0))
    return statistics.median(times)


def measure(url: str, cases: int, table: Table, store: str) -> None:
    engine: Engine = make_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    seed_cases(engine, cases, seed=11, now=now, per_day=max(cases / 60, 50))
    with engine.connect() as conn:
        reg_no = conn.scalar(select(Case.reg_no).order_by(func.random()).limit(1)) or ""
    live = make_sessionmaker(engine)
    reads = _reads(reg_no)
    baseline = {name: _median_ms(live, read, now) for name, read in reads.items()}
    for label, back in DISTANCES:
        looks = LookBacks(engine, intake_rules())
        at = now - back
        t0 = time.perf_counter()
        then = looks.sessions(at)
        with then() as s:  # the first connection: its temporary views
            s.scalar(select(func.count()).select_from(Case))
        first = time.perf_counter() - t0
        with then() as s:
            shown = s.scalar(select(func.count()).select_from(Case)) or 0
        look = looks.looked(at)
        touched = len(look.touched) if look else 0
        table.add(store, label, "first look", f"{first:.2f} s", f"{touched:,} changed", "", "")
        for name, read in reads.items():
            past = _median_ms(then, read, at)
            ratio = past / baseline[name] if baseline[name] else float("nan")
            target = "ok" if past <= READ_TARGET_MS else "MISSED"
            table.add(
                store, label, name, round(past, 1), f"{shown:,} cases", round(ratio, 1), target
            )
        looks.close()
    engine.dispose()


def run(quick: bool = False) -> list[Table]:
    cases = 2_000 if quick else 200_000
    table = Table(
        f"Looking back: {cases:,} cases",
        ["store", "back", "read", "ms (or s)", "store then", "× live", "≤ 1 s"],
        notes=[
            f"first look: finding the cases changed since, replaying them, the first "
            f"connection's views; target ≤ {FIRST_LOOK_TARGET_S:.0f} s a day back on 200,000 "
            "cases",
            "each read: the median of 3, in a fresh session; × live: the same read on the live "
            "store in the same run",
        ],
    )
    with workdir("kup-lookback-") as tmp:
        measure(f"sqlite:///{tmp / 'kup.db'}", cases, table, "SQLite")
    if postgres_ok():
        with postgres_schema() as url:
            measure(url, cases, table, "PostgreSQL")
    return [table]
