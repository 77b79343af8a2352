"""The open-case counters (data.aggregates) against a full recount, on SQLite and PostgreSQL.

Hypothesis draws histories of a few cases (registrations, assignments and re-assignments,
extensions, decisions including transfers, reopenings) and delivers their events in batches in
any order, with replays of events already stored and events that arrive before their case's
registration or after later ones. After every history the counters must equal a recount of
the stored cases, and every read that sums them (status counts, map shading, the workload at
each level, the daily chart, the overdue page's count with each filter) must give what the
scanning reads give, at instants on both sides of every deadline and of local midnights
(the late decisions' counts of the workload included). Each case's breach tally, kept on its
row by the intake event by event, must equal the one its stored history rebuilds (the case
record's breaches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from data import aggregates, case_lists, live_page, status, workload_counts
from data.case_record import case_detail
from data.db import make_sessionmaker, writer_engine
from data.flags import add_flag
from data.models import Case
from data.queries import UNASSIGNED, CaseFilter
from rules.access import Viewer
from tests.support import events as ev
from tests.support.stores import apply_events, truncate

TZ = ZoneInfo("Asia/Bishkek")
START = datetime(2026, 3, 1, 0, 0, tzinfo=TZ).astimezone(UTC)
APPLIED = START + timedelta(days=90)  # the ingest clock: after every event drawn
SOON = timedelta(hours=24)
DISTRICTS = (ev.BISHKEK, ev.OSH_CITY, "41702210000000")  # two regions' cities and a district
UNITS = ("OVD-Pervomaisky", "OVD-Leninsky", "ROVD-Alamudun")
OFFICERS = ("10442", "20117")
DECISIONS = ("initiated", "refused", "transferred", "merged", "closed_other")
PROSECUTOR = Viewer("prosecutor-1", "prosecutor")


@dataclass
class History:
    """Events of some cases, the batches they arrive in, and the cases to flag."""

    events: list[dict[str, str]] = field(default_factory=list)
    batches: list[list[dict[str, str]]] = field(default_factory=list)
    flagged: set[str] = field(default_factory=set)


minutes = st.integers(min_value=1, max_value=60 * 24 * 12)


@st.composite
def case_events(draw: st.DrawFn) -> list[dict[str, str]]:
    """One case's events in time order: a registration, then some of the others."""
    district = draw(st.sampled_from(DISTRICTS))
    reg_no = ev.next_reg_no(district)
    at = START + timedelta(minutes=draw(st.integers(0, 60 * 24 * 40)))
    received = at - timedelta(minutes=draw(st.sampled_from([5, 60 * 30, 60 * 50])))
    found = [
        ev.registered(
            reg_no,
            at,
            district=district,
            received_at=received,
            category=draw(st.sampled_from(["theft", "fraud", "drugs"])),
            kind=draw(st.sampled_from(["crime", "misdemeanor", "appeal"])),
            **({"unit": UNITS[0]} if draw(st.booleans()) else {}),
        )
    ]
    for _ in range(draw(st.integers(0, 5))):
        at += timedelta(minutes=draw(minutes))
        kind = draw(st.sampled_from(["assigned", "extended", "decided", "reopened"]))
        if kind == "assigned":
            found.append(
                ev.assigned(
                    reg_no, at, draw(st.sampled_from(UNITS)), draw(st.sampled_from(OFFICERS))
                )
            )
        elif kind == "extended":
            found.append(ev.extended(reg_no, at, draw(st.sampled_from([10, 30]))))
        elif kind == "decided":
            decision = draw(st.sampled_from(DECISIONS))
            extra = {"transferred_to": "ROVD-Alamudun"} if decision == "transferred" else {}
            found.append(
                ev.event("decided", reg_no, at, decision=decision, decided_at=ev.iso(at), **extra)
            )
        else:
            found.append(ev.reopened(reg_no, at, draw(st.integers(1, 30))))
    return found


@st.composite
def histories(draw: st.DrawFn) -> History:
    history = History()
    for events in draw(st.lists(case_events(), min_size=1, max_size=6)):
        history.events += events
        if draw(st.integers(0, 3)) == 0:
            history.flagged.add(events[0]["reg_no"])
    # Any order, in batches, with some events sent again (replays of stored ones).
    order = draw(st.permutations(history.events))
    replays = draw(st.lists(st.sampled_from(history.events), max_size=4))
    stream = list(order) + replays
    cuts = sorted(draw(st.lists(st.integers(0, len(stream)), max_size=4)))
    history.batches = [
        stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)], strict=True) if b > a
    ]
    return history


