"""Notifications' store side (data.notifications) on SQLite and PostgreSQL: subscriptions and
their checks, the outbox written in the change's transaction (a flag; passed deadlines, once per
case and deadline), region scoping when queued and when delivered, digests, retries."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, inspect, select, update
from sqlalchemy.orm import Session, sessionmaker

from data import alerts, flags, notifications
from data.db import make_sessionmaker, writer_engine
from data.models import Alert, Case, NotificationOutbox, Setting, User
from data.notifications import Subscription
from rules.access import Viewer
from rules.notifications import Digest
from tests.support import events as ev
from tests.support.stores import apply_events, columns, migrate
from tests.support.users import OSH_REGION, add_test_users, viewer


@pytest.fixture
def writer(engine: Engine) -> sessionmaker[Session]:
    add_test_users(engine, ["manager", "manager-osh", "prosecutor", "monitor"])
    return make_sessionmaker(writer_engine(engine))


def subscribe(
    writer: sessionmaker[Session], user: str, events: str, **options: object
) -> Subscription:
    with writer.begin() as s:
        return notifications.add_subscription(
            s,
            user,
            "email",
            f"{user}@example.org",
            events,
            **options,  # type: ignore[arg-type]
        )


def queue(writer: sessionmaker[Session], kind: str, reg_no: str, at: datetime) -> int:
    """`enqueue` a Bishkek case's event in a transaction of its own."""
    with writer.begin() as s:
        return notifications.enqueue(
            s, kind, reg_no=reg_no, district=ev.BISHKEK, region="KG-GB", at=at
        )


def pending(writer: sessionmaker[Session]) -> list[NotificationOutbox]:
    with writer() as s:
        return list(
            s.scalars(
                select(NotificationOutbox)
                .where(NotificationOutbox.sent_at.is_(None), NotificationOutbox.failed_at.is_(None))
                .order_by(NotificationOutbox.id)
            )
        )


class Recorder:
    """A `send` that keeps what it was given (or fails while `failing`)."""

    def __init__(self) -> None:
        self.sent: list[tuple[Subscription, Digest]] = []
        self.failing = False

    def __call__(self, sub: Subscription, message: Digest) -> str:
        if self.failing:
            raise ConnectionRefusedError("receiver down")
        self.sent.append((sub, message))
        return message.message_key


@pytest.mark.parametrize(
    ("user", "channel", "target", "events", "region", "error"),
    [
        ("nobody", "email", "a@example.org", "overdue", None, "no user"),
        ("manager", "email", "not-an-address", "overdue", None, "not an e-mail"),
        ("manager", "webhook", "ftp://example.org/x", "overdue", None, "not an http"),
        ("manager", "email", "a@example.org", "overdue,late", None, "unknown event late"),
        ("manager", "email", "a@example.org", "", None, "at least one"),
        ("manager", "email", "a@example.org", "overdue", "KG-XX", "unknown region"),
        ("manager-osh", "email", "a@example.org", "overdue", "KG-GB", "cannot subscribe"),
        ("monitor", "email", "a@example.org", "overdue", None, "monitoring account"),
        ("manager", "sms", "+996555", "overdue", None, "channel"),
    ],
)
def test_bad_subscriptions_are_refused_clearly(
    writer: sessionmaker[Session],
    user: str,
    channel: str,
    target: str,
    events: str,
    region: str | None,
    error: str,
) -> None:
    with pytest.raises((ValueError, LookupError), match=error), writer.begin() as s:
        notifications.add_subscription(s, user, channel, target, events, region=region)
    with writer() as s:
        assert notifications.subscriptions(s) == []


def test_a_regional_users_subscription_is_clamped_to_their_region(
    writer: sessionmaker[Session],
) -> None:
    sub = subscribe(writer, "manager-osh", "overdue,flagged")
    assert sub.region == OSH_REGION and sub.events == ("overdue", "flagged")
    with writer.begin() as s:
        hook = notifications.add_subscription(
            s, "manager", "webhook", "https://h.example/x", ["flagged"]
        )
    assert hook.region is None and hook.secret is not None and len(hook.secret) == 64


