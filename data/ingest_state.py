"""What the ingest worker remembers in the store (console_state) and what the console reads
from it: how far ingest got, the gaps it detected in the stream, and whether the console's data
is fresh.

Keys in `console_state`: `ingest:<stream>` (JSON `IngestState`, written in the same transaction
as each batch) and `gap:<stream hash>:<kind>:<marker>` (JSON `StreamGap`, one per gap).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import select
from sqlalchemy.orm import Session

from data import streams
from data.models import Setting
from rules.clock import instant

STATE_PREFIX = "ingest:"
GAP_PREFIX = "gap:"
STALE_AFTER = timedelta(seconds=60)
NO_STREAM_OR_GROUP = "no_stream_or_group"  # a freshness note: nothing to be behind on yet


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


@dataclass
class IngestState:
    """How far ingest got on one stream: the stream's identity token when last seen, the newest
    entry stored, when the last batch was committed, how many entries were committed since the
    stream got its identity, and how many were then known to be waiting (a floor: what is lost
    if the stream vanishes before they are read)."""

    stream: str
    identity: str | None = None
    last_id: str | None = None
    last_stored_at: datetime | None = None
    read_count: int = 0
    backlog: int = 0

    def as_json(self) -> str:
        data = asdict(self)
        data["last_stored_at"] = _iso(self.last_stored_at)
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> IngestState:
        data = json.loads(text)
        data["last_stored_at"] = instant(data.get("last_stored_at"))
        return cls(**data)


def _state_key(stream: str) -> str:
    return (STATE_PREFIX + stream)[:64]


def load_state(session: Session, stream: str) -> IngestState:
    """The stream's ingest state (an empty one if ingest never stored anything)."""
    row = session.get(Setting, _state_key(stream))
    return IngestState.from_json(row.value) if row else IngestState(stream)


def save_state(session: Session, state: IngestState) -> None:
    """Write the state in the caller's transaction (writers hold the writer lock)."""
    row = session.get(Setting, _state_key(state.stream))
    if row is None:
        session.add(Setting(key=_state_key(state.stream), value=state.as_json()))
    else:
        row.value = state.as_json()
    session.flush()


def note_batch(
    session: Session,
    stream: str,
    stream_ids: list[str],
    view: streams.StreamView | None = None,
    *,
    more: bool = False,
    now: datetime | None = None,
) -> IngestState:
    """Record, with the batch it belongs to, the newest entry stored and a floor on the entries
    still waiting: of the `view.length` entries the stream held when the batch was read, the
    group can have read at most `read_count` (all committed so far) plus those delivered but
    not acknowledged (`view.pending`); the rest wait. `more`: the stream held entries after the
    batch (so at least one waits)."""
    state = load_state(session, stream)
    newest = max(stream_ids, key=streams.parse_id) if stream_ids else None
    state.last_id = streams.later_id(state.last_id, newest)
    state.last_stored_at = now or datetime.now(UTC)
    state.read_count += len(stream_ids)
    if view is not None:
        state.backlog = max(int(more), view.length - state.read_count - view.pending)
    save_state(session, state)
    return state


