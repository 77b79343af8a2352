"""SQLAlchemy 2.x models of the case store (schema owned by Alembic migrations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from data.db import FreeText, UTCDateTime


class Base(DeclarativeBase):
    # Every model here maps a plain Table (none a join or a subquery): Core statements use it.
    __table__: ClassVar[Table]


class RegionRow(Base):
    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)  # ISO 3166-2
    soate: Mapped[str] = mapped_column(String(14), unique=True)
    name_ru: Mapped[str] = mapped_column(String(80))
    name_ky: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)


class DistrictRow(Base):
    __tablename__ = "districts"

    soate: Mapped[str] = mapped_column(String(14), primary_key=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    type: Mapped[str] = mapped_column(String(20))
    name_ru: Mapped[str] = mapped_column(String(80))
    name_ky: Mapped[str] = mapped_column(String(80))
    name_en: Mapped[str] = mapped_column(String(80))
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    population: Mapped[int] = mapped_column(Integer)


class Case(Base):
    """One registered report or complaint, as of the last event applied."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_open_deadline", "decision", "deadline"),
        Index("ix_cases_district_decision", "district", "decision"),
        Index("ix_cases_region_decision_deadline", "region", "decision", "deadline"),
        # Covering indexes of the month-long counts, and a partial one of the open cases
        # (migrations 0002, 0003).
        Index("ix_cases_registered", "registered_at", "region", "district", "late_registration"),
        Index("ix_cases_decided", "decided_at", "decision", "region", "district"),
        Index("ix_cases_district_decided", "district", "decided_at", "decision", "region"),
        Index(
            "ix_cases_open",
            "deadline",
            "region",
            "district",
            "received_at",
            sqlite_where=text("decision IS NULL"),
            postgresql_where=text("decision IS NULL"),
        ),
    )

    reg_no: Mapped[str] = mapped_column(String(32), primary_key=True)
    district: Mapped[str] = mapped_column(ForeignKey("districts.soate"))
    region: Mapped[str] = mapped_column(String(8))
    category: Mapped[str] = mapped_column(String(24))
    kind: Mapped[str] = mapped_column(String(12))
    source: Mapped[str] = mapped_column(String(16))
    priority: Mapped[str] = mapped_column(String(8))
    article: Mapped[str | None] = mapped_column(FreeText(16))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(FreeText(200))
    summary: Mapped[str | None] = mapped_column(FreeText)
    unit: Mapped[str | None] = mapped_column(FreeText(64), index=True)
    officer: Mapped[str | None] = mapped_column(FreeText(64))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    period_start: Mapped[date] = mapped_column(Date)
    period_days: Mapped[int] = mapped_column(Integer)
    period_unit: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    decision: Mapped[str | None] = mapped_column(String(16))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    transferred_to: Mapped[str | None] = mapped_column(FreeText(64))
    extensions: Mapped[int] = mapped_column(Integer, default=0)
    reopenings: Mapped[int] = mapped_column(Integer, default=0)
    last_event_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_registration: Mapped[bool] = mapped_column(Boolean, default=False)
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    # Deadline breaches closed so far (rules.breaches; migration 0008): their total, whether
    # any, and the start of one an extension to a deadline already past left going on.
    breach_seconds: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    breached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    breach_start: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EventRow(Base):
    """Every valid event received, applied or waiting for its case's registration."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_pending", "reg_no", "applied"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    event_id: Mapped[str] = mapped_column(String(64), unique=True)
    stream_id: Mapped[str] = mapped_column(String(40))
    reg_no: Mapped[str] = mapped_column(String(32))
    type: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str | None] = mapped_column(FreeText(64))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    applied: Mapped[bool] = mapped_column(Boolean)


class DeadlineChangeRow(Base):
    """The deadline history of a case: each deadline set, when and why."""

    __tablename__ = "deadline_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reg_no: Mapped[str] = mapped_column(String(32), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)
    period_days: Mapped[int] = mapped_column(Integer)
    period_unit: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(64))


class DeadLetter(Base):
    """A stream entry rejected by the contract, with its reason; re-drivable."""

    __tablename__ = "dead_letters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[str] = mapped_column(String(40), unique=True)
    stream: Mapped[str] = mapped_column(String(120))
    error: Mapped[str] = mapped_column(FreeText)
    field: Mapped[str] = mapped_column(FreeText(80))
    fields: Mapped[dict[str, str]] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    retried_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_id: Mapped[str | None] = mapped_column(String(40))


class Flag(Base):
    """A prosecutor's flag on a case, with its opening comment; cleared flags are kept, with
    the comment they were cleared with. A case has at most one active (uncleared) flag: a
    partial unique index (migration 0007); later flaggings are its `FlagComment`s."""

    __tablename__ = "flags"
    __table_args__ = (
        Index(
            "uq_flags_active_reg_no",
            "reg_no",
            unique=True,
            sqlite_where=text("cleared_at IS NULL"),
            postgresql_where=text("cleared_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reg_no: Mapped[str] = mapped_column(ForeignKey("cases.reg_no"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cleared_by: Mapped[str | None] = mapped_column(String(64))
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cleared_comment: Mapped[str | None] = mapped_column(Text)  # null only before 0007


class FlagComment(Base):
    """A comment added to an active flag: another flagging of its case (or, from migration
    0007, a duplicate active flag's opening comment, merged)."""

    __tablename__ = "flag_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    flag_id: Mapped[int] = mapped_column(ForeignKey("flags.id"), index=True)
    comment: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    region: Mapped[str | None] = mapped_column(String(8))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set by an admin's forced reset: no page until the user has set a new password.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Raised when every session of the user must end (disabled, password changed or reset): a
    # session carries the value of its login and is void once they differ (migration 0005).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    # The user's own idle timeout (a wall screen's account), instead of the console's.
    idle_minutes: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(Base):
    """Tamper-evident audit log: each entry's hash covers its content and the previous hash."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    target: Mapped[str] = mapped_column(String(120))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class Setting(Base):
    """Small key-value state of the console (e.g. the last stream id seen, detected gaps)."""

    __tablename__ = "console_state"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- counters of the open cases (data.aggregates; migration 0006) ------------------------------
# Kept in the transaction of every write of a case; `unit` and `officer` hold "" for none (a
# key column cannot be NULL), which the contract never sends as a value (empty means absent).


class _OpenKey:
    """The live page's and the overdue page's dimensions (their filters)."""

    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str] = mapped_column(String(14), primary_key=True)
    category: Mapped[str] = mapped_column(String(24), primary_key=True)
    kind: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit: Mapped[str] = mapped_column(FreeText(64), primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class OpenCount(_OpenKey, Base):
    """How many cases of a key are open (undecided), whatever their deadline."""

    __tablename__ = "agg_open"


class OpenByDeadline(_OpenKey, Base):
    """How many cases of a key are open with this deadline (an instant: deadlines end a local
    day, so a key has a row a day)."""

    __tablename__ = "agg_open_deadline"

    deadline: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)


class _OfficerKey:
    """The workload's dimensions (its drill-down: region, district, unit, officer)."""

    region: Mapped[str] = mapped_column(String(8), primary_key=True)
    district: Mapped[str] = mapped_column(String(14), primary_key=True)
    unit: Mapped[str] = mapped_column(FreeText(64), primary_key=True)
    officer: Mapped[str] = mapped_column(FreeText(64), primary_key=True)


class WorkOpenCount(_OfficerKey, Base):
    """How many cases of a workload key are open, whatever their deadline."""

    __tablename__ = "agg_work_open"

    n: Mapped[int] = mapped_column(Integer)


class WorkOpenByDeadline(_OfficerKey, Base):
    """How many cases of a workload key are open with this deadline."""

    __tablename__ = "agg_work_deadline"

    deadline: Mapped[datetime] = mapped_column(UTCDateTime, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class OpenByReceived(_OfficerKey, Base):
    """How many cases of a workload key are open, received on this local day (in the
    counters' zone)."""

    __tablename__ = "agg_open_received"

    received_day: Mapped[date] = mapped_column(Date, primary_key=True)
    n: Mapped[int] = mapped_column(Integer)


class DailyFlow(_OfficerKey, Base):
    """Per workload key and local day (in the counters' zone): cases registered that day
    (`late`: of them registered late) and cases whose standing decision is of that day
    (`decided_late`: of them decided after their deadline; migration 0008)."""

    __tablename__ = "agg_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    registered: Mapped[int] = mapped_column(Integer)
    late: Mapped[int] = mapped_column(Integer)
    decided: Mapped[int] = mapped_column(Integer)
    decided_late: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))


