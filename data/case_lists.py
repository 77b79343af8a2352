"""Lists of cases as readers see them: the summary of a case (export, API, grids) with its
status evaluated at an instant, pages and streams of summaries for the API and exports, and the
cases by deadline with their active flags (the overdue page's and the workload drill-down's
grids), always scoped to the reader's region when they have one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, func, select
from sqlalchemy.orm import Session

from data import aggregates, alerts, status
from data.models import Case, Flag
from data.queries import CaseFilter, filtered, scoped
from rules.breaches import Tally, ongoing
from rules.deadlines import Status, case_status


@dataclass(frozen=True)
class CaseSummary:
    """A case as lists, exports and the API show it, with its status at one instant."""

    reg_no: str
    district: str
    region: str
    category: str
    kind: str
    status: Status
    received_at: datetime
    registered_at: datetime
    deadline: datetime
    decision: str | None
    decided_at: datetime | None
    unit: str | None
    officer: str | None
    flagged: bool
    priority: str
    late_registration: bool
    breached: bool  # any deadline breach, the one going on included (rules.breaches)
    breach_seconds: int  # their total length, up to the instant for one going on

    def as_dict(self) -> dict[str, object]:
        """The fields by name (the export's columns, the API's JSON object)."""
        return {name: getattr(self, name) for name in _field_names(type(self))}


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


EXPORT_FIELDS = _field_names(CaseSummary)


@dataclass(frozen=True)
class ActiveFlag:
    """A case's newest uncleared flag: its id, comment, who set it and when."""

    id: int
    comment: str
    by: str
    at: datetime


@dataclass(frozen=True)
class ListedCase(CaseSummary):
    """A case as the grids list it: its summary, its description and its active flag."""

    summary: str | None
    flag: ActiveFlag | None
    alert: tuple[str, int] | None = None  # its live alert's shown state and level (data.alerts)

    def as_dict(self) -> dict[str, object]:
        """The export's fields with the summary text and the flag's comment, author, time."""
        data = {name: getattr(self, name) for name in EXPORT_FIELDS}
        data["summary"] = self.summary
        data["flag_comment"] = self.flag.comment if self.flag else None
        data["flag_by"] = self.flag.by if self.flag else None
        data["flag_at"] = self.flag.at if self.flag else None
        return data


AnyRow = Row[*tuple[Any, ...]]  # a row of SUMMARY_COLUMNS (or more)

# The columns a summary (and a grid's row, with the description) is made of: lists select
# these, not whole cases, so that a grid of 2,000 rows builds no ORM objects.
SUMMARY_COLUMNS = (
    Case.reg_no,
    Case.district,
    Case.region,
    Case.category,
    Case.kind,
    Case.received_at,
    Case.registered_at,
    Case.deadline,
    Case.decision,
    Case.decided_at,
    Case.unit,
    Case.officer,
    Case.flagged,
    Case.priority,
    Case.late_registration,
    Case.breach_seconds,
    Case.breached,
    Case.breach_start,
)
LISTED_COLUMNS = (*SUMMARY_COLUMNS, Case.summary)


def summary_values(case: Case | AnyRow, now: datetime, due_soon: timedelta) -> dict[str, Any]:
    """The CaseSummary fields of a stored case (or of a row of SUMMARY_COLUMNS) by name (for
    the read models built on it)."""
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
        **breach_values(case, now),
    }


def breach_values(case: Case | AnyRow, now: datetime) -> dict[str, Any]:
    """`breached` and `breach_seconds` of a stored case at `now`: its closed breaches as the
    row keeps them, and the one going on, if any."""
    tally = Tally(case.breach_seconds or 0, bool(case.breached), case.breach_start)
    current = ongoing(tally, case.deadline, case.decision is None, now)
    return {
        "breached": tally.breached or current is not None,
        "breach_seconds": tally.seconds + (current.seconds(now) if current else 0),
    }


def case_summary(case: Case | AnyRow, now: datetime, due_soon: timedelta) -> CaseSummary:
    """The summary of one stored case, with its status evaluated at `now`."""
    return CaseSummary(**summary_values(case, now, due_soon))


def case_summaries(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    due_soon: timedelta,
    *,
    limit: int | None = None,
    offset: int = 0,
    order: str = "deadline",
) -> list[CaseSummary]:
    """Case summaries matching `flt`, ordered by deadline (most overdue first) or newest."""
    query = filtered(select(*SUMMARY_COLUMNS), flt, now, due_soon)
    query = (
        query.order_by(Case.deadline, Case.reg_no)
        if order == "deadline"
        else (query.order_by(Case.registered_at.desc(), Case.reg_no))
    )
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return [case_summary(row, now, due_soon) for row in session.execute(query)]


def iter_case_summaries(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, chunk: int = 5000
) -> Iterator[CaseSummary]:
    """All matching case summaries, streamed in chunks (for exports of any size)."""
    last: str | None = None
    while True:
        query = filtered(select(*SUMMARY_COLUMNS), flt, now, due_soon)
        query = query.order_by(Case.reg_no).limit(chunk)
        if last is not None:
            query = query.where(Case.reg_no > last)
        rows = list(session.execute(query))
        if not rows:
            return
        for row in rows:
            yield case_summary(row, now, due_soon)
        last = rows[-1].reg_no


def active_flags(session: Session, reg_nos: Sequence[str]) -> dict[str, ActiveFlag]:
    """The newest uncleared flag of each of these cases."""
    result: dict[str, ActiveFlag] = {}
    if not reg_nos:
        return result
    query = (
        select(Flag)
        .where(Flag.reg_no.in_(list(reg_nos)), Flag.cleared_at.is_(None))
        .order_by(Flag.created_at)
    )
    for flag in session.scalars(query):
        result[flag.reg_no] = ActiveFlag(flag.id, flag.comment, flag.created_by, flag.created_at)
    return result


def cases_by_deadline(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 2000
) -> tuple[list[ListedCase], int]:
    """Summaries of matching cases (most urgent deadline first, at most `limit`) with their
    active flag attached, and the total number of matches."""
    total = aggregates.status_count(session, flt, now, due_soon)  # the counters, if they can
    if total is None:
        counting = scoped(select(func.count()).select_from(Case), flt, now, due_soon)
        total = int(session.scalar(counting) or 0)
    query = scoped(select(*LISTED_COLUMNS), flt, now, due_soon).order_by(Case.deadline, Case.reg_no)
    cases = list(session.execute(query.limit(limit)))
    flags = active_flags(session, [c.reg_no for c in cases if c.flagged])
    live = alerts.live_states(session, [c.reg_no for c in cases])
    rows = [
        ListedCase(
            **summary_values(item, now, due_soon),
            summary=item.summary,
            flag=flags.get(item.reg_no),
            alert=live.get(item.reg_no),
        )
        for item in cases
    ]
    return rows, total


def units_with_open_cases(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 500
) -> list[str]:
    """Units that hold undecided cases in scope (the unit filter's options)."""
    # No "unit IS NOT NULL" in SQL: that range would lead SQLite to walk the whole unit index.
    query = select(Case.unit).where(status.undecided()).distinct()
    query = scoped(query, replace(flt, status="all", unit=None), now, due_soon)
    return sorted(u for u in session.scalars(query.limit(limit + 1)) if u)[:limit]
