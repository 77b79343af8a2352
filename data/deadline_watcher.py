"""Deadlines that pass with no event: the undecided cases whose deadline fell in a time window
(the web server checks every few seconds and pushes what it finds)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Case
from data.status import became_overdue


def newly_overdue(
    session: Session, after: datetime, until: datetime, limit: int = 10_000
) -> list[tuple[str, str]]:
    """(reg_no, region) of undecided cases with `after < deadline <= until`, earliest first
    (a range scan of the (decision, deadline) index)."""
    query = (
        select(Case.reg_no, Case.region)
        .where(became_overdue(after, until))
        .order_by(Case.deadline, Case.reg_no)
        .limit(limit)
    )
    return [(reg_no, region) for reg_no, region in session.execute(query)]
