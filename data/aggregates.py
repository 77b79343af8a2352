"""Counters of the open cases, kept in the transaction of every write of a case, so that the
status counts, the map shading, the workload and the overdue count cost the same whatever
the number of open cases (docs/AGGREGATES.md has the design and why).

Three tables count the undecided cases per key (region, district, category, kind, unit,
officer): in all (`agg_open`), per deadline (`agg_open_deadline`) and per local day of receipt
(`agg_open_received`, in the counters' zone). A case contributes one to each while it is open,
nothing once decided; a writer moves the counters by the difference between a case's stored
row before and after its batch (`Deltas`), so a replay, an event out of order, a reopening or
any other change moves them exactly as the row moved, and time passing moves nothing.

At `now`, the status of the open cases comes from two small sums, in the very terms of
data.status (one rule, two forms): due soon is `now < deadline <= now + within`, open with a
deadline after `now` is the sum of the deadline rows after `now` (the cases received in the
last few weeks: rows in the thousands), and overdue is the open total less those. The aging
buckets are sums over the receipt days of the last 30 days, "30 days and more" the open total
less them.

The counters are valid unless marked otherwise in `console_state` ("aggregates"): a store
migrated with cases, and a store being seeded, are marked not valid until
`rebuild` has run; then the reads count by scanning (exactly, as before) and writers leave the
counters alone. An empty store's counters (no row) are valid, in the console's default zone.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Select,
    Table,
    case,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from data import change_stamp
from data.db import chunks, lock_writers, make_sessionmaker, writer_engine
from data.models import (
    Case,
    DailyFlow,
    OpenByDeadline,
    OpenByReceived,
    OpenCount,
    Setting,
    WorkOpenByDeadline,
    WorkOpenCount,
)
from data.queries import UNASSIGNED, CaseFilter, matches, scoped
from rules.breaches import decided_late
from rules.clock import DEFAULT_TZ, local_date, zone

STATE_KEY = "aggregates"
KEY_COLUMNS = ("region", "district", "category", "kind", "unit")
GROUPS = ("region", "district", "unit", "officer")
WORKLOAD_COLUMNS = ("region", "district", "unit", "officer")
OPEN, BY_DEADLINE, WORK_OPEN, WORK_DEADLINE, BY_RECEIVED, DAILY = (
    model.__table__
    for model in (
        OpenCount,
        OpenByDeadline,
        WorkOpenCount,
        WorkOpenByDeadline,
        OpenByReceived,
        DailyFlow,
    )
)
DAILY_VALUES = ("registered", "late", "decided", "decided_late")
TABLES = (OPEN, BY_DEADLINE, WORK_OPEN, WORK_DEADLINE, BY_RECEIVED, DAILY)
KEYS: dict[Table, tuple[str, ...]] = {
    OPEN: KEY_COLUMNS,
    BY_DEADLINE: ("deadline", *KEY_COLUMNS),
    WORK_OPEN: WORKLOAD_COLUMNS,
    WORK_DEADLINE: ("deadline", *WORKLOAD_COLUMNS),
    BY_RECEIVED: ("received_day", *WORKLOAD_COLUMNS),
    DAILY: ("day", *WORKLOAD_COLUMNS),
}
VALUES: dict[Table, tuple[str, ...]] = {
    table: DAILY_VALUES if table is DAILY else ("n",) for table in TABLES
}
NO_VALUE = ""  # a key's unit or officer when the case has none
AGING_DAYS = 30

Key = tuple[Any, ...]


class CaseLike(Protocol):
    """What a case's contribution reads: a stored row (Case) or a lifecycle CaseState."""

    district: str
    category: str
    kind: str
    unit: str | None
    officer: str | None
    received_at: datetime
    registered_at: datetime
    deadline: datetime
    decision: str | None
    decided_at: datetime | None
    late_registration: bool


# --- the counters' state -------------------------------------------------------------------


@dataclass(frozen=True)
class CounterState:
    """Whether the counters are valid, and the zone their receipt days are counted in."""

    valid: bool = True
    zone: str = DEFAULT_TZ


