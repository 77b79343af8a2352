"""Core commands: config, db upgrade|status, ingest, simulate, export, demo."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import itertools
import json
import logging
import os
import random
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from sqlalchemy.engine import make_url

from components.export import case_table, write_csv, write_xlsx
from components.i18n import DEFAULT_LANG, LANGUAGES
from console.config import Settings, load_settings
from console.progress import counted, progress
from console.runtime import (
    Services,
    ingest_worker,
    spawn,
    stop_on_signals,
    stop_processes,
    store_services,
)
from data import audit, streams
from data.case_lists import iter_case_summaries
from data.queries import STATUSES, CaseFilter
from data.reference import load_geography
from data.schema import SchemaNotCurrent, schema_status, upgrade
from data.sim_state import stored_state
from data.simulator import Simulator
from rules.clock import local_iso

log = logging.getLogger("kup")

DEMO_PER_DAY = 1000.0  # registrations a day in the simulated country
DEMO_BAD_RATE = 0.002  # share of malformed entries (the dead-letter page has some to show)
DEMO_TICK = 1.0  # seconds between live batches
DEMO_WARM_UP = timedelta(days=60)
DEMO_LOOKBACK = timedelta(minutes=30)


def add_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="print the effective settings (secrets masked)")
    p.set_defaults(handler=cmd_config)

    p = sub.add_parser("db", help="the store's schema")
    p.add_argument(
        "action",
        choices=["upgrade", "status"],
        help="upgrade: apply the migrations this kup-console brings (the only command that "
        "changes a schema, besides the demo); status: the store's revision against this "
        "kup-console's (non-zero exit if they differ)",
    )
    p.set_defaults(handler=cmd_db)

    p = sub.add_parser("ingest", help="run an ingest worker (a consumer in the group)")
    p.add_argument("--consumer", help="consumer name (default: host-pid)")
    p.set_defaults(handler=cmd_ingest)

    p = sub.add_parser("simulate", help="write realistic registry events to the stream")
    p.add_argument("--rate", type=float, default=1.0, help="new registrations per second")
    p.add_argument(
        "--backfill-days", type=float, default=0.0, help="first write this many days of history"
    )
    p.add_argument("--bad-rate", type=float, default=0.0, help="share of malformed entries")
    p.add_argument("--seed", type=int, help="random seed (deterministic output)")
    p.add_argument(
        "--per-day",
        type=float,
        default=600.0,
        help="registrations per day in the backfilled history",
    )
    p.add_argument("--duration", type=float, help="stop after this many seconds of live events")
    p.set_defaults(handler=cmd_simulate)

    p = sub.add_parser(
        "export",
        help="export cases: JSON lines (codes, for programs), or an Excel workbook or CSV for "
        "Excel in the words of --lang",
    )
    p.add_argument(
        "--status",
        choices=STATUSES,
        default="all",
        help="'open' means every undecided case (overdue and due-soon included)",
    )
    p.add_argument("--district", help="SOATE code")
    p.add_argument("--region", help="ISO 3166-2 code, e.g. KG-C")
    p.add_argument(
        "--format",
        choices=["jsonl", "xlsx", "csv"],
        default="jsonl",
        help="jsonl: one JSON object per case, codes and ISO 8601 local times (default); "
        "xlsx: an Excel workbook; csv: for Excel (byte-order mark, `;` in Russian)",
    )
    p.add_argument(
        "--output", metavar="FILE", help="write to FILE (needed for xlsx; default: standard output)"
    )
    p.add_argument(
        "--lang", choices=LANGUAGES, default=DEFAULT_LANG, help="language of xlsx and csv"
    )
    p.set_defaults(handler=cmd_export)

    p = sub.add_parser(
        "demo",
        help="embedded Redis + SQLite, simulated history and live events; a restart carries on "
        "from the stored cases (--fresh starts over)",
    )
    p.add_argument(
        "--backfill-days",
        type=float,
        default=30.0,
        help="days of simulated history written on a first start (default 30); a restart fills "
        "only the time the demo was stopped, up to this many days",
    )
    p.add_argument(
        "--per-day",
        type=float,
        default=DEMO_PER_DAY,
        help=f"registrations a day in the simulated country (default {DEMO_PER_DAY:g}), in the "
        "history and live alike, with the same hourly rhythm; decisions keep pace",
    )
    p.add_argument(
        "--seed", type=int, default=2026, help="random seed of the simulation (default 2026)"
    )
    p.add_argument(
        "--fresh",
        action="store_true",
        help="start over: delete the demo's own SQLite store and its stream in the embedded "
        "Redis first (refused when DATABASE_URL or REDIS_URL points elsewhere)",
    )
    p.add_argument(
        "--duration",
        type=float,
        help="stop after this many seconds of live events (default: run until Ctrl-C)",
    )
    p.add_argument("--no-web", action="store_true", help="only intake, no web console")
    p.add_argument(
        "--host", default="127.0.0.1", help="address the web console listens on (127.0.0.1)"
    )
    p.add_argument("--port", type=int, default=8050, help="port of the web console (8050)")
    p.set_defaults(handler=cmd_demo)


def cmd_config(_: argparse.Namespace) -> int:
    for key, value in load_settings().masked().items():
        print(f"{key:16} {value}")
    return 0


def cmd_db(args: argparse.Namespace) -> int:
    services = Services.from_env()
    where = services.settings.masked()["database_url"]
    if args.action == "status":
        status = schema_status(services.engine)
        print(
            f"{where}: schema revision {status.current or 'none'}, this kup-console's {status.head}"
        )
        if not status.is_current:
            raise SchemaNotCurrent(status)
        return 0
    before = upgrade(services.engine)
    if before.is_current:
        print(f"schema already at revision {before.head} on {where}")
    elif before.current is None:
        print(f"schema created at revision {before.head} on {where}")
    else:
        print(f"schema migrated from revision {before.current} to {before.head} on {where}")
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    services = store_services(**({"consumer": args.consumer} if args.consumer else {}))
    worker = ingest_worker(services.settings, services.engine, services.redis_url)
    stop_on_signals(worker.stop)
    worker.run()
    return 0


def cmd_simulate(args: argparse.Namespace) -> int:
    if not 0 <= args.bad_rate <= 1:
        raise ValueError("--bad-rate must be between 0 and 1")
    services = Services.from_env()
    settings = services.settings
    client = streams.connect(services.redis_url)
    sim = Simulator(
        load_geography(),
        seed=args.seed,
        tz=settings.zone,
        bad_rate=args.bad_rate,
        registrations_per_day=args.per_day,
    )
    now = datetime.now(UTC)
    if args.backfill_days > 0:
        count = streams.append_events(
            client, settings.stream, sim.backfill(now - timedelta(days=args.backfill_days), now)
        )
        log.info("backfilled %d events over %.1f days", count, args.backfill_days)
    if args.rate <= 0:
        return 0
    stop = threading.Event()
    stop_on_signals(stop)
    rng = random.Random(args.seed)
    started = time.monotonic()
    tick = 0.25
    while not stop.is_set():
        if args.duration is not None and time.monotonic() - started >= args.duration:
            break
        count = _poisson(rng, args.rate * tick)
        streams.append_events(client, settings.stream, sim.live(datetime.now(UTC), count))
        stop.wait(tick)
    return 0


def _poisson(rng: random.Random, mean: float) -> int:
    """Number of arrivals in a tick (Poisson by inversion; fine for small means)."""
    threshold, count, product = pow(2.718281828459045, -mean), 0, rng.random()
    while product > threshold:
        count += 1
        product *= rng.random()
    return count


def cmd_export(args: argparse.Namespace) -> int:
    if args.format == "xlsx" and not args.output:
        raise ValueError("--format xlsx writes a file: give it with --output FILE")
    services = store_services()
    settings = services.settings
    tz = settings.zone
    flt = CaseFilter(status=args.status, district=args.district, region=args.region)
    now = datetime.now(UTC)
    due_soon = settings.due_soon
    try:
        with services.sessions() as session, progress("cases exported") as update:
            cases = iter_case_summaries(session, flt, now, due_soon)
            rows = (case.as_dict() for case in counted(cases, update))
            exported = _write_export(args, rows, tz)
    except BrokenPipeError:  # the reader went away (`| head`): `kup-console` ends quietly
        _audit_export(services, args, None)  # it took some rows: how many is not known
        raise
    except OSError as exc:
        raise ValueError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    _audit_export(services, args, exported)
    return 0


def _audit_export(services: Services, args: argparse.Namespace, rows: int | None) -> None:
    """Record the export in the audit log (`rows` None: its reader stopped before the end)."""
    with services.writer.begin() as session:
        audit.record(
            session,
            f"cli:{getpass.getuser()}",
            "export",
            "cli export",
            {
                "status": args.status,
                "district": args.district,
                "region": args.region,
                "format": args.format,
                "rows": rows,
            },
        )


def _write_export(args: argparse.Namespace, rows: Iterator[dict[str, object]], tz: ZoneInfo) -> int:
    """Write the rows in the export's format to --output or standard output; how many."""
    if args.format == "xlsx":
        return write_xlsx(args.output, case_table(rows, args.lang, tz), args.lang)
    with contextlib.ExitStack() as stack:
        out = (
            stack.enter_context(open(args.output, "w", encoding="utf-8", newline=""))
            if args.output
            else sys.stdout
        )
        if args.format == "csv":
            return write_csv(out, case_table(rows, args.lang, tz), args.lang)
        exported = 0
        for row in rows:
            exported += 1
            out.write(json.dumps(_exportable(row, tz), ensure_ascii=False) + "\n")
        return exported


