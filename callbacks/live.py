"""Callbacks of the live page: feed, counters, map, map clicks, district choices.

A "changes" push (already coalesced by the server) carries the counts the push leader read once
for the whole room (console/web/push.py): a page with its default filters (no district,
category or kind; no region or the viewer's own) shows its status strip and "new since opened"
counter from them without opening a session. The counter is the view's `total` (the room's
registrations since its `anchor`) plus the page's own offset, counted once per anchor (two
counts, every ten minutes). Its feed rows and the map's points are not in the push (they would
make it some 20 KB for every page at every flush): such a page takes them from a small
memory of this process, keyed by the view's instant (one flush) and scope, so they are read
once per flush, room and web process, not once per page (the points follow from the previous
flush's and that read's rows: see shared_points; the browser passes the pushes on to the map
at most every MAP_POINTS_EVERY, FOLLOW_CHANGES_THROTTLED). Any other page, a push without a
view, a resync and the first load query the store: the newest registrations (registered_at
index, LIMIT), the open/overdue/due-soon counts ((decision, deadline) index) and the count since
the page opened. The map's shading (two GROUP BYs) comes with the "map" push, read once by the
push leader for the room (pages with other filters read their own on that push); the page's
timer is only a slow safety refresh (components.common.SAFETY_REFRESH_MS).

The registrations pushed to a page go on top of its feed in the order they arrived, whatever
their registration time (a late registration would otherwise land below the rows shown): the
page remembers their numbers (the last FEED_SIZE, in its counter's store) and when each arrived,
to highlight those of the last few seconds; the few of them not among the newest rows are read
by key, once per flush for the pages missing the same ones.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate
from sqlalchemy.orm import Session

from callbacks import inputs
from callbacks.context import Context, request_context
from callbacks.shared_reads import SHARED_SKEW, SharedReads
from callbacks.view_url import register_view
from components import ids
from components.common import district_options
from components.i18n import t
from components.live import HIGHLIGHT, STRIP_KEYS, feed, new_count, status_strip
from components.live_map import (
    DEFAULT_MEASURE,
    LIVE_LOOK,
    MEASURES,
    MapLook,
    build_map_figure,
    clicked_target,
    map_patch,
    points_arrays,
)
from components.time_control import GO_TO_INSTANT
from components.view_state import LIVE_VIEW
from components.workload import Drill, drill_search
from data import live_page
from data.queries import CaseFilter

FEED_SIZE = live_page.LIVE_FEED_SIZE
# The rows a flush's shared feed read holds: twice the feed, so that the arrivals of a page a
# few pushes behind (its callbacks still running when the next ones came) are among them.
SHARED_FEED_ROWS = 2 * FEED_SIZE
# ... and, for pages further behind (a busy machine), a deeper read, once per flush too.
DEEP_FEED_ROWS = 10 * FEED_SIZE
POINT_HOURS = 24
MAP_PUSH = f"{ids.SOCKET}.data-map"  # the trigger of update_map for a "map" push
SHADING_COUNTS = ("open", "overdue", "due_soon", "received_24h")
# The map's points follow the "changes" pushes at most this often (a stream of registrations
# redraws the map once in this time, not at every push: redrawing it is most of what a push
# costs the browser); the first push after a quiet spell at once, the last one of a stream
# never later than this.
MAP_POINTS_EVERY = timedelta(seconds=3)
# In the browser: a "changes" push with registrations goes on to the map's store (its
# callback patches the points) when the store took none in the last MAP_POINTS_EVERY; else
# the latest such push goes on when that time is up (set_props, once, if the map is still on
# the page). The map reads its points whole at the push's instant, so the latest push is all
# it needs.
FOLLOW_CHANGES_THROTTLED = f"""
function(payload, graph) {{
    var clientside = window.dash_clientside;
    if (!payload || !payload.registered_count) {{ return clientside.no_update; }}
    var store = clientside.callback_context.outputs_list.id;
    var all = window.kupMapChanges = window.kupMapChanges || {{}};
    var self = all[store] = all[store] || {{last: 0, timer: null, pending: null}};
    var wait = self.last + {int(MAP_POINTS_EVERY.total_seconds() * 1000)} - Date.now();
    if (wait <= 0 && !self.timer) {{
        self.last = Date.now();
        return payload;
    }}
    self.pending = payload;
    if (!self.timer) {{
        self.timer = setTimeout(function () {{
            self.timer = null;
            self.last = Date.now();
            if (document.getElementById(graph)) {{
                clientside.set_props(store, {{data: self.pending}});
            }}
        }}, Math.max(wait, 0));
    }}
    return clientside.no_update;
}}
"""


Filters = tuple[str | None, str | None, str | None, str | None]


def page_filters(region: Any, district: Any, category: Any, kind: Any) -> Filters:
    """The page's filters (region, district, category, kind): text each, None for "all"."""
    return (inputs.text(region), inputs.text(district), inputs.text(category), inputs.text(kind))


