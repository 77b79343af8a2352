"""The live page's reads: status counts, the feed of new registrations and the "new since
opened" counter, the map's points and district shading, and the live views the push leader
sends to every page (one read session for every room of a flush)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from data import aggregates, status
from data.models import Case
from data.queries import CaseFilter, count_if, every_status, scoped, visible_districts

DAY = timedelta(days=1)


def _counted(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, group_by: str | None
) -> dict[str | None, aggregates.OpenStatus] | None:
    """The open cases' counts from the counters, or None where they cannot answer."""
    if not aggregates.usable(session, flt):
        return None
    return aggregates.open_status(session, flt, now, due_soon, group_by)


def status_counts(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, *, counted: bool = True
) -> dict[str, int]:
    """Open (every undecided case), overdue and due-soon counts: sums over the open-case
    counters (data.aggregates) where they can answer (`counted`), else one query over the open
    cases."""
    flt = every_status(flt)
    counts = _counted(session, flt, now, due_soon, None) if counted else None
    if counts is not None:
        found = counts.get(None) or aggregates.OpenStatus()
        return {"open": found.open, "overdue": found.overdue, "due_soon": found.due_soon}
    query = select(
        func.count(),
        count_if(status.overdue(now)),
        count_if(status.due_soon(now, due_soon)),
    )
    query = scoped(query.select_from(Case).where(status.undecided()), flt, now, due_soon)
    total, overdue, soon = session.execute(query).one()
    return {"open": int(total or 0), "overdue": int(overdue or 0), "due_soon": int(soon or 0)}


def open_by_district(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, *, counted: bool = True
) -> dict[str, tuple[int, int, int]]:
    """(open, overdue, due soon) per district with open cases: from the counters where they
    can answer (`counted`), else one GROUP BY over the open cases."""
    flt = every_status(flt)
    counts = _counted(session, flt, now, due_soon, "district") if counted else None
    if counts is not None:
        return {str(d): (s.open, s.overdue, s.due_soon) for d, s in counts.items()}
    open_query = (
        select(
            Case.district,
            func.count(),
            count_if(status.overdue(now)),
            count_if(status.due_soon(now, due_soon)),
        )
        .where(status.undecided())
        .group_by(Case.district)
    )
    return {
        d: (int(t), int(o), int(s))
        for d, t, o, s in session.execute(scoped(open_query, flt, now, due_soon))
    }


def district_map_stats(
    session: Session, flt: CaseFilter, now: datetime, due_soon: timedelta, *, counted: bool = True
) -> list[dict[str, object]]:
    """Per visible district: open, overdue, due_soon, overdue_share, received_24h (the map's
    measures): the open cases' counts (open_by_district) and one GROUP BY over the last day's
    registrations."""
    flt = every_status(flt)
    open_counts = open_by_district(session, flt, now, due_soon, counted=counted)
    intake_query = (
        select(Case.district, func.count())
        .where(Case.registered_at > now - DAY, Case.registered_at <= now)
        .group_by(Case.district)
    )
    intake = {d: int(n) for d, n in session.execute(scoped(intake_query, flt, now, due_soon))}
    stats = []
    for soate in visible_districts(flt):
        total, overdue, soon = open_counts.get(soate, (0, 0, 0))
        stats.append(
            {
                "district": soate,
                "open": total,
                "overdue": overdue,
                "due_soon": soon,
                "overdue_share": overdue / total if total else 0.0,
                "received_24h": intake.get(soate, 0),
            }
        )
    return stats


FEED_FIELDS = (
    "reg_no",
    "district",
    "region",
    "category",
    "kind",
    "registered_at",
    "summary",
    "lat",
    "lon",
    "priority",
    "address",
)


def recent_registrations(
    session: Session, flt: CaseFilter, limit: int = 50
) -> list[dict[str, Any]]:
    """The newest registrations (the live feed), newest first, with their summaries."""
    query = _feed_query(flt).order_by(Case.registered_at.desc(), Case.reg_no.desc())
    return [dict(zip(FEED_FIELDS, row, strict=True)) for row in session.execute(query.limit(limit))]


