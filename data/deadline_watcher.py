"""Deadlines that pass with no event: the undecided cases whose deadline fell in a time window
(the web server checks every few seconds and pushes what it finds; the notification worker
queues them for the users subscribed to "overdue")."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Case
from data.status import became_overdue


class PassedDeadline(NamedTuple):
    """A case whose deadline just passed, with what a notification names."""

    reg_no: str
    district: str
    region: str
    deadline: datetime


def newly_overdue(
    session: Session, after: datetime, until: datetime, limit: int = 10_000
) -> list[tuple[str, str]]:
    """(reg_no, region) of undecided cases with `after < deadline <= until`, earliest first
    (a range scan of the (decision, deadline) index)."""
    return [(p.reg_no, p.region) for p in passed_deadlines(session, after, until, limit)]


def passed_deadlines(
    session: Session, after: datetime, until: datetime, limit: int = 10_000
) -> list[PassedDeadline]:
    """As `newly_overdue`, with each case's district and deadline."""
    query = (
        select(Case.reg_no, Case.district, Case.region, Case.deadline)
        .where(became_overdue(after, until))
        .order_by(Case.deadline, Case.reg_no)
        .limit(limit)
    )
    return [PassedDeadline(*row) for row in session.execute(query)]
