"""The workload page's counts: per region, district, unit or officer (open, overdue, due soon,
aging of open cases, intake and decisions over 24 h / 7 d / 30 d, late registrations) and the
daily intake-vs-decisions series. The open cases' figures are sums over the open-case counters
(data.aggregates), whatever the backlog; the month's intake and decisions are GROUP BYs over the
registration and decision indexes (a month's rows, whatever the store's size)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from data import aggregates, status
from data.models import Case
from data.queries import UNASSIGNED, CaseFilter, count_if, every_status, scoped, visible_districts
from data.reference import load_geography
from rules.clock import end_of_local_day, local_date

GROUP_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "region": Case.region,
    "district": Case.district,
    "unit": Case.unit,
    "officer": Case.officer,
}
GROUPS = tuple(GROUP_COLUMNS)


AGE_BUCKETS = (
    ("age_0_3", 0, 3),
    ("age_3_10", 3, 10),
    ("age_10_30", 10, 30),
    ("age_30_plus", 30, None),
)


DAY = timedelta(days=1)


@dataclass
class WorkloadRow:
    """Counts for one group (a region, district, unit or officer) at one instant."""

    key: str
    open: int = 0
    overdue: int = 0
    due_soon: int = 0
    age_0_3: int = 0
    age_3_10: int = 0
    age_10_30: int = 0
    age_30_plus: int = 0
    received_24h: int = 0
    received_7d: int = 0
    received_30d: int = 0
    decided_24h: int = 0
    decided_7d: int = 0
    decided_30d: int = 0
    late_30d: int = 0
    # Decisions of the window taken after their deadline (rules.breaches.decided_late).
    decided_late_7d: int = 0
    decided_late_30d: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


COUNT_FIELDS = tuple(f.name for f in fields(WorkloadRow) if f.name != "key")


def _group_column(group_by: str) -> InstrumentedAttribute[Any]:
    if group_by not in GROUP_COLUMNS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    return GROUP_COLUMNS[group_by]


def received_days_ago(
    low: int, high: int | None, now: datetime, tz: ZoneInfo
) -> ColumnElement[bool]:
    """Received from `low` up to (not including) `high` local calendar days before `now`'s
    local day in `tz` (no upper bound for None): today's receipts are 0 days old, yesterday's
    1, whatever the hour."""
    today = local_date(now, tz)
    condition = Case.received_at < end_of_local_day(today - low * DAY, tz)
    if high is None:
        return condition
    return and_(condition, Case.received_at >= end_of_local_day(today - high * DAY, tz))


def _scan_open(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    column: InstrumentedAttribute[Any],
    tz: ZoneInfo,
    row: Callable[[str | None], WorkloadRow],
) -> None:
    """The open cases' figures of workload_rows by scanning the open cases (one GROUP BY)."""
    age_columns = [count_if(received_days_ago(low, high, now, tz)) for _, low, high in AGE_BUCKETS]
    open_query = (
        select(
            column,
            func.count(),
            count_if(status.overdue(now)),
            count_if(status.due_soon(now, due_soon)),
            *age_columns,
        )
        .where(status.undecided())
        .group_by(column)
    )
    for key, total, overdue, soon, *ages in session.execute(scoped(open_query, flt, now, due_soon)):
        target = row(key)
        target.open, target.overdue, target.due_soon = int(total), int(overdue), int(soon)
        for (name, _, _), value in zip(AGE_BUCKETS, ages, strict=True):
            setattr(target, name, int(value))


def workload_rows(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    group_by: str = "district",
    *,
    tz: ZoneInfo,
    counted: bool = True,
) -> dict[str, WorkloadRow]:
    """Workload per group: open/overdue/due soon, aging of open cases (local calendar days in
    `tz` since received, as deadlines count them), intake and decisions over 24 h / 7 d / 30 d,
    late registrations in 30 d. The open cases' figures from the counters (data.aggregates)
    where they can answer (`counted`, valid, kept in `tz`), else by one GROUP BY over the open
    cases; then two GROUP BY queries over the registrations and the decisions of the last 30
    days (a month's intake, whatever the backlog)."""
    column = _group_column(group_by)
    flt = every_status(flt)
    rows: dict[str, WorkloadRow] = {}

    def row(key: str | None) -> WorkloadRow:
        key = UNASSIGNED if key is None else key
        return rows.setdefault(key, WorkloadRow(key))

    statuses = (
        aggregates.open_status(session, flt, now, due_soon, group_by)
        if counted and aggregates.workload_usable(session, flt, tz)
        else None
    )
    if statuses is not None:
        ages = aggregates.aging(session, flt, now, tz, group_by)
        for key, found in statuses.items():
            target = row(key)
            target.open, target.overdue, target.due_soon = found.open, found.overdue, found.due_soon
            *buckets, recent = ages.get(key, [0, 0, 0, 0])
            target.age_0_3, target.age_3_10, target.age_10_30 = buckets
            target.age_30_plus = found.open - recent
        _counted_flows(session, flt, now, due_soon, group_by, tz, row)
    else:
        _scan_open(session, flt, now, due_soon, column, tz, row)
        _scan_flows(session, flt, now, due_soon, column, row)
    return rows


