"""One case as its page (and the API) shows it: current state, events, deadline history and
flags, scoped to the reader's region."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.case_lists import case_summary
from data.models import Case, DeadlineChangeRow, EventRow, Flag
from data.queries import matches


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
