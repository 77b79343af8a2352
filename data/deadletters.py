"""Dead letters: list the stream entries the console refused, and re-drive them to the stream
once the producer (or an admin, by correcting the stored fields) has fixed them.

A re-drive appends the entry's original fields (without `error` and `source_id`) to the main
stream as a new entry and marks the dead letter `retried_at` / `retry_id`. The fields come from
the dead-letter stream's copy (exact bytes) unless the store's copy was corrected since, or the
dead-letter stream no longer has it; then from the store. The re-driven entry goes through the
contract again: valid, it is stored (idempotent by `event_id`); still invalid, it becomes a new
dead letter whose `source_id` is the `retry_id`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import redis
from redis.typing import EncodableT, FieldT
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from data.intake import printable_fields
from data.models import DeadLetter
from data.streams import StreamConfig

# What the store keeps of an entry whose fields it could not hold (the dead stream has them).
UNSTORABLE_FIELDS = {"note": "fields not storable; see the dead-letter stream"}
_COPY_ONLY = (b"error", b"source_id")
SCAN_CHUNK = 1000


@dataclass(frozen=True)
class DeadLetterView:
    """One dead letter as listed to admins."""

    id: int
    source_id: str
    error: str
    field: str
    fields: dict[str, str]
    received_at: datetime
    retried_at: datetime | None
    retry_id: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (ISO 8601 instants)."""
        return {
            "id": self.id,
            "source_id": self.source_id,
            "error": self.error,
            "field": self.field,
            "fields": self.fields,
            "received_at": self.received_at.isoformat(),
            "retried_at": self.retried_at.isoformat() if self.retried_at else None,
            "retry_id": self.retry_id,
        }


def _view(row: DeadLetter) -> DeadLetterView:
    return DeadLetterView(
        id=row.id,
        source_id=row.source_id,
        error=row.error,
        field=row.field,
        fields=dict(row.fields or {}),
        received_at=row.received_at,
        retried_at=row.retried_at,
        retry_id=row.retry_id,
    )


def list_dead_letters(
    session: Session, limit: int = 50, *, waiting_only: bool = False
) -> list[DeadLetterView]:
    """The newest dead letters first (only those not re-driven yet, if `waiting_only`)."""
    query = select(DeadLetter).order_by(DeadLetter.received_at.desc(), DeadLetter.id.desc())
    if waiting_only:
        query = query.where(DeadLetter.retried_at.is_(None))
    return [_view(row) for row in session.scalars(query.limit(limit))]


def count_dead_letters(session: Session) -> tuple[int, int]:
    """(all dead letters, those not re-driven yet)."""
    total = session.scalar(select(func.count()).select_from(DeadLetter)) or 0
    waiting = (
        session.scalar(
            select(func.count()).select_from(DeadLetter).where(DeadLetter.retried_at.is_(None))
        )
        or 0
    )
    return int(total), int(waiting)


def dead_stream_copies(
    client: redis.Redis, config: StreamConfig, source_ids: set[str]
) -> dict[str, dict[bytes | str, bytes | str]]:
    """The dead-letter stream's copies of these entries (the latest copy of each), without
    `error` and `source_id`: scanned in chunks, oldest first."""
    found: dict[str, dict[bytes | str, bytes | str]] = {}
    start = "-"
    while source_ids:
        chunk = client.xrange(config.dead_stream, start, "+", count=SCAN_CHUNK) or []
        for entry_id, fields in chunk:  # noqa: B007 (the last one is where to go on)
            source = _text((fields or {}).get(b"source_id"))
            if source is not None and fields is not None and source in source_ids:
                found[source] = {k: v for k, v in fields.items() if k not in _COPY_ONLY}
        if len(chunk) < SCAN_CHUNK:
            break
        start = f"({_text(entry_id)}"
    return found


def _text(value: bytes | str | None) -> str | None:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


@dataclass(frozen=True)
class RetryResult:
    """What happened to one dead letter asked to be re-driven."""

    id: int
    source_id: str
    retry_id: str | None  # the new entry in the main stream (None: not re-driven)
    origin: str | None  # "dead stream" (exact copy) or "store" (stored, maybe corrected)
    skipped: str | None = None  # why it was not re-driven

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "source_id": self.source_id,
            "retry_id": self.retry_id,
            "origin": self.origin,
            "skipped": self.skipped,
        }


def _select(session: Session, selection: Sequence[str] | None, force: bool) -> list[DeadLetter]:
    if selection is None:
        query = select(DeadLetter).order_by(DeadLetter.id)
        if not force:
            query = query.where(DeadLetter.retried_at.is_(None))
        return list(session.scalars(query))
    numbers = {int(s) for s in selection if s.isdigit()}
    sources = {s for s in selection if not s.isdigit()}
    rows = list(
        session.scalars(
            select(DeadLetter)
            .where(DeadLetter.id.in_(numbers) | DeadLetter.source_id.in_(sources))
            .order_by(DeadLetter.id)
        )
    )
    missing = (numbers - {r.id for r in rows}) | (sources - {r.source_id for r in rows})
    if missing:
        raise LookupError(f"no dead letter {', '.join(sorted(map(str, missing)))}")
    return rows


def _fields_to_send(
    row: DeadLetter,
    copy: dict[bytes | str, bytes | str] | None,
) -> tuple[dict[FieldT, EncodableT], str] | None:
    stored = dict(row.fields or {})
    if copy is not None and (stored == UNSTORABLE_FIELDS or printable_fields(copy) == stored):
        return dict(copy.items()), "dead stream"
    if stored and stored != UNSTORABLE_FIELDS:
        return dict(stored.items()), "store"
    return None


def retry_dead_letters(
    sessions: sessionmaker[Session],
    client: redis.Redis,
    config: StreamConfig,
    selection: Sequence[str] | None = None,
    *,
    force: bool = False,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[RetryResult]:
    """Re-drive dead letters to the main stream: those named in `selection` (store ids or
    source ids), or every one not re-driven yet. Already re-driven ones are skipped unless
    `force`. Each is committed as retried right after its XADD. `progress(done, total)` is
    told after each one."""
    results: list[RetryResult] = []
    with sessions() as session:
        rows = _select(session, selection, force)
        copies = dead_stream_copies(client, config, {r.source_id for r in rows})
        for row in rows:
            if progress:
                progress(len(results), len(rows))
            if row.retried_at is not None and not force:
                results.append(
                    RetryResult(
                        row.id, row.source_id, None, None, f"already re-driven as {row.retry_id}"
                    )
                )
                continue
            chosen = _fields_to_send(row, copies.get(row.source_id))
            if chosen is None:
                results.append(
                    RetryResult(row.id, row.source_id, None, None, "no fields to re-drive")
                )
                continue
            fields, origin = chosen
            retry_id = client.xadd(config.stream, fields)
            row.retried_at = now or datetime.now(UTC)
            row.retry_id = retry_id.decode() if isinstance(retry_id, bytes) else retry_id
            session.commit()
            results.append(RetryResult(row.id, row.source_id, row.retry_id, origin))
        if progress:
            progress(len(results), len(rows))
    return results
