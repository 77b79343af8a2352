"""The wall screen's reads beyond the live page's: the cases that need attention now (deadlines
that passed and flags raised within a recent window), and the day's registrations counted from
local midnight.

The kinds of attention are listed once, in ATTENTION_KINDS, each with its reader: a new kind
(e.g. an escalation of the alert ladder) is one more reader there, one more colour and label in
components/wall.py and the push that announces it in callbacks/wall.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.live_page import FEED_FIELDS
from data.models import Alert, AlertStep, Case, Flag
from data.queries import CaseFilter, every_status, scoped
from data.status import became_overdue

ATTENTION_WINDOW = timedelta(hours=12)  # a wall shows what happened during the shift
ATTENTION_LIMIT = 30


@dataclass(frozen=True)
class Attention:
    """One case needing attention: why (`kind`), since when (`at`), its feed fields (`case`:
    data.live_page.FEED_FIELDS), a note (a flag's comment and author) and an escalation's
    level."""

    kind: str
    at: datetime
    case: Mapping[str, Any]
    note: str | None = None
    by: str | None = None
    level: int = 0  # an escalation's level (1: the region's managers, 2: the prosecutors)

    @property
    def key(self) -> str:
        """What identifies this event on a page (its kind, case and instant)."""
        return f"{self.kind}:{self.case['reg_no']}:{self.at.isoformat()}"


Reader = Callable[[Session, CaseFilter, datetime, datetime, int], list[Attention]]
_CASE_COLUMNS = [getattr(Case, f) for f in FEED_FIELDS]


def _case(row: Any) -> dict[str, Any]:
    return dict(zip(FEED_FIELDS, row[: len(FEED_FIELDS)], strict=True))


def overdue_since(
    session: Session, flt: CaseFilter, since: datetime, now: datetime, limit: int
) -> list[Attention]:
    """Undecided cases whose deadline passed after `since` (at or before `now`), the latest
    first: a range of the (decision, deadline) index."""
    query = select(*_CASE_COLUMNS, Case.deadline).where(became_overdue(since, now))
    query = scoped(query, every_status(flt)).order_by(Case.deadline.desc(), Case.reg_no)
    return [
        Attention("overdue", row[-1], _case(row)) for row in session.execute(query.limit(limit))
    ]


def flagged_since(
    session: Session, flt: CaseFilter, since: datetime, now: datetime, limit: int
) -> list[Attention]:
    """Active flags raised after `since` (at or before `now`), the latest first, with their
    opening comment and author."""
    query = (
        select(*_CASE_COLUMNS, Flag.comment, Flag.created_by, Flag.created_at)
        .join(Flag, Flag.reg_no == Case.reg_no)
        .where(Flag.cleared_at.is_(None), Flag.created_at > since, Flag.created_at <= now)
    )
    query = scoped(query, every_status(flt)).order_by(Flag.created_at.desc(), Flag.id.desc())
    return [
        Attention("flagged", row[-1], _case(row), note=row[-3], by=row[-2])
        for row in session.execute(query.limit(limit))
    ]


def escalated_since(
    session: Session, flt: CaseFilter, since: datetime, now: datetime, limit: int
) -> list[Attention]:
    """Alerts that climbed a level of the ladder after `since` (at or before `now`) and are
    still unacknowledged, the latest first, with the level reached."""
    query = (
        select(*_CASE_COLUMNS, AlertStep.level, AlertStep.at)
        .join(Alert, Alert.reg_no == Case.reg_no)
        .join(AlertStep, AlertStep.alert_id == Alert.id)
        .where(
            Alert.state == "open",
            AlertStep.step == "escalated",
            AlertStep.at > since,
            AlertStep.at <= now,
        )
    )
    query = scoped(query, every_status(flt)).order_by(AlertStep.at.desc(), AlertStep.id.desc())
    return [
        Attention("escalated", row[-1], _case(row), level=int(row[-2]))
        for row in session.execute(query.limit(limit))
    ]


ATTENTION_KINDS: dict[str, Reader] = {
    "overdue": overdue_since,
    "flagged": flagged_since,
    "escalated": escalated_since,
}


def attention(
    session: Session,
    flt: CaseFilter,
    now: datetime,
    window: timedelta = ATTENTION_WINDOW,
    limit: int = ATTENTION_LIMIT,
) -> list[Attention]:
    """The cases needing attention within `window` before `now`, of every kind, the latest
    first (at most `limit`); within the filter's scope."""
    found = [
        item
        for reader in ATTENTION_KINDS.values()
        for item in reader(session, flt, now - window, now, limit)
    ]
    return sorted(found, key=lambda a: (a.at, a.kind), reverse=True)[:limit]


def day_start(now: datetime, tz: tzinfo) -> datetime:
    """Local midnight of `now`'s day in `tz` (the day's registrations count from it)."""
    local = now.astimezone(tz)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)