def test_a_flag_queues_flagged_in_its_transaction_for_those_who_may_see_it(
    engine: Engine, writer: sessionmaker[Session]
) -> None:
    country = subscribe(writer, "manager", "flagged")
    subscribe(writer, "manager-osh", "flagged")  # an Osh manager: never a Bishkek case
    subscribe(writer, "prosecutor", "overdue")  # not subscribed to flags
    bishkek = ev.next_reg_no(ev.BISHKEK)
    apply_events(engine, [ev.registered(bishkek, datetime.now(UTC) - timedelta(hours=1))])
    with pytest.raises(ValueError), writer.begin() as s:  # refused: nothing queued
        flags.add_flag(s, viewer("prosecutor"), bishkek, "   ")
    assert pending(writer) == []
    with writer.begin() as s:
        flags.add_flag(s, viewer("prosecutor"), bishkek, "check the deadline")
        flags.add_flag(s, viewer("prosecutor"), bishkek, "a comment is no new flag")
    rows = pending(writer)
    assert [(r.subscription_id, r.kind, r.reg_no) for r in rows] == [
        (country.id, "flagged", bishkek)
    ]
    assert rows[0].payload["actor"] == "prosecutor"
    assert rows[0].payload["detail"] == "check the deadline"
    assert rows[0].payload["region"] == "KG-GB"


def _old_cases(engine: Engine, district: str, count: int) -> list[str]:
    """`count` cases received 5 days ago: their 3-day deadline has passed."""
    at = datetime.now(UTC) - timedelta(days=5)
    numbers = [ev.next_reg_no(district) for _ in range(count)]
    apply_events(
        engine,
        [
            ev.registered(n, at)
            if district == ev.BISHKEK
            else ev.registered(n, at, district=district)
            for n in numbers
        ],
    )
    return numbers


def _rewind_overdue_cursor(writer: sessionmaker[Session], days: int = 30) -> None:
    with writer.begin() as s:
        when = (datetime.now(UTC) - timedelta(days=days)).isoformat()
        if s.get(Setting, notifications.OVERDUE_CURSOR) is None:
            s.add(Setting(key=notifications.OVERDUE_CURSOR, value=when))
        else:
            s.get(Setting, notifications.OVERDUE_CURSOR).value = when  # type: ignore[union-attr]


def test_passed_deadlines_are_queued_once_and_a_burst_is_one_digest(
    engine: Engine, writer: sessionmaker[Session]
) -> None:
    with writer.begin() as s:  # the first call only sets the cursor: nothing old is announced
        assert notifications.enqueue_overdue(s) == 0
    manager = subscribe(writer, "manager", "overdue")
    osh = subscribe(writer, "manager-osh", "overdue")
    bishkek = _old_cases(engine, ev.BISHKEK, 300)
    osh_cases = _old_cases(engine, ev.OSH_CITY, 2)
    with writer.begin() as s:
        assert notifications.enqueue_overdue(s) == 0  # their deadlines passed before the cursor
    _rewind_overdue_cursor(writer)
    with writer.begin() as s:
        assert notifications.enqueue_overdue(s) == 302 + 2
    _rewind_overdue_cursor(writer)  # seen again (a restart, a second worker): queued once
    with writer.begin() as s:
        assert notifications.enqueue_overdue(s) == 0
    send = Recorder()
    report = notifications.deliver_due(writer, send, window=timedelta(0))
    assert (report.sent, report.events_sent, report.failed) == (2, 304, 0)
    by_sub = {sub.id: message for sub, message in send.sent}
    assert sorted(e.reg_no for e in by_sub[manager.id].events) == sorted(bishkek + osh_cases)
    assert sorted(e.reg_no for e in by_sub[osh.id].events) == sorted(osh_cases)
    assert notifications.deliver_due(writer, send, window=timedelta(0)).sent == 0  # nothing twice
    assert len(send.sent) == 2


