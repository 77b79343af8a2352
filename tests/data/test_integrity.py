"""Integrity signals on SQLite and PostgreSQL, from histories built event by event: a unit whose
refusal share is significantly high is marked and one with three refusals of three cases is
not; every count equals the one the test keeps while it builds the history (an independent
count); a district whose intake falls silent is marked, a steady one is not."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine

from data import integrity
from data.db import make_sessionmaker
from data.queries import UNASSIGNED, CaseFilter
from rules.integrity import SIGNALS, wilson
from tests.support import events as ev
from tests.support.stores import apply_events

TZ = ZoneInfo("Asia/Bishkek")
NOW = datetime(2026, 3, 30, 12, 0, tzinfo=TZ).astimezone(UTC)
HOUR, DAY = timedelta(hours=1), timedelta(days=1)
NARYN = "41704245000000"  # Naryn district (KG-N)


def deadline_of(received: datetime) -> datetime:
    """A crime report's deadline as the law says it: the end of the third local day after
    the day of receipt (written out here, not taken from rules.deadlines)."""
    day: date = received.astimezone(TZ).date() + timedelta(days=4)
    return datetime.combine(day, time(0), TZ).astimezone(UTC)


class History:
    """Events of the cases built and, beside them, the counts they should give."""

    def __init__(self) -> None:
        self.events: list[dict[str, str]] = []
        self.cases: Counter[str] = Counter()
        self.counts: dict[str, Counter[str]] = {name: Counter() for name in SIGNALS}
        self.reg_nos: dict[tuple[str, str], list[str]] = {}

    def case(self, unit: str, days_ago: float, outcome: str, *, late: bool = False) -> None:
        """A case of `unit` registered `days_ago` before NOW; `outcome`: refused, initiated,
        open, last_day, decided_late, extended or reopened."""
        reg_no = ev.next_reg_no()
        at = NOW - timedelta(days=days_ago)
        received = at - (30 * HOUR if late else 10 * timedelta(minutes=1))
        deadline = deadline_of(received)
        self.events += [
            ev.registered(reg_no, at, received_at=received, unit=unit),
            ev.assigned(reg_no, at + timedelta(minutes=5), unit=unit, officer=f"{unit}-1"),
        ]
        self.cases[unit] += 1
        found = {"late_registration"} if late else set()
        if outcome in ("refused", "initiated"):
            self.events.append(ev.decided(reg_no, at + HOUR, outcome))
            found |= {"refusal"} if outcome == "refused" else set()
        elif outcome == "last_day":
            self.events.append(ev.decided(reg_no, deadline - 2 * HOUR))
            found.add("last_day_decision")
        elif outcome == "decided_late":
            self.events.append(ev.decided(reg_no, deadline + 5 * HOUR))
            found.add("decided_late")
        elif outcome == "extended":
            self.events += [ev.extended(reg_no, at + HOUR), ev.decided(reg_no, at + 3 * HOUR)]
            found.add("extension")
        elif outcome == "reopened":
            self.events += [
                ev.decided(reg_no, at + HOUR, "refused"),
                ev.reopened(reg_no, at + 2 * HOUR),
            ]
            found.add("reopened")
        for name in found:
            self.counts[name][unit] += 1
            self.reg_nos.setdefault((unit, name), []).append(reg_no)


def refusal_history() -> History:
    """Three units: BASE with 45 % refusals over 300 cases, HIGH with 80 % over 100, THREE
    with 3 of 3; the other outcomes and late registrations spread at random (seeded)."""
    history, pick = History(), random.Random(13)
    others = ("initiated", "open", "last_day", "decided_late", "extended", "reopened")
    for unit, total, refused in (("BASE", 300, 135), ("HIGH", 100, 80), ("THREE", 3, 3)):
        for i in range(total):
            outcome = "refused" if i < refused else pick.choice(others)
            history.case(unit, pick.uniform(6, 20), outcome, late=pick.random() < 0.1)
    return history


def report(engine: Engine, group: str, flt: CaseFilter | None = None, days: int = 30) -> dict:
    with make_sessionmaker(engine)() as s:
        rows = integrity.report(s, flt or CaseFilter(), group, days, NOW)
    return {row["key"]: row for row in rows}


@pytest.fixture
def refusals(engine: Engine) -> History:
    history = refusal_history()
    apply_events(engine, history.events, now=NOW)
    return history


def test_a_significantly_high_refusal_share_is_marked_three_of_three_is_not(
    engine: Engine, refusals: History
) -> None:
    rows = report(engine, "unit")
    reference = 218 / 403
    high, three, base = rows["HIGH"], rows["THREE"], rows["BASE"]
    assert high["refusal"] == 80 and high["cases"] == 100
    assert high["refusal_reference"] == pytest.approx(reference)
    assert high["refusal_ci"][0] > reference and "refusal" in high["marked"]
    assert three["refusal_share"] == 1.0 and three["refusal_ci"][0] < reference
    assert "refusal" not in three["marked"] and "refusal" not in base["marked"]
    assert list(rows)[0] == "HIGH"  # marked first, whatever THREE's raw 100 %


def test_every_count_equals_the_history_kept_beside_it(engine: Engine, refusals: History) -> None:
    rows = report(engine, "unit")
    assert {k: r["cases"] for k, r in rows.items()} == dict(refusals.cases)
    total = sum(refusals.cases.values())
    for name in SIGNALS:
        expected = refusals.counts[name]
        assert {k: r[name] for k, r in rows.items()} == {k: expected[k] for k in rows}, name
        everyone = sum(expected.values())
        for key, row in rows.items():
            assert row[f"{name}_reference"] == pytest.approx(everyone / total)
            assert row[f"{name}_ci"] == pytest.approx(list(wilson(expected[key], row["cases"])))
    # the officers and the district tally the same cases
    officers = report(engine, "officer")
    assert {k: r["refusal"] for k, r in officers.items()} == {
        f"{u}-1": n for u, n in refusals.counts["refusal"].items()
    }
    assert report(engine, "district")[ev.BISHKEK]["cases"] == total


def test_the_cases_behind_a_number_are_those_counted(engine: Engine, refusals: History) -> None:
    with make_sessionmaker(engine)() as s:
        for name in ("refusal", "last_day_decision", "decided_late", "reopened"):
            found = integrity.signal_cases(s, CaseFilter(), "unit", "HIGH", name, 30, NOW)
            assert sorted(found) == sorted(refusals.reg_nos.get(("HIGH", name), [])), name
        every = integrity.signal_cases(s, CaseFilter(), "unit", "THREE", None, 30, NOW)
        assert len(every) == 3
        assert integrity.signal_cases(s, CaseFilter(), "unit", UNASSIGNED, None, 30, NOW) == []


def test_the_window_and_the_region_scope(engine: Engine, refusals: History) -> None:
    assert report(engine, "unit", days=3) == {}  # every case is 6 days old or more
    assert report(engine, "unit", CaseFilter(scope_region="KG-GO")) == {}
    osh = report(engine, "district", CaseFilter(scope_region="KG-GO"))
    assert ev.BISHKEK not in osh and ev.OSH_CITY in osh and osh[ev.OSH_CITY]["cases"] == 0


def intake(history: list[dict[str, str]], district: str, per_day: list[int]) -> None:
    """Registrations in `district`, per_day[i] of them on the day i+1 days before NOW."""
    for days_ago, n in enumerate(per_day, start=1):
        for i in range(n):
            at = NOW - timedelta(days=days_ago) + timedelta(hours=i)
            history.append(ev.registered(ev.next_reg_no(district), at, district=district))


def test_a_district_whose_intake_falls_silent_is_marked(engine: Engine) -> None:
    events: list[dict[str, str]] = []
    intake(events, ev.BISHKEK, [6] * 35)  # steady
    intake(events, ev.OSH_CITY, [1] * 7 + [6] * 28)  # silent for a week
    intake(events, NARYN, [1] * 35)  # small and steady
    apply_events(engine, events, now=NOW)
    rows = report(engine, "district")
    silent, steady, small = rows[ev.OSH_CITY], rows[ev.BISHKEK], rows[NARYN]
    assert silent["intake_drop"]["recent"] == 7 and silent["intake_drop"]["baseline"] == 168
    assert silent["intake_drop"]["expected"] == pytest.approx(42)
    assert silent["intake_drop"]["p_value"] < 0.01 and silent["intake_drop"]["marked"]
    assert "intake_drop" in silent["marked"] and next(iter(rows)) == ev.OSH_CITY
    assert steady["intake_drop"]["p_value"] > 0.4 and not steady["intake_drop"]["marked"]
    assert not small["intake_drop"]["marked"]
    # per 10,000 residents: 30 days' registrations over the census population
    assert steady["registrations"] == 180
    assert steady["per_10k"] == pytest.approx(180 * 10_000 / steady["population"])
    assert silent["registrations"] == 7 + 6 * 23
    assert steady["per_10k_reference"] == steady["per_10k_country"]
    osh = report(engine, "district", CaseFilter(region="KG-GO"))
    assert osh[ev.OSH_CITY]["per_10k_reference"] == osh[ev.OSH_CITY]["per_10k_region"]
