"""Apply a batch of stream entries to the case store in one transaction (exactly-once by
`event_id`), sorting each entry into stored, duplicate, waiting-for-registration or dead letter."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from console.domain.contract import ContractError, Event, decode_fields, validate_event
from console.domain.deadlines import RuleSet
from console.domain.lifecycle import (CaseConflict, CaseState, DeadlineChange, apply_event,
                                      register_case)
from data.db import lock_writers
from data.models import Case, DeadLetter, DeadlineChangeRow, EventRow

RawFields = dict[bytes, bytes] | dict[str, str]
CASE_COLUMNS = tuple(c.key for c in Case.__table__.columns if c.key != "flagged")


@dataclass(frozen=True)
class StreamEntry:
    """One entry as read from the stream: its id and raw field map."""

    stream_id: str
    fields: RawFields


@dataclass(frozen=True)
class Rejection:
    """An entry for the dead-letter stream: the original fields plus why it was refused."""

    entry: StreamEntry
    error: str
    field: str


@dataclass
class BatchOutcome:
    """What one batch did; `registered` are the new cases (for the live feed)."""

    stored: int = 0
    duplicates: int = 0
    waiting: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    registered: list[CaseState] = field(default_factory=list)
    changed: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class IntakeRules:
    """What validation and the lifecycle need: known districts, timezone, rule set."""

    districts: Collection[str]
    region_of: dict[str, str]
    tz: ZoneInfo
    rules: RuleSet


def printable_fields(fields: RawFields) -> dict[str, str]:
    """Field map as text for the store and the UI (undecodable bytes escaped, not lost)."""
    return {
        (k.decode("utf-8", "backslashreplace") if isinstance(k, bytes) else k):
        (v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else v)
        for k, v in fields.items()
    }


def _validate(entry: StreamEntry, rules: IntakeRules, now: datetime) -> Event | Rejection:
    if not entry.fields:
        return Rejection(entry, "entry: no fields (empty, or deleted from the stream before it "
                         f"was read) (source_id {entry.stream_id})", "entry")
    try:
        return validate_event(decode_fields(entry.fields), rules.districts, now)
    except ContractError as exc:
        return Rejection(entry, f"{exc} (source_id {entry.stream_id})", exc.field)


def apply_batch(session: Session, entries: Sequence[StreamEntry], rules: IntakeRules,
                now: datetime | None = None) -> BatchOutcome:
    """Validate and apply `entries` inside the caller's transaction; nothing is committed here."""
    now = now or datetime.now(timezone.utc)
    lock_writers(session)
    outcome = BatchOutcome()
    valid: list[tuple[StreamEntry, Event]] = []
    for entry in entries:
        checked = _validate(entry, rules, now)
        if isinstance(checked, Rejection):
            outcome.rejected.append(checked)
        else:
            valid.append((entry, checked))

    known = set(session.scalars(select(EventRow.event_id).where(
        EventRow.event_id.in_({e.event_id for _, e in valid}))))
    fresh: list[tuple[StreamEntry, Event]] = []
    for entry, event in valid:
        if event.event_id in known:
            outcome.duplicates += 1
        else:
            known.add(event.event_id)
            fresh.append((entry, event))

    reg_nos = {e.reg_no for _, e in fresh}
    states = {c.reg_no: _state_of(c) for c in session.scalars(
        select(Case).where(Case.reg_no.in_(reg_nos)))}
    existing = set(states)
    newly_registered = {e.reg_no for _, e in fresh if e.type == "registered"} - existing
    waiting_rows = {r.event_id: r for r in session.scalars(select(EventRow).where(
        EventRow.reg_no.in_(newly_registered), EventRow.applied.is_(False)))}
    waiting: dict[str, list[tuple[str, Event]]] = {}
    for row in waiting_rows.values():
        waiting.setdefault(row.reg_no, []).append((row.stream_id, _event_of(row, rules, now)))

    event_rows: list[dict] = []
    applied_later: list[str] = []
    changes: list[dict] = []

    def apply(event: Event) -> None:
        state, change = apply_event(states[event.reg_no], event, rules.tz, rules.rules)
        states[event.reg_no] = state
        outcome.changed.add(event.reg_no)
        if change:
            changes.append(_change_row(event, change, now))

    for entry, event in fresh:
        if event.type == "registered":
            if event.reg_no in states:
                outcome.rejected.append(Rejection(
                    entry, f"reg_no: {event.reg_no} is already registered "
                    f"(source_id {entry.stream_id})", "reg_no"))
                continue
            state, change = register_case(event, rules.tz, rules.rules)
            states[event.reg_no] = state
            outcome.changed.add(event.reg_no)
            changes.append(_change_row(event, change, now))
            event_rows.append(_event_row(entry, event, now, applied=True))
            for stream_id, early in sorted(waiting.pop(event.reg_no, []),
                                           key=lambda item: (item[1].occurred_at, item[0])):
                apply(early)
                if early.event_id in waiting_rows:
                    applied_later.append(early.event_id)
                else:
                    _mark_applied(event_rows, early.event_id)
            outcome.registered.append(states[event.reg_no])
        elif event.reg_no in states:
            try:
                apply(event)
            except CaseConflict as exc:  # pragma: no cover - only "registered" conflicts
                outcome.rejected.append(Rejection(entry, str(exc), "type"))
                continue
            event_rows.append(_event_row(entry, event, now, applied=True))
        else:
            waiting.setdefault(event.reg_no, []).append((entry.stream_id, event))
            event_rows.append(_event_row(entry, event, now, applied=False))
    outcome.stored = len(event_rows)

    if event_rows:
        session.execute(insert(EventRow), event_rows)
    if applied_later:
        session.execute(update(EventRow), [
            {"id": waiting_rows[eid].id, "applied": True} for eid in applied_later])
    new_cases = [_case_row(states[r], rules) for r in outcome.changed if r not in existing]
    if new_cases:
        session.execute(insert(Case), new_cases)
    updated = [_case_row(states[r], rules) for r in outcome.changed if r in existing]
    if updated:
        session.execute(update(Case), updated)
    if changes:
        session.execute(insert(DeadlineChangeRow), changes)
    _record_rejections(session, outcome.rejected, now)
    outcome.waiting = sum(1 for row in event_rows if not row["applied"])
    return outcome


