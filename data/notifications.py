"""Notifications off-screen, in the store: users' subscriptions and the outbox.

**The entry point** for every event a user may be notified of is `enqueue(session, kind, …)`,
called in the transaction of the change itself (a flag set: `data.flags.add_flag`; a deadline
passed: `enqueue_overdue`, run by the notification worker; an alert escalated or acknowledged:
the alerts code). It writes one outbox row per matching subscription, or none: the event is
queued exactly when the change commits, and never twice (`key` names the event: a second
queueing of the same kind, case and key for a subscription is a no-op, by a unique column).

A subscription hears only of cases in its region, clamped to its user's region when it is made
and checked again when it is queued and delivered (a regional manager never hears of another
region's case, even after being moved to another region).

**Delivery** (`deliver_due`): for each subscription with an event due, in one writer
transaction: its pending rows are claimed (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so several
workers never take the same rows; SQLite: the transaction holds the store's write lock), sent as
one message by the caller's `send` (which returns the delivery's id), and marked sent with that
id before the commit. A failure counts an attempt and sets the next one (`rules.notifications.
backoff`); after `MAX_ATTEMPTS` the rows are marked failed (`failed_at`, `last_error`). The one
window where a message can go twice is a crash after the receiver accepted it and before the
commit: the resent message carries the same `message_key` (Message-ID / webhook `id`), so a
receiver can recognise it.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from data.db import chunks
from data.deadline_watcher import passed_deadlines
from data.models import NotificationOutbox, NotificationSubscription, RegionRow, Setting, User
from rules import notifications as rules
from rules.notifications import Digest, Event

OVERDUE_CURSOR = "notify:overdue_until"  # console_state: deadlines up to here are queued
LANGS = ("ru", "ky", "en")


@dataclass(frozen=True)
class Subscription:
    """A subscription as the console shows it (the webhook secret only to the sender)."""

    id: int
    user_id: int
    username: str
    user_region: str | None
    channel: str
    target: str
    region: str | None
    events: tuple[str, ...]
    lang: str
    created_at: datetime
    active: bool
    secret: str | None = None


def _subscription(sub: NotificationSubscription, user: User) -> Subscription:
    return Subscription(
        id=sub.id,
        user_id=user.id,
        username=user.username,
        user_region=user.region,
        channel=sub.channel,
        target=sub.target,
        region=sub.region,
        events=tuple(e for e in sub.events.split(",") if e),
        lang=sub.lang,
        created_at=sub.created_at,
        active=bool(sub.active) and not user.disabled,
        secret=sub.secret,
    )


def add_subscription(
    session: Session,
    username: str,
    channel: str,
    target: str,
    events: str | list[str] | tuple[str, ...],
    *,
    region: str | None = None,
    lang: str = "ru",
    now: datetime | None = None,
) -> Subscription:
    """Subscribe a user; a webhook gets a new secret (returned once, in `secret`). LookupError
    for an unknown user, ValueError for a bad channel, address, URL, region, event or language."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(f"no user {username!r}")
    if not user.role or user.role == "monitor":
        raise ValueError("a monitoring account sees no cases and cannot subscribe")
    target = rules.check_target(channel, target)
    kinds = rules.parse_events(events)
    if region is not None and session.get(RegionRow, region) is None:
        known = ", ".join(session.scalars(select(RegionRow.code).order_by(RegionRow.code)))
        raise ValueError(f"unknown region {region!r}; known: {known}")
    if lang not in LANGS:
        raise ValueError(f"language must be one of {', '.join(LANGS)}")
    sub = NotificationSubscription(
        user_id=user.id,
        channel=channel,
        target=target,
        secret=secrets.token_hex(32) if channel == "webhook" else None,
        region=rules.clamp_region(user.region, region),
        events=",".join(kinds),
        lang=lang,
        created_at=now or datetime.now(UTC),
        active=True,
    )
    session.add(sub)
    session.flush()
    return _subscription(sub, user)


def _query() -> Select[NotificationSubscription, User]:
    return (
        select(NotificationSubscription, User)
        .join(User, User.id == NotificationSubscription.user_id)
        .order_by(NotificationSubscription.id)
    )


def subscriptions(session: Session, username: str | None = None) -> list[Subscription]:
    """Every subscription (or one user's), oldest first."""
    query = _query()
    if username is not None:
        query = query.where(User.username == username)
    return [_subscription(sub, user) for sub, user in session.execute(query)]


def remove_subscription(session: Session, sub_id: int, username: str | None = None) -> None:
    """Delete a subscription and its undelivered events (only the user's own when `username`
    is given); LookupError if there is none such."""
    query = _query().where(NotificationSubscription.id == sub_id)
    if username is not None:
        query = query.where(User.username == username)
    if session.execute(query).first() is None:
        raise LookupError(f"no subscription {sub_id}" + (f" of {username}" if username else ""))
    session.execute(delete(NotificationOutbox).where(NotificationOutbox.subscription_id == sub_id))
    session.execute(delete(NotificationSubscription).where(NotificationSubscription.id == sub_id))


