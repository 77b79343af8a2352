"""A restarted simulator carries on from the store (the demo's restart, issue 12): its new
registrations are accepted (numbers after the stored ones) and the open cases get decided."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, select

from data.models import Case
from data.reference import load_geography
from data.sim_state import stored_state
from data.simulator import Simulator
from rules.clock import DEFAULT_TZ, zone
from tests.support.stores import apply_events

TZ = zone(DEFAULT_TZ)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=TZ)
REG_NO = re.compile(r"KUP-(\d{14})-(\d{4})-(\d{6})")


def _store(engine: Engine, events: Iterable[dict[str, str]], now: datetime) -> list[str]:
    """Apply the events as ingest would; the reasons of those refused."""
    refused: list[str] = []
    it = iter(events)
    while batch := list(itertools.islice(it, 2000)):
        outcome = apply_events(engine, batch, now=now, allow_refused=True)
        refused += [r.error for r in outcome.rejected]
    return refused


def _open(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.scalars(select(Case.reg_no).where(Case.decision.is_(None))))


def test_a_restarted_simulator_carries_on_from_the_store(engine: Engine) -> None:
    geo = load_geography()
    first = Simulator(geo, seed=5, registrations_per_day=150, duplicate_rate=0)
    assert _store(engine, first.backfill(NOW - timedelta(days=10), NOW), NOW) == []
    first.advance(NOW + timedelta(minutes=30))  # what the stopped run had not sent: lost
    stored = _open(engine)

    state = stored_state(engine)
    with engine.connect() as conn:
        assert state.cases == conn.scalar(select(func.count()).select_from(Case))
        assert state.latest == conn.scalar(select(func.max(Case.last_event_at)))
        reg_nos = list(conn.scalars(select(Case.reg_no)))
    last: dict[tuple[str, int], int] = {}
    for match in map(REG_NO.fullmatch, reg_nos):
        assert match is not None
        key = (match[1], int(match[2]))
        last[key] = max(last.get(key, 0), int(match[3]))
    assert state.numbers == last and {c.reg_no for c in state.open_cases} == stored
    assert state.latest is not None and NOW - timedelta(hours=1) < state.latest <= NOW

    # Replaying the seed, as the demo did, is refused case after case.
    replay = Simulator(geo, seed=5, registrations_per_day=150, duplicate_rate=0)
    later = NOW + timedelta(hours=1)
    refused = _store(engine, replay.backfill(later - timedelta(hours=6), later), later)
    assert refused and all("already registered" in error for error in refused)

    restarted = Simulator(geo, seed=f"5:{state.cases}", registrations_per_day=40)
    restarted.resume(state.numbers, state.open_cases, state.latest)
    new: list[str] = []
    for day in range(1, 31):
        now = state.latest + timedelta(days=day)
        batch = restarted.advance(now)
        new += [f["reg_no"] for f in batch if f["type"] == "registered"]
        assert _store(engine, batch, now) == []
    assert len(new) > 30 * 25
    for match in map(REG_NO.fullmatch, new):
        assert match is not None and int(match[3]) > last.get((match[1], int(match[2])), 0)
    still_open = stored & _open(engine)
    assert len(still_open) < 0.1 * len(stored)  # the stored open cases decided in their turn
