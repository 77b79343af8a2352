"""A case's deadline breaches from what the store keeps of it: its applied events in the
order the lifecycle applied them and the deadlines they set (`deadline_changes`), read as
rules.breaches moves (the case page, the API, and migration 0008's backfill)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from rules.breaches import EndedBy, Move


@dataclass(frozen=True)
class StoredMoves:
    """The deadline a case was registered with (None: no registration stored) and its
    later moves, in order."""

    first_deadline: datetime | None
    moves: tuple[Move, ...]


def stored_moves(
    events: Iterable[tuple[str, str, datetime, Mapping[str, str]]],
    deadlines: Mapping[str, datetime],
) -> StoredMoves:
    """The moves of a case's applied events given as (type, event_id, occurred_at, fields as
    stored), in time order, with `deadlines` mapping an event_id to the deadline it set."""
    first: datetime | None = None
    moves: list[Move] = []
    for kind, event_id, occurred_at, fields in events:
        if kind == "registered":
            first = deadlines.get(event_id)
        elif kind == "decided":
            moves.append(Move(datetime.fromisoformat(fields["decided_at"]), "decision"))
        elif kind in ("extended", "reopened") and event_id in deadlines:
            ended_by: EndedBy = "extension" if kind == "extended" else "reopening"
            moves.append(Move(occurred_at, ended_by, deadlines[event_id]))
    return StoredMoves(first, tuple(moves))
