"""Anchors of the audit chain outside the store, and the chain's verification state.

The chain (data.audit) detects an edited, deleted or reordered entry, but not a rewrite of all of
it: whoever can write the store can recompute every hash from the edited entry on, and the head
kept in `console_state` too. So after every transaction that appended entries commits, the
chain's head (entry id, its hash, when) is also written where the store's writer cannot rewrite
it: a Redis stream (XADD, trimmed to about `MAX_ANCHORS`) and, when configured, an append-only
file. An anchor at entry N vouches for every entry up to N (its hash covers them all), so a
rewrite of anything up to the newest anchor is caught; only entries after it (written while
Redis was unreachable, until the next anchor) are covered by the chain alone.

`check_anchors` compares anchors with the chain; `ChainWatch` keeps, per process, the last
verification (chain and anchors) and advances it from where it stopped, for the audit page.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import redis
from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from data import audit
from data.db import chunks
from data.models import AuditEntry

log = logging.getLogger("kup.audit")
MAX_ANCHORS = 1_000_000  # the stream is trimmed to about this many (MAXLEN ~)
READ_CHUNK = 10_000
CHECK_CHUNK = 500


@dataclass(frozen=True)
class Anchor:
    """The chain's head as written outside the store: entry id, its hash, when."""

    entry_id: int
    hash: str
    at: str


@dataclass(frozen=True)
class Cursor:
    """Where a reading of the anchors stopped: the stream's last id, the file's length."""

    stream_id: str = "-"
    file_offset: int = 0


class AnchorLog:
    """The anchors' places: a Redis stream (the client made on first use, `client` returning
    None: no Redis) and an optional append-only file."""

    def __init__(
        self, client: Callable[[], redis.Redis | None], stream: str, path: Path | None = None
    ) -> None:
        self._client = client
        self.stream = stream
        self.path = path

    def write(self, entry_id: int, hash_: str, at: datetime) -> None:
        """Add an anchor to each place; a place that fails is logged (the next anchor, which
        vouches for this entry too, may succeed), never raised: the entry is already stored."""
        when = at.astimezone(UTC).isoformat(timespec="microseconds")
        try:
            client = self._client()
            if client is not None:
                client.xadd(
                    self.stream,
                    {"id": str(entry_id), "hash": hash_, "at": when},
                    maxlen=MAX_ANCHORS,
                    approximate=True,
                )
        except (redis.RedisError, OSError, RuntimeError) as exc:  # (an embedded Redis that
            # could not start says so with a RuntimeError)
            log.warning("audit entry %d not anchored in Redis: %s", entry_id, exc)
        if self.path is not None:
            try:
                fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
                try:
                    os.write(fd, f"{entry_id} {hash_} {when}\n".encode("ascii"))
                finally:
                    os.close(fd)
            except OSError as exc:
                log.warning("audit entry %d not anchored in %s: %s", entry_id, self.path, exc)

    def read(self, since: Cursor = Cursor()) -> tuple[list[Anchor], Cursor]:
        """The anchors written after `since`, and where this reading stopped; RedisError or
        OSError when a place cannot be read."""
        anchors: list[Anchor] = []
        stream_id = since.stream_id
        client = self._client()
        if client is not None:
            while True:
                start = stream_id if stream_id == "-" else f"({stream_id}"
                rows = client.xrange(self.stream, min=start, count=READ_CHUNK) or []
                for sid, fields in rows:
                    given = fields or {}
                    anchor = _anchor(given.get(b"id"), given.get(b"hash"), given.get(b"at"))
                    if anchor is not None:
                        anchors.append(anchor)
                    stream_id = _text(sid)
                if len(rows) < READ_CHUNK:
                    break
        offset = since.file_offset
        if self.path is not None and self.path.exists():
            with self.path.open("rb") as f:
                f.seek(offset)
                data = f.read()
            complete = data[: data.rfind(b"\n") + 1]  # (a line being written waits)
            for line in complete.splitlines():
                parts = line.split()
                anchor = _anchor(*parts) if len(parts) == 3 else None
                if anchor is not None:
                    anchors.append(anchor)
            offset += len(complete)
        return anchors, Cursor(stream_id, offset)


def _text(value: object) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


def _anchor(entry_id: object, hash_: object, at: object) -> Anchor | None:
    """An anchor from its three fields; None for anything else (skipped)."""
    number, digest = _text(entry_id), _text(hash_)
    if not number.isascii() or not number.isdigit() or len(digest) != 64:
        return None
    return Anchor(int(number), digest, _text(at))


def install(writer: sessionmaker[Session], anchors: AnchorLog) -> None:
    """Anchor the chain's head after each commit of a `writer` session that appended entries."""

    @event.listens_for(writer, "after_commit")
    def _anchor_head(session: Session) -> None:
        head = session.info.pop(audit.PENDING_HEAD, None)
        if head is not None:
            anchors.write(*head)

    @event.listens_for(writer, "after_rollback")
    def _forget_head(session: Session) -> None:
        session.info.pop(audit.PENDING_HEAD, None)


@dataclass(frozen=True)
class AnchorCheck:
    """Outcome of `check_anchors`: `newest` the highest entry id anchored (None: no anchor)."""

    ok: bool
    count: int
    newest: int | None = None
    first_bad: int | None = None
    reason: str = ""


