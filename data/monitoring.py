"""Store-side figures for `/healthz` and `/metrics`: events and dead letters stored, the last
ingest time, and open/overdue/due-soon counts per region (from the open-case counters)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session

from data import aggregates, status
from data.models import Case, DeadLetter, EventRow
from data.queries import CaseFilter


@dataclass(frozen=True)
class StoreFigures:
    """What the store holds, at one instant."""

    events: int
    dead_letters: int
    last_ingest_at: datetime | None
    open_by_region: dict[str, int] = field(default_factory=dict)
    overdue_by_region: dict[str, int] = field(default_factory=dict)
    due_soon_by_region: dict[str, int] = field(default_factory=dict)


def ping(session: Session) -> None:
    """Raise if the database does not answer `SELECT 1`."""
    session.execute(text("SELECT 1")).one()


def last_ingest_at(session: Session) -> datetime | None:
    """When the newest stored event was ingested (the highest id: one index lookup, where
    max(ingested_at) would read the whole table)."""
    return session.scalar(select(EventRow.ingested_at).order_by(EventRow.id.desc()).limit(1))


def store_figures(session: Session, now: datetime, due_soon: timedelta) -> StoreFigures:
    """Counts of stored events and dead letters and per-region case status counts at `now`
    (from the open-case counters where valid, else one GROUP BY over the open cases)."""
    count = func.count()
    found = (
        aggregates.open_status(session, CaseFilter(), now, due_soon, "region")
        if aggregates.usable(session, CaseFilter())
        else None
    )
    if found is not None:
        by_region = [(str(r), s.open, s.overdue, s.due_soon) for r, s in found.items()]
    else:
        by_region = [
            (r, int(n), int(o or 0), int(s or 0))
            for r, n, o, s in session.execute(
                select(
                    Case.region,
                    count,
                    func.sum(case((status.overdue(now), 1), else_=0)),
                    func.sum(case((status.due_soon(now, due_soon), 1), else_=0)),
                )
                .where(status.undecided())
                .group_by(Case.region)
            )
        ]
    return StoreFigures(
        events=int(session.scalar(select(count).select_from(EventRow)) or 0),
        dead_letters=int(session.scalar(select(count).select_from(DeadLetter)) or 0),
        last_ingest_at=last_ingest_at(session),
        open_by_region={r: n for r, n, _, _ in by_region},
        overdue_by_region={r: o for r, _, o, _ in by_region},
        due_soon_by_region={r: s for r, _, _, s in by_region},
    )
