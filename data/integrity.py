"""The integrity signals' counts (codes and numbers only; rules.integrity does the statistics).

The window's cohort is the cases *registered* in the last `window_days` days (up to now): each
signal counts those of them that

* `late_registration`: were registered more than 24 h after receipt;
* `refusal`: stand refused (decision "refused");
* `extension`: had their period extended at least once;
* `decided_late`: stand decided after the deadline in force (rules.breaches.decided_late);
* `last_day_decision`: stand decided on the last local day of their period (within the 24 h
  before the deadline, which ends a local day: Asia/Bishkek keeps no daylight saving);
* `reopened`: were reopened (a decision annulled: in the registry, a prosecutor cancelling a
  refusal) at least once.

Counts are one GROUP BY over the cases registered in the window (the registration index), on
SQLite and PostgreSQL alike. The intake detector counts each district's registrations of the
last rules.integrity.RECENT_DAYS days and of the BASELINE_DAYS before them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.expression import FunctionElement

from data import status
from data.db import UTCDateTime
from data.models import Case
from data.queries import UNASSIGNED, CaseFilter, count_if, matches, scoped, visible_districts
from data.reference import load_geography
from rules import integrity
from rules.integrity import BASELINE_DAYS, GROUPS, RECENT_DAYS, SIGNALS

GROUP_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "district": Case.district,
    "unit": Case.unit,
    "officer": Case.officer,
}
MAX_WINDOW_DAYS = 366
DRILL_LIMIT = 500


class _DayBefore(FunctionElement[datetime]):
    """A stored instant minus one day (SQLite's text instants, PostgreSQL's timestamps)."""

    type = UTCDateTime()
    inherit_cache = True
    name = "day_before"


@compiles(_DayBefore, "sqlite")
def _day_before_sqlite(element: _DayBefore, compiler: Any, **kw: Any) -> str:
    return f"strftime('%Y-%m-%d %H:%M:%f000', {compiler.process(element.clauses, **kw)}, '-1 day')"


@compiles(_DayBefore)
def _day_before_default(element: _DayBefore, compiler: Any, **kw: Any) -> str:
    return f"({compiler.process(element.clauses, **kw)} - interval '1 day')"


def condition(signal: str) -> ColumnElement[bool]:
    """The SQL condition of a case that counts for `signal` (one of SIGNALS)."""
    if signal == "late_registration":
        return Case.late_registration.is_(True)
    if signal == "refusal":
        return Case.decision == "refused"
    if signal == "extension":
        return Case.extensions > 0
    if signal == "decided_late":
        return and_(status.decided(), status.decided_late())
    if signal == "last_day_decision":
        return and_(
            status.decided(),
            Case.decided_at < Case.deadline,
            Case.decided_at >= _DayBefore(Case.deadline),
        )
    if signal == "reopened":
        return Case.reopenings > 0
    raise ValueError(f"signal must be one of {', '.join(SIGNALS)}")


def _column(group: str) -> InstrumentedAttribute[Any]:
    if group not in GROUP_COLUMNS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}")
    return GROUP_COLUMNS[group]


@dataclass
class GroupCounts:
    """One group's cases registered in the window and how many of them count for each
    signal."""

    key: str
    cases: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIGNALS, 0))


@dataclass(frozen=True)
class Counts:
    """The groups' counts and the scope's totals (the reference: every case of the scope)."""

    groups: list[GroupCounts]
    total: GroupCounts


def signal_counts(
    session: Session, flt: CaseFilter, group: str, window_days: int, now: datetime
) -> Counts:
    """Per group (district, unit or officer; "~" for none) of the cases in the filter's scope
    registered in the last `window_days` days: their number and each signal's count; with
    group "district", every district the filter sees, zeros included."""
    column = _column(group)
    since = now - timedelta(days=window_days)
    query = (
        select(column, func.count(), *(count_if(condition(name)) for name in SIGNALS))
        .where(Case.registered_at >= since, Case.registered_at <= now)
        .group_by(column)
    )
    found: dict[str, GroupCounts] = {}
    if group == "district":
        found = {soate: GroupCounts(soate) for soate in visible_districts(flt)}
    total = GroupCounts("")
    for key, cases, *values in session.execute(scoped(query, flt)):
        name = UNASSIGNED if key is None else str(key)
        row = found.setdefault(name, GroupCounts(name))
        row.cases += int(cases)
        total.cases += int(cases)
        for signal, value in zip(SIGNALS, values, strict=True):
            row.counts[signal] += int(value)
            total.counts[signal] += int(value)
    return Counts(list(found.values()), total)


@dataclass(frozen=True)
class Intake:
    """A district's registrations: in the window, in the last RECENT_DAYS days and in the
    BASELINE_DAYS before them."""

    district: str
    window: int
    recent: int
    baseline: int


def district_intake(
    session: Session, flt: CaseFilter, window_days: int, now: datetime
) -> dict[str, Intake]:
    """Per district the filter sees (zeros included), its registrations in the window, the
    recent days and the baseline (rules.integrity's spans, ending now)."""
    recent_from = now - timedelta(days=RECENT_DAYS)
    baseline_from = recent_from - timedelta(days=BASELINE_DAYS)
    window_from = now - timedelta(days=window_days)
    query = (
        select(
            Case.district,
            count_if(Case.registered_at >= window_from),
            count_if(Case.registered_at >= recent_from),
            count_if(Case.registered_at < recent_from),
        )
        .where(Case.registered_at >= min(window_from, baseline_from), Case.registered_at <= now)
        .group_by(Case.district)
    )
    result = {soate: Intake(soate, 0, 0, 0) for soate in visible_districts(flt)}
    for district, window, recent, baseline in session.execute(scoped(query, flt)):
        if district in result:
            result[district] = Intake(district, int(window), int(recent), int(baseline))
    return result


def signal_cases(
    session: Session,
    flt: CaseFilter,
    group: str,
    key: str,
    signal: str | None,
    window_days: int,
    now: datetime,
    limit: int = DRILL_LIMIT,
) -> list[str]:
    """The registration numbers behind a number of the table: the group's cases registered
    in the window (that count for `signal`, if given), newest first, at most `limit`."""
    column = _column(group)
    since = now - timedelta(days=window_days)
    query = select(Case.reg_no).where(Case.registered_at >= since, Case.registered_at <= now)
    query = query.where(column.is_(None) if key == UNASSIGNED else matches(column, key))
    if signal is not None:
        query = query.where(condition(signal))
    query = query.order_by(Case.registered_at.desc(), Case.reg_no).limit(limit)
    return [str(reg_no) for (reg_no,) in session.execute(scoped(query, flt))]


def reference_rates(total: GroupCounts) -> dict[str, float]:
    """Each signal's rate over every case of the scope (the reference beside a group's)."""
    return {name: integrity.share(total.counts[name], total.cases) for name in SIGNALS}


def _signal_fields(name: str, found: integrity.Signal) -> dict[str, object]:
    return {
        name: found.count,
        f"{name}_share": found.share,
        f"{name}_ci": [found.ci[0], found.ci[1]],
        f"{name}_reference": found.reference,
    }


def report(
    session: Session,
    flt: CaseFilter,
    group: str,
    window_days: int,
    now: datetime,
) -> list[dict[str, object]]:
    """The integrity table: per group, `key`, `cases`, each signal's count, share, Wilson
    interval and reference rate, `marked` (the signals whose interval lies wholly above the
    reference); with group "district" also `per_10k` (registrations in the window per 10,000
    residents), `per_10k_reference` (the scope's: the region's or the country's),
    `per_10k_region`, `per_10k_country` and `intake_drop`. Highest standing first
    (rules.integrity.rank_key)."""
    counts = signal_counts(session, flt, group, window_days, now)
    references = reference_rates(counts.total)
    found = {g.key: integrity.signals(g.counts, g.cases, references) for g in counts.groups}
    rows: dict[str, dict[str, object]] = {}
    for g in counts.groups:
        row: dict[str, object] = {"key": g.key, "cases": g.cases}
        for name, value in found[g.key].items():
            row.update(_signal_fields(name, value))
        row["marked"] = [name for name, value in found[g.key].items() if value.marked]
        rows[g.key] = row
    if group == "district":
        _add_intake(session, flt, window_days, now, rows)
    return [rows[key] for key in _order(rows, found)]


def _order(
    rows: dict[str, dict[str, object]], found: dict[str, dict[str, integrity.Signal]]
) -> list[str]:
    """Marked groups first (a district whose intake dropped counts one more), then by
    rules.integrity.rank_key."""

    def key(name: str) -> tuple[int, float, str]:
        marks, excess = integrity.rank_key(found[name])
        drop = rows[name].get("intake_drop")
        dropped = isinstance(drop, dict) and bool(drop.get("marked"))
        return (marks - int(dropped), excess, name)

    return sorted(rows, key=key)


def _add_intake(
    session: Session,
    flt: CaseFilter,
    window_days: int,
    now: datetime,
    rows: dict[str, dict[str, object]],
) -> None:
    """The district rows' intake figures (per 10,000 residents beside the region's and the
    country's, and the drop detector)."""
    geo = load_geography()
    country = district_intake(session, CaseFilter(), window_days, now)
    by_region: dict[str, list[int]] = {}
    for soate, intake in country.items():
        region = geo.districts[soate].region
        sums = by_region.setdefault(region, [0, 0])
        sums[0] += intake.window
        sums[1] += geo.districts[soate].population
    country_rate = integrity.per_10k(
        sum(i.window for i in country.values()),
        sum(geo.districts[s].population for s in country),
    )
    scope = flt.region or flt.scope_region
    for soate, row in rows.items():
        intake = country.get(soate, Intake(soate, 0, 0, 0))
        district = geo.districts[soate]
        region_rate = integrity.per_10k(*by_region.get(district.region, [0, 0]))
        drop = integrity.intake_drop(intake.recent, intake.baseline)
        row["registrations"] = intake.window
        row["population"] = district.population
        row["per_10k"] = integrity.per_10k(intake.window, district.population)
        row["per_10k_region"] = region_rate
        row["per_10k_country"] = country_rate
        row["per_10k_reference"] = region_rate if scope else country_rate
        row["intake_drop"] = {
            "marked": drop.marked,
            "p_value": drop.p_value,
            "recent": drop.recent,
            "recent_days": drop.recent_days,
            "baseline": drop.baseline,
            "baseline_days": drop.baseline_days,
            "expected": drop.expected,
        }
        if drop.marked:
            marked = row["marked"]
            assert isinstance(marked, list)
            marked.append("intake_drop")
