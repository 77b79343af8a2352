"""A fast bulk seeder: a store with many realistic cases, written directly (no stream, no
ingest), for benchmarks and demonstrations at scale.

The cases follow the simulator's distributions (districts by population, categories, kinds,
sources, the daily rhythm, the lag of registration, assignments, extensions, decisions mostly
in time and some late or still pending), so the share of open, due-soon and overdue cases looks
like a real register's. Each case gets the events a registry would have sent (with their
contract fields, for the case page), applied through rules.lifecycle in the zone given (period
start, late registration, extensions, decisions), and its deadline history. Rows are written
in chunks: Core executemany on SQLite, COPY on PostgreSQL; on an empty store the secondary
indexes are dropped first and rebuilt at the end (one sort instead of a million random index
inserts).
"""

from __future__ import annotations

import bisect
import io
import itertools
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Engine, Table, func, insert, select, text

from data import aggregates, change_stamp
from data.db import insert_rows, json_text
from data.intake import STATE_COLUMNS, deadline_change_row
from data.models import Case, DeadlineChangeRow, EventRow
from data.reference import District, load_geography
from data.simulator import (
    AGENCIES,
    CATEGORY_WEIGHTS,
    DECISIONS,
    HOURLY,
    LATE_DECISION_SHARE,
    LATE_REGISTRATION_SHARE,
    MISDEMEANOR_PRONE,
    SOURCES,
    STREETS,
    URGENT,
    summary_text,
    unit_name,
)
from rules.clock import DEFAULT_TZ, local_date, zone
from rules.contract import SCHEMA_VERSION, Event
from rules.deadlines import case_status, get_rule_set, is_working_day
from rules.lifecycle import CaseState, DeadlineChange, apply_event, register_case

T = TypeVar("T")
CHUNK = 20_000
DAY_OFF_WEIGHT = 0.7
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_cases, _events, _changes = (
    Case.metadata.tables[model.__tablename__] for model in (Case, EventRow, DeadlineChangeRow)
)


@dataclass(frozen=True)
class SeedReport:
    """What a seeding run wrote and how long it took."""

    cases: int
    events: int
    deadline_changes: int
    open: int
    overdue: int
    seconds: float


def seed_cases(
    engine: Engine,
    count: int,
    *,
    seed: int | None = None,
    now: datetime | None = None,
    per_day: float = 2000.0,
    events: bool = True,
    tz: ZoneInfo | None = None,
    rule_set: str = "kg-default",
    chunk: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
    open_share: float = 0.0,
) -> SeedReport:
    """Write `count` cases received over the last `count / per_day` days (up to `now`), with
    their events and deadline history unless `events` is False. Existing cases are kept (the
    new numbers follow theirs). `tz` is the zone local days are counted in (the console's
    default zone if None). `open_share`: the share of cases left without a decision whatever
    their deadline (a backlog), beside those the distributions leave open."""
    if count < 0:
        raise ValueError("the number of cases cannot be negative")
    if per_day <= 0:
        raise ValueError("cases per day must be positive")
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).astimezone(UTC)
    with engine.connect() as conn:
        existing = int(conn.scalar(select(func.count()).select_from(_cases)) or 0)
    # The same seed on the same store gives the same cases; on a fuller store, other ones.
    rng = random.Random(None if seed is None else f"{seed}:{existing}")
    maker = _CaseMaker(
        rng, now, tz or zone(DEFAULT_TZ), rule_set, first_number=existing + 1, open_share=open_share
    )
    days = max(count / per_day, 1 / 24)
    written = [0, 0, 0]
    open_cases = overdue = 0
    with engine.begin() as conn:
        rebuild = _drop_secondary_indexes(conn) if existing == 0 else []
        # Written around the counters: the reads scan until they are rebuilt at the end.
        aggregates.mark_invalid(conn)
    try:
        batch: list[_Seeded] = []
        for item in maker.cases(count, days):
            batch.append(item)
            status = case_status(
                item.case["deadline"], item.case["decision"] is not None, now, timedelta(0)
            )
            open_cases += status != "decided"
            overdue += status == "overdue"
            if len(batch) >= chunk:
                _write(engine, batch, events, written)
                batch = []
                if progress:
                    progress(written[0], count)
        if batch:
            _write(engine, batch, events, written)
            if progress:
                progress(written[0], count)
    finally:
        with engine.begin() as conn:
            for statement in rebuild:
                conn.exec_driver_sql(statement)
    aggregates.rebuild_store(engine, maker.tz)
    if engine.dialect.name == "postgresql":
        # What autovacuum does shortly after a bulk load (insert-triggered, PostgreSQL >= 13):
        # statistics, and the visibility map that lets covering indexes answer on their own.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) cases, events, deadline_changes")
    return SeedReport(
        written[0], written[1], written[2], open_cases, overdue, time.perf_counter() - started
    )


