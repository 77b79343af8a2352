"""What the public receipt page may tell a complainant about their case: codes and instants
only (its decision, deadline and the time of its last step), never a name, a summary, a unit or
an officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.models import Case


@dataclass(frozen=True)
class ReceiptFacts:
    """A case as its complainant sees it: its decision code (None while open), its review
    deadline, and when its last step was taken (its last event; its registration if none)."""

    decision: str | None
    deadline: datetime
    last_step_at: datetime


def receipt_facts(session: Session, reg_no: str) -> ReceiptFacts | None:
    """The receipt facts of case `reg_no`; None when the store has no such case."""
    row = session.execute(
        select(Case.decision, Case.deadline, Case.last_event_at, Case.registered_at).where(
            Case.reg_no == reg_no
        )
    ).one_or_none()
    if row is None:
        return None
    decision, deadline, last_event_at, registered_at = row
    return ReceiptFacts(decision, deadline, last_event_at or registered_at)


def case_exists(session: Session, reg_no: str) -> bool:
    """Whether the store has case `reg_no`."""
    return session.scalar(select(Case.reg_no).where(Case.reg_no == reg_no)) is not None
