"""How cost grows with the store (issue #11, item 4): on stores of 10,000, 100,000 and
1,000,000 seeded cases (SQLite and PostgreSQL), the p95 of every read the pages and the API make
(`benchmarks.bigstore`'s queries, the counting reads from the counters, the API over HTTP from a
real web process), the rate at which the real ingest worker stores new events into that store,
the store's size on disk and the peak RSS of the web and ingest processes.

The baseline, measured in the same run: the smallest store's p95 for the reads, and the same
events ingested into an empty store for the ingest. "Flat" (the target) means the largest store
answers within 1.5 × the smallest's p95, or within 5 ms of it (below that, timer and scheduler
noise on a shared machine decide); ingest's cost per entry at the largest store at most 1.5 ×
its cost on an empty store (#11, item 2).

    python -m benchmarks.growth [--quick] [--sizes 10000,100000,1000000] [--plot FILE.png]

`KUP_BENCH_GROWTH_SIZES` sets the sizes for `benchmarks.run`.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from benchmarks.bigstore import COUNTING, QUERIES, StoreResult, ingest_on_store, run_store
from benchmarks.common import (
    Table,
    ms,
    percentile,
    postgres_ok,
    postgres_schema,
    redis_server,
    workdir,
)
from data.db import make_engine
from data.schema import upgrade
from tests.support.stores import sqlite_url

SIZES = (10_000, 100_000, 1_000_000)
QUICK_SIZES = (500, 2_000)
FLAT_RATIO = 1.5  # the largest store's p95 over the smallest's
FLAT_MARGIN_MS = 5.0  # differences below this are noise, not growth
INGEST_RATIO = 1.5  # cost per entry at the largest store over an empty one's


@dataclass
class Growth:
    """One store kind's results at every size, and its ingest into an empty store."""

    store: str
    empty_ingest_rate: float = 0.0
    sizes: dict[int, StoreResult] = field(default_factory=dict)
    disk_mb: dict[int, float] = field(default_factory=dict)


def store_size_mb(url: str) -> float:
    """The store's size on disk: an SQLite file with its write-ahead log, or the tables and
    their indexes of the PostgreSQL schema the URL names."""
    engine = make_engine(url)
    try:
        if engine.dialect.name == "sqlite":
            path = Path(str(engine.url.database))
            files = [path, path.with_name(path.name + "-wal")]
            return sum(f.stat().st_size for f in files if f.exists()) / 2**20
        with engine.connect() as conn:
            size = conn.scalar(
                text(
                    "SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0) FROM pg_class c "
                    "JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"
                )
            )
        return float(size or 0) / 2**20
    finally:
        engine.dispose()


def _stores(
    tmp: Path, postgres: bool
) -> list[tuple[str, Callable[[str], AbstractContextManager[str]]]]:
    """(store, a context giving a fresh store's URL by name) for SQLite and, if asked and
    reachable, PostgreSQL."""
    stores: list[tuple[str, Callable[[str], AbstractContextManager[str]]]] = [
        ("SQLite", lambda name: nullcontext(sqlite_url(tmp, f"{name}.db")))
    ]
    if postgres and postgres_ok():
        stores.append(("PostgreSQL", lambda name: postgres_schema("kup_growth")))
    return stores


def measure(sizes: tuple[int, ...], repeat: int, events: int, postgres: bool) -> list[Growth]:
    """Every store kind at every size (and its empty-store ingest), one after the other."""
    found: list[Growth] = []
    with redis_server() as server, workdir("kup-bench-growth-") as tmp:
        for store, fresh in _stores(tmp, postgres):
            growth = Growth(store)
            with fresh("empty") as url:
                engine = make_engine(url)
                upgrade(engine)
                engine.dispose()
                growth.empty_ingest_rate, _ = ingest_on_store(url, server.url, tmp, events)
            for size in sizes:
                with fresh(f"store{size}") as url:
                    result = run_store(store, url, size, repeat, True, tmp, server.url, events)
                    growth.sizes[size] = result
                    growth.disk_mb[size] = store_size_mb(url)
            found.append(growth)
    return found


def flat(smallest_ms: float, largest_ms: float) -> bool:
    """Whether a read's p95 stayed flat from the smallest store to the largest."""
    return largest_ms <= max(smallest_ms * FLAT_RATIO, smallest_ms + FLAT_MARGIN_MS)


def _p95(samples: list[float] | None) -> float | None:
    return ms(percentile(samples, 95)) if samples else None


def reads(result: StoreResult) -> Iterator[tuple[str, float | None]]:
    """Every read timed on a store: the pages' and the API's queries, the counting reads from
    the counters (not the scans they replaced), the API over HTTP; (name, p95 ms)."""
    for name, _ in QUERIES:
        yield name, _p95(result.timings.get(name))
    for name, _ in COUNTING:
        counted = result.counting.get(name)
        yield f"{name} (counters)", _p95(counted[0] if counted else None)
    for name, samples in result.http.items():
        yield name, _p95(samples)