@dataclass
class _Seeded:
    """One seeded case: its row once done, the rows of its events and deadline changes."""

    reg_no: str
    region: str
    case: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)

    def change(self, event: Event, change: DeadlineChange | None) -> None:
        """Record a deadline the event set."""
        if change is not None:
            self.changes.append(deadline_change_row(event, change))

    def done(self, state: CaseState) -> _Seeded:
        """The case row of the final state."""
        self.case = {name: getattr(state, name) for name in STATE_COLUMNS}
        self.case.update(region=self.region, flagged=False)
        return self


def _write(engine: Engine, batch: list[_Seeded], with_events: bool, written: list[int]) -> None:
    """One transaction per chunk: cases, then (optionally) their events and deadlines."""
    cases = [item.case for item in batch]
    events = [e for item in batch for e in item.events] if with_events else []
    changes = [c for item in batch for c in item.changes] if with_events else []
    with engine.begin() as conn:
        for table, rows in ((_cases, cases), (_events, events), (_changes, changes)):
            if rows:
                _insert_rows(conn, table, rows)
        change_stamp.moved(conn)
    written[0] += len(cases)
    written[1] += len(events)
    written[2] += len(changes)


def _insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """PostgreSQL: COPY. SQLite: the cases as whole statements (their search index's triggers,
    see data.db.insert_rows); the other tables by a plain executemany, which is faster for
    tables without triggers (events 5.6 µs a row against 8.7 for multi-row VALUES)."""
    if conn.dialect.name == "postgresql":
        _copy_rows(conn, table, rows)
    elif table is _cases:
        insert_rows(conn, table, rows)
    else:
        conn.execute(insert(table), rows)


def _copy_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """COPY ... FROM STDIN in PostgreSQL's text format (the fastest way in)."""
    columns = list(rows[0])
    buffer = io.StringIO()
    for row in rows:
        buffer.write("\t".join(_copy_value(row[c]) for c in columns))
        buffer.write("\n")
    buffer.seek(0)
    driver = conn.connection.driver_connection  # psycopg2's own connection
    if driver is None:
        raise RuntimeError("the PostgreSQL connection is closed")
    cursor = driver.cursor()
    try:
        cursor.copy_expert(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN", buffer)
    finally:
        cursor.close()


_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_value(value: object) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime):  # stored as naive UTC, like UTCDateTime does
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, dict):
        return json_text(value).translate(_COPY_ESCAPES)
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)  # numbers, dates


def _drop_secondary_indexes(conn: Connection) -> list[str]:
    """Drop the plain (non-constraint) indexes of the seeded tables; return how to rebuild
    them, exactly as they were defined (whatever migration made them)."""
    if conn.dialect.name == "postgresql":
        found = conn.execute(
            text(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i "
                "WHERE i.schemaname = current_schema() AND i.tablename IN ('cases', 'events', "
                "'deadline_changes') AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
                "WHERE c.conname = i.indexname)"
            )
        ).all()
    elif conn.dialect.name == "sqlite":
        found = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name IN ('cases', 'events', 'deadline_changes')"
            )
        ).all()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported stores
        return []
    for name, _ in found:
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
    return [definition for _, definition in found]


def case_events(
    count: int,
    *,
    seed: int,
    now: datetime,
    first_number: int,
    per_day: float = 2000.0,
    tz: ZoneInfo | None = None,
    rule_set: str = "kg-default",
    open_share: float = 0.0,
) -> Iterator[list[dict[str, str]]]:
    """The same cases as seed_cases draws, as the stream entries a registry would send: each
    case's events (contract fields), in receipt order of the cases; numbers from
    `first_number` on (above those of a store seeded with fewer cases)."""
    maker = _CaseMaker(
        random.Random(f"{seed}:events"),
        now.astimezone(UTC),
        tz or zone(DEFAULT_TZ),
        rule_set,
        first_number=first_number,
        open_share=open_share,
    )
    for item in maker.cases(count, max(count / per_day, 1 / 24)):
        yield [event["fields"] for event in item.events]


