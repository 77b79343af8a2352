"""Real processes and probes for fault tests: `kup-console` commands run as subprocesses
(killed, terminated, restarted at will), waiting for a condition, and what the store and the
stream hold
(to check that every entry ended in exactly one place)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

import redis
from sqlalchemy import Engine, func, select, text

from data.models import Case, DeadLetter, EventRow
from data.reference import load_geography
from data.simulator import Simulator

REPO = Path(__file__).resolve().parents[2]
T = TypeVar("T")


def wait_until(
    probe: Callable[[], T], what: str, timeout: float = 60.0, interval: float = 0.05
) -> T:
    """Poll `probe` until it returns something truthy and return that; fail after `timeout`
    seconds (a bound on liveness, not a speed requirement)."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def scratch_dir(prefix: str) -> Path:
    """A new folder of its own under the system's temporary folder (kept afterwards)."""
    return Path(tempfile.mkdtemp(prefix=prefix))


class CliProcess:
    """`python -m console.cli ARGS` as a real process, configured through its environment (the
    repository on PYTHONPATH, `workdir` as KUP_DATA_DIR) and its output appended to `log_path`;
    killed, terminated and restarted at will."""

    log_name = "cli.log"

    def __init__(
        self, workdir: Path, env: dict[str, str], extra_env: dict[str, str] | None = None
    ) -> None:
        self.workdir = workdir
        self.env = {
            **os.environ,
            **env,
            "KUP_DATA_DIR": str(workdir),
            "PYTHONPATH": str(REPO),
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen | None = None
        self.starts = 0

    @property
    def log_path(self) -> Path:
        return self.workdir / self.log_name

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _spawn(self, *args: str) -> None:
        """Start (or restart) `console.cli ARGS`."""
        assert not self.running, "already running"
        log = open(self.log_path, "ab")  # noqa: SIM115 - the child keeps it open
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "console.cli", *args],
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        finally:
            log.close()
        self.starts += 1

    def kill(self) -> None:
        """SIGKILL: no chance to finish anything (connections dropped, nothing flushed)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def terminate(self, timeout: float = 60.0) -> int:
        """SIGTERM, then wait for the exit code."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=timeout)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class IngestProcess(CliProcess):
    """`kup-console ingest` (its data folder of its own)."""

    log_name = "ingest.log"

    def __init__(
        self,
        *,
        db_url: str,
        redis_url: str,
        consumer: str = "proc-1",
        stream: str = "kup:events",
        group: str = "kup-console",
        batch_size: int = 500,
        block_ms: int = 200,
        claim_idle_ms: int = 60_000,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        super().__init__(
            scratch_dir("kup-ingest-"),
            {
                "DATABASE_URL": db_url,
                "REDIS_URL": redis_url,
                "KUP_STREAM": stream,
                "KUP_GROUP": group,
                "KUP_CONSUMER": consumer,
                "KUP_BATCH_SIZE": str(batch_size),
                "KUP_BLOCK_MS": str(block_ms),
                "KUP_CLAIM_IDLE_MS": str(claim_idle_ms),
            },
            extra_env,
        )
        self.consumer = consumer

    def start(self) -> IngestProcess:
        """Start (or restart) the worker."""
        self._spawn("ingest")
        return self

    def close(self) -> None:
        if self.running:
            self.kill()


# --- what the stream and the store hold ---------------------------------------------------


def stream_ids(client: redis.Redis, stream: str) -> list[str]:
    """Every entry id in the stream, oldest first."""
    return [_text(entry_id) for entry_id, _ in client.xrange(stream)]


def stream_entries(client: redis.Redis, stream: str) -> dict[str, dict[bytes, bytes]]:
    return {_text(entry_id): fields for entry_id, fields in client.xrange(stream)}


def pending_count(client: redis.Redis, stream: str, group: str) -> int:
    try:
        return int(client.xpending(stream, group)["pending"])
    except redis.ResponseError:
        return 0


def pending_ids(client: redis.Redis, stream: str, group: str) -> set[str]:
    try:
        rows = client.xpending_range(stream, group, "-", "+", count=1_000_000)
    except redis.ResponseError:
        return set()
    return {_text(row["message_id"]) for row in rows}


def last_delivered(client: redis.Redis, stream: str, group: str) -> str:
    for info in client.xinfo_groups(stream):
        if _text(info["name"]) == group:
            return _text(info["last-delivered-id"])
    return "0-0"


def dead_stream_sources(client: redis.Redis, dead_stream: str) -> list[str]:
    """`source_id` of every entry of the dead-letter stream (with repeats, if any)."""
    return [_text(fields[b"source_id"]) for _, fields in client.xrange(dead_stream)]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class StoreContents:
    """Stream ids and event ids the store holds."""

    event_stream_ids: list[str]
    event_ids: list[str]
    dead_source_ids: list[str]
    cases: int


def store_contents(engine: Engine) -> StoreContents:
    with engine.connect() as conn:
        events = conn.execute(select(EventRow.stream_id, EventRow.event_id)).all()
        dead = conn.scalars(select(DeadLetter.source_id)).all()
        cases = conn.scalar(select(func.count()).select_from(Case)) or 0
    return StoreContents([s for s, _ in events], [e for _, e in events], list(dead), cases)


def event_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(EventRow)) or 0)