@dataclass(frozen=True)
class StreamGap:
    """Entries the console will never read: trimmed before the group read them ("trimmed"), or
    gone with the stream when Redis lost its data or the stream was deleted ("vanished").

    `since`/`until` bound when the lost entries were written (from the ids around the gap, or
    the detection time); `lost` is exact when Redis could count them (Redis >= 7), else None,
    and `lost_at_least` is a sure floor. `kind` is a code; the pages say it in words.
    """

    key: str
    stream: str
    kind: str
    detected_at: datetime
    after_id: str
    before_id: str | None
    lost: int | None
    lost_at_least: int
    since: datetime | None
    until: datetime | None

    @property
    def count(self) -> int | None:
        """How many entries were lost: exact when `count_exact`, else a sure floor; None when
        nothing is known."""
        if self.lost is not None:
            return self.lost
        return self.lost_at_least or None

    @property
    def count_exact(self) -> bool:
        """Whether `count` is the exact number lost (Redis could count them)."""
        return self.lost is not None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (ISO 8601 instants) for /healthz, /metrics and pages: the gap's
        fields with its `count` and `count_exact` (the words are the page's to add)."""
        data = asdict(self)
        for name in ("detected_at", "since", "until"):
            data[name] = _iso(data[name])
        data["count"] = self.count
        data["count_exact"] = self.count_exact
        return data

    def as_json(self) -> str:
        data = asdict(self)
        for name in ("detected_at", "since", "until"):
            data[name] = _iso(data[name])
        return json.dumps(data)

    @classmethod
    def from_json(cls, text: str) -> StreamGap:
        data = json.loads(text)
        for name in ("detected_at", "since", "until"):
            data[name] = instant(data[name])
        return cls(**data)


def gap_key(stream: str, kind: str, marker: str) -> str:
    """Key of a gap: the same gap seen by two workers (or twice) is recorded once."""
    digest = hashlib.sha1(stream.encode()).hexdigest()[:8]
    if len(marker) > 41:
        marker = hashlib.sha1(marker.encode()).hexdigest()[:16]
    return f"{GAP_PREFIX}{digest}:{kind}:{marker}"


def record_gap(session: Session, gap: StreamGap) -> bool:
    """Store a gap unless it is known already; True if it is new (caller holds the writer lock)."""
    if session.get(Setting, gap.key) is not None:
        return False
    session.add(Setting(key=gap.key, value=gap.as_json()))
    session.flush()
    return True


def read_gaps(session: Session, stream: str | None = None) -> list[StreamGap]:
    """Every gap detected (of one stream, if given), oldest detection first."""
    rows = session.scalars(select(Setting).where(Setting.key.startswith(GAP_PREFIX)))
    gaps = [StreamGap.from_json(row.value) for row in rows]
    if stream is not None:
        gaps = [g for g in gaps if g.stream == stream]
    return sorted(gaps, key=lambda g: (g.detected_at, g.key))


def trim_gap(
    state: IngestState, loss: streams.TrimLoss, view: streams.StreamView, now: datetime
) -> StreamGap:
    """The gap a `TrimLoss` describes. Where Redis cannot count (6.2), the floor comes from the
    backlog known at the last batch: of those entries, at most the `view.length` entries now in
    the stream and the `view.pending` ones delivered meanwhile survive."""
    at_least = max(loss.at_least, state.backlog - view.length - view.pending)
    stream = state.stream
    return StreamGap(
        key=gap_key(stream, "trimmed", loss.after_id),
        stream=stream,
        kind="trimmed",
        detected_at=now,
        after_id=loss.after_id,
        before_id=loss.before_id,
        lost=loss.lost,
        lost_at_least=at_least,
        since=streams.id_time(loss.after_id),
        until=streams.id_time(loss.before_id) if loss.before_id else now,
    )


def vanish_gap(state: IngestState, now: datetime) -> StreamGap:
    """The gap left by a stream that vanished after ingest stored up to `state.last_id`."""
    after = state.last_id or streams.NO_ID
    return StreamGap(
        key=gap_key(state.stream, "vanished", f"{state.identity}|{after}"),
        stream=state.stream,
        kind="vanished",
        detected_at=now,
        after_id=after,
        before_id=None,
        lost=None,
        lost_at_least=state.backlog,
        since=streams.id_time(after),
        until=now,
    )


@dataclass(frozen=True)
class IngestFreshness:
    """Is the console's data fresh? When ingest last stored something, what it has not stored
    yet (entries not delivered: `lag`; delivered, not acknowledged: `pending`), and since when
    the oldest of them waits. `stale` when that wait exceeds the threshold or Redis cannot be
    asked; `behind_s` is the wait in seconds ("data stale since ..., N minutes ago"). `error`
    is the class name of the Redis error when Redis could not be asked; `notes` are codes
    ("no_stream_or_group": nothing to be behind on yet)."""

    checked_at: datetime
    redis_ok: bool
    last_stored_at: datetime | None
    last_entry_id: str | None
    last_entry_at: datetime | None
    lag: int | None
    lag_exact: bool
    pending: int | None
    oldest_unstored_id: str | None
    stale_since: datetime | None
    behind_s: float | None
    stale: bool
    gaps: int
    error: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form (ISO 8601 instants)."""
        data = asdict(self)
        for name in ("checked_at", "last_stored_at", "last_entry_at", "stale_since"):
            data[name] = _iso(data[name])
        return data


def ingest_freshness(
    session: Session,
    client: redis.Redis,
    config: streams.StreamConfig,
    *,
    now: datetime | None = None,
    stale_after: timedelta = STALE_AFTER,
    cap: int = 1000,
) -> IngestFreshness:
    """How fresh the console's data is: from the store (last batch stored) and Redis (what the
    group has not stored yet). Never raises for Redis trouble: `redis_ok` is False then."""
    now = now or datetime.now(UTC)
    state = load_state(session, config.stream)
    gaps = len(read_gaps(session, config.stream))
    # What the store says, whatever Redis says: nothing waits, until Redis says otherwise.
    known = IngestFreshness(
        checked_at=now,
        redis_ok=True,
        last_stored_at=state.last_stored_at,
        last_entry_id=state.last_id,
        last_entry_at=streams.id_time(state.last_id),
        lag=0,
        lag_exact=True,
        pending=0,
        oldest_unstored_id=None,
        stale_since=None,
        behind_s=0.0,
        stale=False,
        gaps=gaps,
    )
    try:
        backlog = streams.group_backlog(client, config, cap=cap)
    except redis.RedisError as exc:
        return replace(
            known,
            redis_ok=False,
            lag=None,
            lag_exact=False,
            pending=None,
            behind_s=None,
            stale=True,
            error=type(exc).__name__,
        )
    if backlog is None:  # no stream or no group yet: nothing to be behind on
        return replace(known, notes=[NO_STREAM_OR_GROUP])
    oldest = backlog.oldest_unstored_id
    since = streams.id_time(oldest) if oldest else None
    behind = max((now - since).total_seconds(), 0.0) if since else 0.0
    return replace(
        known,
        lag=backlog.lag,
        lag_exact=backlog.lag_exact,
        pending=backlog.pending,
        oldest_unstored_id=oldest,
        stale_since=since,
        behind_s=behind,
        stale=behind > stale_after.total_seconds(),
    )