class _CaseMaker:
    """Draws cases' events and applies them through rules.lifecycle, as ingest would (pure
    Python, about 40 µs a case with its events)."""

    def __init__(
        self,
        rng: random.Random,
        now: datetime,
        tz: ZoneInfo,
        rule_set: str,
        first_number: int,
        open_share: float = 0.0,
    ) -> None:
        self.rng, self.now, self.tz = rng, now, tz
        self.rules = get_rule_set(rule_set)
        geo = load_geography()
        self.districts: list[District] = sorted(geo.districts.values(), key=lambda d: d.soate)
        self.district_cum = list(itertools.accumulate(max(d.population, 1) for d in self.districts))
        self.region_of = {d.soate: d.region for d in self.districts}
        self.categories = list(CATEGORY_WEIGHTS)
        self.category_cum = list(itertools.accumulate(CATEGORY_WEIGHTS.values()))
        self.sources = list(SOURCES)
        self.source_cum = list(itertools.accumulate(SOURCES.values()))
        self.decisions = {
            k: (list(v), list(itertools.accumulate(v.values()))) for k, v in DECISIONS.items()
        }
        self.officers = {
            d.soate: [str(rng.randint(10000, 99999)) for _ in range(3 + d.population // 40000)]
            for d in self.districts
        }
        self.numbers: dict[tuple[str, int], int] = {}
        self.first_number = first_number
        self.open_share = open_share

    # -- receipt instants -------------------------------------------------------------------

    def _instants(self, count: int, days: float) -> list[float]:
        """`count` receipt times (epoch seconds) over the last `days`, following the daily and
        weekly rhythm, sorted."""
        rng = self.rng
        end = self.now.timestamp()
        start = end - days * 86400
        first_day = datetime.fromtimestamp(start, self.tz).date()
        last_day = datetime.fromtimestamp(end, self.tz).date()
        day_list = [first_day + timedelta(days=i) for i in range((last_day - first_day).days + 1)]
        day_cum = list(
            itertools.accumulate(
                1.0 if is_working_day(d, self.rules.holiday_country) else DAY_OFF_WEIGHT
                for d in day_list
            )
        )
        hour_cum = list(itertools.accumulate(HOURLY))
        midnight = {
            d: datetime(d.year, d.month, d.day, tzinfo=self.tz).timestamp() for d in day_list
        }
        out: list[float] = []
        while len(out) < count:
            day = day_list[bisect.bisect(day_cum, rng.random() * day_cum[-1])]
            hour = bisect.bisect(hour_cum, rng.random() * hour_cum[-1])
            t = midnight[day] + hour * 3600 + rng.random() * 3600
            if start <= t < end:
                out.append(float(int(t)))
        out.sort()
        return out

    # -- cases ------------------------------------------------------------------------------

    def cases(self, count: int, days: float) -> Iterator[_Seeded]:
        for received in self._instants(count, days):
            yield self._case(received)

    def _pick(self, items: Sequence[T], cum: Sequence[float]) -> T:
        return items[bisect.bisect(cum, self.rng.random() * cum[-1])]

    def _case(self, received_ts: float) -> _Seeded:
        """One case: its events drawn, then applied through rules.lifecycle as ingest would."""
        rng, now = self.rng, self.now
        district = self._pick(self.districts, self.district_cum)
        category = self._pick(self.categories, self.category_cum)
        kind = (
            "appeal"
            if rng.random() < 0.15
            else (
                "misdemeanor" if category in MISDEMEANOR_PRONE and rng.random() < 0.3 else "crime"
            )
        )
        received = EPOCH + timedelta(seconds=received_ts)
        lag = (
            timedelta(hours=rng.uniform(25, 60))
            if rng.random() < LATE_REGISTRATION_SHARE
            else timedelta(minutes=2 + rng.expovariate(1 / 12))
        )
        registered = _second(min(received + lag, now))
        reg_year = local_date(registered, self.tz).year
        key = (district.soate, reg_year)
        number = self.numbers.get(key, self.first_number - 1) + 1
        self.numbers[key] = number
        reg_no = f"KUP-{district.soate}-{reg_year}-{number:06d}"
        officer_pool = self.officers[district.soate]
        officer = officer_pool[int(rng.random() * len(officer_pool))]
        unit_name = self._unit(district)
        street = STREETS[int(rng.random() * len(STREETS))]
        summary = summary_text(rng, category, kind, street)
        lat = lon = address = None
        if rng.random() < 0.9:
            spread = 0.03 if district.type.startswith("city") else 0.12
            lat = round(min(max(rng.gauss(district.lat, spread), 39.1), 43.3), 5)
            lon = round(min(max(rng.gauss(district.lon, spread), 69.2), 80.3), 5)
        if rng.random() < 0.85:
            address = f"{district.label_ru}, ул. {street}, {rng.randint(1, 180)}"
        priority = "high" if rng.random() < (0.7 if category in URGENT else 0.03) else "normal"
        registration: dict[str, object] = {
            "received_at": received,
            "district": district.soate,
            "category": category,
            "kind": kind,
            "source": self._pick(self.sources, self.source_cum),
            "unit": unit_name,
            "priority": priority,
            "summary": summary,
        }
        if address is not None:
            registration["address"] = address
        if lat is not None:
            registration.update(lat=lat, lon=lon)
        item = _Seeded(reg_no, district.region)
        event = self._event(item, "registered", registered, officer_pool[0], registration)
        state, registration_change = register_case(event, self.tz, self.rules)
        item.change(event, registration_change)

        t = _second(registered + timedelta(minutes=5 + rng.expovariate(1 / 100)))
        if t > now:
            return item.done(state)
        event = self._event(item, "assigned", t, None, {"unit": unit_name, "officer": officer})
        state, _ = apply_event(state, event, self.tz, self.rules)
        deadline = state.deadline
        if deadline > t + timedelta(hours=2) and rng.random() < (0.05 if kind == "appeal" else 0.2):
            ext_days = 30 if kind == "appeal" or rng.random() < 0.25 else 10
            at = _second(t + (deadline - t) * rng.uniform(0.05, 0.95))
            if at > now:
                return item.done(state)
            t = at
            extension: dict[str, object] = {
                "days": ext_days,
                "authority": "prosecutor" if ext_days == 30 and kind != "appeal" else "head",
                "reason": "Требуется проведение экспертизы"
                if ext_days == 30
                else "Сбор материалов",
            }
            event = self._event(item, "extended", t, officer, extension)
            state, change = apply_event(state, event, self.tz, self.rules)
            item.change(event, change)
            deadline = state.deadline
        if self.open_share and rng.random() < self.open_share:
            return item.done(state)  # left in the backlog
        if deadline > t + timedelta(hours=1) and rng.random() >= LATE_DECISION_SHARE:
            decided = _second(t + (deadline - t) * rng.betavariate(2, 1.5))
        else:
            delay = rng.uniform(10, 60) if rng.random() < 0.4 else rng.expovariate(1 / 3)
            decided = _second(max(deadline, t) + timedelta(days=delay, minutes=5))
        if decided > now:
            return item.done(state)
        names, cum = self.decisions["appeal" if kind == "appeal" else "crime"]
        decision = self._pick(names, cum)
        outcome: dict[str, object] = {
            "decision": decision,
            "decided_at": decided - timedelta(minutes=rng.randint(0, 15)),
        }
        if decision == "transferred":
            outcome["transferred_to"] = self._transfer_target()
        event = self._event(item, "decided", decided, officer, outcome)
        state, _ = apply_event(state, event, self.tz, self.rules)
        return item.done(state)

    def _event(
        self, item: _Seeded, type_: str, at: datetime, actor: str | None, data: dict[str, object]
    ) -> Event:
        """The event (typed, for rules.lifecycle), stored with its contract fields as a
        registry would have sent them."""
        event = Event(type_, f"{self.rng.getrandbits(128):032x}", item.reg_no, at, actor, data)
        fields = {
            "schema": SCHEMA_VERSION,
            "type": type_,
            "event_id": event.event_id,
            "reg_no": item.reg_no,
            "occurred_at": _iso(at, self.tz),
        }
        if actor is not None:
            fields["actor"] = actor
        for name, value in data.items():
            fields[name] = _field_text(value, self.tz)
        ms = int(at.timestamp() * 1000)
        item.events.append(
            {
                "event_id": event.event_id,
                "stream_id": f"{ms}-{len(item.events)}",
                "reg_no": item.reg_no,
                "type": type_,
                "occurred_at": at,
                "ingested_at": min(at + timedelta(seconds=1), self.now),
                "actor": actor,
                "fields": fields,
                "applied": True,
            }
        )
        return event

    def _unit(self, district: District) -> str:
        return unit_name(district, self.rng.random())

    def _transfer_target(self) -> str:
        if self.rng.random() < 0.4:
            return AGENCIES[int(self.rng.random() * len(AGENCIES))]
        return self._unit(self._pick(self.districts, self.district_cum))


def _second(instant: datetime) -> datetime:
    return instant.replace(microsecond=0)


def _iso(instant: datetime, tz: ZoneInfo) -> str:
    return instant.astimezone(tz).isoformat(timespec="seconds")


def _field_text(value: object, tz: ZoneInfo) -> str:
    """A typed event value as the contract sends it: instants in local ISO 8601 to the second,
    coordinates to five decimals, numbers and codes as they are."""
    if isinstance(value, datetime):
        return _iso(value, tz)
    if isinstance(value, float):
        return f"{value:.5f}"
    return str(value)