def _filter(context: Context, filters: Filters) -> CaseFilter:
    region, district, category, kind = filters
    return context.case_filter(region=region, district=district, category=category, kind=kind)


def pushed_nothing(payload: Any) -> bool:
    """True for a push that says nothing changed that a page could show."""
    payload = inputs.mapping(payload)
    if not payload:
        return False
    changed = payload.get("changed")
    return (
        not payload.get("registered_count")
        and changed is not None
        and not changed
        and not payload.get("recount")
    )


def recount_only(payload: Mapping[str, Any]) -> bool:
    """True for a push that brings nothing but the room's counts read again (the push leader's
    recount after a burst): only a page that shows the room's view has something to do."""
    return bool(payload.get("recount")) and not payload.get("registered_count")


def update_district_options(context: Context, region: Any, lang: Any) -> list[dict[str, str]]:
    """Districts to choose from: the viewer's scope, narrowed by the chosen region."""
    return district_options(inputs.text(region), context.viewer.region, inputs.language(lang))


def _wanted(filters: Filters) -> dict[str, str]:
    return {k: v for k, v in zip(("region", "district", "category", "kind"), filters) if v}


def _matching_items(payload: Mapping[str, Any], filters: Filters) -> list[Mapping[str, Any]]:
    wanted = _wanted(filters)
    items = inputs.rows(payload.get("registered"))
    return [item for item in items if all(item.get(k) == v for k, v in wanted.items())]


def pushed_matching(payload: Mapping[str, Any], filters: Filters) -> int:
    """How many registrations of one push match the page's filters (the push is already
    limited to the viewer's region; its item list may be cut short, its count is not)."""
    if not _wanted(filters):
        items = inputs.rows(payload.get("registered"))
        return max(inputs.number(payload.get("registered_count")), len(items))
    return len(_matching_items(payload, filters))


def pushed_arrivals(payload: Mapping[str, Any], filters: Filters) -> list[str]:
    """The registration numbers a push brought that match the page's filters, the latest
    arrival first (the push lists them in the order they were stored)."""
    found = (inputs.reg_no(item.get("reg_no")) for item in _matching_items(payload, filters))
    return list(dict.fromkeys(reversed([r for r in found if r is not None])))


@dataclass(frozen=True)
class Arrivals:
    """What the page remembers of the registrations pushed to it: their numbers, the latest
    arrival first (at most FEED_SIZE; the feed keeps them on top in that order), and when each
    of those still highlighted arrived (ISO instants)."""

    order: list[str]
    fresh: dict[str, str]


def arrivals_after(
    memory: Mapping[str, Any], pushed: list[str], now: datetime, highlight: timedelta = HIGHLIGHT
) -> Arrivals:
    """The page's arrivals after a push that brought `pushed` (`memory`: the page's memory of
    the same filters, {} for none); a registration stays highlighted for `highlight` after it
    arrived."""
    order = list(dict.fromkeys([*pushed, *inputs.texts(memory.get("arrived"))]))[:FEED_SIZE]
    fresh = dict.fromkeys(pushed, now.isoformat())
    for reg_no, at in inputs.mapping(memory.get("fresh")).items():
        arrived = inputs.instant(at)
        if reg_no in order and reg_no not in fresh and arrived and now - arrived < highlight:
            fresh[reg_no] = arrived.isoformat()
    return Arrivals(order, fresh)


