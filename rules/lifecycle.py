"""A case's life: apply validated events to a case's state (pure; no storage)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.breaches import EndedBy, Move, Tally, settle
from rules.clock import local_date
from rules.contract import Event
from rules.deadlines import PeriodUnit, RuleSet, is_late_registration, period_end


class CaseConflict(ValueError):
    """An event that cannot apply to the case as it stands (e.g. registered twice)."""


@dataclass
class CaseState:
    """Everything the console knows about one case, after the events applied so far."""

    reg_no: str
    district: str
    category: str
    kind: str
    source: str
    received_at: datetime
    registered_at: datetime
    period_start: date
    period_days: int
    period_unit: PeriodUnit
    deadline: datetime
    priority: str = "normal"
    article: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    summary: str | None = None
    unit: str | None = None
    officer: str | None = None
    decision: str | None = None
    decided_at: datetime | None = None
    transferred_to: str | None = None
    extensions: int = 0
    reopenings: int = 0
    last_event_at: datetime | None = None
    late_registration: bool = False
    # Deadline breaches (rules.breaches): closed ones' total, whether any closed, and the
    # start of one that an extension to a deadline already past left going on.
    breach_seconds: int = 0
    breached: bool = False
    breach_start: datetime | None = None

    @property
    def is_open(self) -> bool:
        return self.decision is None

    @property
    def tally(self) -> Tally:
        """The case's breach tally, as rules.breaches folds it."""
        return Tally(self.breach_seconds, self.breached, self.breach_start)


@dataclass(frozen=True)
class DeadlineChange:
    """A new deadline and why it was set, for the case's deadline history."""

    deadline: datetime
    reason: str
    period_days: int
    period_unit: PeriodUnit


def register_case(event: Event, tz: ZoneInfo, rules: RuleSet) -> tuple[CaseState, DeadlineChange]:
    """Create a case from its `registered` event."""
    data = event.data
    received_at = data["received_at"]
    assert isinstance(received_at, datetime)
    kind = str(data["kind"])
    days, unit = rules.initial_period(kind)
    start = local_date(received_at, tz)
    deadline = period_end(start, days, unit, tz, rules)
    state = CaseState(
        reg_no=event.reg_no,
        district=str(data["district"]),
        category=str(data["category"]),
        kind=kind,
        source=str(data["source"]),
        received_at=received_at,
        registered_at=event.occurred_at,
        period_start=start,
        period_days=days,
        period_unit=unit,
        deadline=deadline,
        priority=str(data["priority"]),
        article=_opt(data.get("article")),
        lat=_float(data.get("lat")),
        lon=_float(data.get("lon")),
        address=_opt(data.get("address")),
        summary=_opt(data.get("summary")),
        unit=_opt(data.get("unit")),
        last_event_at=event.occurred_at,
        late_registration=is_late_registration(received_at, event.occurred_at),
    )
    return state, DeadlineChange(deadline, "registered", days, unit)


def apply_event(
    state: CaseState, event: Event, tz: ZoneInfo, rules: RuleSet
) -> tuple[CaseState, DeadlineChange | None]:
    """Apply a non-registration event to an existing case; return the new state and any new
    deadline. Raises CaseConflict for a second registration."""
    data = event.data
    new = replace(
        state, last_event_at=max(state.last_event_at or event.occurred_at, event.occurred_at)
    )
    change: DeadlineChange | None = None
    if event.type == "registered":
        raise CaseConflict(f"reg_no: {event.reg_no} is already registered")
    if event.type == "assigned":
        new.unit, new.officer = _opt(data["unit"]), _opt(data["officer"])
    elif event.type == "extended":
        days = _int(data["days"])
        start = local_date(state.received_at, tz)
        new.period_start, new.period_days, new.period_unit = start, days, "calendar"
        new.extensions += 1
        change = DeadlineChange(
            period_end(start, days, "calendar", tz, rules),
            f"extended by {data['authority']}",
            days,
            "calendar",
        )
    elif event.type == "decided":
        new.decision = str(data["decision"])
        decided_at = data["decided_at"]
        assert isinstance(decided_at, datetime)
        new.decided_at = decided_at
        new.transferred_to = _opt(data.get("transferred_to"))
    elif event.type == "reopened":
        days = _int(data["days"])
        start = local_date(event.occurred_at, tz)
        new.period_start, new.period_days, new.period_unit = start, days, "calendar"
        new.decision = new.decided_at = new.transferred_to = None
        new.reopenings += 1
        change = DeadlineChange(
            period_end(start, days, "calendar", tz, rules), "reopened", days, "calendar"
        )
    move = _move(event, new, change)
    if move is not None:
        tally, _ = settle(state.tally, state.deadline, state.is_open, move)
        new.breach_seconds, new.breached, new.breach_start = (
            tally.seconds,
            tally.breached,
            tally.since,
        )
    if change is not None:
        new.deadline = change.deadline
    return new, change


def _move(event: Event, new: CaseState, change: DeadlineChange | None) -> Move | None:
    """What the event is to a breach: a decision, an extension, a reopening (or nothing)."""
    if event.type == "decided":
        assert new.decided_at is not None
        return Move(new.decided_at, "decision")
    if change is not None and event.type in ("extended", "reopened"):
        kind: EndedBy = "extension" if event.type == "extended" else "reopening"
        return Move(event.occurred_at, kind, change.deadline)
    return None


def _opt(value: object) -> str | None:
    return None if value is None else str(value)


def _int(value: object) -> int:
    assert isinstance(value, int)
    return value


def _float(value: object) -> float | None:
    if value is None:
        return None
    assert isinstance(value, float)
    return value