def test_a_failed_delivery_waits_its_backoff_then_goes_once(writer: sessionmaker[Session]) -> None:
    sub = subscribe(writer, "manager", "escalated")
    now = datetime.now(UTC)
    queue(writer, "escalated", "KUP-1", now)
    send = Recorder()
    send.failing = True
    report = notifications.deliver_due(
        writer, send, window=timedelta(0), now=now + timedelta(seconds=1)
    )
    assert (report.sent, report.failed) == (0, 1)
    [row] = pending(writer)
    assert row.attempts == 1 and row.last_error is not None and "receiver down" in row.last_error
    retry_at = now + timedelta(seconds=1) + timedelta(seconds=30)  # counted from the failure
    assert retry_at <= row.next_attempt_at < retry_at + timedelta(seconds=1)
    send.failing = False
    assert (
        notifications.deliver_due(
            writer, send, window=timedelta(0), now=now + timedelta(seconds=2)
        ).sent
        == 0
    )
    report = notifications.deliver_due(
        writer, send, window=timedelta(0), now=now + timedelta(seconds=32)
    )
    assert (report.sent, report.events_sent) == (1, 1)
    assert [(s.id, [e.reg_no for e in m.events]) for s, m in send.sent] == [(sub.id, ["KUP-1"])]
    assert pending(writer) == []


def test_a_slow_refusal_waits_its_whole_backoff_after_it_failed(
    writer: sessionmaker[Session],
) -> None:
    """A receiver that takes longer than the backoff to fail (a timeout) is not tried again at
    the very next round: the backoff counts from the failure, not from the round's start."""
    subscribe(writer, "manager", "escalated")
    now = datetime.now(UTC)
    queue(writer, "escalated", "KUP-3", now)

    def slow_refusal(sub: Subscription, message: Digest) -> str:
        time.sleep(0.5)
        raise TimeoutError("receiver timed out")

    backoff = timedelta(seconds=0.2)
    notifications.deliver_due(writer, slow_refusal, window=timedelta(0), backoff_base=backoff)
    [row] = pending(writer)
    assert row.next_attempt_at >= now + timedelta(seconds=0.5) + backoff
    report = notifications.deliver_due(
        writer, Recorder(), window=timedelta(0), backoff_base=backoff
    )
    assert report == notifications.DeliveryReport(0, 0, 0)


def test_gives_up_after_max_attempts_and_retry_failed_revives(
    writer: sessionmaker[Session],
) -> None:
    subscribe(writer, "manager", "acknowledged")
    now = datetime.now(UTC)
    queue(writer, "acknowledged", "KUP-2", now)
    send = Recorder()
    send.failing = True
    at = now
    for _ in range(notifications.rules.MAX_ATTEMPTS):
        at += timedelta(hours=2)
        notifications.deliver_due(writer, send, window=timedelta(0), now=at)
    with writer() as s:
        counts = notifications.outbox_counts(s)
        [failed] = notifications.failed_events(s)
    assert (counts.pending, counts.failed) == (0, 1)
    assert failed.attempts == notifications.rules.MAX_ATTEMPTS and failed.reg_no == "KUP-2"
    send.failing = False
    with writer.begin() as s:
        assert notifications.retry_failed(s, now=at) == 1
    assert notifications.deliver_due(writer, send, window=timedelta(0), now=at).events_sent == 1


def test_the_region_is_checked_again_at_delivery(writer: sessionmaker[Session]) -> None:
    subscribe(writer, "manager", "flagged")  # country-wide at queueing time
    now = datetime.now(UTC)
    with writer.begin() as s:
        n = notifications.enqueue(
            s,
            "flagged",
            reg_no="KUP-3",
            district=ev.BISHKEK,
            region="KG-GB",
            at=now,
        )
        assert n == 1
        s.execute(update(User).where(User.username == "manager").values(region=OSH_REGION))
    send = Recorder()
    assert notifications.deliver_due(writer, send, window=timedelta(0)).sent == 0
    assert send.sent == []
    with writer() as s:
        assert notifications.outbox_counts(s).failed == 1


