"""Tamper-evident audit log: who did what to which case, as a hash chain.

Each entry's hash is sha256(prev_hash + canonical JSON of the entry), so editing an entry breaks
its own hash and deleting one breaks its successor's link; the newest hash is also kept in
`console_state` ("audit_head") so that deleting the newest entries is detected too.
Entries are appended inside the caller's transaction; appends are serialised (PostgreSQL advisory
lock; on SQLite the caller's writer session already holds the write lock from BEGIN IMMEDIATE).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from data.models import AuditEntry, Setting

GENESIS = "0" * 64
HEAD_KEY = "audit_head"
ACTIONS = (
    "login",
    "login_failed",
    "logout",
    "flag",
    "flag_comment",
    "unflag",
    "export",
    "case_view",
    "user_add",
    "user_disable",
    "user_enable",
    "user_token",
    "user_set",
    "user_unlock",
    "password_change",
    "password_reset_forced",
    # the alert ladder (data.alerts)
    "alert_raise",
    "alert_overdue",
    "alert_escalate",
    "alert_ack",
    "alert_claim",
    "alert_close",
    "notify_add",
    "notify_remove",
    "audit_view",  # one per query of the audit page or GET /api/v1/audit
)
_LOCK_KEY = 4171101
PENDING_HEAD = "kup_audit_head"  # Session.info key: (id, hash, at) of the newest entry added


def canonical(entry: dict[str, object]) -> str:
    """The exact text an entry's hash covers (sorted keys, no whitespace, UTF-8 kept)."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def entry_hash(
    prev_hash: str, at: datetime, actor: str, action: str, target: str, detail: str
) -> str:
    """sha256 over the previous hash and the canonical JSON of the entry's content."""
    content = canonical(
        {
            "at": at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "action": action,
            "target": target,
            "detail": detail,
        }
    )
    return hashlib.sha256((prev_hash + content).encode("utf-8")).hexdigest()


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def record(
    session: Session,
    actor: str,
    action: str,
    target: str,
    detail: dict[str, object] | None = None,
    now: datetime | None = None,
) -> AuditEntry:
    """Append one entry to the chain (inside the caller's transaction; use a writer session)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    _lock(session)
    # Microseconds survive both stores; anything finer would break the hash on reading back.
    at = (now or datetime.now(UTC)).astimezone(UTC)
    prev = session.scalar(select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1))
    detail_text = canonical(detail or {})
    # What is hashed is what is stored: no NUL (PostgreSQL text cannot hold it).
    actor, target = actor.replace("\x00", "\u2400")[:64], target.replace("\x00", "\u2400")[:120]
    entry = AuditEntry(
        at=at,
        actor=actor,
        action=action,
        target=target,
        detail=detail_text,
        prev_hash=prev or GENESIS,
        hash=entry_hash(prev or GENESIS, at, actor, action, target, detail_text),
    )
    session.add(entry)
    session.flush()
    head = session.get(Setting, HEAD_KEY)
    value = f"{entry.id}:{entry.hash}"
    if head is None:
        session.add(Setting(key=HEAD_KEY, value=value))
    else:
        head.value = value
    # For data.audit_anchors: the head is anchored outside the store once this commits.
    session.info[PENDING_HEAD] = (entry.id, entry.hash, at)
    return entry


@dataclass(frozen=True)
class Verification:
    """Outcome of `verify`: `first_bad` is the id of the first entry that does not check out;
    `last_id`/`last_hash` the newest entry found sound (None: none), where a later `verify`
    may start (`since`)."""

    ok: bool
    checked: int
    first_bad: int | None = None
    reason: str = ""
    last_id: int | None = None
    last_hash: str = GENESIS


def _entries(session: Session, after: int = 0, chunk: int = 5000) -> Iterator[AuditEntry]:
    last = after
    while True:
        rows = list(
            session.scalars(
                select(AuditEntry).where(AuditEntry.id > last).order_by(AuditEntry.id).limit(chunk)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].id
        session.expunge_all()


def verify(session: Session, since: Verification | None = None) -> Verification:
    """Walk the chain from the start (or from where the sound result `since` ended, checking
    that its last entry is still as it was); report the first edited, deleted or reordered
    entry, or a recorded head that the chain does not reach."""
    prev_hash, prev_id, checked = GENESIS, None, 0
    if since is not None and since.ok and since.last_id is not None:
        kept = session.scalar(select(AuditEntry.hash).where(AuditEntry.id == since.last_id))
        if kept != since.last_hash:
            return Verification(
                False,
                since.checked - 1,
                since.last_id,
                f"entry {since.last_id} was deleted or rewritten after it was verified",
            )
        prev_hash, prev_id, checked = since.last_hash, since.last_id, since.checked
    for entry in _entries(session, after=prev_id or 0):
        if entry.prev_hash != prev_hash:
            where = "the first entry" if prev_id is None else f"entry {prev_id}"
            return Verification(
                False,
                checked,
                entry.id,
                f"entry {entry.id} does not follow {where}: an entry before it "
                "was deleted or edited",
            )
        expected = entry_hash(
            entry.prev_hash, entry.at, entry.actor, entry.action, entry.target, entry.detail
        )
        if entry.hash != expected:
            return Verification(
                False, checked, entry.id, f"entry {entry.id} was edited (its hash does not match)"
            )
        prev_hash, prev_id, checked = entry.hash, entry.id, checked + 1
    head = session.get(Setting, HEAD_KEY)
    if head is None:
        if checked:
            return Verification(
                False, checked, prev_id, "the recorded head of the chain is missing"
            )
        return Verification(True, 0)
    head_id, _, head_hash = head.value.partition(":")
    if head_hash != prev_hash:
        return Verification(
            False,
            checked,
            int(head_id) if head_id.isdigit() else None,
            f"the newest entries were deleted: the chain ends at entry "
            f"{prev_id}, the recorded head is entry {head_id}",
        )
    return Verification(True, checked, last_id=prev_id, last_hash=prev_hash)


# --- reading the log (the audit page and GET /api/v1/audit) ------------------------------------

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


@dataclass(frozen=True)
class AuditQuery:
    """Which entries to list: each criterion given narrows (`target` is the registration number
    or other object an entry is about; `since` inclusive, `until` exclusive); `before_id` pages
    back from the newest."""

    actor: str | None = None
    target: str | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    before_id: int | None = None
    limit: int = DEFAULT_LIMIT


@dataclass(frozen=True)
class AuditRow:
    """One entry as the page and the API show it (`detail`: the JSON recorded with it)."""

    id: int
    at: datetime
    user: str
    action: str
    target: str
    detail: dict[str, object]


def _detail(text: str) -> dict[str, object]:
    try:
        value = json.loads(text)
    except ValueError:
        return {"text": text}
    return value if isinstance(value, dict) else {"value": value}


def list_entries(session: Session, query: AuditQuery) -> list[AuditRow]:
    """The entries matching `query`, newest first (by id: the chain's order), at most
    `query.limit` (1-MAX_LIMIT)."""
    stmt = select(AuditEntry)
    if query.actor is not None:  # (stored with a NUL replaced, as `record` does)
        stmt = stmt.where(AuditEntry.actor == query.actor.replace("\x00", "\u2400"))
    if query.target is not None:
        stmt = stmt.where(AuditEntry.target == query.target.replace("\x00", "\u2400"))
    if query.action is not None:
        stmt = stmt.where(AuditEntry.action == query.action)
    if query.since is not None:
        stmt = stmt.where(AuditEntry.at >= query.since.astimezone(UTC))
    if query.until is not None:
        stmt = stmt.where(AuditEntry.at < query.until.astimezone(UTC))
    if query.before_id is not None:
        stmt = stmt.where(AuditEntry.id < query.before_id)
    limit = max(1, min(query.limit, MAX_LIMIT))
    rows = session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(limit))
    return [AuditRow(e.id, e.at, e.actor, e.action, e.target, _detail(e.detail)) for e in rows]