def registrations_of(
    session: Session, flt: CaseFilter, reg_nos: Sequence[str]
) -> list[dict[str, Any]]:
    """The feed rows of these registration numbers that the filter shows (at most
    LIVE_FEED_SIZE looked up by key; in no particular order): arrivals the feed keeps on top
    although older registrations (a late registration) would leave them out of the newest."""
    if not reg_nos:
        return []
    query = _feed_query(flt).where(Case.reg_no.in_(list(reg_nos)[:LIVE_FEED_SIZE]))
    return [dict(zip(FEED_FIELDS, row, strict=True)) for row in session.execute(query)]


def _feed_query(flt: CaseFilter) -> Select[Any]:
    return scoped(select(*[getattr(Case, f) for f in FEED_FIELDS]), every_status(flt), by_time=True)


def registered_since(session: Session, flt: CaseFilter, since: datetime) -> int:
    """How many cases were registered at or after `since` (the "new since opened" counter)."""
    query = scoped(
        select(func.count()).select_from(Case).where(Case.registered_at >= since),
        every_status(flt),
        by_time=True,
    )
    return int(session.scalar(query) or 0)


POINT_LIMIT = 1000  # the map's points at most


def recent_points(
    session: Session, flt: CaseFilter, now: datetime, hours: float = 24, limit: int = POINT_LIMIT
) -> list[dict[str, Any]]:
    """Registrations of the last `hours` that have coordinates (map points), newest first."""
    query = select(
        Case.reg_no, Case.category, Case.district, Case.registered_at, Case.lat, Case.lon
    ).where(
        Case.registered_at > now - timedelta(hours=hours),
        Case.lat.is_not(None),
        Case.lon.is_not(None),
    )
    query = scoped(query, every_status(flt), by_time=True)
    query = query.order_by(Case.registered_at.desc()).limit(limit)
    return [
        {"reg_no": r, "category": c, "district": d, "registered_at": at, "lat": lat, "lon": lon}
        for r, c, d, at, lat, lon in session.execute(query)
    ]


LIVE_FEED_SIZE = 50


LIVE_ANCHOR = timedelta(minutes=10)


def live_anchor(now: datetime) -> datetime:
    """The instant a live view's `total` counts from: `now` floored to LIVE_ANCHOR (UTC), the
    same for every flush of those ten minutes and for every web process."""
    step = int(LIVE_ANCHOR.total_seconds())
    return datetime.fromtimestamp(int(now.timestamp()) // step * step, UTC)


def live_views(
    session: Session,
    scopes: Sequence[str | None],
    now: datetime,
    due_soon: timedelta,
    earlier: Mapping[str | None, datetime] | None = None,
) -> dict[str | None, dict[str, object]]:
    """What a live page with its default filters counts in each scope (a region, None for the
    whole country), as JSON-ready plain data: the status counts at `now`, and `total`, the
    registrations since `anchor` (live_anchor(now)), from which a page derives its "new since
    opened" counter; `as_of` is `now`. The counts of status_counts and registered_since in the
    scope, in two short index reads per scope. For a scope with an `earlier` anchor (the one
    its pages were last sent), `before` holds it and the registrations from it to `anchor`
    (one more count), so that a page carries its counter over to the new anchor without a
    read of its own. (The feed's rows are not in it: 50 rows with their summaries would make
    every push to every page some 20 KB.)"""
    anchor = live_anchor(now)
    views: dict[str | None, dict[str, object]] = {}
    for scope in dict.fromkeys(scopes):
        flt = CaseFilter(scope_region=scope)
        total = registered_since(session, flt, anchor)
        views[scope] = {
            "scope": scope,
            "as_of": now.astimezone(UTC).isoformat(),
            "anchor": anchor.isoformat(),
            "total": total,
            "counts": status_counts(session, flt, now, due_soon),
        }
        previous = (earlier or {}).get(scope)
        if previous is not None and previous < anchor:
            views[scope]["before"] = {
                "anchor": previous.astimezone(UTC).isoformat(),
                "count": registered_since(session, flt, previous) - total,
            }
    return views
