"""What every read of the case store shares: the reader's filter (CaseFilter), applied in SQL
with the reader's own region always enforced, the drill-down value for "no unit / no officer",
and the districts a filter can see."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, case, false, func, literal
from sqlalchemy.orm import InstrumentedAttribute

from data.db import FreeText
from data.models import Case
from data.reference import load_geography
from data.status import status_filter

Row = TypeVarTuple("Row")  # the column types of a select a filter is applied to

STATUSES = ("open", "due_soon", "overdue", "decided", "all")


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
    query: Select[*Row],
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    *,
    by_time: bool = False,
) -> Select[*Row]:
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


UNASSIGNED = "~"  # drill-down value standing for "no unit / no officer yet"


def count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """How many rows of a GROUP BY meet `condition` (0, never NULL)."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def scoped(
    query: Select[*Row],
    flt: CaseFilter,
    now: datetime | None = None,
    due_soon: timedelta = timedelta(0),
    *,
    by_time: bool = False,
) -> Select[*Row]:
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


def every_status(flt: CaseFilter) -> CaseFilter:
    """The same filter without its status condition."""
    return replace(flt, status="all")


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