def _record_rejections(session: Session, rejected: list[Rejection], now: datetime) -> None:
    if not rejected:
        return
    ids = [r.entry.stream_id for r in rejected]
    seen = set(session.scalars(select(DeadLetter.source_id).where(DeadLetter.source_id.in_(ids))))
    rows = []
    for rejection in rejected:
        if rejection.entry.stream_id in seen:
            continue  # recorded by an earlier attempt that crashed before acknowledging
        seen.add(rejection.entry.stream_id)
        rows.append({"source_id": rejection.entry.stream_id, "stream": "",
                     "error": rejection.error, "field": rejection.field[:80],
                     "fields": printable_fields(rejection.entry.fields), "received_at": now})
    if rows:
        session.execute(insert(DeadLetter), rows)


def _mark_applied(rows: list[dict], event_id: str) -> None:
    for row in rows:
        if row["event_id"] == event_id:
            row["applied"] = True
            return


def _event_row(entry: StreamEntry, event: Event, now: datetime, applied: bool) -> dict:
    return {"event_id": event.event_id, "stream_id": entry.stream_id, "reg_no": event.reg_no,
            "type": event.type, "occurred_at": event.occurred_at, "ingested_at": now,
            "actor": event.actor, "fields": printable_fields(entry.fields), "applied": applied}


def _event_of(row: EventRow, rules: IntakeRules, now: datetime) -> Event:
    """Rebuild a stored waiting event (it was valid when stored, so it validates again)."""
    return validate_event(row.fields, rules.districts, max(now, row.ingested_at))


def _change_row(event: Event, change: DeadlineChange, now: datetime) -> dict:
    return {"reg_no": event.reg_no, "event_id": event.event_id, "set_at": event.occurred_at,
            "deadline": change.deadline, "period_days": change.period_days,
            "period_unit": change.period_unit, "reason": change.reason}


def _case_row(state: CaseState, rules: IntakeRules) -> dict:
    row = {k: v for k, v in asdict(state).items() if k in CASE_COLUMNS}
    row["region"] = rules.region_of[state.district]
    return row


def _state_of(case: Case) -> CaseState:
    return CaseState(**{k: getattr(case, k) for k in CASE_COLUMNS if k != "region"})