# The prosecutor's-flag filter's index (migration 0006): the counters leave that filter to an
# exact count over the few flagged cases.
Index("ix_cases_flagged", Case.flagged, Case.decision, Case.deadline)


# --- the alert ladder (data.alerts; migration 0010) ---------------------------------------------
class Alert(Base):
    """An alert raised for a case that became overdue (or due soon): its state on the ladder
    (rules.alerts), escalation level and assignee. One alert per case is not closed (a partial
    unique index), and one per case, missed deadline and reason ever (so that two sweeps, or
    two leaders, never raise it twice)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_live_reg_no",
            "reg_no",
            unique=True,
            sqlite_where=text("state <> 'closed'"),
            postgresql_where=text("state <> 'closed'"),
        ),
        Index("uq_alerts_reg_no_deadline", "reg_no", "deadline", "reason", unique=True),
        Index("ix_alerts_state_raised", "state", "raised_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reg_no: Mapped[str] = mapped_column(ForeignKey("cases.reg_no"))
    district: Mapped[str] = mapped_column(String(16))
    region: Mapped[str] = mapped_column(String(8))
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)  # the deadline it was raised for
    reason: Mapped[str] = mapped_column(String(12))  # overdue | due_soon
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16))  # rules.alerts.STATES
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    assignee: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AlertStep(Base):
    """One step of an alert's history: who (or "system"), when, what, with what comment.
    `key` makes the steps the sweeps write idempotent ("raised", "overdue", "escalated:1", ...:
    unique per alert); people's steps have none."""

    __tablename__ = "alert_steps"
    __table_args__ = (Index("uq_alert_steps_key", "alert_id", "key", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("alerts.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(64))
    step: Mapped[str] = mapped_column(String(16))  # rules.alerts.STEPS
    level: Mapped[int] = mapped_column(Integer, default=0)
    comment: Mapped[str | None] = mapped_column(Text)
    key: Mapped[str | None] = mapped_column(String(24))


# --- notifications off-screen (data.notifications; migration 0011) -----------------------------


class NotificationSubscription(Base):
    """What one user wants to hear of, and where: an e-mail address or a webhook URL (with its
    HMAC secret), a region (None: every region the user sees) and the event kinds."""

    __tablename__ = "notification_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))  # email | webhook
    target: Mapped[str] = mapped_column(String(500))
    secret: Mapped[str | None] = mapped_column(String(128))  # webhooks' HMAC key
    region: Mapped[str | None] = mapped_column(String(8))
    events: Mapped[str] = mapped_column(String(200))  # comma-separated kinds
    lang: Mapped[str] = mapped_column(String(2), default="ru")  # the messages' language
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class NotificationOutbox(Base):
    """One event queued for one subscription, written in the transaction of the change;
    `dedup` makes a second queueing of the same event (an overdue case seen twice) a no-op."""

    __tablename__ = "notification_outbox"
    __table_args__ = (
        Index("ix_notification_outbox_pending", "sent_at", "failed_at", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("notification_subscriptions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    reg_no: Mapped[str] = mapped_column(String(64))
    dedup: Mapped[str] = mapped_column(String(200), unique=True)
    payload: Mapped[dict[str, object]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))
    message_id: Mapped[str | None] = mapped_column(String(200))