def arrival_first(
    rows: list[dict[str, Any]], order: list[str], limit: int = FEED_SIZE
) -> list[dict[str, Any]]:
    """The feed's rows: the registrations pushed to the page first, the latest arrival on top
    (a late registration too, whose registration time is older than others'), then the rest
    newest first; each once, at most `limit`."""
    by_number = {str(row["reg_no"]): row for row in rows}
    pinned = [by_number[r] for r in order if r in by_number]
    shown = set(order)
    rest = [row for number, row in by_number.items() if number not in shown]
    return (pinned + rest)[:limit]


@dataclass(frozen=True)
class PushedView:
    """The part of a push's live view a page shows (parsed; of the viewer's own scope)."""

    scope: str | None
    anchor: datetime
    as_of: datetime
    total: int
    counts: dict[str, int]
    before: tuple[datetime, int] | None = None  # an earlier anchor, registrations from it


def pushed_view(
    context: Context, filters: Filters, payload: Mapping[str, Any]
) -> PushedView | None:
    """The push's live view if this page may show it instead of querying: its filters are the
    defaults, the view is of the viewer's own scope and of this moment (`as_of` within
    SHARED_SKEW); else None. The view comes from the browser like any input: a field of
    another JSON type is refused (InvalidCallbackInput), and nothing in it makes the server
    read anything outside the viewer's scope."""
    if payload.get("view") is None:
        return None
    view = inputs.mapping(payload.get("view"))
    scope, anchor = inputs.text(view.get("scope")), inputs.instant(view.get("anchor"))
    as_of = inputs.instant(view.get("as_of"))
    total, counts = inputs.number(view.get("total")), inputs.counts(view.get("counts"), STRIP_KEYS)
    before = inputs.mapping(view.get("before"))
    earlier = inputs.instant(before.get("anchor"))
    carried = (earlier, inputs.number(before.get("count"))) if earlier is not None else None
    if (
        not shows_room(context, filters, scope)
        or anchor is None
        or (as_of is None or abs(as_of - context.now) > SHARED_SKEW)
    ):
        return None
    return PushedView(scope, anchor, as_of, total, counts, carried)


def shows_room(context: Context, filters: Filters, scope: str | None) -> bool:
    """Whether a page with these filters shows exactly what was pushed to its room for `scope`:
    its filters are the defaults (no district, category or kind; no region or the viewer's
    own) and `scope` is the viewer's own."""
    own = context.viewer.region
    region, *others = filters
    return not any(others) and region in (None, own) and scope == own


def pushed_shading(
    context: Context, filters: Filters, payload: Any
) -> list[dict[str, object]] | None:
    """The district shading of a "map" push if this page may show it (see shows_room), its
    numbers checked like any callback input (the overdue share computed from them); else
    None (the page reads its own)."""
    payload = inputs.mapping(payload)
    if not payload or not shows_room(context, filters, inputs.text(payload.get("scope"))):
        return None
    stats: list[dict[str, object]] = []
    for row in inputs.rows(payload.get("stats")):
        district = inputs.text(row.get("district"))
        if district is None:
            continue
        counts = {name: inputs.number(row.get(name)) for name in SHADING_COUNTS}
        share = counts["overdue"] / counts["open"] if counts["open"] else 0.0
        stats.append({"district": district, **counts, "overdue_share": share})
    return stats


_feeds: SharedReads[list[dict[str, Any]]] = SharedReads()
_points: SharedReads[SharedPoints] = SharedReads()
_point_arrays: SharedReads[list[dict[str, list[object]]]] = SharedReads()


