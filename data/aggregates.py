"""Read queries behind the console's pages: counts, per-group workload, daily series, the live
feed, overdue lists and a case's history. Every function takes a CaseFilter whose
`scope_region` is the reader's own region, so the scope is enforced in SQL, not in the page.

All counting is done by the database (GROUP BY and conditional sums over indexed columns:
(decision, deadline), (district, decision), registered_at, decided_at, unit), so the pages stay
cheap on a store of a million cases.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, select
from sqlalchemy.orm import Session

from data import status
from data.models import Case, DeadlineChangeRow, EventRow, Flag
from data.queries import CaseFilter, case_summary, filtered, matches
from data.reference import load_geography
from rules.clock import end_of_local_day, local_date

GROUPS = ("region", "district", "unit", "officer")
UNASSIGNED = "~"  # drill-down value standing for "no unit / no officer yet"
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

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


COUNT_FIELDS = tuple(f.name for f in fields(WorkloadRow) if f.name != "key")


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _group_column(group_by: str):  # type: ignore[no-untyped-def]
    if group_by not in GROUPS:
        raise ValueError(f"group_by must be one of {', '.join(GROUPS)}")
    return getattr(Case, group_by)


def _scoped(
    query: Select,
    flt: CaseFilter,
    now: datetime | None = None,
    due_soon: timedelta = timedelta(0),
    *,
    by_time: bool = False,
) -> Select:
    """Apply the filter (its status at `now`, if any) and the UNASSIGNED drill-down values;
    `by_time`: a read by registration time (see data.queries.filtered)."""
    if now is None:
        if flt.status != "all":
            raise ValueError("a status filter needs the instant it is evaluated at")
        now = datetime.now(UTC)  # not used by status "all"
    unit_null = flt.unit == UNASSIGNED
    officer_null = flt.officer == UNASSIGNED
    plain = replace(
        flt, unit=None if unit_null else flt.unit, officer=None if officer_null else flt.officer
    )
    query = filtered(query, plain, now, due_soon, by_time=by_time)
    if unit_null:
        query = query.where(Case.unit.is_(None))
    if officer_null:
        query = query.where(Case.officer.is_(None))
    return query


def _everything(flt: CaseFilter) -> CaseFilter:
    return replace(flt, status="all")


def status_counts(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta
) -> dict[str, int]:
    """Open (every undecided case), overdue and due-soon counts in one query."""
    query = select(
        func.count(),
        _count_if(status.overdue(now)),
        _count_if(status.due_soon(now, due_soon)),
    )
    query = _scoped(
        query.select_from(Case).where(status.undecided()), _everything(flt), now, due_soon
    )
    total, overdue, soon = session.execute(query).one()
    return {"open": int(total or 0), "overdue": int(overdue or 0), "due_soon": int(soon or 0)}


def workload_rows(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    group_by: str = "district",
) -> dict[str, WorkloadRow]:
    """Workload per group: open/overdue/due soon, aging of open cases (days since received),
    intake and decisions over 24 h / 7 d / 30 d, late registrations in 30 d. Three GROUP BY
    queries (open cases; registrations of the last 30 days; decisions of the last 30 days)."""
    column = _group_column(group_by)
    flt = _everything(flt)
    rows: dict[str, WorkloadRow] = {}

    def row(key: str | None) -> WorkloadRow:
        key = UNASSIGNED if key is None else key
        return rows.setdefault(key, WorkloadRow(key))

    age_columns = []
    for _, low, high in AGE_BUCKETS:
        received_before = Case.received_at <= now - low * DAY
        age_columns.append(
            _count_if(
                received_before
                if high is None
                else and_(received_before, Case.received_at > now - high * DAY)
            )
        )
    open_query = (
        select(
            column,
            func.count(),
            _count_if(status.overdue(now)),
            _count_if(status.due_soon(now, due_soon)),
            *age_columns,
        )
        .where(status.undecided())
        .group_by(column)
    )
    for key, total, overdue, soon, *ages in session.execute(
        _scoped(open_query, flt, now, due_soon)
    ):
        target = row(key)
        target.open, target.overdue, target.due_soon = int(total), int(overdue), int(soon)
        for (name, _, _), value in zip(AGE_BUCKETS, ages, strict=True):
            setattr(target, name, int(value))

    month = now - 30 * DAY
    intake_query = (
        select(
            column,
            func.count(),
            _count_if(Case.registered_at > now - 7 * DAY),
            _count_if(Case.registered_at > now - DAY),
            _count_if(Case.late_registration.is_(True)),
        )
        .where(Case.registered_at > month, Case.registered_at <= now)
        .group_by(column)
    )
    for key, d30, d7, d1, late in session.execute(_scoped(intake_query, flt, now, due_soon)):
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
            _count_if(Case.decided_at > now - 7 * DAY),
            _count_if(Case.decided_at > now - DAY),
        )
        .where(Case.decided_at > month, Case.decided_at <= now)
        .group_by(column)
    )
    for key, d30, d7, d1 in session.execute(_scoped(decided_query, flt, now, due_soon)):
        target = row(key)
        target.decided_30d, target.decided_7d, target.decided_24h = int(d30), int(d7), int(d1)
    return rows


def visible_districts(flt: CaseFilter) -> list[str]:
    """SOATE codes of the districts the filter can see (its scope, region and district)."""
    geo = load_geography()
    return sorted(
        soate
        for soate, d in geo.districts.items()
        if (not flt.scope_region or d.region == flt.scope_region)
        and (not flt.region or d.region == flt.region)
        and (not flt.district or soate == flt.district)
    )


def district_workload(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta
) -> list[WorkloadRow]:
    """One row per visible district (zero rows included), in SOATE order."""
    found = workload_rows(session, flt, now, due_soon, "district")
    return [found.get(soate, WorkloadRow(soate)) for soate in visible_districts(flt)]


def region_workload(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta
) -> list[WorkloadRow]:
    """One row per visible region (zero rows included)."""
    found = workload_rows(session, flt, now, due_soon, "region")
    regions = sorted({load_geography().districts[s].region for s in visible_districts(flt)})
    return [found.get(code, WorkloadRow(code)) for code in regions]


def total_row(rows: Sequence[WorkloadRow], key: str = "") -> WorkloadRow:
    """The column sums of some workload rows."""
    total = WorkloadRow(key)
    for item in rows:
        for name in COUNT_FIELDS:
            setattr(total, name, getattr(total, name) + getattr(item, name))
    return total


def district_map_stats(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta
) -> list[dict[str, object]]:
    """Per visible district: open, overdue, due_soon, overdue_share, received_24h (the map's
    measures); two GROUP BY queries over open cases and the last day's registrations."""
    flt = _everything(flt)
    open_query = (
        select(
            Case.district,
            func.count(),
            _count_if(status.overdue(now)),
            _count_if(status.due_soon(now, due_soon)),
        )
        .where(status.undecided())
        .group_by(Case.district)
    )
    open_counts = {
        d: (int(t), int(o), int(s))
        for d, t, o, s in session.execute(_scoped(open_query, flt, now, due_soon))
    }
    intake_query = (
        select(Case.district, func.count())
        .where(Case.registered_at > now - DAY, Case.registered_at <= now)
        .group_by(Case.district)
    )
    intake = {d: int(n) for d, n in session.execute(_scoped(intake_query, flt, now, due_soon))}
    stats = []
    for soate in visible_districts(flt):
        total, overdue, soon = open_counts.get(soate, (0, 0, 0))
        stats.append(
            {
                "district": soate,
                "open": total,
                "overdue": overdue,
                "due_soon": soon,
                "overdue_share": overdue / total if total else 0.0,
                "received_24h": intake.get(soate, 0),
            }
        )
    return stats