def _insert_ignoring_duplicates(session: Session, rows: Sequence[dict[str, object]]) -> int:
    if not rows:
        return 0
    table = NotificationOutbox.__table__
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(rows).on_conflict_do_nothing(index_elements=["dedup"])
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def enqueue(
    session: Session,
    kind: str,
    *,
    reg_no: str,
    district: str,
    region: str,
    at: datetime,
    actor: str | None = None,
    detail: str | None = None,
    key: str | None = None,
) -> int:
    """Queue event `kind` (one of rules.notifications.KINDS) of case `reg_no` for every active
    subscription to it that may hear of the case's region, in the caller's transaction; the
    number of rows written. `key` names this occurrence (the flag's id, the deadline passed,
    the alert's id; default: `at`): the same kind, case and key is queued once per
    subscription. It goes out after the digest window (see `deliver_due`), with whatever else
    came for the subscription by then."""
    if kind not in rules.KINDS:
        raise ValueError(f"unknown event {kind!r}; events are {', '.join(rules.KINDS)}")
    return _enqueue_many(
        session,
        kind,
        [Event(0, kind, reg_no, district, region, at, actor, detail)],
        [key or at.astimezone(UTC).isoformat()],
    )


def _listeners(session: Session, kind: str) -> list[Subscription]:
    query = _query().where(NotificationSubscription.active.is_(True), User.disabled.is_(False))
    return [
        s
        for s in (_subscription(sub, user) for sub, user in session.execute(query))
        if kind in s.events
    ]