def load_state(conn: Connection | Session) -> CounterState:
    """The counters' state (valid in the default zone when nothing is recorded)."""
    value = conn.scalar(select(Setting.value).where(Setting.key == STATE_KEY))
    if value is None:
        return CounterState()
    data = json.loads(value)
    return CounterState(bool(data.get("valid")), str(data.get("zone") or DEFAULT_TZ))


def save_state(conn: Connection, state: CounterState) -> None:
    """Record the counters' state (in the caller's transaction)."""
    conn.execute(delete(Setting).where(Setting.key == STATE_KEY))
    value = json.dumps({"valid": state.valid, "zone": state.zone})
    conn.execute(insert(Setting).values(key=STATE_KEY, value=value))
    change_stamp.moved(conn)


def mark_invalid(conn: Connection) -> None:
    """Stop counting (reads scan, writers skip the counters) until `rebuild` runs."""
    save_state(conn, CounterState(False, load_state(conn).zone))


# --- writing: a case's contribution, and the difference a batch makes ----------------------


def _opt(value: str | None) -> str:
    return NO_VALUE if value is None else value


def case_key(region: str, case: CaseLike) -> Key:
    """The live counters' key of a case (its region given: a lifecycle state has none)."""
    return (region, case.district, case.category, case.kind, _opt(case.unit))


def workload_key(region: str, case: CaseLike) -> Key:
    """The workload counters' key of a case."""
    return (region, case.district, _opt(case.unit), _opt(case.officer))


class Deltas:
    """What some case writes add to each counter row; `write` applies them."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz
        self.counts: dict[Table, Counter[tuple[Key, str]]] = {table: Counter() for table in TABLES}

    def add(self, region: str, case: CaseLike, sign: int = 1) -> None:
        """Count a case's row (`sign` 1), or take it out (-1): its registration and its
        standing decision on their local days; while undecided, its key, deadline and day of
        receipt."""
        work = workload_key(region, case)
        day = (local_date(case.registered_at, self.tz), *work)
        self.counts[DAILY][(day, "registered")] += sign
        if case.late_registration:
            self.counts[DAILY][(day, "late")] += sign
        if case.decided_at is not None:
            decided = (local_date(case.decided_at, self.tz), *work)
            self.counts[DAILY][(decided, "decided")] += sign
            if decided_late(case.deadline, case.decided_at):
                self.counts[DAILY][(decided, "decided_late")] += sign
        if case.decision is not None:
            return
        key = case_key(region, case)
        self.counts[OPEN][(key, "n")] += sign
        self.counts[BY_DEADLINE][((case.deadline, *key), "n")] += sign
        self.counts[WORK_OPEN][(work, "n")] += sign
        self.counts[WORK_DEADLINE][((case.deadline, *work), "n")] += sign
        received = (local_date(case.received_at, self.tz), *work)
        self.counts[BY_RECEIVED][(received, "n")] += sign

    def change(
        self, region_of: Mapping[str, str], before: CaseLike | None, after: CaseLike
    ) -> None:
        """A case's row went from `before` (None: a new case) to `after`; `region_of` maps a
        district to its region, as the cases' rows hold it."""
        if before is not None:
            self.add(region_of[before.district], before, -1)
        self.add(region_of[after.district], after, 1)

    def by_key(self, table: Table) -> dict[Key, dict[str, int]]:
        """The differences of one table per key row (value columns with no change: 0)."""
        found: dict[Key, dict[str, int]] = {}
        for (key, column), n in self.counts[table].items():
            if n:
                found.setdefault(key, dict.fromkeys(VALUES[table], 0))[column] = n
        return found

    def rows(self, table: Table) -> list[dict[str, Any]]:
        """The non-zero differences of one table as rows, in key order (writers lock rows in
        one order)."""
        names = KEYS[table]
        return [
            {**dict(zip(names, key, strict=True)), **values}
            for key, values in sorted(self.by_key(table).items())
        ]

    def write(self, conn: Connection) -> None:
        """Add the differences to the counter rows (one upsert per table)."""
        for table in TABLES:
            rows = self.rows(table)
            if rows:
                conn.execute(_upsert(conn.dialect.name, table), rows)


