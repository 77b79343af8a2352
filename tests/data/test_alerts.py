"""The alert ladder in the store (data.alerts), SQLite and PostgreSQL: raising is idempotent
across sweeps and restarts, escalation fires once per level, people's steps follow the rules,
alerts close by themselves on a decision or an extension, and every step is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from data import alerts, audit
from data.db import make_sessionmaker, writer_engine
from data.models import Alert, AlertStep, AuditEntry, Case, Setting
from rules.access import Viewer
from rules.alerts import AlertRefused
from tests.support import events as ev
from tests.support.stores import apply_events, columns, migrate

NOW = datetime(2026, 3, 11, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DUTY = Viewer("duty1", "duty", "KG-GB")


@pytest.fixture
def writer(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(writer_engine(engine))


def open_case(writer: sessionmaker[Session], district: str = ev.BISHKEK) -> tuple[str, datetime]:
    """A case registered at NOW and its deadline."""
    number = ev.next_reg_no(district)
    apply_events(writer, [ev.registered(number, NOW, district=district)], now=NOW)
    with writer() as s:
        deadline = s.scalar(select(Case.deadline).where(Case.reg_no == number))
    assert deadline is not None
    return number, deadline


def sweep(
    writer: sessionmaker[Session], at: datetime, due_soon: timedelta | None = None
) -> list[tuple[str, str, int]]:
    with writer.begin() as s:
        changed = alerts.sweep(s, at, HOUR, due_soon, look_back=timedelta(minutes=5))
        return [(a.reg_no, a.state, a.escalation_level) for a in changed]


def steps(writer: sessionmaker[Session], reg_no: str) -> list[tuple[str, str, int]]:
    with writer() as s:
        found = alerts.alerts_of_case(s, Viewer("a", "admin"), reg_no)
    return [(st.step, st.actor, st.level) for a in found for st in a.steps]


def audited(writer: sessionmaker[Session], action: str) -> int:
    with writer() as s:
        return int(s.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


def test_raised_once_across_sweeps_and_restarts(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    assert sweep(writer, deadline - timedelta(minutes=1)) == []  # not yet overdue
    assert sweep(writer, deadline + timedelta(minutes=1)) == [(reg_no, "open", 0)]
    assert sweep(writer, deadline + timedelta(minutes=2)) == []
    # A restart that lost the watermark (or a second leader) sweeps the same window again.
    with writer.begin() as s:
        s.execute(delete(Setting).where(Setting.key == alerts.WATERMARK_KEY))
    assert sweep(writer, deadline + timedelta(minutes=3)) == []
    with writer() as s:
        assert s.scalar(select(func.count()).select_from(Alert)) == 1
        assert alerts.list_alerts(s, DUTY, "open")[0].reg_no == reg_no
        assert alerts.list_alerts(s, Viewer("m", "manager", "KG-O")) == []  # another region
    assert steps(writer, reg_no) == [("raised", "system", 0)]
    assert audited(writer, "alert_raise") == 1
    with writer() as s:
        assert audit.verify(s).ok


def test_escalation_fires_once_per_level(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    raised = deadline + timedelta(minutes=1)
    sweep(writer, raised)
    assert sweep(writer, raised + HOUR - timedelta(seconds=1)) == []
    assert sweep(writer, raised + HOUR) == [(reg_no, "open", 1)]
    assert sweep(writer, raised + HOUR + timedelta(seconds=30)) == []
    assert sweep(writer, raised + 2 * HOUR) == [(reg_no, "open", 2)]
    assert sweep(writer, raised + 5 * HOUR) == []
    assert [s for s in steps(writer, reg_no) if s[0] == "escalated"] == [
        ("escalated", "system", 1),
        ("escalated", "system", 2),
    ]
    assert audited(writer, "alert_escalate") == 2
    with writer() as s:
        assert [a.reg_no for a in alerts.list_alerts(s, DUTY, "escalated")] == [reg_no]
        assert alerts.list_alerts(s, DUTY, "open") == []


def test_a_late_sweep_escalates_through_both_levels(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    sweep(writer, deadline + timedelta(minutes=1))
    assert sweep(writer, deadline + 3 * HOUR) == [(reg_no, "open", 2)]
    assert [s[2] for s in steps(writer, reg_no) if s[0] == "escalated"] == [1, 2]


def test_acknowledge_claim_close_by_people(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    raised = deadline + timedelta(minutes=1)
    sweep(writer, raised)
    with writer() as s:
        alert_id = s.scalar(select(Alert.id).where(Alert.reg_no == reg_no))
    assert alert_id is not None
    with writer.begin() as s, pytest.raises(AlertRefused, match="open"):
        alerts.act(s, DUTY, alert_id, "claim", "mine", "duty1", raised)
    with writer.begin() as s, pytest.raises(LookupError):
        alerts.act(s, Viewer("m", "manager", "KG-O"), alert_id, "ack", "seen", now=raised)
    with writer.begin() as s, pytest.raises(PermissionError):
        alerts.act(s, Viewer("p", "prosecutor"), alert_id, "ack", "seen", now=raised)
    with writer.begin() as s, pytest.raises(ValueError, match="empty"):
        alerts.act(s, DUTY, alert_id, "ack", "   ", now=raised)
    with writer.begin() as s:
        alerts.act(s, DUTY, alert_id, "ack", "on it", now=raised + timedelta(minutes=5))
    assert sweep(writer, raised + 3 * HOUR) == []  # acknowledged: no escalation
    with writer.begin() as s, pytest.raises(ValueError, match="assignee"):
        alerts.act(s, DUTY, alert_id, "claim", "mine", "", raised + HOUR)
    with writer.begin() as s:
        alerts.act(s, DUTY, alert_id, "claim", "to Asanov", "Asanov", raised + HOUR)
    with writer.begin() as s:
        done = alerts.info(
            s, alerts.act(s, DUTY, alert_id, "close", "handled", now=raised + 2 * HOUR)
        )
    assert (done.state, done.assignee, done.closed_at) == ("closed", "Asanov", raised + 2 * HOUR)
    assert [(st.step, st.actor, st.comment) for st in done.steps] == [
        ("raised", "system", None),
        ("acknowledged", "duty1", "on it"),
        ("claimed", "duty1", "to Asanov"),
        ("closed", "duty1", "handled"),
    ]
    for action in ("alert_ack", "alert_claim", "alert_close"):
        assert audited(writer, action) == 1


def test_a_prosecutor_acts_once_the_alert_reached_them(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    raised = deadline + timedelta(minutes=1)
    sweep(writer, raised)
    sweep(writer, raised + 2 * HOUR)
    with writer.begin() as s:
        alert_id = s.scalar(select(Alert.id).where(Alert.reg_no == reg_no))
        assert alert_id is not None
        alert = alerts.act(s, Viewer("p", "prosecutor"), alert_id, "ack", "seen", now=raised)
        assert (alert.state, alert.escalation_level) == ("acknowledged", 2)


@pytest.mark.parametrize("settle", ["decided", "extended"])
def test_closes_by_itself_when_decided_or_extended(
    writer: sessionmaker[Session], settle: str
) -> None:
    reg_no, deadline = open_case(writer)
    raised = deadline + timedelta(minutes=1)
    sweep(writer, raised)
    at = raised + timedelta(minutes=10)
    event = ev.decided(reg_no, at) if settle == "decided" else ev.extended(reg_no, at)
    apply_events(writer, [event], now=at)
    assert sweep(writer, at + timedelta(seconds=15)) == [(reg_no, "closed", 0)]
    assert sweep(writer, at + timedelta(seconds=30)) == []
    why = "decided" if settle == "decided" else "deadline changed"
    with writer() as s:
        closing = s.scalar(select(AlertStep).where(AlertStep.step == "closed"))
        assert closing is not None and (closing.actor, closing.comment) == ("system", why)
    assert audited(writer, "alert_close") == 1


def test_due_soon_alert_turns_overdue(writer: sessionmaker[Session]) -> None:
    reg_no, deadline = open_case(writer)
    window = timedelta(hours=24)
    before = deadline - window
    assert sweep(writer, before - timedelta(minutes=1), window) == []
    assert sweep(writer, before + timedelta(minutes=1), window) == [(reg_no, "open", 0)]
    # Its deadline passes 24 h later: the same alert, now overdue (and, unacknowledged for a
    # day, escalated twice by this sweep).
    assert sweep(writer, deadline + timedelta(minutes=1), window) == [(reg_no, "open", 2)]
    with writer() as s:
        only = s.scalars(select(Alert)).all()
        assert [(a.reason, a.state) for a in only] == [("overdue", "open")]
    assert [st[0] for st in steps(writer, reg_no)] == [
        "raised",
        "overdue",
        "escalated",
        "escalated",
    ]


def test_first_sweep_without_due_soon_ignores_the_window(writer: sessionmaker[Session]) -> None:
    _, deadline = open_case(writer)
    assert sweep(writer, deadline - timedelta(hours=23)) == []


def test_migration_0010_down_and_up(writer: sessionmaker[Session], engine: Engine) -> None:
    """Downgrading drops the alert tables; upgrading again makes them, with the index that
    keeps one live alert per case."""
    reg_no, deadline = open_case(writer)
    sweep(writer, deadline + timedelta(minutes=1))
    migrate(engine, "downgrade", "0009_case_search")
    assert not {"alerts", "alert_steps"} & set(inspect(engine).get_table_names())
    migrate(engine, "upgrade", "head")
    assert {"reason", "escalation_level", "assignee"} <= columns(engine, "alerts")

    def alert(deadline: datetime, state: str) -> Alert:
        return Alert(
            reg_no=reg_no,
            district=ev.BISHKEK,
            region="KG-GB",
            deadline=deadline,
            reason="overdue",
            raised_at=NOW,
            state=state,
            escalation_level=0,
        )

    with writer.begin() as s:
        s.add(alert(deadline, "open"))
    with pytest.raises(IntegrityError), writer.begin() as s:
        s.add(alert(NOW, "acknowledged"))  # a second live alert of the case


def test_an_extension_to_a_deadline_already_past_keeps_the_alert(
    writer: sessionmaker[Session],
) -> None:
    reg_no, deadline = open_case(writer)
    late = deadline + timedelta(days=12)  # a 10-day extension ends before this
    sweep(writer, deadline + timedelta(minutes=1))
    apply_events(writer, [ev.extended(reg_no, late, days=10)], now=late)
    with writer() as s:
        extended = s.scalar(select(Case.deadline).where(Case.reg_no == reg_no))
    assert extended is not None and deadline < extended < late
    sweep(writer, late + timedelta(seconds=15))
    with writer() as s:
        alert = s.scalars(select(Alert)).one()
        assert (alert.state, alert.deadline) == ("open", extended)
