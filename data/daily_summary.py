"""The duty room's daily summary («суточная сводка») of one local day, for the country or a
region: numbers and codes only (components and the PDF renderer add the words).

The day is [00:00, 24:00) local time in the console's zone. Its figures:

- **registered**: cases registered in the day (`registered_at`), per category × district;
  **late**: of them registered more than 24 h after receipt (`late_registration`);
- **decided**: cases whose standing decision is of that day (`decided_at`; as the workload's
  daily flow counts them: a decision later cancelled by a reopening is not counted);
- **extended**: extensions granted in the day (applied `extended` events);
- **open at the end** of the day (24:00; for the day under way, at the time of the summary,
  `as_of`): registered before that instant and not decided before it (undecided now, or decided
  at that instant or later); **overdue at the end**: of those, the ones whose deadline in force
  then (the last deadline set before it, `deadline_changes`) had passed (deadline ≤ the
  instant, rules.deadlines' rule); **became overdue**: of those, the ones whose deadline fell
  within the day (after 00:00, at or before the instant);
- **flags raised** in the day (prosecutors' flags created, `flags.created_at`);
- **notable cases**, at most NOTABLE_LIMIT, each once, in this order: cases flagged in the day;
  cases that became overdue in the day and are serious (of a SERIOUS_CATEGORIES category or of
  high priority); serious cases registered in the day; other cases that became overdue in the
  day; within each, oldest first (a flag, a deadline, a registration).

A case ever reopened is open at an instant when its last decision or reopening before it (its
applied events) was a reopening, or when it had neither: its row keeps only the standing
decision, not the earlier ones a reopening cancelled.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import Session

from data.models import Case, DeadlineChangeRow, EventRow, Flag
from data.queries import matches
from data.reference import load_geography
from rules.access import Viewer
from rules.clock import end_of_local_day, local_instant

SERIOUS_CATEGORIES = ("homicide", "sexual", "extremism", "missing_person")
NOTABLE_LIMIT = 10
NOTABLE_REASONS = ("flagged", "overdue", "serious")


@dataclass(frozen=True)
class DistrictDay:
    """One district's figures of the day (the district's SOATE code, its region)."""

    district: str
    region: str
    registered: int = 0
    late: int = 0
    decided: int = 0
    extended: int = 0
    open_at_end: int = 0
    overdue_at_end: int = 0
    became_overdue: int = 0
    flags: int = 0


@dataclass(frozen=True)
class NotableCase:
    """A case the summary names: why (one of NOTABLE_REASONS) and the instant that made it so
    (flagged at, deadline passed at, registered at)."""

    reg_no: str
    category: str
    district: str
    reason: str
    at: datetime


@dataclass(frozen=True)
class DailySummary:
    """The figures of one local day in a scope (`region` None: the whole country)."""

    day: date
    region: str | None
    start: datetime  # 00:00 local, aware
    end: datetime  # 24:00 local, aware
    as_of: datetime  # when the open and overdue cases are counted: `end`, or now for today
    by_district: tuple[DistrictDay, ...]  # districts with any figure, by code
    by_category: tuple[tuple[str, int], ...]  # (category, registered), most first
    cells: tuple[tuple[str, str, int], ...]  # (category, district, registered)
    notable: tuple[NotableCase, ...]

    def total(self, measure: str) -> int:
        """The sum of one DistrictDay measure ("registered", "overdue_at_end"…) over the scope."""
        return sum(int(getattr(row, measure)) for row in self.by_district)


MEASURES = (
    "registered",
    "late",
    "decided",
    "extended",
    "open_at_end",
    "overdue_at_end",
    "became_overdue",
    "flags",
)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[00:00, 24:00) of the local `day` in `tz`, as aware instants."""
    return local_instant(day, datetime.min.time(), tz), end_of_local_day(day, tz)


def summary_scope(viewer: Viewer, region: str | None) -> str | None:
    """The region whose summary `viewer` asks for (None: the country). Those with a region of
    their own (managers of a region) get theirs only: PermissionError for another or for the
    country; those without choose. LookupError for a region that does not exist."""
    region = region or None
    if region is not None and region not in load_geography().regions:
        raise LookupError(f"unknown region {region!r}")
    if viewer.region is not None and region not in (None, viewer.region):
        raise PermissionError(f"{viewer.username} may not see region {region}")
    if not viewer.sees_cases:
        raise PermissionError(f"{viewer.username} may not read cases")
    return viewer.region or region


def _scope(region: str | None) -> list[ColumnElement[bool]]:
    return [matches(Case.region, region)] if region else []