@functools.cache
def _upsert(dialect_name: str, table: Table) -> Any:
    """INSERT ... ON CONFLICT (key) DO UPDATE SET n = n + excluded.n (each value column), in
    the store's dialect (built once per table: a batch of one entry spent a fifth of its time
    building it)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=[table.c[name] for name in KEYS[table]],
        set_={name: table.c[name] + statement.excluded[name] for name in VALUES[table]},
    )


def apply_changes(
    conn: Connection,
    changes: Iterable[tuple[CaseLike | None, CaseLike]],
    region_of: Mapping[str, str],
) -> None:
    """Move the counters for cases written in the caller's transaction, each given as its row
    (before or None for a new case, after). Nothing when the counters are not valid."""
    state = load_state(conn)
    if not state.valid:
        return
    deltas = Deltas(zone(state.zone))
    for before, after in changes:
        deltas.change(region_of, before, after)
    deltas.write(conn)


_CASE_COLUMNS = (
    Case.region,
    Case.district,
    Case.category,
    Case.kind,
    Case.unit,
    Case.officer,
    Case.received_at,
    Case.registered_at,
    Case.deadline,
    Case.decision,
    Case.decided_at,
    Case.late_registration,
)


def recount(conn: Connection, tz: ZoneInfo, chunk: int = 20_000) -> Deltas:
    """The counters as the stored cases make them (every case read once)."""
    deltas = Deltas(tz)
    query = select(*_CASE_COLUMNS)
    for row in conn.execute(query.execution_options(yield_per=chunk)):
        deltas.add(row.region, row)
    return deltas


def rebuild(conn: Connection, tz: ZoneInfo) -> int:
    """Recount every counter from the cases (in the caller's transaction, which should hold
    the writers' lock) and mark them valid in `tz`; the number of counter rows written."""
    counted = recount(conn, tz)
    written = 0
    for table in TABLES:
        conn.execute(delete(table))
        rows = counted.rows(table)
        for chunk in chunks(rows, 20_000):
            conn.execute(insert(table), chunk)
        written += len(rows)
    save_state(conn, CounterState(True, tz.key))
    return written


@dataclass(frozen=True)
class Mismatch:
    """A counter that differs from the recount: its table, row key and column."""

    table: str
    key: Key
    column: str
    stored: int
    counted: int


def verify(conn: Connection) -> list[Mismatch]:
    """Every counter that differs from a full recount (a zero counts as no row)."""
    state = load_state(conn)
    counted = recount(conn, zone(state.zone))
    found: list[Mismatch] = []
    for table in TABLES:
        keys, values = KEYS[table], VALUES[table]
        stored: dict[tuple[Key, str], int] = {}
        for row in conn.execute(select(*[table.c[n] for n in (*keys, *values)])):
            for column, n in zip(values, row[len(keys) :], strict=True):
                if n:
                    stored[(tuple(row[: len(keys)]), column)] = int(n)
        expected = {item: n for item, n in counted.counts[table].items() if n}
        for item in sorted(set(stored) | set(expected)):
            have, want = stored.get(item, 0), expected.get(item, 0)
            if have != want:
                found.append(Mismatch(table.name, item[0], item[1], have, want))
    return found


# --- reading: sums at `now` ------------------------------------------------------------------


def usable(session: Session, flt: CaseFilter) -> CounterState | None:
    """The counters' state if they can answer `flt` (valid, and no flag filter: the flag is
    not a dimension); None where the reads must scan."""
    if flt.flagged is not None:
        return None
    state = load_state(session)
    return state if state.valid else None


def workload_usable(session: Session, flt: CaseFilter, tz: ZoneInfo) -> bool:
    """Whether the workload counters (receipt days, daily registrations and decisions) can
    answer `flt` in `tz`: valid, kept in `tz`, and no category, kind or flag filter (not
    their dimensions)."""
    if flt.category or flt.kind:
        return False
    state = usable(session, flt)
    return state is not None and state.zone == tz.key


def _where(query: Select[Any], table: Table, flt: CaseFilter) -> Select[Any]:
    """A CaseFilter's conditions (status aside) on a counter table, as data.queries.scoped
    applies them to cases (UNASSIGNED: no unit / no officer)."""
    for name, value in (
        ("district", flt.district),
        ("region", flt.region),
        ("region", flt.scope_region),
        ("category", flt.category),
        ("kind", flt.kind),
        ("unit", flt.unit),
        ("officer", flt.officer),
    ):
        if value:
            column = table.c[name]
            query = query.where(
                column == NO_VALUE
                if value == UNASSIGNED and name in ("unit", "officer")
                # A "" value names nothing a key holds (unit and officer "" mean none).
                else matches(column, value)
            )
    return query


def _group(table: Table, group_by: str | None) -> list[ColumnElement[Any]]:
    if group_by is None:
        return []
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    return [table.c[group_by]]


def sum_rows(
    session: Session,
    table: Table,
    flt: CaseFilter,
    group_by: str | None,
    sums: Sequence[ColumnElement[Any]],
    *conditions: ColumnElement[bool],
) -> dict[str | None, list[int]]:
    """Sums over a counter table's rows meeting `flt` and `conditions`, per group (None for
    no unit / officer; the key None when not grouped)."""
    group = _group(table, group_by)
    query = _where(select(*group, *sums).where(*conditions), table, flt)
    if group:
        query = query.group_by(*group)
    result: dict[str | None, list[int]] = {}
    for row in session.execute(query):
        key = row[0] if group else None
        values = [int(v or 0) for v in row[len(group) :]]
        if group and key == NO_VALUE:
            key = None
        if not group and not any(values):
            continue
        result[key] = values
    return result


def _sum_if(table: Table, condition: ColumnElement[bool], column: str = "n") -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, table.c[column]), else_=0)), 0)


