"""The event simulator: contract-conformant, deterministic, realistic enough for the console."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime, timedelta

import pytest

from data.reference import load_geography
from data.simulator import DAY_OFF_FACTOR, Simulator, ru_count, unit_name
from rules.clock import DEFAULT_TZ, zone
from rules.contract import ContractError, Event, validate_event
from rules.deadlines import case_status, get_rule_set
from rules.lifecycle import apply_event, register_case

TZ = zone(DEFAULT_TZ)
START = datetime(2026, 11, 2, tzinfo=TZ)  # a Monday
END = START + timedelta(days=14)
PER_DAY = 300.0
BISHKEK, OSH = "41711000000000", "41721000000000"


@pytest.fixture(scope="module")
def geo():
    return load_geography()


@pytest.fixture(scope="module")
def districts(geo):
    return set(geo.districts)


@pytest.fixture(scope="module")
def history(geo):
    sim = Simulator(geo, seed=42, registrations_per_day=PER_DAY, duplicate_rate=0.02)
    return sim, list(sim.backfill(START, END))


@pytest.fixture(scope="module")
def events(history, districts) -> list[Event]:
    return [validate_event(fields, districts, END) for fields in history[1]]


def registrations(events: list[Event]) -> list[Event]:
    return [e for e in events if e.type == "registered"]


def test_every_backfilled_event_validates_and_is_well_formed(history, events):
    assert len(events) == len(history[1]) > 0
    for fields in history[1]:
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in fields.items())
        assert re.fullmatch(r"KUP-\d{14}-2026-\d{6}", fields["reg_no"])
        assert fields["occurred_at"].endswith("+06:00")
        assert re.fullmatch(r"[0-9a-f]{32}", fields["event_id"])
    for event in registrations(events):
        assert re.fullmatch(
            r"[А-ЯЁа-яё-]+ РОВД|ОВД г\. [А-ЯЁа-яё-]+|УВД (г\. Ош|[А-Яа-я]+ района г\. Бишкек)",
            str(event.data["unit"]),
        )
        assert (event.data["lat"] is None) == (event.data["lon"] is None)


def test_backfill_is_ordered_and_inside_the_window(events):
    times = [e.occurred_at for e in events]
    assert times == sorted(times)
    assert times[0] >= START and times[-1] < END
    assert all(START <= e.data["received_at"] < END for e in registrations(events))


def test_rate_and_daily_rhythm(events):
    regs = registrations(events)
    assert 0.85 * PER_DAY * 14 < len(regs) < 1.15 * PER_DAY * 14
    hours = Counter(e.data["received_at"].astimezone(TZ).hour for e in regs)
    assert sum(hours[h] for h in range(10, 17)) > 3 * sum(hours[h] for h in range(0, 7))
    weekdays = Counter(e.data["received_at"].astimezone(TZ).weekday() for e in regs)
    assert (weekdays[5] + weekdays[6]) / 2 < sum(weekdays[d] for d in range(5)) / 5


def test_districts_follow_population(geo, events):
    by_district = Counter(e.data["district"] for e in registrations(events))
    ranking = [soate for soate, _ in by_district.most_common()]
    assert ranking[0] == BISHKEK
    assert OSH in ranking[:6]
    total_pop = sum(d.population for d in geo.districts.values())
    share = by_district[BISHKEK] / sum(by_district.values())
    expected = geo.districts[BISHKEK].population / total_pop
    assert 0.75 * expected < share < 1.25 * expected
    assert len(by_district) >= 50


def test_categories_kinds_and_late_registrations(events):
    regs = registrations(events)
    categories = Counter(e.data["category"] for e in regs)
    assert categories.most_common(1)[0][0] == "theft"
    assert categories["fraud"] > categories["assault"] > categories["homicide"]
    assert categories["homicide"] + categories["extremism"] < 0.02 * len(regs)
    kinds = Counter(e.data["kind"] for e in regs)
    assert 0.10 < kinds["appeal"] / len(regs) < 0.20
    assert kinds["crime"] > kinds["misdemeanor"] > 0
    late = [e for e in regs if e.occurred_at - e.data["received_at"] > timedelta(hours=24)]
    assert 0 < len(late) < 0.05 * len(regs)
    assert any(e.data["priority"] == "high" for e in regs)
    assert all(re.search("[а-яА-Я]", str(e.data["summary"])) for e in regs)


def test_replayed_cases_are_mostly_decided_and_some_overdue(events):
    rules, cases, seen = get_rule_set("kg-default"), {}, set()
    for event in events:
        if event.event_id in seen:
            continue
        seen.add(event.event_id)
        if event.type == "registered":
            cases[event.reg_no], _ = register_case(event, TZ, rules)
        else:
            cases[event.reg_no], _ = apply_event(cases[event.reg_no], event, TZ, rules)
    statuses = Counter(
        case_status(c.deadline, not c.is_open, END, timedelta(hours=24)) for c in cases.values()
    )
    assert statuses["decided"] > 0.6 * len(cases)
    assert 0.01 * len(cases) < statuses["overdue"] < 0.15 * len(cases)
    assert any(c.extensions for c in cases.values())
    assert any(c.reopenings for c in cases.values())
    decided = [c for c in cases.values() if c.decided_at is not None]
    in_time = sum(c.decided_at < c.deadline for c in decided)
    assert 0.8 * len(decided) < in_time < len(decided)


def test_duplicates_repeat_the_same_entry(history):
    entries = history[1]
    counts = Counter(f["event_id"] for f in entries)
    repeated = [eid for eid, n in counts.items() if n > 1]
    assert 0 < len(repeated) < 0.05 * len(counts)
    for before, after in zip(entries, entries[1:]):
        if before["event_id"] == after["event_id"]:
            assert before == after


def test_same_seed_same_output(geo):
    def run(seed: int) -> list[dict[str, str]]:
        sim = Simulator(geo, seed=seed, bad_rate=0.05, registrations_per_day=200)
        out = list(sim.backfill(START, START + timedelta(days=2)))
        out += sim.live(START + timedelta(days=2, minutes=1), 5)
        return out + [sim.malformed()]

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_malformed_entries_are_rejected_in_many_ways(geo, districts):
    sim = Simulator(geo, seed=3)
    list(sim.backfill(START, START + timedelta(hours=2)))
    fields = set()
    for _ in range(400):
        with pytest.raises(ContractError) as caught:
            validate_event(sim.malformed(), districts, START + timedelta(hours=2))
        fields.add(caught.value.field)
    assert {
        "schema",
        "type",
        "event_id",
        "reg_no",
        "occurred_at",
        "received_at",
        "district",
        "category",
        "kind",
        "source",
        "lat",
        "lon",
        "summary",
        "days",
        "decision",
    } <= fields


def test_bad_rate_mixes_rejected_entries_into_good_ones(geo, districts):
    sim = Simulator(geo, seed=5, bad_rate=0.1, registrations_per_day=300)
    good = bad = 0
    for fields in sim.backfill(START, START + timedelta(days=2)):
        try:
            validate_event(fields, districts, START + timedelta(days=2))
            good += 1
        except ContractError:
            bad += 1
    assert 0.05 * good < bad < 0.15 * good


def test_live_continues_the_history_and_never_runs_ahead(geo, districts):
    sim = Simulator(geo, seed=11, registrations_per_day=300)
    reg_nos = {f["reg_no"] for f in sim.backfill(START, END) if f["type"] == "registered"}
    types: Counter[str] = Counter()
    seen: set[str] = set()
    for minutes in range(1, 6 * 60, 10):
        now = END + timedelta(minutes=minutes)
        batch = sim.live(now, 3)
        parsed = [validate_event(f, districts, now) for f in batch]
        fresh = {
            e.event_id
            for e in parsed
            if e.type == "registered" and e.occurred_at >= now - timedelta(seconds=90)
        }
        assert len(fresh) >= 3  # plus, rarely, a late registration falling due now
        for event in parsed:
            stamps = [
                event.occurred_at,
                event.data.get("received_at"),
                event.data.get("decided_at"),
            ]
            assert all(t <= now for t in stamps if t is not None)
            types[event.type] += 1
            if event.type == "registered" and event.event_id not in seen:
                assert event.data["received_at"] < event.occurred_at
                assert event.reg_no not in reg_nos
                reg_nos.add(event.reg_no)
            seen.add(event.event_id)
    assert types["assigned"] > 0 and types["decided"] > 0


def _ru_form(n: int, one: str, few: str, many: str) -> str:
    """Russian plural by the grammar book (the test's own oracle, not Babel)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    return few if n % 10 in (2, 3, 4) and n % 100 not in (12, 13, 14) else many


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (1, "1 голова КРС"),
        (2, "2 головы КРС"),
        (5, "5 голов КРС"),
        (11, "11 голов КРС"),
        (21, "21 голова КРС"),
        (22, "22 головы КРС"),
        (112, "112 голов КРС"),
    ],
)
def test_counts_in_russian_grammar(n, text):
    assert ru_count(n, "голова КРС", "головы КРС", "голов КРС") == text