def _flush_rows(
    context: Context, view: PushedView, rows: int = SHARED_FEED_ROWS
) -> list[dict[str, Any]]:
    """The newest `rows` registrations of the view's scope (feed rows, newest first), read
    once per flush for every page of this process: the feed's and the map's."""
    flt = CaseFilter(scope_region=view.scope)

    def read() -> list[dict[str, Any]]:
        with context.sessions() as session:
            return live_page.recent_registrations(session, flt, rows)

    return _feeds.get((context.sessions, view.scope, view.as_of, rows), read)


def _shared_feed(context: Context, view: PushedView, order: list[str]) -> list[dict[str, Any]]:
    """The flush's rows (_flush_rows; the deeper read of the flush for a page whose arrivals
    are not all among them), and the rows of the page's arrivals (`order`) not among those
    either (late registrations), read once per flush for every page missing the same ones."""
    flt = CaseFilter(scope_region=view.scope)
    rows = _flush_rows(context, view)
    known = {row["reg_no"] for row in rows}
    missing = tuple(r for r in order if r not in known)
    if missing and len(rows) >= SHARED_FEED_ROWS:
        rows = _flush_rows(context, view, DEEP_FEED_ROWS)
        known = {row["reg_no"] for row in rows}
        missing = tuple(r for r in order if r not in known)
    if not missing:
        return rows

    def read_missing() -> list[dict[str, Any]]:
        with context.sessions() as session:
            return live_page.registrations_of(session, flt, missing)

    return rows + _feeds.get((context.sessions, view.scope, view.as_of, missing), read_missing)


def _view_count(
    context: Context,
    view: PushedView,
    flt: CaseFilter,
    since: datetime,
    counted: Mapping[str, Any],
    key: str,
    late: int = 0,
) -> dict[str, Any]:
    """The counter's memory after a push with a view: the view's total plus this page's
    offset (its registrations between the page's opening and the view's anchor: kept from
    the page's first read, carried over to a new anchor with the view's `before`, counted
    only when the page knows no earlier anchor of the view), plus the registrations pushed
    to the page that were registered before it opened (late registrations, which neither
    counts: `late` of this push, added to those of the earlier ones); never less than it
    showed."""
    anchor = view.anchor.isoformat()
    mine = counted.get("key") == key
    late += inputs.number(counted.get("late")) if mine else 0
    known = (
        inputs.text(counted.get("anchor")) if mine and counted.get("offset") is not None else None
    )
    if known == anchor:
        offset = inputs.number(counted.get("offset"))
    elif known is not None and view.before is not None and known == view.before[0].isoformat():
        offset = inputs.number(counted.get("offset")) + view.before[1]
    else:
        with context.sessions() as session:
            offset = page_offset(session, flt, since, view.anchor)
    count = max(view.total + offset + late, inputs.number(counted.get("count")) if mine else 0, 0)
    return {"key": key, "count": count, "anchor": anchor, "offset": offset, "late": late}


def page_offset(session: Session, flt: CaseFilter, since: datetime, anchor: datetime) -> int:
    """A page's registrations from its opening `since` to a live view's `anchor` (negative
    when it opened after the anchor: those between them, which the view's total counts)."""
    return live_page.registered_since(session, flt, since) - live_page.registered_since(
        session, flt, anchor
    )


def pushed_before(payload: Mapping[str, Any], filters: Filters, since: datetime) -> int:
    """How many registrations of a push that match the page's filters were registered before
    `since` (the page's opening): late registrations, new to the page all the same."""
    times = (
        inputs.instant(item.get("registered_at")) for item in _matching_items(payload, filters)
    )
    return sum(1 for at in times if at is not None and at < since)


@dataclass(frozen=True)
class FeedState:
    """What a feed callback shows, before it is drawn: the feed's rows (arrivals first), the
    registrations still highlighted, the count since the page's instant, the open / overdue /
    due-soon counts, and the page's memory for the next push."""

    rows: list[dict[str, Any]]
    fresh: dict[str, str]
    count: int
    counts: dict[str, int]
    memory: dict[str, Any]


