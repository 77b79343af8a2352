"""A case's status (open, due soon, overdue, decided) at an instant, as SQL: the one SQL form of
rules.deadlines.case_status, used by every read that filters or counts by status (lists, counts,
workload, map shading, monitoring figures, the deadline watcher).

The conditions keep to the indexed columns (decision, deadline) so that the planner can serve
them from the (decision, deadline) indexes. A case without a deadline is open, as in the rule
(its comparisons are NULL, so it matches neither overdue nor due soon).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, literal

from data.models import Case


def undecided() -> ColumnElement[bool]:
    """The case awaits a decision (the filter "open" means every such case)."""
    return Case.decision.is_(None)


def decided() -> ColumnElement[bool]:
    """The case is decided."""
    return Case.decision.is_not(None)


def decided_late() -> ColumnElement[bool]:
    """The standing decision came after the deadline (rules.breaches.decided_late)."""
    return Case.decided_at > Case.deadline


def overdue(now: datetime) -> ColumnElement[bool]:
    """Undecided with its deadline reached at `now` (the deadline instant itself is overdue)."""
    return and_(undecided(), Case.deadline <= now)


def due_soon(now: datetime, within: timedelta) -> ColumnElement[bool]:
    """Undecided, its deadline after `now` but no further than `within` away."""
    return and_(undecided(), Case.deadline > now, Case.deadline <= now + within)


def became_overdue(after: datetime, until: datetime) -> ColumnElement[bool]:
    """Not overdue at `after` but overdue at `until` (the deadline watcher's window): undecided
    with `after < deadline <= until`."""
    return and_(overdue(until), Case.deadline > after)


def status(now: datetime, within: timedelta) -> ColumnElement[str]:
    """The case's status at `now` as one SQL value: "decided", "overdue", "due_soon" or
    "open", exactly as rules.deadlines.case_status(deadline, decided, now, within)."""
    return case(
        (decided(), literal("decided")),
        (Case.deadline <= now, literal("overdue")),
        (Case.deadline <= now + within, literal("due_soon")),
        else_=literal("open"),
    )


def status_filter(name: str, now: datetime, within: timedelta) -> ColumnElement[bool] | None:
    """The condition a status filter stands for at `now`: "open" is every undecided case
    (overdue and due soon included), "all" is no condition (None)."""
    conditions: dict[str, ColumnElement[bool]] = {
        "open": undecided(),
        "overdue": overdue(now),
        "due_soon": due_soon(now, within),
        "decided": decided(),
    }
    return conditions.get(name)
