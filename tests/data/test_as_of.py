"""The console as it was (data.as_of): at an instant T the store shows only what it held at T
(events stored after T never show), evaluated at T (a case overdue at T is overdue there even
if decided later); on SQLite and PostgreSQL, through the data layer's own queries."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from data import flags
from data.as_of import LookBacks
from data.case_lists import case_summaries
from data.consumer import intake_rules
from data.db import make_sessionmaker, writer_engine
from data.live_page import status_counts
from data.models import EventRow, Flag
from data.queries import CaseFilter
from data.search import search_cases
from tests.support import events as ev
from tests.support.stores import apply_events
from tests.support.users import add_test_users, viewer

DUE_SOON = timedelta(hours=24)


def history(engine: Engine) -> tuple[datetime, str, str, str]:
    """T (two hours ago) and three cases: `late` registered long ago, overdue at T and decided
    after T; `later` registered after T; `flagged` registered before T and flagged after."""
    now = datetime.now(UTC)
    at = now - timedelta(hours=2)
    late, later, flagged = ev.next_reg_no(), ev.next_reg_no(), ev.next_reg_no()
    apply_events(
        engine,
        [
            ev.registered(late, now - timedelta(days=30)),
            ev.registered(flagged, now - timedelta(hours=5)),
        ],
        now=now - timedelta(hours=3),
    )
    apply_events(engine, [ev.decided(late, now - timedelta(hours=1))], now=now - timedelta(hours=1))
    apply_events(
        engine, [ev.registered(later, now - timedelta(minutes=30))], now=now - timedelta(minutes=30)
    )
    add_test_users(engine, ["prosecutor"])
    writer = make_sessionmaker(writer_engine(engine))
    with writer.begin() as s:
        flags.add_flag(s, viewer("prosecutor"), flagged, "проверить")
    return at, late, later, flagged


def reg_nos(sessions: sessionmaker[Session], status: str, at: datetime) -> set[str]:
    with sessions() as s:
        return {c.reg_no for c in case_summaries(s, CaseFilter(status=status), at, DUE_SOON)}


@pytest.fixture
def looks(engine: Engine) -> Iterator[LookBacks]:
    """The store's looks back, closed after the test (their connections hold temporary views
    on the store's tables, which a later migration could not drop)."""
    looks = LookBacks(engine, intake_rules())
    yield looks
    looks.close()


def test_events_after_t_never_show_and_t_is_evaluated_at_t(
    engine: Engine, looks: LookBacks
) -> None:
    at, late, later, flagged = history(engine)
    then = looks.sessions(at)
    assert reg_nos(then, "all", at) == {late, flagged}
    assert reg_nos(then, "overdue", at) == {late}  # decided an hour after T: overdue at T
    with then() as s:
        counts = status_counts(s, CaseFilter(), at, DUE_SOON)
        assert (counts["open"], counts["overdue"]) == (2, 1)
        stored = set(s.scalars(select(EventRow.reg_no)))
        assert stored == {late, flagged}  # the decision and the later case are not there
        assert s.scalars(select(Flag)).all() == []  # flagged after T
        assert [c.reg_no for c in search_cases(s, late, None, at, DUE_SOON)] == [late]
        assert search_cases(s, later, None, at, DUE_SOON) == []
        assert {
            c.reg_no for c in case_summaries(s, CaseFilter(flagged=True), at, DUE_SOON)
        } == set()
    # Today's store is unchanged, and so is what a plain session sees.
    now = datetime.now(UTC)
    today = make_sessionmaker(engine)
    assert reg_nos(today, "all", now) == {late, later, flagged}
    assert late not in reg_nos(today, "overdue", now)
    with today() as s:
        assert {c.reg_no for c in case_summaries(s, CaseFilter(flagged=True), now, DUE_SOON)} == {
            flagged
        }
    # A second look at the same instant is the same sessions; one at now sees everything.
    assert looks.sessions(at) is then
    assert reg_nos(looks.sessions(now), "all", now) == {late, later, flagged}


def test_a_case_registered_before_t_then_changed_shows_its_state_at_t(
    engine: Engine, looks: LookBacks
) -> None:
    now = datetime.now(UTC)
    reg_no = ev.next_reg_no()
    apply_events(
        engine, [ev.registered(reg_no, now - timedelta(days=2))], now=now - timedelta(days=2)
    )
    apply_events(
        engine, [ev.extended(reg_no, now - timedelta(days=1), days=10)], now=now - timedelta(days=1)
    )
    apply_events(
        engine, [ev.decided(reg_no, now - timedelta(hours=1))], now=now - timedelta(hours=1)
    )
    with looks.sessions(now - timedelta(hours=12))() as s:
        [case] = case_summaries(s, CaseFilter(), now - timedelta(hours=12), DUE_SOON)
    with make_sessionmaker(engine)() as s:
        [today] = case_summaries(s, CaseFilter(), now, DUE_SOON)
    assert case.decision is None and today.decision == "initiated"
    assert case.deadline == today.deadline  # the extension was stored before T


def test_a_flag_cleared_after_t_is_still_up_at_t(engine: Engine, looks: LookBacks) -> None:
    now = datetime.now(UTC)
    at = now - timedelta(hours=2)
    kept, cleared = ev.next_reg_no(), ev.next_reg_no()
    registered = [ev.registered(n, now - timedelta(days=1)) for n in (kept, cleared)]
    apply_events(engine, registered, now=now - timedelta(days=1))
    add_test_users(engine, ["prosecutor"])
    writer = make_sessionmaker(writer_engine(engine))
    with writer.begin() as s:
        for reg_no in (kept, cleared):
            flags.add_flag(s, viewer("prosecutor"), reg_no, "проверить", now - timedelta(hours=3))
    with writer.begin() as s:
        flag_id = s.scalars(select(Flag.id).where(Flag.reg_no == cleared)).one()
        flags.clear_flag(s, viewer("prosecutor"), cleared, flag_id, "проверено", now)
    then = looks.sessions(at)
    with then() as s:
        up = {c.reg_no for c in case_summaries(s, CaseFilter(flagged=True), at, DUE_SOON)}
        [flag] = s.scalars(select(Flag).where(Flag.reg_no == cleared)).all()
    assert up == {kept, cleared} and flag.cleared_at is None
    with make_sessionmaker(engine)() as s:
        assert {c.reg_no for c in case_summaries(s, CaseFilter(flagged=True), now, DUE_SOON)} == {
            kept
        }
