"""Apply a batch of stream entries to the case store in one transaction (exactly-once by
`event_id`), sorting each entry into stored, duplicate, waiting-for-registration or dead letter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, bindparam, insert, select, update
from sqlalchemy.orm import Session

from data import aggregates, change_stamp
from data.db import insert_rows, lock_writers, update_rows
from data.models import Case, DeadLetter, DeadlineChangeRow, EventRow
from rules.contract import ContractError, Event, RawFields, decode_fields, validate_event
from rules.deadlines import RuleSet
from rules.lifecycle import (
    CaseConflict,
    CaseState,
    DeadlineChange,
    apply_event,
    register_case,
)

# The columns that hold a CaseState (the region is derived from the district).
STATE_COLUMNS = tuple(f.name for f in fields(CaseState))
_cases, _events = Case.__table__, EventRow.__table__
_changes, _dead = DeadlineChangeRow.__table__, DeadLetter.__table__


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
    changed_regions: dict[str, int] = field(default_factory=dict)


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
        (k.decode("utf-8", "backslashreplace") if isinstance(k, bytes) else k): (
            v.decode("utf-8", "backslashreplace") if isinstance(v, bytes) else v
        )
        for k, v in fields.items()
    }


def _validate(
    entry: StreamEntry, rules: IntakeRules, now: datetime
) -> tuple[Event, dict[str, str]] | Rejection:
    """The typed event and the decoded fields it was read from, or why it is refused."""
    if not entry.fields:
        return Rejection(
            entry,
            "entry: no fields (empty, or deleted from the stream before it "
            f"was read) (source_id {entry.stream_id})",
            "entry",
        )
    try:
        decoded = decode_fields(entry.fields)
        return validate_event(decoded, rules.districts, now), decoded
    except ContractError as exc:
        return Rejection(entry, f"{exc} (source_id {entry.stream_id})", exc.field)


@dataclass
class _Valid:
    """A valid entry of the batch: where it came from, the event, its decoded fields."""

    stream_id: str
    entry: StreamEntry
    event: Event
    fields: dict[str, str]


def apply_batch(
    session: Session,
    entries: Sequence[StreamEntry],
    rules: IntakeRules,
    now: datetime | None = None,
) -> BatchOutcome:
    """Validate and apply `entries` inside the caller's transaction; nothing is committed here.

    The store is read and written with Core statements (a few per batch, executemany for the
    writes) rather than ORM objects: a batch costs a handful of round trips whatever its size.
    """
    now = now or datetime.now(UTC)
    outcome = BatchOutcome()
    valid: list[_Valid] = []
    for entry in entries:  # before touching the store: other writers may go on meanwhile
        checked = _validate(entry, rules, now)
        if isinstance(checked, Rejection):
            outcome.rejected.append(checked)
        else:
            valid.append(_Valid(entry.stream_id, entry, *checked))
    lock_writers(session)
    conn = session.connection()

    known = _existing_event_ids(conn, {v.event.event_id for v in valid})
    fresh: list[_Valid] = []
    for item in valid:
        if item.event.event_id in known:
            outcome.duplicates += 1
        else:
            known.add(item.event.event_id)
            fresh.append(item)

    states = _load_states(conn, {v.event.reg_no for v in fresh})
    loaded = dict(states)  # as stored: updates write only the columns that changed
    newly_registered = {v.event.reg_no for v in fresh if v.event.type == "registered"} - set(loaded)
    waiting_rows = _load_events(conn, newly_registered, applied=False)
    waiting: dict[str, list[tuple[str, Event]]] = {}
    for row in waiting_rows.values():
        waiting.setdefault(row["reg_no"], []).append((row["stream_id"], event_of(row, rules, now)))

    event_rows: dict[str, dict[str, Any]] = {}  # event_id -> row, in stream order
    applied_later: list[str] = []
    changes: list[dict[str, Any]] = []

    def apply(event: Event, stream_id: str, *, replay_if_late: bool = True) -> None:
        state = states[event.reg_no]
        if replay_if_late and state.last_event_at and event.occurred_at < state.last_event_at:
            # Older than what the case already shows (an entry reclaimed from a dead consumer,
            # or a neighbouring batch of another worker committed first): replay in time order.
            state, change = replay(_history(event.reg_no) + [(event, stream_id)], event, rules)
        else:
            state, change = apply_event(state, event, rules.tz, rules.rules)
        states[event.reg_no] = state
        outcome.changed.add(event.reg_no)
        if change:
            changes.append(deadline_change_row(event, change))

    def _history(reg_no: str) -> list[tuple[Event, str]]:
        """Every event of the case applied so far: stored, waiting ones applied in this batch,
        and this batch's own."""
        rows = (
            list(_load_events(conn, {reg_no}, applied=True).values())
            + [waiting_rows[eid] for eid in applied_later if waiting_rows[eid]["reg_no"] == reg_no]
            + [row for row in event_rows.values() if row["reg_no"] == reg_no and row["applied"]]
        )
        return [(event_of(row, rules, now), row["stream_id"]) for row in rows]

    for item in fresh:
        event = item.event
        if event.type == "registered":
            if event.reg_no in states:
                outcome.rejected.append(
                    Rejection(
                        item.entry,
                        f"reg_no: {event.reg_no} is already registered "
                        f"(source_id {item.stream_id})",
                        "reg_no",
                    )
                )
                continue
            state, change = register_case(event, rules.tz, rules.rules)
            states[event.reg_no] = state
            outcome.changed.add(event.reg_no)
            changes.append(deadline_change_row(event, change))
            event_rows[event.event_id] = _event_row(item, now, applied=True)
            for stream_id, early in sorted(
                waiting.pop(event.reg_no, []),
                key=lambda pair: (pair[1].occurred_at, stream_order(pair[0])),
            ):
                apply(early, stream_id, replay_if_late=False)  # already in time order
                if early.event_id in waiting_rows:
                    applied_later.append(early.event_id)
                else:
                    event_rows[early.event_id]["applied"] = True
            outcome.registered.append(states[event.reg_no])
        elif event.reg_no in states:
            try:
                apply(event, item.stream_id)
            except CaseConflict as exc:  # pragma: no cover - only "registered" conflicts
                outcome.rejected.append(Rejection(item.entry, str(exc), "type"))
                continue
            event_rows[event.event_id] = _event_row(item, now, applied=True)
        else:
            waiting.setdefault(event.reg_no, []).append((item.stream_id, event))
            event_rows[event.event_id] = _event_row(item, now, applied=False)
    outcome.stored = len(event_rows)
    outcome.waiting = sum(1 for row in event_rows.values() if not row["applied"])
    outcome.changed_regions = dict(
        Counter(rules.region_of[states[r].district] for r in outcome.changed)
    )

    _write(
        conn,
        list(event_rows.values()),
        [waiting_rows[eid]["id"] for eid in applied_later],
        [case_row(states[r], rules) for r in outcome.changed if r not in loaded],
        [(loaded[r], states[r]) for r in outcome.changed if r in loaded],
        changes,
    )
    # The open-case counters move with the rows, in this transaction (before: as loaded).
    aggregates.apply_changes(
        conn, [(loaded.get(r), states[r]) for r in outcome.changed], rules.region_of
    )
    if outcome.changed:
        change_stamp.moved(conn)  # answers kept about the cases are no longer current
    _record_rejections(conn, outcome.rejected, now)
    return outcome


