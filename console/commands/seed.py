"""`kup-console seed`: fill the store with realistic generated cases, fast (for load tests,
benchmarks and demonstrations of a big register)."""

from __future__ import annotations

import argparse

from console.progress import progress
from console.runtime import store_services
from data.db import writer_engine
from data.seed import seed_cases


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("seed", help="write many realistic cases directly to the store")
    p.add_argument("--cases", type=int, default=100_000, help="how many (default 100000)")
    p.add_argument("--seed", type=int, help="random seed (the same seed, the same cases)")
    p.add_argument(
        "--per-day",
        type=float,
        default=2000.0,
        help="registrations per day: the cases span cases/per-day days up to now",
    )
    p.add_argument(
        "--no-events",
        action="store_true",
        help="cases only, without their events and deadline history",
    )
    p.set_defaults(handler=cmd_seed)


def cmd_seed(args: argparse.Namespace) -> int:
    if args.cases < 1:
        raise ValueError("--cases must be at least 1")
    if args.per_day <= 0:
        raise ValueError("--per-day must be positive")
    services = store_services()
    settings = services.settings
    with progress("cases", args.cases) as update:
        report = seed_cases(
            writer_engine(services.engine),  # its transactions read, then write: BEGIN IMMEDIATE
            args.cases,
            seed=args.seed,
            per_day=args.per_day,
            events=not args.no_events,
            tz=settings.zone,
            rule_set=settings.rule_set,
            progress=update,
        )
    print(
        f"seeded {report.cases:,} cases ({report.open:,} open, {report.overdue:,} overdue), "
        f"{report.events:,} events, {report.deadline_changes:,} deadline changes "
        f"in {report.seconds:.1f} s into {settings.masked()['database_url']}"
    )
    return 0
