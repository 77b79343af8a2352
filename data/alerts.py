"""The alert ladder in the store (rules in rules/alerts.py): raising, escalating and closing
alerts by time (`sweep`, run by the web process leading the push), and people acknowledging,
claiming and closing them (`AlertService`, for the API and the pages).

Every step goes through `write_step`, inside the caller's writer transaction: it adds the
step to the alert's history (`alert_steps`) and its entry to the audit chain. A step the
sweep writes carries a key unique per alert ("raised", "overdue", "escalated:1", "closed"), so
two sweeps (a restart, two leaders for a moment) never write it twice; raising is idempotent
too (a unique index per case, missed deadline and reason, and one live alert per case).

The sweep (`sweep`), under the writers' lock:
* raises an alert for each case whose deadline passed since the last sweep (the watermark
  `alerts_swept_at` in console_state: a restart resumes where the last sweep stopped), and, if
  asked (`due_soon`), for each case that entered the due-soon window (an open due-soon alert
  becomes an overdue one when its deadline passes: step "overdue");
* escalates the open alerts nobody acknowledged (rules.alerts.escalation_level);
* closes, by itself, the alerts whose case was decided or whose deadline changed (extended,
  reopened) since they were raised (unless the new deadline has passed too: the case is still
  overdue, and its alert stays). This is done by the sweep, not by ingest: an alert closes
  within one sweep interval of the decision (15 s), and ingest's batches stay as they were.

Changes are announced on `alerts_channel` (a sibling of ingest's changes channel), from which
the push leader forwards them to the pages that may see the case (event "alerts"). An
announcement: {"reg_no", "region", "alert_id", "state" (as shown), "escalation_level", "at"}.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import redis
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from data import audit, notifications
from data.db import lock_writers
from data.flags import clean_comment, visible_case
from data.models import Alert, AlertStep, Case, Setting
from data.status import became_overdue
from data.streams import StreamConfig
from rules import alerts as rules
from rules.access import Viewer

log = logging.getLogger("kup.alerts")

SYSTEM = "system"  # the actor of the steps the sweep writes
# The steps that subscribers hear of (data.notifications), each as the event of its name.
NOTIFIED_STEPS = ("escalated", "acknowledged")
WATERMARK_KEY = "alerts_swept_at"
MAX_ASSIGNEE_LENGTH = 64
SWEEP_LIMIT = 5000  # cases raised per sweep at most (the next sweep goes on from there)
AUDIT_ACTIONS = {
    "raised": "alert_raise",
    "overdue": "alert_overdue",
    "escalated": "alert_escalate",
    "acknowledged": "alert_ack",
    "claimed": "alert_claim",
    "closed": "alert_close",
}


@dataclass(frozen=True)
class StepInfo:
    """One step of an alert's history: what, who, when, at which level, with what comment."""

    step: str
    actor: str
    at: datetime
    level: int
    comment: str | None


@dataclass(frozen=True)
class AlertInfo:
    """An alert as the API and the pages show it (`state`: as shown, see rules.alerts)."""

    id: int
    reg_no: str
    district: str
    region: str
    reason: str
    deadline: datetime
    raised_at: datetime
    state: rules.Shown
    escalation_level: int
    assignee: str | None
    closed_at: datetime | None
    steps: tuple[StepInfo, ...]


def _infos(session: Session, alerts: Sequence[Alert]) -> list[AlertInfo]:
    steps: dict[int, list[StepInfo]] = {a.id: [] for a in alerts}
    if steps:
        query = (
            select(AlertStep)
            .where(AlertStep.alert_id.in_(list(steps)))
            .order_by(AlertStep.at, AlertStep.id)
        )
        for row in session.scalars(query):
            steps[row.alert_id].append(
                StepInfo(row.step, row.actor, row.at, row.level, row.comment)
            )
    return [
        AlertInfo(
            id=a.id,
            reg_no=a.reg_no,
            district=a.district,
            region=a.region,
            reason=a.reason,
            deadline=a.deadline,
            raised_at=a.raised_at,
            state=rules.shown_state(_state(a), a.escalation_level),
            escalation_level=a.escalation_level,
            assignee=a.assignee,
            closed_at=a.closed_at,
            steps=tuple(steps[a.id]),
        )
        for a in alerts
    ]


