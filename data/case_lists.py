"""Lists of cases as readers see them: the summary of a case (export, API, grids) with its
status evaluated at an instant, pages and streams of summaries for the API and exports, and the
cases by deadline with their active flags (the overdue page's and the workload drill-down's
grids), always scoped to the reader's region when they have one."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from data import status
from data.models import Case, Flag
from data.queries import CaseFilter, filtered, scoped
from rules.deadlines import case_status

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


def case_summaries(
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


def iter_case_summaries(
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


def cases_by_deadline(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 2000
) -> tuple[list[dict[str, object]], int]:
    """Summaries of matching cases (most urgent deadline first, at most `limit`) with their
    active flag attached, and the total number of matches."""
    total = int(
        session.scalar(scoped(select(func.count()).select_from(Case), flt, now, due_soon)) or 0
    )
    query = scoped(select(Case), flt, now, due_soon).order_by(Case.deadline, Case.reg_no)
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


def units_with_open_cases(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, limit: int = 500
) -> list[str]:
    """Units that hold undecided cases in scope (the unit filter's options)."""
    # No "unit IS NOT NULL" in SQL: that range would lead SQLite to walk the whole unit index.
    query = select(Case.unit).where(status.undecided()).distinct()
    query = scoped(query, replace(flt, status="all", unit=None), now, due_soon)
    return sorted(u for u in session.scalars(query.limit(limit + 1)) if u)[:limit]
