"""`GET /api/v1/workload` answers from what a web process kept (console/web/answers.py) only
while nothing it depends on moved: a batch that changes a case, or the counters' state, gives
the new answer at once; time passing a deadline, a due-soon edge, a local midnight or a window's
edge (24 h, 7 d, 30 d) gives it at that very instant. Each kept answer is compared with the
workload computed afresh by the data layer at the same instant, on SQLite and PostgreSQL, with
the counters and by scanning the cases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from console.web.answers import AnswerCache
from console.web.api import ANSWERS_KEY
from data import aggregates, change_stamp, users, workload_counts
from data.db import make_sessionmaker, writer_engine
from data.models import Case
from data.queries import CaseFilter
from data.reference import load_geography
from rules.clock import end_of_local_day, local_date
from tests.support import events as ev
from tests.support.stores import apply_events, new_case

FIELDS = ("open", "overdue", "due_soon", "received_24h", "decided_24h")
LATE = ("decided_late_7d", "decided_late_30d")
TICK = timedelta(microseconds=1)


def _token(web, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with web.state.writer.begin() as s:
        return {"Authorization": f"Bearer {users.issue_token(s, username)}"}


def _cache(web) -> AnswerCache:  # type: ignore[no-untyped-def]
    cache: AnswerCache = web.server.extensions[ANSWERS_KEY]
    return cache


def _fresh(web, now: datetime, scope: str | None = None) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    """The workload computed by the data layer at `now`, in the API's fields (no cache)."""
    geo, state = load_geography(), web.state
    with state.sessions() as s:
        rows = workload_counts.district_workload(
            s, CaseFilter(scope_region=scope), now, state.due_soon, tz=state.tz
        )
    return [
        {"district": r.key, "region": geo.districts[r.key].region}
        | {name: getattr(r, name) for name in FIELDS}
        | {"decided_late_7d": r.decided_late_7d, "decided_late_30d": r.decided_late_30d}
        for r in rows
    ]


def _bishkek(rows: list[dict[str, Any]]) -> dict[str, Any]:
    return next(r for r in rows if r["district"] == ev.BISHKEK)


def test_a_batch_changes_the_answer_at_once(web) -> None:  # type: ignore[no-untyped-def]
    client, headers = web.server.test_client(), _token(web, "duty")
    reg_no = new_case(web.state.engine)
    first = client.get("/api/v1/workload", headers=headers).get_json()
    hits = _cache(web).hits
    assert client.get("/api/v1/workload", headers=headers).get_json() == first
    assert _cache(web).hits == hits + 1  # kept: nothing moved

    now = datetime.now(UTC).replace(microsecond=0)
    other = ev.next_reg_no()
    apply_events(web.state.engine, [ev.registered(other, now - timedelta(minutes=1))])
    second = client.get("/api/v1/workload", headers=headers).get_json()
    assert (_bishkek(second)["open"], _bishkek(second)["received_24h"]) == (
        _bishkek(first)["open"] + 1,
        _bishkek(first)["received_24h"] + 1,
    )
    replayed = ev.decided(reg_no, now - timedelta(seconds=30))
    apply_events(web.state.engine, [replayed])
    third = client.get("/api/v1/workload", headers=headers).get_json()
    assert _bishkek(third)["open"] == _bishkek(second)["open"] - 1
    assert _bishkek(third)["decided_24h"] == _bishkek(second)["decided_24h"] + 1
    assert third == _fresh(web, datetime.now(UTC))

    # A batch of duplicates writes no case: the stamp, and so the kept answer, stay.
    with web.state.sessions() as s:
        stamp = change_stamp.current(s)
    apply_events(web.state.engine, [replayed])
    with web.state.sessions() as s:
        assert change_stamp.current(s) == stamp