def test_removing_a_subscription_drops_its_pending_events(writer: sessionmaker[Session]) -> None:
    sub = subscribe(writer, "manager", "flagged")
    queue(writer, "flagged", "KUP-4", datetime.now(UTC))
    with pytest.raises(LookupError), writer.begin() as s:
        notifications.remove_subscription(s, sub.id, username="prosecutor")  # not theirs
    with writer.begin() as s:
        notifications.remove_subscription(s, sub.id, username="manager")
    with writer() as s:
        assert s.scalar(select(func.count()).select_from(NotificationOutbox)) == 0
        assert notifications.subscriptions(s) == []


def test_events_wait_the_digest_window_and_go_out_together(writer: sessionmaker[Session]) -> None:
    subscribe(writer, "manager", "escalated")
    start = datetime.now(UTC)
    for n in ("KUP-5", "KUP-6"):
        queue(writer, "escalated", n, start)
    send = Recorder()
    window = timedelta(seconds=60)
    assert notifications.deliver_due(writer, send, now=start + timedelta(seconds=30)).sent == 0
    report = notifications.deliver_due(
        writer, send, now=start + timedelta(seconds=61), window=window
    )
    assert (report.sent, report.events_sent) == (1, 2)
    assert [e.reg_no for e in send.sent[0][1].events] == ["KUP-5", "KUP-6"]


def test_the_migration_adds_and_drops_the_two_tables(engine: Engine) -> None:
    migrate(engine, "downgrade", "0010_alerts")
    assert not {"notification_subscriptions", "notification_outbox"} & set(
        inspect(engine).get_table_names()
    )
    migrate(engine, "upgrade", "head")
    assert {"user_id", "channel", "target", "secret", "region", "events", "lang"} <= columns(
        engine, "notification_subscriptions"
    )
    assert {"dedup", "attempts", "next_attempt_at", "sent_at", "failed_at", "message_id"} <= (
        columns(engine, "notification_outbox")
    )


def test_escalations_and_acknowledgements_of_alerts_are_queued_once_each(
    writer: sessionmaker[Session],
) -> None:
    """The alert ladder's steps reach subscribers in the step's own transaction: each level
    of escalation once (a sweep repeated queues nothing more), and the acknowledgement with
    who gave it and the comment; a subscriber of Osh hears of no Bishkek alert."""
    subscribe(writer, "manager", "escalated,acknowledged")
    subscribe(writer, "manager-osh", "escalated,acknowledged")
    reg_no = ev.next_reg_no(ev.BISHKEK)
    start = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
    apply_events(writer, [ev.registered(reg_no, start)], now=start)
    with writer() as s:
        deadline = s.scalar(select(Case.deadline).where(Case.reg_no == reg_no))
    assert deadline is not None
    hour, look_back = timedelta(hours=1), timedelta(minutes=5)
    for at in (deadline + timedelta(minutes=1), deadline + 2 * hour, deadline + 3 * hour) * 2:
        with writer.begin() as s:
            alerts.sweep(s, at, hour, None, look_back=look_back)
    queued = pending(writer)
    assert [(row.kind, row.reg_no) for row in queued] == [("escalated", reg_no)] * 2
    assert {row.subscription_id for row in queued} == {queued[0].subscription_id}  # not Osh's
    with writer() as s:
        alert_id = s.scalar(select(Alert.id).where(Alert.reg_no == reg_no))
    assert alert_id is not None
    with writer.begin() as s:
        alerts.act(
            s, Viewer("duty1", "duty", "KG-GB"), alert_id, "ack", "on it", now=deadline + 4 * hour
        )
    (ack,) = [row for row in pending(writer) if row.kind == "acknowledged"]
    assert (ack.payload["actor"], ack.payload["detail"]) == ("duty1", "on it")
