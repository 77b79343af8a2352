"""The console's read queries (data/ read modules) against a real store, SQLite and PostgreSQL.

A small hand-made history at a fixed instant (Wednesday 2026-03-11 12:00 Asia/Bishkek), whose
counts are worked out by hand in the comments below, plus a cross-check of the SQL counts
against the pure status rule on a larger simulated history.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select

from data import case_lists, case_record, live_page, queries, workload_counts
from data.db import make_sessionmaker
from data.models import Case, Flag
from data.queries import CaseFilter
from data.reference import load_geography
from data.simulator import Simulator
from rules.deadlines import case_status
from tests.support import events as ev
from tests.support.stores import apply_events

TZ = ZoneInfo("Asia/Bishkek")
NOW = datetime(2026, 3, 11, 12, 0, tzinfo=TZ).astimezone(UTC)
SOON = timedelta(hours=24)
BISHKEK_REGION, OSH_REGION = "KG-GB", "KG-GO"


def store(engine: Engine, *events: dict[str, str], now: datetime = NOW) -> None:
    apply_events(engine, events, now=now)


def reg(
    at: datetime,
    district: str = ev.BISHKEK,
    received: timedelta = timedelta(minutes=10),
    **fields: str,
) -> tuple[str, dict[str, str]]:
    number = ev.next_reg_no(district)
    return number, ev.registered(number, at, district=district, received_at=at - received, **fields)


@pytest.fixture
def history(engine: Engine) -> dict[str, str]:
    """Eight cases; the letter names are used by the assertions."""
    h = timedelta(hours=1)
    d = timedelta(days=1)
    a, a_ev = reg(NOW - 50 * timedelta(minutes=1), summary="<img src=x onerror=alert(1)>")
    b, b_ev = reg(NOW - 5 * d + 10 * timedelta(minutes=1), category="fraud")  # overdue
    c, c_ev = reg(NOW - 12 * d + 10 * timedelta(minutes=1))  # extended to 30 days: open
    i, i_ev = reg(NOW - 2 * d - 16 * h + 10 * timedelta(minutes=1))  # deadline in 12 h
    g, g_ev = reg(NOW - 50 * timedelta(minutes=1), kind="appeal", category="other")
    hh, h_ev = reg(NOW - 2 * d + 10 * timedelta(minutes=1))  # decided an hour ago
    f, f_ev = reg(NOW - 2 * d, district=ev.OSH_CITY, received=2 * d + 1 * h)  # late, overdue
    dd, d_ev = reg(NOW - 40 * d + 10 * timedelta(minutes=1), district=ev.OSH_CITY, category="drugs")
    store(engine, a_ev, b_ev, c_ev, i_ev, g_ev, h_ev, f_ev, d_ev)
    store(
        engine,
        ev.assigned(c, NOW - 11 * d, unit="U1", officer="111"),
        ev.extended(c, NOW - 10 * d, 30),
        ev.assigned(b, NOW - 4 * d, unit="U1", officer="222"),
        ev.assigned(i, NOW - 2 * d, unit="U2", officer="333"),
        ev.decided(hh, NOW - h),
        ev.decided(dd, NOW - 2 * d, "refused"),
    )
    return {"A": a, "B": b, "C": c, "I": i, "G": g, "H": hh, "F": f, "D": dd}


def session_of(engine: Engine):  # type: ignore[no-untyped-def]
    return make_sessionmaker(engine)()


def test_status_counts_and_scope(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        assert live_page.status_counts(s, CaseFilter(), NOW, SOON) == {
            "open": 6,
            "overdue": 2,
            "due_soon": 1,
        }
        assert live_page.status_counts(s, CaseFilter(scope_region=OSH_REGION), NOW, SOON) == {
            "open": 1,
            "overdue": 1,
            "due_soon": 0,
        }
        # A region filter outside the reader's scope sees nothing, not the other region.
        assert live_page.status_counts(
            s, CaseFilter(scope_region=OSH_REGION, region=BISHKEK_REGION), NOW, SOON
        ) == {"open": 0, "overdue": 0, "due_soon": 0}
        assert live_page.status_counts(s, CaseFilter(category="fraud"), NOW, SOON)["overdue"] == 1
        assert live_page.status_counts(s, CaseFilter(kind="appeal"), NOW, SOON)["open"] == 1


def test_district_workload_counts_by_hand(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        rows = {
            r.key: r for r in workload_counts.district_workload(s, CaseFilter(), NOW, SOON, tz=TZ)
        }
    assert len(rows) == len(load_geography().districts)  # empty districts are listed too
    bishkek, osh = rows[ev.BISHKEK], rows[ev.OSH_CITY]
    assert (bishkek.open, bishkek.overdue, bishkek.due_soon) == (5, 1, 1)
    # I, received on Sunday at 20:00 (2 days 16 hours ago), is 3 local days old.
    ages = (bishkek.age_0_3, bishkek.age_3_10, bishkek.age_10_30, bishkek.age_30_plus)
    assert ages == (2, 2, 1, 0)
    assert (bishkek.received_24h, bishkek.received_7d, bishkek.received_30d) == (2, 5, 6)
    assert (bishkek.decided_24h, bishkek.decided_7d, bishkek.decided_30d) == (1, 1, 1)
    assert bishkek.late_30d == 0
    assert (osh.open, osh.overdue, osh.age_3_10, osh.received_24h, osh.received_7d) == (
        1,
        1,
        1,
        0,
        1,
    )
    assert (osh.decided_24h, osh.decided_7d, osh.late_30d) == (0, 1, 1)
    assert (
        rows["41702205000000"].as_dict() == workload_counts.WorkloadRow("41702205000000").as_dict()
    )
    total = workload_counts.total_row(list(rows.values()))
    assert (total.open, total.overdue, total.decided_30d) == (6, 2, 2)


def test_workload_scoped_to_region(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        rows = workload_counts.district_workload(
            s, CaseFilter(scope_region=OSH_REGION), NOW, SOON, tz=TZ
        )
        regions = workload_counts.region_workload(
            s, CaseFilter(scope_region=OSH_REGION), NOW, SOON, tz=TZ
        )
    assert [r.key for r in rows] == [ev.OSH_CITY]
    assert [(r.key, r.open) for r in regions] == [(OSH_REGION, 1)]


def test_drill_down_by_unit_and_officer(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        units = workload_counts.workload_rows(
            s, CaseFilter(district=ev.BISHKEK), NOW, SOON, "unit", tz=TZ
        )
        officers = workload_counts.workload_rows(
            s, CaseFilter(district=ev.BISHKEK, unit="U1"), NOW, SOON, "officer", tz=TZ
        )
        unassigned = workload_counts.workload_rows(
            s, CaseFilter(district=ev.BISHKEK, unit=queries.UNASSIGNED), NOW, SOON, "officer", tz=TZ
        )
        cases, total = case_lists.cases_by_deadline(
            s, CaseFilter(status="open", unit="U1", officer="222"), NOW, SOON
        )
    assert {k: (r.open, r.overdue) for k, r in units.items()} == {
        "U1": (2, 1),
        "U2": (1, 0),
        queries.UNASSIGNED: (2, 0),
    }
    assert units[queries.UNASSIGNED].decided_24h == 1
    assert {k: r.open for k, r in officers.items()} == {"111": 1, "222": 1}
    assert {k: r.open for k, r in unassigned.items()} == {queries.UNASSIGNED: 2}
    assert ([c.reg_no for c in cases], total) == ([history["B"]], 1)
    with pytest.raises(ValueError):
        workload_counts.workload_rows(
            session_of(engine), CaseFilter(), NOW, SOON, "category", tz=TZ
        )


def test_map_stats(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        stats = {r["district"]: r for r in live_page.district_map_stats(s, CaseFilter(), NOW, SOON)}
        theft = {
            r["district"]: r
            for r in live_page.district_map_stats(s, CaseFilter(category="theft"), NOW, SOON)
        }
    assert stats[ev.BISHKEK] == {
        "district": ev.BISHKEK,
        "open": 5,
        "overdue": 1,
        "due_soon": 1,
        "overdue_share": 0.2,
        "received_24h": 2,
    }
    assert stats[ev.OSH_CITY]["overdue_share"] == 1.0
    assert theft[ev.BISHKEK]["open"] == 3 and theft[ev.BISHKEK]["received_24h"] == 1


def test_intake_vs_decisions_per_local_day(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        series = workload_counts.intake_vs_decisions(s, CaseFilter(), NOW, SOON, TZ)
        osh = workload_counts.intake_vs_decisions(
            s, CaseFilter(scope_region=OSH_REGION), NOW, SOON, TZ, 7
        )
    assert len(series) == 30 and series[-1]["day"] == "2026-03-11"
    assert series[0]["day"] == "2026-02-10"
    by_day = {p["day"]: (p["intake"], p["decided"]) for p in series}
    assert by_day["2026-03-11"] == (2, 1)  # A and G registered; H decided
    assert by_day["2026-03-09"] == (2, 1)  # H and F registered; D decided
    assert by_day["2026-03-08"] == (1, 0)  # I
    assert by_day["2026-03-06"] == (1, 0)  # B
    assert by_day["2026-02-27"] == (1, 0)  # C
    assert sum(i for i, _ in by_day.values()) == 7  # D was registered 40 days ago
    assert [(p["intake"], p["decided"]) for p in osh if p["intake"] or p["decided"]] == [(1, 1)]


def test_feed_newest_first_with_summary_as_stored(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        feed = live_page.recent_registrations(s, CaseFilter(), limit=4)
        osh_feed = live_page.recent_registrations(s, CaseFilter(scope_region=OSH_REGION))
        since = live_page.registered_since(s, CaseFilter(), NOW - timedelta(hours=2))
        since_osh = live_page.registered_since(
            s, CaseFilter(scope_region=OSH_REGION), NOW - timedelta(hours=2)
        )
        points = live_page.recent_points(s, CaseFilter(), NOW)
    assert {r["reg_no"] for r in feed[:2]} == {history["A"], history["G"]}
    assert [r["reg_no"] for r in feed[2:]] == [history["H"], history["F"]]
    summary = next(r["summary"] for r in feed if r["reg_no"] == history["A"])
    assert summary == "<img src=x onerror=alert(1)>"
    assert [r["reg_no"] for r in osh_feed] == [history["F"], history["D"]]
    assert (since, since_osh) == (2, 0)
    assert points == []  # no coordinates in this history


def test_case_list_overdue_sorted_with_flags(engine: Engine, history: dict[str, str]) -> None:
    with make_sessionmaker(engine).begin() as s:
        s.add(
            Flag(
                reg_no=history["F"],
                comment="проверить",
                created_by="pros",
                created_at=NOW - timedelta(minutes=5),
            )
        )
        s.get(Case, history["F"]).flagged = True
    with session_of(engine) as s:
        overdue, total = case_lists.cases_by_deadline(s, CaseFilter(status="overdue"), NOW, SOON)
        flagged, _ = case_lists.cases_by_deadline(
            s, CaseFilter(status="overdue", flagged=True), NOW, SOON
        )
        soon, _ = case_lists.cases_by_deadline(s, CaseFilter(status="due_soon"), NOW, SOON)
        limited, limited_total = case_lists.cases_by_deadline(
            s, CaseFilter(status="open"), NOW, SOON, limit=2
        )
        units = case_lists.units_with_open_cases(s, CaseFilter(), NOW, SOON)
        osh_units = case_lists.units_with_open_cases(
            s, CaseFilter(scope_region=OSH_REGION), NOW, SOON
        )
    assert [c.reg_no for c in overdue] == [history["B"], history["F"]] and total == 2
    flag = overdue[1].flag
    assert flag is not None and (flag.comment, flag.by) == ("проверить", "pros")
    assert overdue[0].flag is None and overdue[0].status == "overdue"
    assert [c.reg_no for c in flagged] == [history["F"]]
    assert [c.reg_no for c in soon] == [history["I"]]
    assert (len(limited), limited_total) == (2, 6)
    assert (units, osh_units) == (["U1", "U2"], [])


def test_case_detail_history_and_scope(engine: Engine, history: dict[str, str]) -> None:
    with session_of(engine) as s:
        detail = case_record.case_detail(s, history["C"], None, NOW, SOON)
        hidden = case_record.case_detail(s, history["C"], OSH_REGION, NOW, SOON)
        missing = case_record.case_detail(s, "KUP-NOPE-000001", None, NOW, SOON)
    assert hidden is None and missing is None and detail is not None
    assert [e.type for e in detail.events] == ["registered", "assigned", "extended"]
    assert [d.reason for d in detail.deadlines] == ["registered", "extended by head"]
    assert detail.deadlines[-1].deadline == datetime(2026, 3, 30, tzinfo=TZ)
    assert detail.case.status == "open" and detail.case.unit == "U1"
    assert detail.flags == ()


def test_sql_counts_match_the_status_rule_on_a_simulated_history(engine: Engine) -> None:
    """Four simulated weeks: SQL per-district counts equal counting with case_status."""
    sim = Simulator(load_geography(), seed=7, tz=TZ, registrations_per_day=150, duplicate_rate=0)
    events = list(sim.backfill(NOW - timedelta(days=28), NOW))
    for start in range(0, len(events), 1000):
        store(engine, *events[start : start + 1000])
    with session_of(engine) as s:
        cases = list(s.scalars(select(Case)))
        rows = {
            r.key: r for r in workload_counts.district_workload(s, CaseFilter(), NOW, SOON, tz=TZ)
        }
        counts = live_page.status_counts(s, CaseFilter(), NOW, SOON)
    assert len(cases) > 3000
    expected: dict[str, dict[str, int]] = {}
    for item in cases:
        status = case_status(item.deadline, item.decision is not None, NOW, SOON)
        bucket = expected.setdefault(
            item.district, {"open": 0, "overdue": 0, "due_soon": 0, "received_7d": 0}
        )
        bucket["open"] += status != "decided"
        if status in ("overdue", "due_soon"):
            bucket[status] += 1
        bucket["received_7d"] += NOW - timedelta(days=7) < item.registered_at <= NOW
    for soate, want in expected.items():
        got = rows[soate]
        assert (got.open, got.overdue, got.due_soon, got.received_7d) == (
            want["open"],
            want["overdue"],
            want["due_soon"],
            want["received_7d"],
        ), soate
    assert counts["open"] == sum(w["open"] for w in expected.values())
    assert (
        sum(r.age_0_3 + r.age_3_10 + r.age_10_30 + r.age_30_plus for r in rows.values())
        == counts["open"]
    )


def test_aging_counts_local_calendar_days_in_the_zone_given(engine: Engine) -> None:
    """Today's receipts are 0 days old and yesterday's 1, whatever the hour: a case received a
    second before local midnight three days ago is 3 days old (not 2.5 × 24 h), one received
    at that midnight 2; the same instant is another day's in another zone."""
    local = lambda *args: datetime(*args, tzinfo=TZ)  # noqa: E731
    received = {
        "3 days, a second before midnight": local(2026, 3, 8, 23, 59, 59),
        "2 days, at midnight": local(2026, 3, 9, 0, 0),
        "2 days here, 3 in UTC": local(2026, 3, 9, 3, 0),
        "10 days, a second before midnight": local(2026, 3, 1, 23, 59, 59),
        "9 days, at midnight": local(2026, 3, 2, 0, 0),
        "30 days, a second before midnight": local(2026, 2, 9, 23, 59, 59),
        "29 days, at midnight": local(2026, 2, 10, 0, 0),
    }
    store(
        engine,
        *(
            ev.registered(
                ev.next_reg_no(ev.OSH_CITY),
                at + timedelta(minutes=10),
                district=ev.OSH_CITY,
                received_at=at,
            )
            for at in received.values()
        ),
    )
    ages = ("age_0_3", "age_3_10", "age_10_30", "age_30_plus")
    with session_of(engine) as s:
        here, utc = (
            workload_counts.workload_rows(s, CaseFilter(), NOW, SOON, "district", tz=zone)[
                ev.OSH_CITY
            ]
            for zone in (TZ, ZoneInfo("UTC"))
        )
    assert [getattr(here, name) for name in ages] == [2, 2, 2, 1]
    # In UTC (6 hours behind) each of them was received a local day earlier than in Bishkek.
    assert [getattr(utc, name) for name in ages] == [0, 3, 2, 2]