def _exportable(row: dict[str, object], tz: ZoneInfo) -> dict[str, object]:
    """Timestamps as ISO 8601 in local time with their offset."""
    return {k: (local_iso(v, tz) if isinstance(v, datetime) else v) for k, v in row.items()}


def cmd_demo(args: argparse.Namespace) -> int:
    """Everything on one machine with no configuration: embedded Redis, SQLite, simulator,
    ingest worker (and the web console, when installed). A restart carries on from the store;
    --fresh deletes the demo's own store and stream first."""
    if args.per_day <= 0:
        raise ValueError("--per-day must be positive")
    if args.backfill_days < 0:
        raise ValueError("--backfill-days cannot be negative")
    # Signals set `stop` from the start: a KeyboardInterrupt raised while a child process is
    # forked (the embedded Redis, the workers) is lost in the fork's hooks.
    stop = threading.Event()
    stop_on_signals(stop)
    settings = load_settings().with_overrides(demo=True)
    if args.fresh:
        _wipe_demo_store(settings)
    if not args.no_web:  # sessions survive a restart of the demo
        from console.web.server import demo_secret

        settings = settings.with_overrides(
            secret_key=settings.secret_key or demo_secret(settings.data_dir)
        )
    services = Services(settings)
    if args.fresh:
        _wipe_demo_stream(services)
    services.migrated_engine()  # before the workers start
    env = dict(
        os.environ,
        REDIS_URL=services.redis_url,
        DATABASE_URL=settings.effective_database_url,
        KUP_DATA_DIR=str(settings.data_dir),
    )
    procs = [
        spawn([sys.executable, "-m", "console.cli", "ingest", "--consumer", "demo-1"], env=env),
        spawn([sys.executable, "-m", "console.cli", "notify", "worker"], env=env),
    ]
    log.info(
        "demo running: store %s, Redis %s",
        settings.masked()["database_url"],
        services.redis_url,
    )
    feed = threading.Thread(
        target=_demo_feed, args=(services, args, stop), name="demo-feed", daemon=True
    )
    feed.start()
    try:
        if args.no_web:
            while not stop.is_set() and feed.is_alive() and all(p.poll() is None for p in procs):
                stop.wait(1)
        else:
            from console.web.server import serve

            _demo_users(services)
            serve(services, host=args.host, port=args.port, stop=stop)
    finally:
        stop.set()
        feed.join(timeout=30)
        stop_processes(procs)
    return 0