def read_feed(
    context: Context,
    filters: Filters,
    since: datetime,
    payload: Any = None,
    counted: Any = None,
) -> FeedState:
    """The feed's rows, the count of registrations since `since` (and its memory) and the
    status counts. From the push's live view when the page may show it (see pushed_view),
    else from the store. On the store path the count adds up what the pushes brought
    (`payload`: the push that triggered this, if one did) and never shows less than the
    store's count of registrations since `since`, which also covers what was missed while
    disconnected; new filters start it again from the store. The registrations pushed to the
    page stay on top of the feed in the order they arrived, those of the last few seconds
    highlighted (see arrivals_after); new filters forget them."""
    payload, counted = inputs.mapping(payload), inputs.mapping(counted)
    flt = _filter(context, filters)
    key = json.dumps(filters)
    mine = counted if counted.get("key") == key else {}
    arrivals = arrivals_after(mine, pushed_arrivals(payload, filters), context.now)
    remembered = {"arrived": arrivals.order, "fresh": arrivals.fresh}
    view = pushed_view(context, filters, payload)
    if view is None and recount_only(payload):
        raise PreventUpdate  # the room's counts: this page shows others
    if view is not None:
        late = pushed_before(payload, filters, since)
        memory = _view_count(context, view, flt, since, counted, key, late)
        rows = _shared_feed(context, view, arrivals.order)
        return FeedState(
            arrival_first(rows, arrivals.order),
            arrivals.fresh,
            memory["count"],
            view.counts,
            {**memory, **remembered},
        )
    with context.sessions() as session:
        rows = live_page.recent_registrations(session, flt, FEED_SIZE)
        known = {row["reg_no"] for row in rows}
        rows += live_page.registrations_of(
            session, flt, [r for r in arrivals.order if r not in known]
        )
        stored = live_page.registered_since(session, flt, since)
        counts = live_page.status_counts(session, flt, context.now, context.due_soon)
        # A page that shows its room's view keeps its offset to the views' anchor from now
        # on (one count here, none at its pushes: see _view_count).
        anchor = live_page.live_anchor(context.now)
        offset = (
            stored - live_page.registered_since(session, flt, anchor)
            if shows_room(context, filters, context.viewer.region)
            else None
        )
    count = stored
    if mine:
        pushed = pushed_matching(payload, filters) if payload else 0
        count = max(inputs.number(counted.get("count")) + pushed, stored)
    carried = {} if offset is None else {"anchor": anchor.isoformat(), "offset": offset}
    return FeedState(
        arrival_first(rows, arrivals.order),
        arrivals.fresh,
        count,
        counts,
        {"key": key, "count": count, **carried, **remembered},
    )


def refresh_feed(
    context: Context,
    region: Any,
    district: Any,
    category: Any,
    kind: Any,
    opened: Any,
    lang: Any,
    payload: Any = None,
    counted: Any = None,
) -> tuple[Any, ...]:
    """Feed items, the "new since the page opened" counter (and its memory) and the status
    strip (see read_feed)."""
    lang = inputs.language(lang)
    since = inputs.instant(opened) or context.now
    state = read_feed(
        context, page_filters(region, district, category, kind), since, payload, counted
    )
    return (
        feed(state.rows, lang, context.tz, state.fresh),
        new_count(state.count, lang),
        status_strip(state.counts, lang),
        state.memory,
    )


def map_key(filters: Filters, measure: str, dark: bool, lang: str) -> str:
    """What a full map figure depends on (a patch applies only to a figure built for it)."""
    return json.dumps([*filters, measure, "dark" if dark else "light", lang])


@dataclass(frozen=True)
class SharedPoints:
    """The map's points of a scope at a flush's instant `as_of` (as live_page.recent_points
    gives them, newest first), and the newest registration time of the flush's rows, from
    which the next flush's points follow."""

    as_of: datetime
    newest: datetime | None
    points: list[dict[str, Any]]


POINT_FIELDS = ("reg_no", "category", "district", "registered_at", "lat", "lon")
POINTS_READ_EVERY = timedelta(seconds=10)  # the points read whole at least this often
_latest_points: dict[tuple[object, str | None], SharedPoints] = {}