def test_summaries_count_in_russian_grammar(events):
    counted = {
        r"(\d+) (голова|головы|голов) КРС": ("голова", "головы", "голов"),
        r"(\d+) (участник|участника|участников)\b": ("участник", "участника", "участников"),
        r"гражданина (\d+) (года|лет)": ("года", "лет", "лет"),
    }
    seen: Counter[str] = Counter()
    for event in registrations(events):
        summary = str(event.data["summary"])
        for pattern, forms in counted.items():
            for number, word in re.findall(pattern, summary):
                assert word == _ru_form(int(number), *forms), summary
                seen[forms[0]] += 1
    assert min(seen.values()) > 5 and len(seen) == 3


def test_units_are_named_as_kyrgyz_police_units(geo):
    districts = geo.districts
    assert unit_name(districts["41706242000000"], 0.5) == "Ноокатский РОВД"
    assert unit_name(districts["41702410000010"], 0.5) == "ОВД г. Каракол"
    assert unit_name(districts["41721000000000"], 0.5) == "УВД г. Ош"
    assert {unit_name(districts[BISHKEK], share) for share in (0, 0.3, 0.6, 0.9)} == {
        "УВД Первомайского района г. Бишкек",
        "УВД Октябрьского района г. Бишкек",
        "УВД Ленинского района г. Бишкек",
        "УВД Свердловского района г. Бишкек",
    }
    for district in districts.values():
        assert re.fullmatch(r"[А-ЯЁа-яё .-]+", unit_name(district, 0.1)), district.name_en