def _demo_feed(services: Services, args: argparse.Namespace, stop: threading.Event) -> None:
    """The demo's registry: history, then live events at the same rate and rhythm. After a
    restart it carries on from the store: numbers after the stored ones, the open cases decided
    in their turn, the time the demo was stopped filled in (up to --backfill-days)."""
    settings = services.settings
    client = streams.connect(services.redis_url)
    _await_ingest(client, settings.streams, stop)
    state = stored_state(services.engine)
    now = datetime.now(UTC)
    start = now - timedelta(days=args.backfill_days)
    sim = Simulator(
        load_geography(),
        seed=f"{args.seed}:{state.cases}",  # a restart draws new events, not the same again
        tz=settings.zone,
        bad_rate=DEMO_BAD_RATE,
        registrations_per_day=args.per_day,
    )
    if state.cases:
        start = min(max(start, state.latest or start), now)
        sim.resume(state.numbers, state.open_cases, start)
        log.info(
            "demo: carrying on from %d stored cases (%d open), last event %s",
            state.cases,
            len(state.open_cases),
            local_iso(start, settings.zone),
        )
    # A first start draws up to two months more (twice the history at most), so the old cases
    # still open are there too and decisions keep pace from the first minute (a register in its
    # steady state). A restart draws the last half hour again: the reports the stopped run had
    # received but not yet registered were lost with it.
    warm_up = DEMO_LOOKBACK if state.cases else min(DEMO_WARM_UP, 2 * (now - start))
    history, written = sim.backfill(start, now, warm_up), 0
    while not stop.is_set():
        chunk = list(itertools.islice(history, 5000))
        if not chunk:
            break
        written += streams.append_events(client, settings.stream, chunk)
    log.info(
        "demo: %d events of history written, now %g registrations a day", written, args.per_day
    )
    ends = None if args.duration is None else time.monotonic() + args.duration
    while not stop.wait(DEMO_TICK):
        streams.append_events(client, settings.stream, sim.advance(datetime.now(UTC)))
        if ends is not None and time.monotonic() >= ends:
            stop.set()


