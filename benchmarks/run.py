"""Run the benchmarks and print their tables (Markdown).

    python -m benchmarks.run [--quick] [--only NAME ...] [--markdown FILE]

`--quick` runs every benchmark at a small scale (the whole run in about four minutes on a
2-core machine; CI runs it to check the benchmarks work, not how fast). Each table compares
kup-console with a baseline measured in the same run.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import platform
import sqlite3
import sys
import time
from datetime import UTC, datetime

from benchmarks.common import Table

log = logging.getLogger("benchmarks")

# name -> module with run(quick: bool) -> list[Table]; in the order they run.
BENCHMARKS = {
    "ingest": "benchmarks.ingest",
    "bigstore": "benchmarks.bigstore",
    "e2e": "benchmarks.e2e",
    "push": "benchmarks.push_vs_polling",
    "viewers": "benchmarks.viewers",
    "look_back": "benchmarks.look_back",
    "growth": "benchmarks.growth",
}


def environment() -> str:
    """One line on the machine and the servers the figures come from."""
    import subprocess

    from benchmarks.common import postgres_ok
    from tests.support.servers import redis_executable

    redis_version = (
        subprocess.run(
            [redis_executable(), "--version"], capture_output=True, text=True, check=True
        )
        .stdout.split()[2]
        .removeprefix("v=")
    )
    pg = "unavailable"
    if postgres_ok():
        from sqlalchemy import text

        from data.db import make_engine
        from tests.support.servers import POSTGRES_URL

        engine = make_engine(POSTGRES_URL)
        with engine.connect() as conn:
            pg = str(conn.scalar(text("SHOW server_version"))).split()[0]
        engine.dispose()
    return (
        f"{os.cpu_count()} CPUs, {_memory_gb():.0f} GB RAM, Python "
        f"{platform.python_version()}, SQLite {sqlite3.sqlite_version}, PostgreSQL {pg}, "
        f"Redis {redis_version}; {load_average()}"
    )


def load_average() -> str:
    """The machine's 1-minute load average (other work running beside the benchmarks)."""
    try:
        return f"load average {os.getloadavg()[0]:.1f}"
    except OSError:  # pragma: no cover
        return "load average unknown"


def _memory_gb() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):  # pragma: no cover
        return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--quick", action="store_true", help="small scale (CI)")
    parser.add_argument(
        "--only",
        action="append",
        choices=list(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument("--markdown", metavar="FILE", help="also write the report to FILE")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    names = args.only or list(BENCHMARKS)
    command = (
        "python -m benchmarks.run"
        + (" --quick" if args.quick else "")
        + "".join(f" --only {n}" for n in args.only or [])
    )
    header = [
        f"# kup-console benchmarks{' (quick)' if args.quick else ''}",
        "",
        f"- command: `{command}`",
        f"- run at {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {environment()}",
        "",
    ]
    out = ["\n".join(header)]
    print(out[0], flush=True)
    failed = []
    started = time.perf_counter()
    for name in names:
        t0 = time.perf_counter()
        try:
            tables: list[Table] = importlib.import_module(BENCHMARKS[name]).run(quick=args.quick)
        except Exception as exc:  # report and go on with the others
            log.exception("benchmark %s failed", name)
            failed.append(name)
            text_out = f"### {name}: FAILED ({type(exc).__name__}: {exc})\n"
        else:
            text_out = "\n".join(t.render() for t in tables)
        text_out += f"\n_{name}: {time.perf_counter() - t0:.0f} s; {load_average()}_\n"
        print(text_out, flush=True)
        out.append(text_out)
    footer = f"_total: {time.perf_counter() - started:.0f} s; {load_average()} at the end_\n"
    print(footer)
    out.append(footer)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write("\n".join(out))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
