"""One case as its page (and the API) shows it: current state, events, deadline history and
flags, scoped to the reader's region."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.breaches import stored_moves
from data.case_lists import CaseSummary, summary_values
from data.flags import FlagNote, flags_of
from data.models import Case, DeadlineChangeRow, EventRow
from data.queries import matches
from rules.breaches import EndedBy, history


@dataclass(frozen=True)
class CaseFacts(CaseSummary):
    """The case's current state: its summary fields and everything else the page shows."""

    summary: str | None
    address: str | None
    source: str
    article: str | None
    period_days: int
    period_unit: str
    extensions: int
    reopenings: int
    transferred_to: str | None
    lat: float | None
    lon: float | None


@dataclass(frozen=True)
class CaseEvent:
    """One stored event of the case: its contract fields as received (text), and whether it
    is applied yet (an event waiting for its case's registration is not)."""

    type: str
    occurred_at: datetime
    actor: str | None
    fields: dict[str, str]
    applied: bool
    event_id: str


@dataclass(frozen=True)
class DeadlineEntry:
    """A deadline the case was given, when and why."""

    set_at: datetime
    deadline: datetime
    period_days: int
    period_unit: str
    reason: str


@dataclass(frozen=True)
class BreachEntry:
    """A span during which the case was overdue: `end` None while it goes on (its seconds up
    to the page's instant); `ended_by` "decision", "extension" or "reopening"."""

    start: datetime
    end: datetime | None
    seconds: int
    ended_by: EndedBy | None


@dataclass(frozen=True)
class FlagEntry:
    """A flag on the case, active or cleared."""

    id: int
    comment: str
    by: str
    at: datetime
    cleared_by: str | None
    cleared_at: datetime | None
    cleared_comment: str | None
    history: tuple[FlagNote, ...]  # who said what, when: opening, comments, clearing


@dataclass(frozen=True)
class CaseDetail:
    """A case as its page shows it: current state, events, deadline history, flags."""

    case: CaseFacts
    events: tuple[CaseEvent, ...]
    deadlines: tuple[DeadlineEntry, ...]
    flags: tuple[FlagEntry, ...]
    breaches: tuple[BreachEntry, ...] = ()

    def as_dict(self) -> dict[str, object]:
        """The API's JSON object: the case's fields with its events, deadlines, flags and
        deadline breaches."""
        return {
            **self.case.as_dict(),
            "events": [asdict(e) for e in self.events],
            "deadlines": [asdict(d) for d in self.deadlines],
            "flags": [asdict(f) for f in self.flags],
            "breaches": [asdict(b) for b in self.breaches],
        }


def case_detail(
    session: Session, reg_no: str, scope_region: str | None, now: datetime, due_soon: timedelta
) -> CaseDetail | None:
    """Everything about one case, or None if it does not exist or lies outside the scope."""
    item = session.scalar(select(Case).where(matches(Case.reg_no, reg_no)))
    if item is None or (scope_region and item.region != scope_region):
        return None
    state = CaseFacts(
        **summary_values(item, now, due_soon),
        summary=item.summary,
        address=item.address,
        source=item.source,
        article=item.article,
        period_days=item.period_days,
        period_unit=item.period_unit,
        extensions=item.extensions,
        reopenings=item.reopenings,
        transferred_to=item.transferred_to,
        lat=item.lat,
        lon=item.lon,
    )
    events = tuple(
        CaseEvent(e.type, e.occurred_at, e.actor, dict(e.fields), e.applied, e.event_id)
        for e in session.scalars(
            select(EventRow)
            .where(EventRow.reg_no == reg_no)
            .order_by(EventRow.occurred_at, EventRow.id)
        )
    )
    changes = list(
        session.scalars(
            select(DeadlineChangeRow)
            .where(DeadlineChangeRow.reg_no == item.reg_no)
            .order_by(DeadlineChangeRow.set_at, DeadlineChangeRow.id)
        )
    )
    deadlines = tuple(
        DeadlineEntry(d.set_at, d.deadline, d.period_days, d.period_unit, d.reason) for d in changes
    )
    flags = tuple(
        FlagEntry(
            f.id,
            f.comment,
            f.created_by,
            f.created_at,
            f.cleared_by,
            f.cleared_at,
            f.cleared_comment,
            f.history,
        )
        for f in flags_of(session, reg_no)
    )
    return CaseDetail(state, events, deadlines, flags, _breaches(events, changes, now))


def _breaches(
    events: tuple[CaseEvent, ...], changes: list[DeadlineChangeRow], now: datetime
) -> tuple[BreachEntry, ...]:
    """The case's breaches from its applied events and the deadlines they set."""
    found = stored_moves(
        ((e.type, e.event_id, e.occurred_at, e.fields) for e in events if e.applied),
        {c.event_id: c.deadline for c in changes},
    )
    if found.first_deadline is None:
        return ()
    return tuple(
        BreachEntry(b.start, b.end, b.seconds(now), b.ended_by)
        for b in history(found.first_deadline, found.moves, now)
    )