def instants(engine: Engine) -> list[datetime]:
    """Each stored deadline (a local midnight), a second before and after it, and a day
    before it (inside and outside the due-soon window); each registration and decision, and
    the instants a day, 7 and 30 days later and a second after those (the edges of the
    intake and decision windows) and two days later (inside their whole days); the start of
    the history."""
    with engine.connect() as conn:
        rows = conn.execute(select(Case.deadline, Case.registered_at, Case.decided_at)).all()
    second = timedelta(seconds=1)
    found = {START}
    for deadline, registered, decided in rows:
        found |= {deadline, deadline - second, deadline + second}
        found |= {deadline - SOON, deadline - SOON - second}
        for moment in filter(None, (registered, decided)):
            found.add(moment)
            for days in (1, 7, 30):
                found |= {moment + timedelta(days=days), moment + timedelta(days=days) + second}
            found.add(moment + timedelta(days=2))  # inside the windows' whole days
    return sorted(found)


def filters() -> list[CaseFilter]:
    """Every filter the counting reads accept, each alone and some together."""
    return [
        CaseFilter(),
        CaseFilter(region="KG-GB"),
        CaseFilter(scope_region="KG-GO"),
        CaseFilter(district=ev.BISHKEK),
        CaseFilter(category="fraud", kind="appeal"),
        CaseFilter(unit=UNITS[1]),
        CaseFilter(unit=UNASSIGNED),
        CaseFilter(officer=OFFICERS[0], district=ev.BISHKEK),
        CaseFilter(officer=UNASSIGNED),
        CaseFilter(category="theft", officer=OFFICERS[1]),
        CaseFilter(flagged=True),
        CaseFilter(flagged=False, region="KG-GB"),
    ]


def compare_reads(engine: Engine, pick: st.DataObject) -> None:
    sessions = make_sessionmaker(engine)
    chosen = pick.draw(st.lists(st.sampled_from(instants(engine)), min_size=1, max_size=4))
    with sessions() as s:
        for now in chosen:
            for flt in filters():
                if flt.flagged is None:
                    assert live_page.status_counts(s, flt, now, SOON) == live_page.status_counts(
                        s, flt, now, SOON, counted=False
                    ), (now, flt)
                    assert live_page.open_by_district(
                        s, flt, now, SOON
                    ) == live_page.open_by_district(s, flt, now, SOON, counted=False)
                for status in ("open", "overdue", "due_soon"):
                    counted_total = aggregates.status_count(
                        s, CaseFilter(**{**vars(flt), "status": status}), now, SOON
                    )
                    _, scanned_total = case_lists.cases_by_deadline(
                        s, CaseFilter(**{**vars(flt), "status": status}), now, SOON, limit=0
                    )
                    # No counters hold an officer with a category: that count scans.
                    unanswered = bool(flt.officer and flt.category)
                    expected = None if unanswered else scanned_total
                    assert counted_total == expected, (now, flt, status)
            for group in workload_counts.GROUPS:
                for flt in (CaseFilter(), CaseFilter(district=ev.BISHKEK)):
                    counted = workload_counts.workload_rows(s, flt, now, SOON, group, tz=TZ)
                    scanned = workload_counts.workload_rows(
                        s, flt, now, SOON, group, tz=TZ, counted=False
                    )
                    assert counted == scanned, (now, group, flt)
            for flt in (CaseFilter(), CaseFilter(unit=UNITS[0], scope_region="KG-GB")):
                assert workload_counts.intake_vs_decisions(
                    s, flt, now, SOON, TZ
                ) == workload_counts.intake_vs_decisions(s, flt, now, SOON, TZ, counted=False)


def run_history(engine: Engine, history: History, pick: st.DataObject) -> None:
    truncate(engine)
    writer = make_sessionmaker(writer_engine(engine))
    for batch in history.batches:
        apply_events(writer, batch, now=APPLIED, allow_refused=True)
    with writer.begin() as session:
        for reg_no in sorted(history.flagged):
            if session.get(Case, reg_no) is not None:
                add_flag(session, PROSECUTOR, reg_no, "check the deadline", APPLIED)
    with engine.connect() as conn:
        assert aggregates.verify(conn) == []
        # The late decisions counted, against the cases' own deadlines (verify recounts with
        # the counters' own rule).
        counted_late = conn.scalar(
            select(func.coalesce(func.sum(aggregates.DAILY.c.decided_late), 0))
        )
        late = conn.scalar(select(func.count()).select_from(Case).where(status.decided_late()))
        assert (
            counted_late
            == late
            == sum(
                1
                for c in conn.execute(select(Case.deadline, Case.decided_at))
                if c.decided_at and c.decided_at > c.deadline
            )
        )
    compare_breaches(engine)
    compare_reads(engine, pick)