@dataclass
class OpenStatus:
    """Open cases of a group at `now`: all, overdue, due soon."""

    open: int = 0
    overdue: int = 0
    due_soon: int = 0


def _open_tables(flt: CaseFilter, group_by: str | None) -> tuple[Table, Table] | None:
    """The open-case counters that hold the dimensions a read names: the workload's (the
    smaller) unless it names a category or kind, the live ones unless it names an officer;
    None for a read that names both."""
    by_kind = bool(flt.category or flt.kind)
    by_officer = bool(flt.officer) or group_by == "officer"
    if by_kind and by_officer:
        return None
    return (OPEN, BY_DEADLINE) if by_kind else (WORK_OPEN, WORK_DEADLINE)


def open_status(
    session: Session, flt: CaseFilter, now: datetime, within: timedelta, group_by: str | None
) -> dict[str | None, OpenStatus] | None:
    """Open, overdue and due-soon counts at `now` per group (None: no unit / officer; the
    key None alone when not grouped); groups with no open case are left out. None when no
    counters hold both an officer and a category or kind that the read names."""
    tables = _open_tables(flt, group_by)
    if tables is None:
        return None
    totals_table, deadlines = tables
    totals = sum_rows(session, totals_table, flt, group_by, [func.sum(totals_table.c.n)])
    deadline = deadlines.c.deadline
    future = sum_rows(
        session,
        deadlines,
        flt,
        group_by,
        [func.sum(deadlines.c.n), _sum_if(deadlines, deadline <= now + within)],
        deadline > now,
    )
    result: dict[str | None, OpenStatus] = {}
    for key, (total,) in totals.items():
        after, soon = future.get(key, [0, 0])
        if total:
            result[key] = OpenStatus(total, total - after, soon)
    return result


AGE_BOUNDS = ((0, 3), (3, 10), (10, 30))


def aging(
    session: Session, flt: CaseFilter, now: datetime, tz: ZoneInfo, group_by: str | None
) -> dict[str | None, list[int]]:
    """Open cases received 0-3, 3-10 and 10-30 local days before `now`'s local day in `tz`
    (the counters' zone), and the sum of receipts after the start of that 30-day span (later
    days too): the caller takes "30 days and more" as the open total less it. Received `k`
    days ago means `low <= k < high`, as data.workload_counts counts it."""
    today = local_date(now, tz)
    day = BY_RECEIVED.c.received_day
    # One test a row each: receipts after today, and after each bucket's far end (nested).
    later = [day > today] + [day > today - timedelta(high) for _, high in AGE_BOUNDS[:-1]]
    found = sum_rows(
        session,
        BY_RECEIVED,
        flt,
        group_by,
        [*(_sum_if(BY_RECEIVED, condition) for condition in later), func.sum(BY_RECEIVED.c.n)],
        day > today - timedelta(AGING_DAYS),
    )
    result: dict[str | None, list[int]] = {}
    for key, (future, after_3, after_10, recent) in found.items():
        result[key] = [after_3 - future, after_10 - after_3, recent - after_10, recent]
    return result