def case_rows(engine: Engine) -> list[tuple]:
    """Every case row (all columns), sorted: two stores that ingested the same stream match."""
    with engine.connect() as conn:
        return sorted(tuple(row) for row in conn.execute(select(Case)).all())


def check_exactly_once(
    client: redis.Redis, engine: Engine, stream: str, dead_stream: str
) -> dict[str, int]:
    """Assert every stream entry ended in exactly one place: stored as an event, recorded as a
    dead letter (in the store and once in the dead-letter stream), or a duplicate of a stored
    event; return the tally."""
    entries = stream_entries(client, stream)
    store = store_contents(engine)
    stored, dead = set(store.event_stream_ids), set(store.dead_source_ids)
    assert len(store.event_ids) == len(set(store.event_ids)), "an event stored twice"
    assert len(store.dead_source_ids) == len(dead), "a dead letter recorded twice"
    assert not stored & dead, "an entry both stored and dead-lettered"
    assert stored | dead <= set(entries), "the store names entries the stream never had"
    event_ids = set(store.event_ids)
    duplicates = 0
    for stream_id, fields in entries.items():
        if stream_id in stored or stream_id in dead:
            continue
        event_id = fields.get(b"event_id", b"").decode("utf-8", "replace")
        assert event_id in event_ids, f"entry {stream_id} lost (event {event_id!r} not stored)"
        duplicates += 1
    copies = dead_stream_sources(client, dead_stream)
    assert len(copies) == len(set(copies)), "an entry copied twice to the dead-letter stream"
    assert set(copies) == dead, "dead-letter stream and store disagree"
    return {
        "entries": len(entries),
        "stored": len(stored),
        "dead": len(dead),
        "duplicates": duplicates,
    }


def simulated_events(
    count: int,
    seed: int = 7,
    bad_rate: float = 0.01,
    duplicate_rate: float = 0.01,
    end: datetime | None = None,
) -> list[dict[str, str]]:
    """`count` realistic entries (every event type, some duplicates and malformed ones) of
    the month before `end` (default: an hour ago)."""
    end = end or datetime.now(UTC) - timedelta(hours=1)
    sim = Simulator(
        load_geography(),
        seed=seed,
        bad_rate=bad_rate,
        duplicate_rate=duplicate_rate,
        registrations_per_day=max(count / 8, 100),
    )
    events: list[dict[str, str]] = []
    for fields in sim.backfill(end - timedelta(days=30), end):
        events.append(fields)
        if len(events) >= count:
            break
    return events