def local_days(now: datetime, tz: ZoneInfo, days: int) -> list[tuple[date, datetime, datetime]]:
    """The last `days` local calendar days up to today: (date, start, end) as aware instants."""
    today = local_date(now, tz)
    result = []
    for back in range(days - 1, -1, -1):
        day = today - timedelta(days=back)
        result.append((day, end_of_local_day(day - DAY, tz), end_of_local_day(day, tz)))
    return result


def _bisect_case(
    column,
    ends: list[datetime],
    low: int,  # type: ignore[no-untyped-def]
    high: int,
):
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
    column,
    flt: CaseFilter,
    now: datetime,  # type: ignore[no-untyped-def]
    due_soon: timedelta,
    bounds: list[tuple[date, datetime, datetime]],
) -> list[int]:
    """Count rows per day of `bounds` by `column` (one range scan; the day index is a CASE
    that bisects the day boundaries, so each row costs a handful of comparisons)."""
    day_index = _bisect_case(column, [end for _, _, end in bounds], 0, len(bounds))
    inner = select(day_index.label("day")).where(column >= bounds[0][1], column < bounds[-1][2])
    inner = _scoped(inner.select_from(Case), _everything(flt), now, due_soon).subquery()
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
) -> list[dict[str, object]]:
    """Registrations and decisions per local day over the last `days` days (today included)."""
    bounds = local_days(now, tz, days)
    intake = _daily(session, Case.registered_at, flt, now, due_soon, bounds)
    decided = _daily(session, Case.decided_at, flt, now, due_soon, bounds)
    return [
        {"day": day.isoformat(), "intake": i, "decided": d}
        for (day, _, _), i, d in zip(bounds, intake, decided, strict=True)
    ]