def compare_breaches(engine: Engine) -> None:
    """Each case's row tally against the breaches its stored history rebuilds."""
    with make_sessionmaker(engine)() as s:
        for case in s.scalars(select(Case)):
            detail = case_detail(s, case.reg_no, None, APPLIED, SOON)
            assert detail is not None
            closed = [b for b in detail.breaches if b.end is not None]
            assert case.breach_seconds == sum(b.seconds for b in closed), case.reg_no
            assert case.breached == bool(closed), case.reg_no
            assert detail.case.breached == bool(detail.breaches), case.reg_no
            assert detail.case.breach_seconds == sum(b.seconds for b in detail.breaches)


PROPERTY = hsettings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=True,
)


@PROPERTY
@given(history=histories(), pick=st.data())
def test_counters_equal_a_recount_after_any_history(
    engine: Engine, history: History, pick: st.DataObject
) -> None:
    run_history(engine, history, pick)


def test_a_counter_moved_by_hand_is_found_and_rebuilt(engine: Engine) -> None:
    """verify names the row a stray write changed; rebuild recounts it."""
    reg_no = ev.next_reg_no()
    apply_events(engine, [ev.registered(reg_no, START)], now=APPLIED)
    open_rows = aggregates.OPEN
    with engine.begin() as conn:
        conn.execute(open_rows.update().values(n=open_rows.c.n + 2))
        found = aggregates.verify(conn)
    assert [(m.table, m.stored, m.counted) for m in found] == [("agg_open", 3, 1)]
    aggregates.rebuild_store(engine, TZ)
    with engine.connect() as conn:
        assert aggregates.verify(conn) == []


def test_counters_marked_invalid_are_left_alone_and_reads_scan(engine: Engine) -> None:
    """While the counters are not valid (a store migrated with cases, a seeding under way),
    ingest does not move them and the reads count by scanning; rebuild makes them valid."""
    with engine.begin() as conn:
        aggregates.mark_invalid(conn)
    first = ev.next_reg_no()
    apply_events(engine, [ev.registered(first, START)], now=APPLIED)
    with engine.connect() as conn:
        assert conn.scalar(select(aggregates.OPEN.c.n)) is None  # nothing counted
    with make_sessionmaker(engine)() as s:
        counts = live_page.status_counts(s, CaseFilter(), APPLIED, SOON)
        assert counts == {"open": 1, "overdue": 1, "due_soon": 0}
        assert aggregates.status_count(s, CaseFilter(status="open"), APPLIED, SOON) is None
    aggregates.rebuild_store(engine, TZ)
    with engine.connect() as conn:
        assert aggregates.load_state(conn) == aggregates.CounterState(True, TZ.key)
        assert aggregates.verify(conn) == []
        assert conn.scalar(select(aggregates.OPEN.c.n)) == 1


def test_counters_of_another_zone_leave_the_aging_to_a_scan(engine: Engine) -> None:
    """Receipt days are counted in the counters' zone: a reader in another zone gets its own
    local days, by scanning."""
    reg_no = ev.next_reg_no()
    received = datetime(2026, 3, 10, 19, 0, tzinfo=UTC)  # 11 March in Bishkek, 10 March in UTC
    apply_events(
        engine, [ev.registered(reg_no, received + timedelta(minutes=5), received_at=received)]
    )
    now = datetime(2026, 3, 13, 17, 0, tzinfo=UTC)  # 13 March in Bishkek and in UTC
    with make_sessionmaker(engine)() as s:
        bishkek = workload_counts.workload_rows(s, CaseFilter(), now, SOON, "district", tz=TZ)
        in_utc = workload_counts.workload_rows(
            s, CaseFilter(), now, SOON, "district", tz=ZoneInfo("UTC")
        )
    assert (bishkek[ev.BISHKEK].age_0_3, bishkek[ev.BISHKEK].age_3_10) == (1, 0)  # 2 days
    assert (in_utc[ev.BISHKEK].age_0_3, in_utc[ev.BISHKEK].age_3_10) == (0, 1)  # 3 days