WINDOWS = (("24h", 1), ("7d", 7), ("30d", 30))  # the intake and decision windows, in days
LATE_WINDOWS = ("7d", "30d")  # the windows of the late decisions' counts


def _counted_flows(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    group_by: str,
    tz: ZoneInfo,
    row: Callable[[str | None], WorkloadRow],
) -> None:
    """Registrations and decisions in the windows (now - span, now]: the whole local days
    inside each from the daily counters, the two partial days at its ends (the window's first
    day, from now - span on, and today up to now) counted exactly over the cases' indexes."""
    column = _group_column(group_by)
    today = local_date(now, tz)
    start_today = end_of_local_day(today - DAY, tz)
    firsts = [local_date(now - days * DAY, tz) for _, days in WINDOWS]
    whole = aggregates.daily_flows(session, flt, group_by, [d + DAY for d in firsts], today)
    for key, sums in whole.items():
        if not any(sums):
            continue  # rows of the span that all came back to zero
        target = row(key)
        width = len(aggregates.DAILY_VALUES)
        for index, (name, _) in enumerate(WINDOWS):
            registered, late, decided, decided_late = sums[width * index : width * (index + 1)]
            setattr(target, f"received_{name}", registered)
            setattr(target, f"decided_{name}", decided)
            if name == "30d":
                target.late_30d = late
            if name in LATE_WINDOWS:
                setattr(target, f"decided_late_{name}", decided_late)
    for moment, measure in ((Case.registered_at, "received"), (Case.decided_at, "decided")):
        pieces: list[tuple[ColumnElement[bool], tuple[str, ...]]] = []
        today_piece: list[str] = []
        for (name, days), first in zip(WINDOWS, firsts, strict=True):
            low = moment > now - days * DAY
            if first < today:
                pieces.append((and_(low, moment < end_of_local_day(first, tz)), (name,)))
                today_piece.append(name)
            else:  # a window within today (a day of 25 hours): all of it exact
                pieces.append((and_(low, moment <= now), (name,)))
        if today_piece:
            pieces.append((and_(moment >= start_today, moment <= now), tuple(today_piece)))
        # Late: registered late (intake), decided after the deadline (decisions).
        is_late = (
            Case.late_registration.is_(True) if measure == "received" else status.decided_late()
        )
        for condition, names in pieces:
            query = select(column, func.count(), count_if(is_late))
            query = query.where(condition).group_by(column)
            for key, n, late in session.execute(scoped(query, flt, now, due_soon)):
                target = row(key)
                for name in names:
                    field = f"{measure}_{name}"
                    setattr(target, field, getattr(target, field) + int(n))
                    if measure == "received" and name == "30d":
                        target.late_30d += int(late)
                    if measure == "decided" and name in LATE_WINDOWS:
                        field = f"decided_late_{name}"
                        setattr(target, field, getattr(target, field) + int(late))


def _scan_flows(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    column: InstrumentedAttribute[Any],
    row: Callable[[str | None], WorkloadRow],
) -> None:
    """Registrations and decisions of the last 30 days by scanning them (two GROUP BYs)."""
    month = now - 30 * DAY
    intake_query = (
        select(
            column,
            func.count(),
            count_if(Case.registered_at > now - 7 * DAY),
            count_if(Case.registered_at > now - DAY),
            count_if(Case.late_registration.is_(True)),
        )
        .where(Case.registered_at > month, Case.registered_at <= now)
        .group_by(column)
    )
    for key, d30, d7, d1, late in session.execute(scoped(intake_query, flt, now, due_soon)):
        target = row(key)
        target.received_30d, target.received_7d, target.received_24h = int(d30), int(d7), int(d1)
        target.late_30d = int(late)

    # decided_at is set exactly while a decision stands (a reopening clears both), so the
    # decided_at range alone selects decisions; a separate decision test would lead SQLite to
    # walk a district's every decided case instead of the month's range.
    decided_query = (
        select(
            column,
            func.count(),
            count_if(Case.decided_at > now - 7 * DAY),
            count_if(Case.decided_at > now - DAY),
            count_if(status.decided_late()),
            count_if(and_(status.decided_late(), Case.decided_at > now - 7 * DAY)),
        )
        .where(Case.decided_at > month, Case.decided_at <= now)
        .group_by(column)
    )
    for key, d30, d7, d1, late30, late7 in session.execute(
        scoped(decided_query, flt, now, due_soon)
    ):
        target = row(key)
        target.decided_30d, target.decided_7d, target.decided_24h = int(d30), int(d7), int(d1)
        target.decided_late_30d, target.decided_late_7d = int(late30), int(late7)


def district_workload(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    *,
    tz: ZoneInfo,
    counted: bool = True,
) -> list[WorkloadRow]:
    """One row per visible district (zero rows included), in SOATE order."""
    found = workload_rows(session, flt, now, due_soon, "district", tz=tz, counted=counted)
    return [found.get(soate, WorkloadRow(soate)) for soate in visible_districts(flt)]