def _existing_event_ids(conn: Connection, event_ids: set[str]) -> set[str]:
    if not event_ids:
        return set()
    return set(conn.scalars(select(_events.c.event_id).where(_events.c.event_id.in_(event_ids))))


def _load_states(conn: Connection, reg_nos: set[str]) -> dict[str, CaseState]:
    """The current state of the cases among `reg_nos` that exist (their columns only)."""
    if not reg_nos:
        return {}
    query = select(*(_cases.c[name] for name in STATE_COLUMNS)).where(_cases.c.reg_no.in_(reg_nos))
    return {row.reg_no: CaseState(*row) for row in conn.execute(query)}


def _load_events(
    conn: Connection, reg_nos: set[str], *, applied: bool
) -> dict[str, dict[str, Any]]:
    """Stored events of these cases, by event_id: those applied, or those that wait for their
    registration."""
    if not reg_nos:
        return {}
    query = select(
        _events.c.id,
        _events.c.event_id,
        _events.c.stream_id,
        _events.c.reg_no,
        _events.c.fields,
        _events.c.ingested_at,
    ).where(_events.c.reg_no.in_(reg_nos), _events.c.applied.is_(applied))
    return {row.event_id: row._asdict() for row in conn.execute(query)}


def stream_order(stream_id: str) -> tuple[int, int]:
    """Sort key of a stream entry id ("<ms>-<seq>"), numeric, not textual."""
    ms, _, seq = stream_id.partition("-")
    return (int(ms), int(seq or 0)) if ms.isdigit() and (seq or "0").isdigit() else (0, 0)