def _await_ingest(client: redis.Redis, config: streams.StreamConfig, stop: threading.Event) -> None:
    """Wait (up to ten minutes) until the ingest worker has stored what the last run left in
    the stream (its group made if the last run stopped before), so that the store's numbers
    are the last ones given."""
    waited, deadline = False, time.monotonic() + 600
    while not stop.is_set() and time.monotonic() < deadline:
        view = streams.stream_view(client, config)
        if view is None or view.length == 0:
            return
        backlog = streams.group_backlog(client, config) if view.group_exists else None
        if backlog is not None and backlog.lag == 0 and backlog.pending == 0:
            return
        if not waited:
            log.info("demo: storing what the last run left in the stream first")
            waited = True
        stop.wait(0.5)


def _wipe_demo_store(settings: Settings) -> None:
    """Delete the demo's own SQLite store (refused for a store or Redis configured elsewhere)."""
    if settings.database_url or settings.redis_url:
        raise ValueError(
            "--fresh deletes only the demo's own store and stream (in KUP_DATA_DIR); "
            "unset DATABASE_URL and REDIS_URL to use it"
        )
    database = make_url(settings.effective_database_url).database
    if database:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(database + suffix).unlink(missing_ok=True)
    log.info("demo: starting over (store deleted)")


def _wipe_demo_stream(services: Services) -> None:
    """Delete the demo's stream and every key named after it (group, dead letters, sessions)."""
    client = streams.connect(services.redis_url)
    stream = services.settings.stream
    keys = [stream, *client.scan_iter(match=f"{stream}:*")]
    client.delete(*keys)


# Demo accounts (documented in the README); weak passwords, created in demo mode only.
DEMO_USERS = (
    ("duty", "duty", None),
    ("manager", "manager", None),
    ("manager-osh", "manager", "KG-O"),
    ("prosecutor", "prosecutor", None),
    ("admin", "admin", None),
)


def _demo_users(services: Services) -> None:
    """Create the demo users (password = username) that do not exist yet."""
    from data import users

    with services.writer.begin() as session:
        for name, role, region in DEMO_USERS:
            if users.find_user(session, name) is None:
                users.add_user(session, name, name, role, region, enforce_strength=False)
    log.info("demo users: %s (password = username)", ", ".join(n for n, _, _ in DEMO_USERS))