def _open_count(opened: set[str], batch: list[dict[str, str]], tally: Counter[str]) -> int:
    for fields in batch:
        tally[fields["type"]] += 1
        if fields["type"] in ("registered", "reopened"):
            opened.add(fields["reg_no"])
        elif fields["type"] == "decided":
            opened.discard(fields["reg_no"])
    return len(opened)


def test_live_keeps_the_history_s_rate_and_a_steady_open_count(geo):
    """A month of history (with the old cases still open), then a day of live time in
    ten-minute steps: registrations at the history's rate and hourly rhythm, decisions keeping
    pace, the open count level."""
    per_day = 100.0
    sim = Simulator(geo, seed=3, registrations_per_day=per_day, duplicate_rate=0)
    opened: set[str] = set()
    history = list(sim.backfill(END - timedelta(days=30), END, warm_up=timedelta(days=60)))
    start_open = _open_count(opened, history, Counter())
    month = END - timedelta(days=30)
    old = [f for f in history if datetime.fromisoformat(f["occurred_at"]) < month]
    assert old and {f["type"] for f in old} >= {"registered", "assigned"}  # open old cases
    in_month = sum(
        1
        for f in history
        if f["type"] == "registered" and datetime.fromisoformat(f["occurred_at"]) >= month
    )
    assert in_month / 30 == pytest.approx(per_day, rel=0.1)
    live: Counter[str] = Counter()
    counts, hours = [], Counter[int]()
    for step in range(1, 6 * 24 + 1):
        now = END + timedelta(minutes=10 * step)
        batch = sim.advance(now)
        hours.update(
            datetime.fromisoformat(f["occurred_at"]).hour
            for f in batch
            if f["type"] == "registered"
        )
        counts.append(_open_count(opened, batch, live))
    working_day = per_day / ((5 + 2 * DAY_OFF_FACTOR) / 7)  # END starts a Monday
    assert live["registered"] == pytest.approx(working_day, rel=0.2)
    assert live["decided"] == pytest.approx(in_month / 30, rel=0.15)  # decisions keep pace
    assert all(abs(n - start_open) <= 0.05 * start_open for n in counts), (start_open, counts)
    day, night = sum(hours[h] for h in range(9, 18)), sum(hours[h] for h in range(0, 6))
    assert day > 3 * night  # the same daily rhythm as the history's
    assert live["extended"] > 0