def replay(
    history: list[tuple[Event, str]], late: Event | None, rules: IntakeRules
) -> tuple[CaseState, DeadlineChange | None]:
    """Rebuild a case from all its (event, stream id) pairs in time order, its registration
    among them; return the state and the deadline change the `late` one made in that order."""
    ordered = sorted(history, key=lambda pair: (pair[0].occurred_at, stream_order(pair[1])))
    registration = next(event for event, _ in ordered if event.type == "registered")
    state, _ = register_case(registration, rules.tz, rules.rules)
    late_change = None
    for event, _ in ordered:
        if event is not registration:
            state, change = apply_event(state, event, rules.tz, rules.rules)
            if event is late:
                late_change = change
    return state, late_change


_MARK_APPLIED = update(_events).where(_events.c.id == bindparam("key")).values(applied=True)


def _write(
    conn: Connection,
    event_rows: list[dict[str, Any]],
    applied_ids: list[int],
    new_cases: list[dict[str, Any]],
    updated_cases: list[tuple[CaseState, CaseState]],
    changes: list[dict[str, Any]],
) -> None:
    """All writes of a batch, one executemany per table and kind."""
    if event_rows:
        conn.execute(insert(_events), event_rows)
    if applied_ids:
        conn.execute(_MARK_APPLIED, [{"key": i} for i in applied_ids])
    insert_rows(conn, _cases, new_cases)  # whole statements: the search index's triggers
    for columns, rows in _case_updates(updated_cases).items():
        update_rows(conn, _cases, "reg_no", columns, rows)
    if changes:
        conn.execute(insert(_changes), changes)


def _case_updates(
    pairs: Iterable[tuple[CaseState, CaseState]],
) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """Updates of existing cases grouped by the columns that changed (an assignment touches
    three columns, not all 27, and leaves the other indexes alone)."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for before, after in pairs:
        row = {
            name: value
            for name in STATE_COLUMNS
            if (value := getattr(after, name)) != getattr(before, name)
        }
        if row:
            groups.setdefault(tuple(row), []).append(row)
            row["key"] = after.reg_no
    return groups


def _record_rejections(conn: Connection, rejected: Iterable[Rejection], now: datetime) -> None:
    rejected = list(rejected)
    if not rejected:
        return
    ids = [r.entry.stream_id for r in rejected]
    seen = set(conn.scalars(select(_dead.c.source_id).where(_dead.c.source_id.in_(ids))))
    rows = []
    for rejection in rejected:
        if rejection.entry.stream_id in seen:
            continue  # recorded by an earlier attempt that crashed before acknowledging
        seen.add(rejection.entry.stream_id)
        rows.append(
            {
                "source_id": rejection.entry.stream_id,
                "stream": "",
                "error": rejection.error,
                "field": rejection.field[:80],
                "fields": printable_fields(rejection.entry.fields),
                "received_at": now,
            }
        )
    if rows:
        conn.execute(insert(_dead), rows)


def _event_row(item: _Valid, now: datetime, applied: bool) -> dict[str, Any]:
    event = item.event
    return {
        "event_id": event.event_id,
        "stream_id": item.stream_id,
        "reg_no": event.reg_no,
        "type": event.type,
        "occurred_at": event.occurred_at,
        "ingested_at": now,
        "actor": event.actor,
        "fields": item.fields,
        "applied": applied,
    }


def event_of(row: dict[str, Any], rules: IntakeRules, now: datetime) -> Event:
    """Rebuild a stored waiting event (it was valid when stored, so it validates again)."""
    return validate_event(row["fields"], rules.districts, max(now, row["ingested_at"]))


def deadline_change_row(event: Event, change: DeadlineChange) -> dict[str, Any]:
    """The `deadline_changes` row of a deadline that `event` set (intake and the seeder)."""
    return {
        "reg_no": event.reg_no,
        "event_id": event.event_id,
        "set_at": event.occurred_at,
        "deadline": change.deadline,
        "period_days": change.period_days,
        "period_unit": change.period_unit,
        "reason": change.reason,
    }


def case_row(state: CaseState, rules: IntakeRules) -> dict[str, Any]:
    row = {name: getattr(state, name) for name in STATE_COLUMNS}
    row["region"] = rules.region_of[state.district]
    return row