def check_anchors(session: Session, anchors: Sequence[Anchor], head_id: int | None) -> AnchorCheck:
    """Each anchor's hash must be its entry's hash in the store, and the chain (whose newest
    sound entry is `head_id`) must reach the newest anchor."""
    newest = max((a.entry_id for a in anchors), default=None)
    for chunk in chunks(anchors, CHECK_CHUNK):
        stored = {
            row.id: row.hash
            for row in session.execute(
                select(AuditEntry.id, AuditEntry.hash).where(
                    AuditEntry.id.in_({a.entry_id for a in chunk})
                )
            )
        }
        for a in chunk:
            if a.entry_id not in stored:
                return AnchorCheck(
                    False,
                    len(anchors),
                    newest,
                    a.entry_id,
                    f"entry {a.entry_id}, anchored at {a.at}, is missing from the store",
                )
            if stored[a.entry_id] != a.hash:
                return AnchorCheck(
                    False,
                    len(anchors),
                    newest,
                    a.entry_id,
                    f"entry {a.entry_id} differs from its anchor of {a.at}: the chain was "
                    "rewritten from there or before",
                )
    if newest is not None and (head_id is None or head_id < newest):
        return AnchorCheck(
            False,
            len(anchors),
            newest,
            newest,
            f"the chain ends at entry {head_id or 0}, before the newest anchor (entry {newest}): "
            "entries were deleted",
        )
    return AnchorCheck(True, len(anchors), newest)


# --- the verification state the audit page shows ------------------------------------------------


@dataclass(frozen=True)
class ChainState:
    """What is known of the chain: sound (`ok`) up to entry `verified_up_to` (None: empty) as of
    `checked_at`, or broken at `first_bad` (with the reason, in English); `anchored_up_to` is
    the newest anchored entry (None: no anchor found; `anchors_readable` False: the anchors
    could not be read)."""

    ok: bool
    entries: int
    checked_at: datetime
    verified_up_to: int | None = None
    first_bad: int | None = None
    reason: str = ""
    anchored_up_to: int | None = None
    anchors_readable: bool = True


@dataclass(frozen=True)
class _Progress:
    chain: audit.Verification
    cursor: Cursor
    anchors: AnchorCheck


class ChainWatch:
    """The chain's verification state for one process, kept between page loads: each call
    verifies only the entries and anchors added since the last sound one (checking that its
    last entry is unchanged), and the whole chain again when the last full check is older than
    `full_every`, so that an edit of an older entry is seen within that time."""

    def __init__(
        self, anchors: AnchorLog | None, full_every: timedelta = timedelta(minutes=10)
    ) -> None:
        self._anchors = anchors
        self._full_every = full_every
        self._lock = threading.Lock()
        self._progress: _Progress | None = None
        self._full_at: datetime | None = None

    def state(self, session: Session, now: datetime) -> ChainState:
        """The chain's state now (verifying what is new, or all of it when due)."""
        with self._lock:
            progress = self._progress
            if progress is None or self._full_at is None or now - self._full_at > self._full_every:
                progress, self._full_at = None, now
            chain = audit.verify(session, progress.chain if progress else None)
            found: list[Anchor] = []
            readable, cursor = True, progress.cursor if progress else Cursor()
            if self._anchors is not None and chain.ok:
                try:
                    found, cursor = self._anchors.read(cursor)
                except (redis.RedisError, OSError) as exc:
                    log.warning("audit anchors not readable: %s", exc)
                    readable = False
            anchors = _merged(progress.anchors if progress else None, found)
            check = check_anchors(session, found, chain.last_id) if chain.ok else anchors
            if chain.ok and check.ok and readable:
                self._progress = _Progress(chain, cursor, anchors)
            else:
                self._progress, self._full_at = None, None  # from the start next time
            return _state(chain, check if not check.ok else anchors, readable, now)


def _merged(before: AnchorCheck | None, found: Iterable[Anchor]) -> AnchorCheck:
    ids = [a.entry_id for a in found]
    count = (before.count if before else 0) + len(ids)
    newest = max([*ids, *([before.newest] if before and before.newest else [])], default=None)
    return AnchorCheck(True, count, newest)


def _state(
    chain: audit.Verification, anchors: AnchorCheck, readable: bool, now: datetime
) -> ChainState:
    if not chain.ok:
        return ChainState(False, chain.checked, now, None, chain.first_bad, chain.reason)
    if not anchors.ok:
        return ChainState(
            False,
            chain.checked,
            now,
            None,
            anchors.first_bad,
            anchors.reason,
            anchors.newest,
        )
    return ChainState(
        True,
        chain.checked,
        now,
        chain.last_id,
        anchored_up_to=anchors.newest,
        anchors_readable=readable,
    )


def verify_all(session: Session, anchors: AnchorLog) -> tuple[audit.Verification, AnchorCheck]:
    """The whole chain, then every anchor against it (`kup-console audit verify`); RedisError
    or OSError when the anchors cannot be read."""
    chain = audit.verify(session)
    found, _ = anchors.read()
    if not chain.ok:
        return chain, AnchorCheck(True, len(found))
    return chain, check_anchors(session, found, chain.last_id)