def test_the_counters_state_moves_the_stamp(web) -> None:  # type: ignore[no-untyped-def]
    """Marking the counters not valid (reads scan) and rebuilding them move the stamp."""
    new_case(web.state.engine)
    stamps = []
    for step in (
        lambda conn: None,
        aggregates.mark_invalid,
        lambda conn: aggregates.rebuild(conn, web.state.tz),
    ):
        with make_sessionmaker(writer_engine(web.state.engine)).begin() as s:
            step(s.connection())
        with web.state.sessions() as s:
            stamps.append(change_stamp.current(s))
    assert len(set(stamps)) == 3 and all(stamps)


@pytest.mark.parametrize("counted", [True, False], ids=["counters", "scan"])
def test_time_changes_the_answer_at_each_edge(web, counted: bool) -> None:  # type: ignore[no-untyped-def]
    """Walk the clock over every instant where a figure can change (and the instant before
    each): every answer, kept or computed, equals the workload computed afresh then; the
    answers kept in between are served (hits), and the figures do move at the edges."""
    engine = web.state.engine
    start = datetime.now(UTC).replace(microsecond=0)
    fresh = new_case(engine, age=timedelta(hours=2))  # open: overdue, due soon, 24 h edges
    late = new_case(engine, age=timedelta(days=6))  # decided late 2 days ago: 24 h, 7 d edges
    apply_events(engine, [ev.decided(late, start - timedelta(days=2))])
    if not counted:
        with make_sessionmaker(writer_engine(engine)).begin() as s:
            aggregates.mark_invalid(s.connection())
    with web.state.sessions() as s:
        rows = {c.reg_no: c for c in s.scalars(select(Case).where(Case.reg_no.in_([fresh, late])))}
    tz, within = web.state.tz, web.state.due_soon
    deadline = rows[fresh].deadline
    edges = {
        deadline,  # overdue
        deadline - within,  # due soon
        rows[fresh].registered_at + timedelta(days=1),  # leaves received_24h
        rows[late].decided_at + timedelta(days=1),  # leaves decided_24h
        rows[late].decided_at + timedelta(days=7),  # leaves decided_late_7d
    }
    day = local_date(start, tz)
    edges |= {end_of_local_day(day + timedelta(days=k), tz) for k in range(9)}
    instants = sorted({t + d for t in edges for d in (-TICK, timedelta(0)) if t > start})
    client, headers = web.server.test_client(), _token(web, "duty")
    seen: list[dict[str, Any]] = []
    hits = _cache(web).hits
    for at in [start, *instants]:
        web.state.now = lambda at=at: at
        answer = client.get("/api/v1/workload", headers=headers).get_json()
        assert answer == _fresh(web, at), at
        seen.append(_bishkek(answer))
    assert _cache(web).hits > hits  # the instants before each edge were answered as kept
    before, after = (seen[1 + instants.index(t)] for t in (deadline - TICK, deadline))
    assert (before["overdue"], after["overdue"]) == (0, 1)
    assert before["due_soon"] == 1 and after["due_soon"] == 0
    first, last = seen[0], seen[-1]
    assert (first["received_24h"], last["received_24h"]) == (1, 0)
    assert (first["decided_late_7d"], last["decided_late_7d"]) == (1, 0)


def test_kept_answers_are_per_scope(web) -> None:  # type: ignore[no-untyped-def]
    new_case(web.state.engine)
    new_case(web.state.engine, ev.OSH_CITY)
    client = web.server.test_client()
    everyone = client.get("/api/v1/workload", headers=_token(web, "duty")).get_json()
    osh = client.get("/api/v1/workload", headers=_token(web, "manager-osh")).get_json()
    assert {r["region"] for r in osh} == {"KG-GO"} and len(everyone) > len(osh)
    again = client.get("/api/v1/workload", headers=_token(web, "duty")).get_json()
    assert again == everyone
    only = client.get("/api/v1/workload?region=KG-GB", headers=_token(web, "duty")).get_json()
    assert {r["region"] for r in only} == {"KG-GB"}
