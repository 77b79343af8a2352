"""What a restarted simulator needs from the store to carry on (the demo's restart): the last
registration number given per district and year, the open cases, the time of the last event."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Engine, func, select

from data.models import Case
from data.simulator import OpenCase

# KUP-<SOATE>-<year>-<sequence>: the first 23 characters are the district and year.
_REG_NO = re.compile(r"KUP-(\d{14})-(\d{4})-(\d+)")
_PREFIX = len("KUP-41711000000000-2026")


@dataclass(frozen=True)
class StoredState:
    """The store as a simulator resumes it."""

    cases: int
    numbers: dict[tuple[str, int], int]  # (district, year) -> last sequence number
    open_cases: list[OpenCase]
    latest: datetime | None  # the last event applied to any case


def stored_state(engine: Engine) -> StoredState:
    """Read the numbers, open cases and latest event time of the store (one pass each)."""
    with engine.connect() as conn:
        cases = int(conn.scalar(select(func.count()).select_from(Case)) or 0)
        latest = conn.scalar(select(func.max(Case.last_event_at)))
        last_numbers = conn.scalars(
            select(func.max(Case.reg_no)).group_by(func.substr(Case.reg_no, 1, _PREFIX))
        ).all()
        open_rows = conn.execute(
            select(
                Case.reg_no, Case.district, Case.kind, Case.unit, Case.officer, Case.deadline
            ).where(Case.decision.is_(None))
        ).all()
    numbers: dict[tuple[str, int], int] = {}
    for reg_no in last_numbers:
        match = _REG_NO.fullmatch(reg_no or "")
        if match:
            key = (match[1], int(match[2]))
            numbers[key] = max(numbers.get(key, 0), int(match[3]))
    return StoredState(
        cases=cases,
        numbers=numbers,
        open_cases=[OpenCase(*row) for row in open_rows],
        latest=latest,
    )