WINDOW_SPANS = tuple(days for _, days in WINDOWS)


def unchanged_until(
    session: Session, now: datetime, due_soon: timedelta, *, tz: ZoneInfo
) -> datetime:
    """The first instant after `now` at which time passing alone may change what
    workload_rows, district_workload or region_workload answer at `now` (any filter, any
    grouping; counted or scanned): the next deadline of an open case (it becomes overdue), the
    next one to come within `due_soon` (due soon), the next local midnight in `tz` (aging, and
    the whole days of the windows), the next instant a window's edge passes its first
    day's end, or a registration or decision (it leaves the 24 h, 7 d or 30 d window), and the
    next registration or decision dated after `now` (it enters them). Until then, as long as
    no case is written (data.change_stamp), the answers at any instant of [now, until) are
    the answers at `now`. Over every region (an earlier instant than a scope's own at worst):
    one statement of index lookups."""
    undecided = status.undecided()
    firsts: list[Select[Any]] = [
        select(func.min(Case.deadline)).where(undecided, Case.deadline > now),
        select(func.min(Case.deadline)).where(undecided, Case.deadline > now + due_soon),
    ]
    shifts = [timedelta(0), due_soon]
    for moment in (Case.registered_at, Case.decided_at):
        for days in (0, *WINDOW_SPANS):
            firsts.append(select(func.min(moment)).where(moment > now - days * DAY))
            shifts.append(-days * DAY)
    found = session.execute(select(*(q.scalar_subquery() for q in firsts))).one()
    candidates = [end_of_local_day(local_date(now, tz), tz)]
    for days in WINDOW_SPANS:  # a window's first (partial) local day becomes another
        candidates.append(end_of_local_day(local_date(now - days * DAY, tz), tz) + days * DAY)
    candidates += [at - shift for at, shift in zip(found, shifts, strict=True) if at is not None]
    return min(candidates)


def region_workload(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    *,
    tz: ZoneInfo,
    counted: bool = True,
) -> list[WorkloadRow]:
    """One row per visible region (zero rows included)."""
    found = workload_rows(session, flt, now, due_soon, "region", tz=tz, counted=counted)
    regions = sorted({load_geography().districts[s].region for s in visible_districts(flt)})
    return [found.get(code, WorkloadRow(code)) for code in regions]


def total_row(rows: Sequence[WorkloadRow], key: str = "") -> WorkloadRow:
    """The column sums of some workload rows."""
    total = WorkloadRow(key)
    for item in rows:
        for name in COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(item, name))
    return total


def local_days(now: datetime, tz: ZoneInfo, days: int) -> list[tuple[date, datetime, datetime]]:
    """The last `days` local calendar days up to today: (date, start, end) as aware instants."""
    today = local_date(now, tz)
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        result.append((day, end_of_local_day(day - DAY, tz), end_of_local_day(day, tz)))
    return result


def _bisect_case(
    column: InstrumentedAttribute[Any], ends: list[datetime], low: int, high: int
) -> ColumnElement[int]:
    """The index i in [low, high) of the first day whose end lies after `column`."""
    if high - low == 1:
        return literal(low)
    middle = (low + high) // 2
    return case(
        (column < ends[middle - 1], _bisect_case(column, ends, low, middle)),
        else_=_bisect_case(column, ends, middle, high),
    )


def _daily(
    session: Session,
    column: InstrumentedAttribute[Any],
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    bounds: list[tuple[date, datetime, datetime]],
) -> list[int]:
    """Count rows per day of `bounds` by `column` (one range scan; the day index is a CASE
    that bisects the day boundaries, so each row costs a handful of comparisons)."""
    day_index = _bisect_case(column, [end for _, _, end in bounds], 0, len(bounds))
    in_range = select(day_index.label("day")).where(column >= bounds[0][1], column < bounds[-1][2])
    inner = scoped(in_range.select_from(Case), every_status(flt), now, due_soon).subquery()
    counts = [0] * len(bounds)
    for index, n in session.execute(select(inner.c.day, func.count()).group_by(inner.c.day)):
        if 0 <= index < len(bounds):
            counts[index] = int(n)
    return counts


def intake_vs_decisions(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    tz: ZoneInfo,
    days: int = 30,
    *,
    counted: bool = True,
) -> list[dict[str, object]]:
    """Registrations and decisions per local day over the last `days` days (today included):
    from the daily counters where they can answer (`counted`), else by scanning them."""
    bounds = local_days(now, tz, days)
    if counted and aggregates.workload_usable(session, every_status(flt), tz):
        found = aggregates.daily_series(session, flt, bounds[0][0], bounds[-1][0])
        intake = [found.get(day, (0, 0))[0] for day, _, _ in bounds]
        decided = [found.get(day, (0, 0))[1] for day, _, _ in bounds]
    else:
        intake = _daily(session, Case.registered_at, flt, now, due_soon, bounds)
        decided = _daily(session, Case.decided_at, flt, now, due_soon, bounds)
    return [
        {"day": day.isoformat(), "intake": i, "decided": d}
        for (day, _, _), i, d in zip(bounds, intake, decided, strict=True)
    ]