def backends(engine: Engine, application_name: str) -> int:
    """How many sessions of `application_name` the PostgreSQL server holds (besides the one
    asking)."""
    return _over_sessions(engine, application_name, "count(*)")


def terminate_backends(engine: Engine, application_name: str) -> int:
    """pg_terminate_backend every session of `application_name` (a lost connection, as when
    PostgreSQL restarts); return how many were terminated."""
    return _over_sessions(engine, application_name, "count(pg_terminate_backend(pid))")


def _over_sessions(engine: Engine, application_name: str, aggregate: str) -> int:
    """`aggregate` over the server's sessions of `application_name` (not the asking one)."""
    with engine.connect() as conn:
        found = conn.execute(
            text(
                f"SELECT {aggregate} FROM pg_stat_activity "
                "WHERE application_name = :name AND pid <> pg_backend_pid()"
            ),
            {"name": application_name},
        ).scalar()
        conn.commit()
    return int(found or 0)


def with_application_name(url: str, name: str) -> str:
    """A PostgreSQL URL whose sessions carry `name` (to find and terminate them)."""
    return f"{url}{'&' if '?' in url else '?'}application_name={name}"


def chunks(items: list[T], size: int) -> Iterable[list[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def consumer_pending(client: redis.Redis, stream: str, group: str, consumer: str) -> int:
    """Entries delivered to `consumer` and not acknowledged."""
    try:
        consumers = client.xinfo_consumers(stream, group)
    except redis.ResponseError:
        return 0
    return next((int(c["pending"]) for c in consumers if _text(c["name"]) == consumer), 0)


def drained(client: redis.Redis, stream: str, group: str) -> bool:
    """The group has been given the stream's last entry and acknowledged everything."""
    ids = client.xrevrange(stream, count=1)
    if not ids:
        return True
    return (
        last_delivered(client, stream, group) == _text(ids[0][0])
        and pending_count(client, stream, group) == 0
    )


def acknowledged_but_not_stored(
    client: redis.Redis, engine: Engine, stream: str, group: str
) -> set[str]:
    """Entries the group acknowledged that the store has neither stored, dead-lettered, nor
    holds as a duplicate: must always be empty. Redis is read first (the group's progress, then
    its pending list), the store after: the store only grows, so no false alarm."""
    upto = _parse(last_delivered(client, stream, group))
    pending = pending_ids(client, stream, group)
    entries = stream_entries(client, stream)
    store = store_contents(engine)
    stored, dead, event_ids = (
        set(store.event_stream_ids),
        set(store.dead_source_ids),
        set(store.event_ids),
    )
    missing = set()
    for stream_id, fields in entries.items():
        if _parse(stream_id) > upto or stream_id in pending:
            continue  # not acknowledged
        if stream_id in stored or stream_id in dead:
            continue
        if fields.get(b"event_id", b"").decode("utf-8", "replace") in event_ids:
            continue  # a duplicate of a stored event
        missing.add(stream_id)
    return missing


def _parse(stream_id: str) -> tuple[int, int]:
    ms, _, seq = stream_id.partition("-")
    return int(ms), int(seq or 0)


def batch_in_flight(
    client: redis.Redis, engine: Engine, stream: str, group: str, consumer: str, sample: int = 20
) -> bool:
    """`consumer` holds delivered entries none of which the store has yet: a batch is being
    worked on, not merely waiting for its acknowledgement."""
    rows = client.xpending_range(stream, group, "-", "+", count=sample, consumername=consumer)
    ids = [_text(row["message_id"]) for row in rows]
    if not ids:
        return False
    with engine.connect() as conn:
        stored = conn.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.stream_id.in_(ids))
        )
        dead = conn.scalar(
            select(func.count()).select_from(DeadLetter).where(DeadLetter.source_id.in_(ids))
        )
    return not stored and not dead