FEED_FIELDS = (
    "reg_no",
    "district",
    "region",
    "category",
    "kind",
    "registered_at",
    "summary",
    "lat",
    "lon",
    "priority",
    "address",
)


def recent_registrations(session: Session, flt: CaseFilter, limit: int = 50) -> list[dict]:
    """The newest registrations (the live feed), newest first, with their summaries."""
    query = _scoped(
        select(*[getattr(Case, f) for f in FEED_FIELDS]), _everything(flt), by_time=True
    )
    query = query.order_by(Case.registered_at.desc(), Case.reg_no.desc()).limit(limit)
    return [dict(zip(FEED_FIELDS, row, strict=True)) for row in session.execute(query)]


def registered_since(session: Session, flt: CaseFilter, since: datetime) -> int:
    """How many cases were registered at or after `since` (the "new since opened" counter)."""
    query = _scoped(
        select(func.count()).select_from(Case).where(Case.registered_at >= since),
        _everything(flt),
        by_time=True,
    )
    return int(session.scalar(query) or 0)


def recent_points(
    session: Session, flt: CaseFilter, now: datetime, hours: float = 24, limit: int = 1000
) -> list[dict]:
    """Registrations of the last `hours` that have coordinates (map points), newest first."""
    query = select(
        Case.reg_no, Case.category, Case.district, Case.registered_at, Case.lat, Case.lon
    ).where(
        Case.registered_at > now - timedelta(hours=hours),
        Case.lat.is_not(None),
        Case.lon.is_not(None),
    )
    query = _scoped(query, _everything(flt), by_time=True)
    query = query.order_by(Case.registered_at.desc()).limit(limit)
    return [
        {"reg_no": r, "category": c, "district": d, "registered_at": at, "lat": lat, "lon": lon}
        for r, c, d, at, lat, lon in session.execute(query)
    ]


def active_flags(session: Session, reg_nos: Sequence[str]) -> dict[str, dict]:
    """The newest uncleared flag of each of these cases: comment, by, at."""
    result: dict[str, dict] = {}
    if not reg_nos:
        return result
    query = (
        select(Flag)
        .where(Flag.reg_no.in_(list(reg_nos)), Flag.cleared_at.is_(None))
        .order_by(Flag.created_at)
    )
    for flag in session.scalars(query):
        result[flag.reg_no] = {
            "id": flag.id,
            "comment": flag.comment,
            "by": flag.created_by,
            "at": flag.created_at,
        }
    return result


def case_list(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 2000
) -> tuple[list[dict[str, object]], int]:
    """Summaries of matching cases (most urgent deadline first, at most `limit`) with their
    active flag attached, and the total number of matches."""
    total = int(
        session.scalar(_scoped(select(func.count()).select_from(Case), flt, now, due_soon)) or 0
    )
    query = _scoped(select(Case), flt, now, due_soon).order_by(Case.deadline, Case.reg_no)
    cases = list(session.scalars(query.limit(limit)))
    flags = active_flags(session, [c.reg_no for c in cases if c.flagged])
    rows = []
    for item in cases:
        row = case_summary(item, now, due_soon)
        row["summary"] = item.summary
        flag = flags.get(item.reg_no)
        row["flag_comment"] = flag["comment"] if flag else None
        row["flag_by"] = flag["by"] if flag else None
        row["flag_at"] = flag["at"] if flag else None
        rows.append(row)
    return rows, total