def _state(alert: Alert) -> rules.State:
    return rules.parse_state(alert.state)


def write_step(
    session: Session,
    alert: Alert,
    step: str,
    actor: str,
    now: datetime,
    comment: str | None = None,
    key: str | None = None,
) -> bool:
    """Add a step to the alert's history and its entry to the audit chain, in the caller's
    transaction; False (nothing written) when a step of the same `key` is there already.
    Every step of every alert goes through here: the one place to hook what must happen
    with it in the same transaction (e.g. notifications to enqueue)."""
    row = AlertStep(
        alert_id=alert.id,
        at=now,
        actor=actor,
        step=step,
        level=alert.escalation_level,
        comment=comment,
        key=key,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        if key is None:  # pragma: no cover - only keyed steps can collide
            raise
        return False
    detail: dict[str, object] = {
        "alert_id": alert.id,
        "state": alert.state,
        "level": alert.escalation_level,
    }
    if comment is not None:
        detail["comment"] = comment
    if step == "claimed":
        detail["assignee"] = alert.assignee
    audit.record(session, actor, AUDIT_ACTIONS[step], alert.reg_no, detail, now)
    if step in NOTIFIED_STEPS:
        notifications.enqueue(
            session,
            step,
            reg_no=alert.reg_no,
            district=alert.district,
            region=alert.region,
            at=now,
            actor=None if actor == SYSTEM else actor,
            detail=comment,
            key=f"{alert.id}:{key or step}",
        )
    return True


def _live_alert(session: Session, reg_no: str) -> Alert | None:
    return session.scalar(select(Alert).where(Alert.reg_no == reg_no, Alert.state != "closed"))


def raise_alert(
    session: Session,
    reg_no: str,
    district: str,
    region: str,
    deadline: datetime,
    reason: rules.Reason,
    now: datetime,
) -> Alert | None:
    """Raise an alert for a case (idempotent): the new alert; or, for an overdue case whose
    due-soon alert is still live, that alert turned overdue; None when it was raised before."""
    alert = Alert(
        reg_no=reg_no,
        district=district,
        region=region,
        deadline=deadline,
        reason=reason,
        raised_at=now,
        state="open",
        escalation_level=0,
    )
    try:
        with session.begin_nested():
            session.add(alert)
    except IntegrityError:
        live = _live_alert(session, reg_no)
        if reason == "overdue" and live is not None and live.reason == "due_soon":
            live.reason = "overdue"
            session.flush()
            write_step(session, live, "overdue", SYSTEM, now, key="overdue")
            return live
        return None
    write_step(session, alert, "raised", SYSTEM, now, key="raised")
    return alert


def _crossed(
    session: Session, after: datetime, until: datetime, limit: int
) -> list[tuple[str, str, str, datetime]]:
    """(reg_no, district, region, deadline) of undecided cases whose deadline is in
    (after, until], earliest first."""
    query = (
        select(Case.reg_no, Case.district, Case.region, Case.deadline)
        .where(became_overdue(after, until))
        .order_by(Case.deadline, Case.reg_no)
        .limit(limit)
    )
    return [(r, d, g, dl) for r, d, g, dl in session.execute(query)]


def _watermark(session: Session) -> datetime | None:
    row = session.get(Setting, WATERMARK_KEY)
    try:
        return datetime.fromisoformat(row.value) if row is not None else None
    except ValueError:
        return None


def _set_watermark(session: Session, at: datetime) -> None:
    row = session.get(Setting, WATERMARK_KEY)
    value = at.astimezone(UTC).isoformat()
    if row is None:
        session.add(Setting(key=WATERMARK_KEY, value=value))
    else:
        row.value = value


def sweep(
    session: Session,
    now: datetime,
    period: timedelta,
    due_soon: timedelta | None = None,
    look_back: timedelta = timedelta(minutes=1),
    limit: int = SWEEP_LIMIT,
) -> list[Alert]:
    """One sweep of the alert timers at `now` (see the module docstring), in the caller's
    writer transaction; returns the alerts it changed. `period`: KUP_ESCALATE_AFTER_MINUTES;
    `due_soon`: the due-soon window when due-soon cases raise alerts too (None: they do not);
    `look_back`: how far back the first sweep of a store looks."""
    lock_writers(session)
    changed: dict[int, Alert] = {}
    mark = _watermark(session) or now - look_back
    until = now
    if mark < now:
        windows: list[tuple[rules.Reason, timedelta]] = [("overdue", timedelta(0))]
        if due_soon is not None:
            windows.append(("due_soon", due_soon))
        for reason, ahead in windows:
            found = _crossed(session, mark + ahead, now + ahead, limit)
            if len(found) == limit:  # the rest next time
                until = min(until, found[-1][3] - ahead)
                found = [f for f in found if f[3] - ahead <= until]
            for reg_no, district, region, deadline in found:
                alert = raise_alert(session, reg_no, district, region, deadline, reason, now)
                if alert is not None:
                    changed[alert.id] = alert
        _set_watermark(session, until)
    for alert in _escalate(session, now, period):
        changed[alert.id] = alert
    for alert in _close_settled(session, now):
        changed[alert.id] = alert
    return list(changed.values())


def _escalate(session: Session, now: datetime, period: timedelta) -> list[Alert]:
    """Raise the level of the open alerts nobody acknowledged for a period (or two)."""
    if period <= timedelta(0):
        return []
    query = select(Alert).where(
        Alert.state == "open",
        Alert.escalation_level < rules.MAX_LEVEL,
        Alert.raised_at <= now - period,
    )
    changed = []
    for alert in session.scalars(query):
        level = rules.escalation_level(alert.raised_at, False, now, period, alert.escalation_level)
        if level <= alert.escalation_level:
            continue
        for step in range(alert.escalation_level + 1, level + 1):
            alert.escalation_level = step
            session.flush()
            write_step(session, alert, "escalated", SYSTEM, now, key=f"escalated:{step}")
        changed.append(alert)
    return changed


def _close_settled(session: Session, now: datetime) -> list[Alert]:
    """Close the live alerts whose case was decided or got another deadline. An overdue
    alert whose case got a deadline that has passed too (extended too late) stays live and
    follows it: the case is still overdue, and the sweep will not raise it again."""
    query = (
        select(Alert, Case.decision, Case.deadline)
        .join(Case, Case.reg_no == Alert.reg_no)
        .where(
            Alert.state != "closed",
            or_(Case.decision.is_not(None), Case.deadline != Alert.deadline),
        )
    )
    changed = []
    for alert, decision, deadline in session.execute(query):
        if decision is None and alert.reason == "overdue" and deadline <= now:
            alert.deadline = deadline
            continue
        alert.state, alert.closed_at = "closed", now
        session.flush()
        why = "decided" if decision is not None else "deadline changed"
        write_step(session, alert, "closed", SYSTEM, now, comment=why, key="closed")
        changed.append(alert)
    return changed


def clean_assignee(assignee: object) -> str:
    """The assignee's name stripped; ValueError if not a non-empty short string."""
    if not isinstance(assignee, str):
        raise ValueError("assignee must be a string")
    name = assignee.strip()
    if not name:
        raise ValueError("assignee must not be empty")
    if len(name) > MAX_ASSIGNEE_LENGTH or "\x00" in name:
        raise ValueError(f"assignee must be at most {MAX_ASSIGNEE_LENGTH} characters, no NUL")
    return name


def act(
    session: Session,
    viewer: Viewer,
    alert_id: int,
    action: rules.Action,
    comment: object,
    assignee: object = None,
    now: datetime | None = None,
) -> Alert:
    """Acknowledge, claim (with an assignee) or close an alert by hand, each with a comment
    (required). LookupError: no such alert in the viewer's scope; PermissionError: the viewer
    may not act on it; ValueError: a bad comment or assignee; rules.AlertRefused: its state
    does not allow it."""
    now = now or datetime.now(UTC)
    query = select(Alert).where(Alert.id == alert_id)
    if viewer.region is not None:
        query = query.where(Alert.region == viewer.region)
    alert = session.scalar(query.with_for_update())
    if alert is None or visible_case(session, viewer, alert.reg_no) is None:
        raise LookupError(f"no alert {alert_id}")
    if not rules.may_act(viewer, alert.region, alert.escalation_level):
        raise PermissionError("this role may not act on this alert")
    text = clean_comment(comment)
    name = clean_assignee(assignee) if action == "claim" else None
    alert.state = rules.next_state(_state(alert), action)
    if name is not None:
        alert.assignee = name
    if action == "close":
        alert.closed_at = now
    session.flush()
    write_step(session, alert, alert.state, viewer.username, now, comment=text)
    return alert


def list_alerts(
    session: Session, viewer: Viewer, state: rules.Shown | None = None, limit: int = 500
) -> list[AlertInfo]:
    """Alerts in the viewer's scope, newest first, of one shown state if given."""
    query = select(Alert)
    if viewer.region is not None:
        query = query.where(Alert.region == viewer.region)
    if state == "escalated":
        query = query.where(Alert.state == "open", Alert.escalation_level > 0)
    elif state == "open":
        query = query.where(Alert.state == "open", Alert.escalation_level == 0)
    elif state is not None:
        query = query.where(Alert.state == state)
    query = query.order_by(Alert.raised_at.desc(), Alert.id.desc()).limit(limit)
    return _infos(session, list(session.scalars(query)))


def alerts_of_case(session: Session, viewer: Viewer, reg_no: str) -> list[AlertInfo]:
    """Every alert of a case the viewer may see, newest first (none for another region's)."""
    if visible_case(session, viewer, reg_no) is None:
        return []
    query = select(Alert).where(Alert.reg_no == reg_no).order_by(Alert.id.desc())
    return _infos(session, list(session.scalars(query)))


def live_states(session: Session, reg_nos: Sequence[str]) -> dict[str, tuple[rules.Shown, int]]:
    """The shown state and level of the live (not closed) alert of each of these cases."""
    if not reg_nos:
        return {}
    query = select(Alert.reg_no, Alert.state, Alert.escalation_level).where(
        Alert.reg_no.in_(list(reg_nos)), Alert.state != "closed"
    )
    return {
        reg_no: (rules.shown_state(rules.parse_state(state), level), level)
        for reg_no, state, level in session.execute(query)
    }


def info(session: Session, alert: Alert) -> AlertInfo:
    """The alert with its steps."""
    return _infos(session, [alert])[0]


def alerts_channel(config: StreamConfig) -> str:
    """The pub/sub channel alert changes are announced on (a sibling of ingest's)."""
    return f"{config.changes_channel}:alerts"


def announcement(alert: AlertInfo | Alert, at: datetime) -> dict[str, object]:
    """The JSON object published on the alerts channel for a changed alert."""
    shown = (
        alert.state
        if isinstance(alert, AlertInfo)
        else rules.shown_state(_state(alert), alert.escalation_level)
    )
    return {
        "reg_no": alert.reg_no,
        "region": alert.region,
        "alert_id": alert.id,
        "state": shown,
        "escalation_level": alert.escalation_level,
        "at": at.astimezone(UTC).isoformat(),
    }


def announce(
    client: redis.Redis | None, config: StreamConfig, messages: Sequence[dict[str, object]]
) -> None:
    """Publish the announcements (stored already: Redis trouble is logged, not raised)."""
    if client is None:
        return
    try:
        for message in messages:
            client.publish(alerts_channel(config), json.dumps(message))
    except (redis.RedisError, OSError) as exc:
        log.warning("alert changes not announced (%s)", type(exc).__name__)


@dataclass(frozen=True)
class AlertService:
    """The one way the API and the pages act on alerts: the step and its audit entry in one
    writer transaction, then the change announced on the alerts channel."""

    writer: sessionmaker[Session]
    client: redis.Redis | None
    config: StreamConfig

    def act(
        self,
        viewer: Viewer,
        alert_id: int,
        action: rules.Action,
        comment: object,
        assignee: object = None,
        now: datetime | None = None,
    ) -> AlertInfo:
        """Acknowledge, claim or close; raises as `act` does."""
        now = now or datetime.now(UTC)
        with self.writer.begin() as session:
            alert = act(session, viewer, alert_id, action, comment, assignee, now)
            shown = info(session, alert)
        announce(self.client, self.config, [announcement(shown, now)])
        return shown