def status_count(session: Session, flt: CaseFilter, now: datetime, within: timedelta) -> int | None:
    """How many cases meet `flt` with its status "open", "overdue" or "due_soon" at `now`
    (the flag filter by an exact count of the flagged cases); None for a filter the
    counters cannot answer (another status, counters not valid, an officer with a category
    or kind)."""
    if flt.status not in ("open", "overdue", "due_soon"):
        return None
    state = load_state(session)
    if not state.valid:
        return None
    flagged = 0
    if flt.flagged is not None:
        # The flagged cases are few: counted exactly (an index leads with the flag).
        query = scoped(
            select(func.count()).select_from(Case), replace_flagged(flt, True), now, within
        )
        flagged = int(session.scalar(query) or 0)
        if flt.flagged:
            return flagged
    found = open_status(session, replace_flagged(flt, None), now, within, None)
    if found is None:
        return None
    counted = found.get(None) or OpenStatus()
    counts: Mapping[str, int] = {
        "open": counted.open,
        "overdue": counted.overdue,
        "due_soon": counted.due_soon,
    }
    return counts[flt.status] - flagged


def replace_flagged(flt: CaseFilter, flagged: bool | None) -> CaseFilter:
    """The same filter with another flag condition."""
    return replace(flt, flagged=flagged)


# --- the operator's commands: under the writers' lock ----------------------------------------


def rebuild_store(engine: Engine, tz: ZoneInfo) -> int:
    """`rebuild` in a writer's transaction holding the writers' lock (ingest waits, then goes
    on counting from the rebuilt rows); the number of counter rows written."""
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        lock_writers(session)
        return rebuild(session.connection(), tz)


def verify_store(engine: Engine) -> tuple[CounterState, list[Mismatch]]:
    """The counters' state and their differences from a recount, read in one transaction
    holding the writers' lock (so that no batch lands between the two reads)."""
    with make_sessionmaker(writer_engine(engine)).begin() as session:
        lock_writers(session)
        conn = session.connection()
        return load_state(conn), verify(conn)


def daily_flows(
    session: Session, flt: CaseFilter, group_by: str | None, starts: Sequence[date], end: date
) -> dict[str | None, list[int]]:
    """Registrations, late registrations, decisions and late decisions (DAILY_VALUES) per
    group over the whole local days from each of `starts` up to (not including) `end`: four
    sums per start, in order (a start at or after `end` sums nothing)."""
    spans = sorted({start for start in starts if start < end})
    if not spans:
        return {}
    day = DAILY.c.day
    width = len(DAILY_VALUES)
    sums = [  # the widest span as plain sums, the narrower ones with one test a row
        func.sum(DAILY.c[column]) if start == spans[0] else _sum_if(DAILY, day >= start, column)
        for start in spans
        for column in DAILY_VALUES
    ]
    found = sum_rows(session, DAILY, flt, group_by, sums, day >= spans[0], day < end)
    result: dict[str | None, list[int]] = {}
    for key, row in found.items():
        by_start = {start: row[width * i : width * (i + 1)] for i, start in enumerate(spans)}
        result[key] = [n for start in starts for n in by_start.get(start, [0] * width)]
    return result


def daily_series(
    session: Session, flt: CaseFilter, first: date, last: date
) -> dict[date, tuple[int, int]]:
    """(registrations, decisions) per local day from `first` to `last` (both included)."""
    day = DAILY.c.day
    query = _where(
        select(day, func.sum(DAILY.c.registered), func.sum(DAILY.c.decided))
        .where(day >= first, day <= last)
        .group_by(day),
        DAILY,
        flt,
    )
    return {d: (int(r or 0), int(c or 0)) for d, r, c in session.execute(query)}