def distinct_units(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 500
) -> list[str]:
    """Units that hold undecided cases in scope (the unit filter's options)."""
    # No "unit IS NOT NULL" in SQL: that range would lead SQLite to walk the whole unit index.
    query = select(Case.unit).where(status.undecided()).distinct()
    query = _scoped(query, replace(flt, status="all", unit=None), now, due_soon)
    return sorted(u for u in session.scalars(query.limit(limit + 1)) if u)[:limit]


@dataclass(frozen=True)
class CaseDetail:
    """A case as its page shows it: current state, events, deadline history, flags."""

    case: dict[str, object]
    events: list[dict[str, object]]
    deadlines: list[dict[str, object]]
    flags: list[dict[str, object]]


def case_detail(
    session: Session, reg_no: str, scope_region: str | None, now: datetime, due_soon: timedelta
) -> CaseDetail | None:
    """Everything about one case, or None if it does not exist or lies outside the scope."""
    item = session.scalar(select(Case).where(matches(Case.reg_no, reg_no)))
    if item is None or (scope_region and item.region != scope_region):
        return None
    state = case_summary(item, now, due_soon)
    state.update(
        {
            "summary": item.summary,
            "address": item.address,
            "source": item.source,
            "article": item.article,
            "period_days": item.period_days,
            "period_unit": item.period_unit,
            "extensions": item.extensions,
            "reopenings": item.reopenings,
            "transferred_to": item.transferred_to,
            "lat": item.lat,
            "lon": item.lon,
        }
    )
    events = [
        {
            "type": e.type,
            "occurred_at": e.occurred_at,
            "actor": e.actor,
            "fields": dict(e.fields),
            "applied": e.applied,
            "event_id": e.event_id,
        }
        for e in session.scalars(
            select(EventRow)
            .where(EventRow.reg_no == reg_no)
            .order_by(EventRow.occurred_at, EventRow.id)
        )
    ]
    deadlines = [
        {
            "set_at": d.set_at,
            "deadline": d.deadline,
            "period_days": d.period_days,
            "period_unit": d.period_unit,
            "reason": d.reason,
        }
        for d in session.scalars(
            select(DeadlineChangeRow)
            .where(DeadlineChangeRow.reg_no == reg_no)
            .order_by(DeadlineChangeRow.set_at, DeadlineChangeRow.id)
        )
    ]
    flags = [
        {
            "id": f.id,
            "comment": f.comment,
            "by": f.created_by,
            "at": f.created_at,
            "cleared_by": f.cleared_by,
            "cleared_at": f.cleared_at,
        }
        for f in session.scalars(
            select(Flag)
            .where(Flag.reg_no == reg_no)
            .order_by(Flag.created_at.desc(), Flag.id.desc())
        )
    ]
    return CaseDetail(state, events, deadlines, flags)


LIVE_FEED_SIZE = 50
LIVE_ANCHOR = timedelta(minutes=10)


def live_anchor(now: datetime) -> datetime:
    """The instant a live view's `total` counts from: `now` floored to LIVE_ANCHOR (UTC), the
    same for every flush of those ten minutes and for every web process."""
    step = int(LIVE_ANCHOR.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)


def live_views(
    session: Session, scopes: Sequence[str | None], now: datetime, due_soon: timedelta
) -> dict[str | None, dict[str, object]]:
    """What a live page with its default filters counts in each scope (a region, None for the
    whole country), as JSON-ready plain data: the status counts at `now`, and `total`, the
    registrations since `anchor` (live_anchor(now)), from which a page derives its "new since
    opened" counter; `as_of` is `now`. The counts of status_counts and registered_since in the
    scope, in two short index reads per scope. (The feed's rows are not in it: 50 rows with
    their summaries would make every push to every page some 20 KB.)"""
    anchor = live_anchor(now)
    views: dict[str | None, dict[str, object]] = {}
    for scope in dict.fromkeys(scopes):
        flt = CaseFilter(scope_region=scope)
        views[scope] = {
            "scope": scope,
            "as_of": now.astimezone(UTC).isoformat(),
            "anchor": anchor.isoformat(),
            "total": registered_since(session, flt, anchor),
            "counts": status_counts(session, flt, now, due_soon),
        }
    return views