def _read_every(instant: datetime) -> int:
    return int(instant.timestamp() // POINTS_READ_EVERY.total_seconds())


def points_after(
    earlier: SharedPoints | None, rows: list[dict[str, Any]], as_of: datetime
) -> list[dict[str, Any]] | None:
    """The points at `as_of` from the `earlier` points of the same scope and the flush's
    newest registrations (`rows`, newest first: trusted store rows, never a push's items):
    None when they cannot be had so (no earlier points of the same POINTS_READ_EVERY period
    and before `as_of`, or rows that do not reach back to the earlier flush's newest, so that
    registrations in between would be missing). Registrations stored late with a registration
    time older than that newest, or edited, show at the next whole read."""
    if (
        earlier is None
        or earlier.as_of >= as_of
        or _read_every(earlier.as_of) != _read_every(as_of)
        or earlier.newest is None
    ):
        return None
    if len(rows) >= SHARED_FEED_ROWS and not rows[-1]["registered_at"] < earlier.newest:
        return None
    return _merged_points(earlier.points, rows, as_of)


def _merged_points(
    points: list[dict[str, Any]], rows: list[dict[str, Any]], as_of: datetime
) -> list[dict[str, Any]]:
    """`points` with the rows that have coordinates (a row replacing its point), those of the
    POINT_HOURS before `as_of`, newest first, at most live_page's point limit."""
    by_number = {p["reg_no"]: p for p in points}
    for row in rows:
        if row.get("lat") is not None and row.get("lon") is not None:
            by_number[row["reg_no"]] = {f: row[f] for f in POINT_FIELDS}
    start = as_of - timedelta(hours=POINT_HOURS)
    kept = [p for p in by_number.values() if p["registered_at"] > start]
    kept.sort(key=lambda p: (p["registered_at"], p["reg_no"]), reverse=True)
    return kept[: live_page.POINT_LIMIT]


def shared_points(context: Context, view: PushedView) -> list[dict[str, Any]]:
    """The map's points of the view's scope at its flush, for every page of this process:
    from the previous flush's points and this flush's rows (the feed's read: no statement of
    their own), read whole the first flush of every POINTS_READ_EVERY and whenever they
    cannot follow (see points_after). Not to be modified."""
    rows = _flush_rows(context, view)
    flt = CaseFilter(scope_region=view.scope)
    latest_key = (context.sessions, view.scope)

    def derive() -> SharedPoints:
        points = points_after(_latest_points.get(latest_key), rows, view.as_of)
        if points is None:
            with context.sessions() as session:
                read = live_page.recent_points(session, flt, view.as_of, POINT_HOURS)
            points = _merged_points(read, rows, view.as_of)
        newest = rows[0]["registered_at"] if rows else None
        found = SharedPoints(view.as_of, newest, points)
        latest = _latest_points.get(latest_key)
        if latest is None or latest.as_of < view.as_of:
            _latest_points[latest_key] = found
        return found

    return _points.get((context.sessions, view.scope, view.as_of), derive).points


def shared_point_arrays(
    context: Context, view: PushedView, lang: str
) -> list[dict[str, list[object]]]:
    """The map's point arrays of the view's scope at its flush (shared_points), built once per
    process for every page of that flush, scope and language (not to be modified)."""
    points = shared_points(context, view)
    return _point_arrays.get(
        (context.sessions, view.scope, view.as_of, lang, context.tz),
        lambda: points_arrays(points, lang, context.tz),
    )


def update_map(
    context: Context,
    trigger: str | None,
    region: Any,
    district: Any,
    category: Any,
    kind: Any,
    measure: Any,
    theme: Any,
    payload: Any,
    built: Any,
    lang: Any,
    shading: Any = None,
    points: Any = True,
    look: MapLook = LIVE_LOOK,
) -> tuple[Any, str]:
    """The map: a full figure when what it shows changed, else a patch of its arrays (points
    on a "changes" push, shading on a "map" push (`shading`), both on the safety timer or
    after a reconnect) or of its points' visibility (the points switch, `points`); `look`:
    the figure's sizes."""
    filters = page_filters(region, district, category, kind)
    measure = inputs.choice(measure, MEASURES, DEFAULT_MEASURE)
    dark, lang = inputs.text(theme) == "dark", inputs.language(lang)
    shown = inputs.switch(points, default=True)
    key = map_key(filters, measure, dark, lang)
    flt = _filter(context, filters)
    if trigger == ids.LIVE_POINTS and inputs.text(built) == key:
        return map_patch(None, None, measure, lang, context.tz, points_shown=shown), key
    patching = inputs.text(built) == key and trigger in (
        ids.LIVE_MAP_TICK,
        ids.SOCKET,
        ids.RESYNC,
        MAP_PUSH,
    )
    if patching and trigger == MAP_PUSH:
        stats = pushed_shading(context, filters, shading)
        if stats is None:
            with context.sessions() as session:
                stats = live_page.district_map_stats(session, flt, context.now, context.due_soon)
        return map_patch(stats, None, measure, lang, context.tz), key
    if (
        patching
        and trigger == ids.SOCKET
        and (payload is not None and not inputs.mapping(payload).get("registered_count"))
    ):
        raise PreventUpdate
    view = (
        pushed_view(context, filters, inputs.mapping(payload))
        if (patching and trigger == ids.SOCKET)
        else None
    )
    if view is not None:
        return map_patch(
            None,
            None,
            measure,
            lang,
            context.tz,
            point_arrays=shared_point_arrays(context, view, lang),
        ), key
    with context.sessions() as session:
        points = live_page.recent_points(session, flt, context.now, POINT_HOURS)
        stats = (
            None
            if patching and trigger == ids.SOCKET
            else live_page.district_map_stats(session, flt, context.now, context.due_soon)
        )
    if patching:
        return map_patch(stats, points, measure, lang, context.tz), key
    figure: go.Figure = build_map_figure(
        stats or [],
        points,
        measure,
        lang,
        context.tz,
        dark=dark,
        tile_url=context.map_tiles,
        points_shown=shown,
        look=look,
    )
    return figure, key


def map_hint(points: Any, lang: Any) -> str:
    """What a click on the map does, with the points shown or hidden."""
    shown = inputs.switch(points, default=True)
    return t("map.hint" if shown else "map.points_hidden", inputs.language(lang))


def open_map_target(click: Any) -> tuple[str, str]:
    """Where a click on the map leads: a district's workload or a registration's case."""
    points = inputs.rows(inputs.mapping(click).get("points"))
    if not points:
        raise PreventUpdate
    point = points[0]
    custom = point.get("customdata")  # the point's row of its trace's customdata: [reg_no, …]
    first = inputs.text(custom[0] if isinstance(custom, list) and custom else custom)
    target = clicked_target(
        inputs.number(point.get("curveNumber")), inputs.text(point.get("location")), first
    )
    if target is None:
        raise PreventUpdate
    what, key = target
    if what == "district":
        return "/workload", drill_search(Drill(district=key))
    return f"/cases/{key}", ""


def follow_changes_throttled(app: Dash, store: str, graph: str) -> None:
    """Feed the "changes" pushes to the map's `store` in the browser, at most every
    MAP_POINTS_EVERY (FOLLOW_CHANGES_THROTTLED); `graph`: the map's id."""
    app.clientside_callback(
        FOLLOW_CHANGES_THROTTLED,
        Output(store, "data"),
        Input(ids.SOCKET, "data-changes"),
        State(graph, "id"),
        prevent_initial_call=True,
    )


def map_trigger(store: str) -> str | None:
    """update_map's trigger for the callback that fired: the map's store of throttled
    "changes" pushes stands for the socket."""
    if MAP_PUSH in ctx.triggered_prop_ids:
        return MAP_PUSH
    return ids.SOCKET if ctx.triggered_id == store else ctx.triggered_id


def register(app: Dash) -> None:
    app.clientside_callback(
        GO_TO_INSTANT,
        Output(ids.LIVE_TIME, "disabled"),
        Input(ids.LIVE_TIME, "value"),
        prevent_initial_call=True,
    )
    filters = [
        Input(ids.LIVE_REGION, "value"),
        Input(ids.LIVE_DISTRICT, "value"),
        Input(ids.LIVE_CATEGORY, "value"),
        Input(ids.LIVE_KIND, "value"),
    ]
    register_view(
        app,
        LIVE_VIEW,
        [
            *((i, "value") for i in (ids.LIVE_REGION, ids.LIVE_DISTRICT)),
            *((i, "value") for i in (ids.LIVE_CATEGORY, ids.LIVE_KIND, ids.LIVE_MEASURE)),
            (ids.LIVE_POINTS, "value"),
        ],
    )

    @app.callback(
        Output(ids.LIVE_DISTRICT, "options"),
        Input(ids.LIVE_REGION, "value"),
        State(ids.LANG, "data"),
    )
    def live_district_options(region: Any, lang: Any) -> list[dict[str, str]]:
        return update_district_options(request_context(), region, lang)

    @app.callback(
        Output(ids.LIVE_FEED, "children"),
        Output(ids.LIVE_NEW_COUNT, "children"),
        Output(ids.LIVE_STRIP, "children"),
        Output(ids.LIVE_NEW, "data"),
        *filters,
        Input(ids.SOCKET, "data-changes"),
        Input(ids.RESYNC, "data"),
        State(ids.LIVE_OPENED, "data"),
        State(ids.LIVE_NEW, "data"),
        State(ids.LANG, "data"),
    )
    def update_live_feed(
        region: Any,
        district: Any,
        category: Any,
        kind: Any,
        payload: Any,
        _resync: Any,
        opened: Any,
        counted: Any,
        lang: Any,
    ) -> tuple[Any, ...]:
        pushed = ctx.triggered_id == ids.SOCKET
        if pushed and pushed_nothing(payload):
            raise PreventUpdate
        return refresh_feed(
            request_context(),
            region,
            district,
            category,
            kind,
            opened,
            lang,
            payload if pushed else None,
            counted,
        )

    @app.callback(
        Output(ids.LIVE_MAP, "figure"),
        Output(ids.LIVE_MAP_KEY, "data"),
        *filters,
        Input(ids.LIVE_MEASURE, "value"),
        Input(ids.THEME, "data"),
        Input(ids.LIVE_MAP_TICK, "n_intervals"),
        Input(ids.LIVE_MAP_CHANGES, "data"),
        Input(ids.SOCKET, "data-map"),
        Input(ids.RESYNC, "data"),
        Input(ids.LIVE_POINTS, "value"),
        State(ids.LIVE_MAP_KEY, "data"),
        State(ids.LANG, "data"),
    )
    def update_live_map(
        region: Any,
        district: Any,
        category: Any,
        kind: Any,
        measure: Any,
        theme: Any,
        _tick: Any,
        payload: Any,
        shading: Any,
        _resync: Any,
        points: Any,
        built: Any,
        lang: Any,
    ) -> tuple[Any, str]:
        return update_map(
            request_context(),
            map_trigger(ids.LIVE_MAP_CHANGES),
            region,
            district,
            category,
            kind,
            measure,
            theme,
            payload,
            built,
            lang,
            shading,
            points,
        )

    follow_changes_throttled(app, ids.LIVE_MAP_CHANGES, ids.LIVE_MAP)

    @app.callback(
        Output(ids.LIVE_MAP_HINT, "children"),
        Input(ids.LIVE_POINTS, "value"),
        State(ids.LANG, "data"),
    )
    def live_map_hint(points: Any, lang: Any) -> str:
        return map_hint(points, lang)

    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.LIVE_MAP, "clickData"),
        prevent_initial_call=True,
    )
    def follow_map_click(click: Any) -> tuple[str, str]:
        return open_map_target(click)