def growth_tables(found: list[Growth], sizes: tuple[int, ...]) -> list[Table]:
    """Per store kind: the p95 of every read at every size, the slope and the flat target;
    then ingest, disk and memory at every size."""
    tables = []
    heading = [f"{n:,} p95 ms" for n in sizes]
    for growth in found:
        table = Table(
            f"Growth: {growth.store}, p95 of each read by stored cases",
            ["read", *heading, "largest ÷ smallest", "flat"],
        )
        by_size = {n: dict(reads(r)) for n, r in growth.sizes.items()}
        for name in by_size[sizes[0]]:
            cells = [by_size[n].get(name) for n in sizes]
            first, last = cells[0], cells[-1]
            if first is None or last is None:
                continue
            table.add(
                name, *cells, last / first if first else 0.0, "yes" if flat(first, last) else "NO"
            )
        table.notes.append(
            f"flat: the largest store's p95 ≤ {FLAT_RATIO} × the smallest's, or within "
            f"{FLAT_MARGIN_MS:.0f} ms of it; each read in a fresh session after one warm-up"
        )
        tables.append(table)
    side = Table(
        "Growth: ingest, disk and memory by stored cases",
        [
            "store",
            "cases",
            "open",
            "ingest entries/s",
            "cost per entry × empty",
            f"≤ {INGEST_RATIO}",
            "store on disk MB",
            "web RSS MB",
            "ingest RSS MB",
        ],
    )
    for growth in found:
        side.add(growth.store, 0, 0, growth.empty_ingest_rate, 1.0, "", "", "", "")
        for n in sizes:
            r = growth.sizes[n]
            rate = r.ingest_rate or 0.0
            cost = growth.empty_ingest_rate / rate if rate else 0.0
            side.add(
                growth.store,
                r.cases,
                r.open,
                rate,
                cost,
                "yes" if 0 < cost <= INGEST_RATIO else "NO",
                growth.disk_mb[n],
                r.web_rss,
                r.ingest_rss,
            )
    side.notes.append(
        "ingest: `kup-console ingest` storing the same new events (registrations and their "
        "changes) into each store; cost per entry × empty = the empty store's rate ÷ this one's"
    )
    tables.append(side)
    return tables


def plot(found: list[Growth], sizes: tuple[int, ...], path: Path) -> None:
    """A picture of the slopes: p95 of every read against stored cases (log-log), one panel
    per store kind, rendered to PNG by Chromium."""
    import plotly.graph_objects as go
    from playwright.sync_api import sync_playwright
    from plotly.subplots import make_subplots

    figure = make_subplots(rows=1, cols=len(found), subplot_titles=[g.store for g in found])
    for col, growth in enumerate(found, 1):
        by_size = {n: dict(reads(r)) for n, r in growth.sizes.items()}
        for i, name in enumerate(by_size[sizes[0]]):
            ys = [by_size[n].get(name) for n in sizes]
            figure.add_trace(
                go.Scatter(
                    x=list(sizes),
                    y=ys,
                    mode="lines+markers",
                    line={"dash": ("solid", "dash", "dot")[i // 10 % 3]},
                    name=name,
                    legendgroup=name,
                    showlegend=col == 1,
                ),
                row=1,
                col=col,
            )
        figure.update_xaxes(type="log", title_text="stored cases", row=1, col=col)
        figure.update_yaxes(type="log", title_text="p95 ms", row=1, col=col)
    figure.update_layout(
        width=1400,
        height=860,
        legend={"font": {"size": 11}},
        title="kup-console: p95 of each read by stored cases",
    )
    with workdir("kup-bench-plot-") as tmp:
        html = tmp / "growth.html"
        figure.write_html(str(html), include_plotlyjs=True, full_html=True)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=os.environ.get("KUP_CHROMIUM", "/usr/bin/chromium")
            )
            page = browser.new_page(viewport={"width": 1400, "height": 860})
            page.goto(html.as_uri())
            page.wait_for_selector(".main-svg")
            page.screenshot(path=str(path))
            browser.close()


def _sizes(text_value: str | None, default: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(int(n) for n in text_value.split(",")) if text_value else default


def run(
    quick: bool = False, sizes: tuple[int, ...] | None = None, plot_to: Path | None = None
) -> list[Table]:
    """The growth tables (quick: two small SQLite stores, for CI)."""
    chosen = sizes or _sizes(
        os.environ.get("KUP_BENCH_GROWTH_SIZES"), QUICK_SIZES if quick else SIZES
    )
    found = measure(
        chosen, repeat=2 if quick else 20, events=300 if quick else 20_000, postgres=not quick
    )
    if plot_to is not None:
        plot(found, chosen, plot_to)
    return growth_tables(found, chosen)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.growth")
    parser.add_argument("--quick", action="store_true", help="two small SQLite stores (CI)")
    parser.add_argument(
        "--sizes", help="stored cases, comma-separated (default 10000,100000,1000000)"
    )
    parser.add_argument("--plot", type=Path, help="also draw the slopes to this PNG file")
    args = parser.parse_args(argv)
    sizes = _sizes(args.sizes, QUICK_SIZES if args.quick else SIZES)
    for table in run(args.quick, sizes, args.plot):
        print(table.render(), flush=True)


if __name__ == "__main__":
    main()
