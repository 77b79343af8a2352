"""Read side of the case store: case lists (export, API, overdue page) with statuses evaluated
at a given instant, always scoped to the reader's region when they have one."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Select, false, literal, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from data.db import FreeText
from data.models import Case
from data.status import status_filter
from rules.deadlines import case_status

STATUSES = ("open", "due_soon", "overdue", "decided", "all")
EXPORT_FIELDS = (
    "reg_no",
    "district",
    "region",
    "category",
    "kind",
    "status",
    "received_at",
    "registered_at",
    "deadline",
    "decision",
    "decided_at",
    "unit",
    "officer",
    "flagged",
    "priority",
    "late_registration",
)


@dataclass(frozen=True)
class CaseFilter:
    """What a reader asks for. `scope_region` is the reader's own region (enforced, not a
    choice); `region` is a filter within what they may see."""

    status: str = "all"
    district: str | None = None
    region: str | None = None
    category: str | None = None
    kind: str | None = None
    unit: str | None = None
    officer: str | None = None
    flagged: bool | None = None
    scope_region: str | None = None

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")


def matches(
    column: InstrumentedAttribute[str | None] | ColumnElement[str], value: str
) -> ColumnElement[bool]:
    """`column == value`, where a NUL in a code (reg_no, region, district, category, kind)
    matches nothing: no stored code holds one, and PostgreSQL refuses it in a query. Free-text
    columns (unit, officer) bind it as they store it (data.db.FreeText: ␀ on PostgreSQL)."""
    if "\x00" in value and not isinstance(column.type, FreeText):
        return false()
    return column == value


# The region as a time-ordered read matches it: `region || ''` holds the same value, but no index
# of the region's can serve it. SQLite, without a histogram of dates, would otherwise read every
# case of a region through its region index to find the newest few, which the registration-time
# index holds (on 50,000 cases, 2-10 ms against well under 1 ms per read and region).
REGION_BY_TIME = Case.region + literal("")


def filtered(
    query: Select, flt: CaseFilter, now: datetime, due_soon: timedelta, *, by_time: bool = False
) -> Select:
    """Apply a CaseFilter (and the reader's region scope) to a select over Case. `by_time`: the
    query reads by registration time (newest, or since an instant): its region conditions
    leave the registration-time index to the planner (REGION_BY_TIME)."""
    clause = status_filter(flt.status, now, due_soon)
    if clause is not None:
        query = query.where(clause)
    region = REGION_BY_TIME if by_time else Case.region
    for column, value in (
        (Case.district, flt.district),
        (region, flt.region),
        (region, flt.scope_region),
        (Case.category, flt.category),
        (Case.kind, flt.kind),
        (Case.unit, flt.unit),
        (Case.officer, flt.officer),
    ):
        if value:
            query = query.where(matches(column, value))
    if flt.flagged is not None:
        query = query.where(Case.flagged.is_(flt.flagged))
    return query


def case_summary(case: Case, now: datetime, due_soon: timedelta) -> dict[str, object]:
    """The export/API fields of one case, with its status evaluated at `now`."""
    return {
        "reg_no": case.reg_no,
        "district": case.district,
        "region": case.region,
        "category": case.category,
        "kind": case.kind,
        "status": case_status(case.deadline, case.decision is not None, now, due_soon),
        "received_at": case.received_at,
        "registered_at": case.registered_at,
        "deadline": case.deadline,
        "decision": case.decision,
        "decided_at": case.decided_at,
        "unit": case.unit,
        "officer": case.officer,
        "flagged": bool(case.flagged),
        "priority": case.priority,
        "late_registration": bool(case.late_registration),
    }


def list_cases(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    *,
    limit: int | None = None,
    offset: int = 0,
    order: str = "deadline",
) -> list[dict[str, object]]:
    """Case summaries matching `flt`, ordered by deadline (most overdue first) or newest."""
    query = filtered(select(Case), flt, now, due_soon)
    query = (
        query.order_by(Case.deadline, Case.reg_no)
        if order == "deadline"
        else (query.order_by(Case.registered_at.desc(), Case.reg_no))
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [case_summary(c, now, due_soon) for c in session.scalars(query)]


def iter_cases(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, chunk: int = 5000
) -> Iterator[dict[str, object]]:
    """All matching case summaries, streamed in chunks (for exports of any size)."""
    last: str | None = None
    while True:
        query = filtered(select(Case), flt, now, due_soon).order_by(Case.reg_no).limit(chunk)
        if last is not None:
            query = query.where(Case.reg_no > last)
        cases = list(session.scalars(query))
        if not cases:
            return
        for case in cases:
            yield case_summary(case, now, due_soon)
        last = cases[-1].reg_no
        session.expunge_all()