def deadline_at(end: datetime) -> ColumnElement[datetime]:
    """A case's deadline in force at `end`: the last one set before it (its row's deadline when
    the store kept no change before `end`)."""
    last = (
        select(DeadlineChangeRow.deadline)
        .where(DeadlineChangeRow.reg_no == Case.reg_no, DeadlineChangeRow.set_at < end)
        .order_by(DeadlineChangeRow.set_at.desc(), DeadlineChangeRow.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    return func.coalesce(last, Case.deadline)


def open_at(moment: datetime) -> ColumnElement[bool]:
    """Whether a case was undecided at `moment`: by its standing decision's time, or, for a
    case ever reopened, by its last decision or reopening before `moment`."""
    last_move = (
        select(EventRow.type)
        .where(
            EventRow.reg_no == Case.reg_no,
            EventRow.applied.is_(True),
            EventRow.type.in_(("decided", "reopened")),
            EventRow.occurred_at < moment,
        )
        .order_by(EventRow.occurred_at.desc(), EventRow.id.desc())
        .limit(1)
        .correlate(Case)
        .scalar_subquery()
    )
    return case(
        (Case.reopenings == 0, or_(Case.decided_at.is_(None), Case.decided_at >= moment)),
        else_=func.coalesce(last_move, "reopened") == "reopened",
    )


def daily_summary(
    session: Session,
    day: date,
    tz: ZoneInfo,
    region: str | None = None,
    now: datetime | None = None,
) -> DailySummary:
    """The summary of the local `day` (in `tz`) for `region` (None: the country), as of `now`
    (a day not over yet is counted up to `now`). The caller has checked that the reader may
    see that scope (summary_scope)."""
    start, end = day_bounds(day, tz)
    as_of = end if now is None else max(start, min(end, now))
    scope = _scope(region)
    counts: dict[str, Counter[tuple[str, str]]] = {m: Counter() for m in MEASURES}
    cells: Counter[tuple[str, str]] = Counter()

    in_day = and_(Case.registered_at >= start, Case.registered_at < end)
    for district, reg_region, category, late, n in session.execute(
        select(Case.district, Case.region, Case.category, Case.late_registration, func.count())
        .where(in_day, *scope)
        .group_by(Case.district, Case.region, Case.category, Case.late_registration)
    ):
        counts["registered"][(district, reg_region)] += n
        if late:
            counts["late"][(district, reg_region)] += n
        cells[(category, district)] += n

    decided = and_(Case.decided_at >= start, Case.decided_at < end)
    for district, reg_region, n in session.execute(
        select(Case.district, Case.region, func.count())
        .where(decided, *scope)
        .group_by(Case.district, Case.region)
    ):
        counts["decided"][(district, reg_region)] += n

    for district, reg_region, n in session.execute(
        select(Case.district, Case.region, func.count())
        .join(EventRow, EventRow.reg_no == Case.reg_no)
        .where(
            EventRow.type == "extended",
            EventRow.applied.is_(True),
            EventRow.occurred_at >= start,
            EventRow.occurred_at < end,
            *scope,
        )
        .group_by(Case.district, Case.region)
    ):
        counts["extended"][(district, reg_region)] += n

    deadline = deadline_at(as_of).label("deadline_at_end")
    open_at_end = and_(Case.registered_at < as_of, open_at(as_of))
    overdue_rows: dict[bool, list[tuple[str, str, str, datetime]]] = {True: [], False: []}
    for reg_no, district, reg_region, category, priority, due in session.execute(
        select(
            Case.reg_no, Case.district, Case.region, Case.category, Case.priority, deadline
        ).where(open_at_end, *scope)
    ):
        key = (district, reg_region)
        counts["open_at_end"][key] += 1
        if due <= as_of:
            counts["overdue_at_end"][key] += 1
            if due > start:
                counts["became_overdue"][key] += 1
                grave = category in SERIOUS_CATEGORIES or priority == "high"
                overdue_rows[grave].append((reg_no, category, district, due))

    flagged: list[tuple[str, str, str, datetime]] = []
    for reg_no, district, reg_region, category, at in session.execute(
        select(Case.reg_no, Case.district, Case.region, Case.category, Flag.created_at)
        .join(Flag, Flag.reg_no == Case.reg_no)
        .where(Flag.created_at >= start, Flag.created_at < end, *scope)
        .order_by(Flag.created_at, Flag.id)
    ):
        counts["flags"][(district, reg_region)] += 1
        flagged.append((reg_no, category, district, at))

    serious: list[tuple[str, str, str, datetime]] = [
        (row.reg_no, row.category, row.district, row.registered_at)
        for row in session.execute(
            select(Case.reg_no, Case.category, Case.district, Case.registered_at)
            .where(
                in_day,
                or_(Case.category.in_(SERIOUS_CATEGORIES), Case.priority == "high"),
                *scope,
            )
            .order_by(Case.registered_at, Case.reg_no)
            .limit(NOTABLE_LIMIT)
        )
    ]

    notable: dict[str, NotableCase] = {}
    for rows in overdue_rows.values():
        rows.sort(key=lambda r: (r[3], r[0]))
    for reason, rows in (
        ("flagged", flagged),
        ("overdue", overdue_rows[True]),
        ("serious", serious),
        ("overdue", overdue_rows[False]),
    ):
        for reg_no, category, district, at in rows:
            if len(notable) < NOTABLE_LIMIT and reg_no not in notable:
                notable[reg_no] = NotableCase(reg_no, category, district, reason, at)

    keys = sorted({key for measure in counts.values() for key in measure})
    by_district = tuple(
        DistrictDay(
            district, reg_region, **{m: counts[m][(district, reg_region)] for m in MEASURES}
        )
        for district, reg_region in keys
    )
    by_category: Counter[str] = Counter()
    for (category, _), n in cells.items():
        by_category[category] += n
    return DailySummary(
        day=day,
        region=region,
        start=start,
        end=end,
        as_of=as_of,
        by_district=by_district,
        by_category=tuple(sorted(by_category.items(), key=lambda item: (-item[1], item[0]))),
        cells=tuple(sorted((c, d, n) for (c, d), n in cells.items())),
        notable=tuple(notable.values()),
    )