def _enqueue_many(session: Session, kind: str, events: list[Event], keys: list[str]) -> int:
    listeners = _listeners(session, kind)
    now = datetime.now(UTC)
    rows: list[dict[str, object]] = []
    for sub in listeners:
        for event, key in zip(events, keys, strict=True):
            if not rules.hears(sub.user_region, sub.region, event.region):
                continue
            rows.append(
                {
                    "subscription_id": sub.id,
                    "kind": kind,
                    "reg_no": event.reg_no,
                    "dedup": f"{sub.id}:{kind}:{event.reg_no}:{key}"[:200],
                    "payload": {
                        "district": event.district,
                        "region": event.region,
                        "at": event.at.astimezone(UTC).isoformat(),
                        "actor": event.actor,
                        "detail": event.detail,
                    },
                    "created_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                }
            )
    written = 0
    for chunk in chunks(rows, 500):
        written += _insert_ignoring_duplicates(session, chunk)
    return written


def enqueue_overdue(session: Session, now: datetime | None = None) -> int:
    """Queue "overdue" for the cases whose deadline passed since the last call (the cursor
    is kept in the store, so a restarted worker carries on where it stopped; the first call
    only sets it: cases overdue before notifications existed are not announced). Each case is
    queued once per deadline (a deadline extended and passed again is a new event). Call it in
    a writer transaction; the number of rows written."""
    now = now or datetime.now(UTC)
    cursor = session.get(Setting, OVERDUE_CURSOR, with_for_update=True)
    if cursor is None:
        session.add(Setting(key=OVERDUE_CURSOR, value=now.isoformat()))
        return 0
    after = datetime.fromisoformat(cursor.value)
    if not _listeners(session, "overdue"):  # nobody to tell: the cases are not even read
        cursor.value = now.isoformat()
        return 0
    passed = passed_deadlines(session, after, now, limit=10_000)
    # A window larger than the limit resumes after the last deadline read.
    cursor.value = (passed[-1].deadline if len(passed) == 10_000 else now).isoformat()
    if not passed:
        return 0
    events = [Event(0, "overdue", p.reg_no, p.district, p.region, p.deadline) for p in passed]
    keys = [p.deadline.astimezone(UTC).isoformat() for p in passed]
    return _enqueue_many(session, "overdue", events, keys)


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryReport:
    """What one `deliver_due` did: messages sent, messages failed (to retry or given up)."""

    sent: int = 0
    failed: int = 0
    events_sent: int = 0


Sender = Callable[[Subscription, Digest], str]


def _due_subscriptions(session: Session, now: datetime, window: timedelta) -> list[int]:
    """The subscriptions with a message due: a new event that has waited the digest window,
    or a retry whose backoff is over."""
    o = NotificationOutbox
    query = (
        select(o.subscription_id)
        .where(
            o.sent_at.is_(None),
            o.failed_at.is_(None),
            ((o.attempts == 0) & (o.next_attempt_at <= now - window))
            | ((o.attempts > 0) & (o.next_attempt_at <= now)),
        )
        .group_by(NotificationOutbox.subscription_id)
        .order_by(func.min(NotificationOutbox.next_attempt_at))
    )
    return list(session.scalars(query))


def _claim(session: Session, sub_id: int, now: datetime) -> list[NotificationOutbox]:
    """The subscription's pending rows for one message: those due, and those of the same burst
    not yet tried (a retry waits for its backoff), oldest first, locked."""
    query = (
        select(NotificationOutbox)
        .where(
            NotificationOutbox.subscription_id == sub_id,
            NotificationOutbox.sent_at.is_(None),
            NotificationOutbox.failed_at.is_(None),
            (NotificationOutbox.next_attempt_at <= now) | (NotificationOutbox.attempts == 0),
        )
        .order_by(NotificationOutbox.id)
        .limit(rules.DIGEST_MAX)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def _event(row: NotificationOutbox) -> Event:
    p = row.payload
    return Event(
        id=row.id,
        kind=row.kind,
        reg_no=row.reg_no,
        district=str(p.get("district") or ""),
        region=str(p.get("region") or ""),
        at=datetime.fromisoformat(str(p["at"])),
        actor=str(p["actor"]) if p.get("actor") else None,
        detail=str(p["detail"]) if p.get("detail") else None,
    )


def _deliver_one(
    session: Session, sub_id: int, send: Sender, now: datetime, backoff_base: timedelta
) -> tuple[int, int]:
    rows = _claim(session, sub_id, now)
    if not rows:
        return 0, 0
    found = session.execute(_query().where(NotificationSubscription.id == sub_id)).first()
    sub = _subscription(found[0], found[1]) if found is not None else None
    # Checked again now: the subscription may have been switched off, its user disabled or
    # moved to another region since the event was queued.
    allowed = [
        r
        for r in rows
        if sub is not None
        and sub.active
        and rules.hears(sub.user_region, sub.region, _event(r).region)
    ]
    for row in rows:
        if row not in allowed:
            row.failed_at, row.last_error = now, "subscription inactive or out of its region"
    if sub is None or not allowed:
        return 0, 0
    message = rules.digest(sub_id, [_event(r) for r in allowed])
    started = time.monotonic()
    try:
        message_id = send(sub, message)
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        # The backoff counts from the failure: a receiver that took its time to refuse (a
        # timeout) must not be retried at once.
        failed_at = now + timedelta(seconds=time.monotonic() - started)
        for row in allowed:
            row.attempts += 1
            row.last_error = error
            row.next_attempt_at = failed_at + rules.backoff(row.attempts, backoff_base)
            if row.attempts >= rules.MAX_ATTEMPTS:
                row.failed_at = now
        return 0, 1
    for row in allowed:
        row.sent_at, row.message_id, row.last_error = now, message_id[:200], None
        row.attempts += 1
    return len(allowed), 0


def deliver_due(
    writer: sessionmaker[Session],
    send: Sender,
    now: datetime | None = None,
    backoff_base: timedelta = rules.BACKOFF_BASE,
    window: timedelta = rules.DIGEST_WINDOW,
) -> DeliveryReport:
    """Send every message due now (one per subscription, each in its own writer transaction:
    see the module docstring): a subscription's events go out once the oldest new one has
    waited `window` (the digest: a burst is one message), a retry after its backoff; what was
    done."""
    now = now or datetime.now(UTC)
    with writer() as session:
        due = _due_subscriptions(session, now, window)
    sent = failed = events = 0
    for sub_id in due:
        with writer.begin() as session:
            n, f = _deliver_one(session, sub_id, send, now, backoff_base)
        sent += 1 if n else 0
        events += n
        failed += f
    return DeliveryReport(sent, failed, events)


@dataclass(frozen=True)
class OutboxCounts:
    """The outbox at a glance, for operators: pending, sent, failed; the oldest pending."""

    pending: int
    sent: int
    failed: int
    oldest_pending: datetime | None


def outbox_counts(session: Session) -> OutboxCounts:
    """How many events wait, went out, or were given up."""
    o = NotificationOutbox
    pending = (o.sent_at.is_(None)) & (o.failed_at.is_(None))
    return OutboxCounts(
        pending=session.scalar(select(func.count()).where(pending)) or 0,
        sent=session.scalar(select(func.count()).where(o.sent_at.is_not(None))) or 0,
        failed=session.scalar(select(func.count()).where(o.failed_at.is_not(None))) or 0,
        oldest_pending=session.scalar(select(func.min(o.created_at)).where(pending)),
    )


@dataclass(frozen=True)
class FailedEvent:
    """An event given up on, with why."""

    id: int
    subscription_id: int
    kind: str
    reg_no: str
    attempts: int
    failed_at: datetime
    last_error: str | None


def failed_events(session: Session, limit: int = 50) -> list[FailedEvent]:
    """The newest events marked failed."""
    o = NotificationOutbox
    query = select(o).where(o.failed_at.is_not(None)).order_by(o.id.desc()).limit(limit)
    return [
        FailedEvent(
            r.id,
            r.subscription_id,
            r.kind,
            r.reg_no,
            r.attempts,
            r.failed_at or r.created_at,
            r.last_error,
        )
        for r in session.scalars(query)
    ]


def retry_failed(session: Session, now: datetime | None = None) -> int:
    """Give every failed event a new round of attempts (after the receiver was fixed)."""
    o = NotificationOutbox
    result = session.execute(
        update(o)
        .where(o.failed_at.is_not(None), o.sent_at.is_(None))
        .values(failed_at=None, attempts=0, next_attempt_at=now or datetime.now(UTC))
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
