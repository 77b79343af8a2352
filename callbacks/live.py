"""Callbacks of the live page: feed, counters, map, map clicks, district choices.

Each "changes" push (already coalesced by the server) costs three cheap queries: the newest
registrations (registered_at index, LIMIT), the open/overdue/due-soon counts ((decision,
deadline) index) and the count since the page opened; the map's points are patched in place.
The map's shading (two GROUP BYs) is refreshed on a timer, not per push.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import plotly.graph_objects as go
from dash import Dash, Input, Output, State, ctx
from dash.exceptions import PreventUpdate

from callbacks.context import Context, request_context
from components import ids
from components.common import district_options, value_or_none
from components.formatting import instant
from components.live import feed, new_count, status_strip
from components.live_map import build_map_figure, clicked_target, map_patch
from components.workload import Drill, drill_search
from data import aggregates

FEED_SIZE = 50
POINT_HOURS = 24


def _filter(context: Context, region: Any, district: Any, category: Any, kind: Any):  # type: ignore[no-untyped-def]
    return context.case_filter(region=value_or_none(region), district=value_or_none(district),
                               category=value_or_none(category), kind=value_or_none(kind))


def pushed_nothing(payload: Mapping[str, Any] | None) -> bool:
    """True for a push that says nothing changed that a page could show."""
    if not payload:
        return False
    changed = payload.get("changed")
    return not payload.get("registered_count") and changed is not None and not changed


def update_district_options(context: Context, region: Any, lang: str) -> list[dict]:
    """Districts to choose from: the viewer's scope, narrowed by the chosen region."""
    return district_options(value_or_none(region), context.viewer.region, lang)


def pushed_matching(payload: Mapping[str, Any], region: Any, district: Any, category: Any,
                    kind: Any) -> int:
    """How many registrations of one push match the page's filters (the push is already
    limited to the viewer's region; its item list may be cut short, its count is not)."""
    wanted = {k: v for k, v in (("region", region), ("district", district),
                                ("category", category), ("kind", kind)) if v}
    items = payload.get("registered") or []
    if not wanted:
        return max(int(payload.get("registered_count") or 0), len(items))
    return sum(all(item.get(k) == v for k, v in wanted.items()) for item in items)


def refresh_feed(context: Context, region: Any, district: Any, category: Any, kind: Any,
                 opened: str | None, lang: str, payload: Mapping[str, Any] | None = None,
                 counted: Mapping[str, Any] | None = None) -> tuple[Any, ...]:
    """Feed items, the "new since the page opened" counter (and its memory) and the status
    strip. The counter adds up what the pushes brought (`payload`: the push that triggered
    this, if one did) and never shows less than the store's count of registrations since
    the page opened, which also covers what was missed while disconnected; new filters
    start it again from the store."""
    flt = _filter(context, region, district, category, kind)
    since = instant(opened) or context.now
    with context.sessions() as session:
        rows = aggregates.recent_registrations(session, flt, FEED_SIZE)
        stored = aggregates.registered_since(session, flt, since)
        counts = aggregates.status_counts(session, flt, context.now, context.due_soon)
    key = json.dumps([region, district, category, kind])
    count = stored
    if counted and counted.get("key") == key:
        pushed = pushed_matching(payload, region, district, category, kind) if payload else 0
        count = max(int(counted.get("count") or 0) + pushed, stored)
    return (feed(rows, lang, context.tz), new_count(count, lang), status_strip(counts, lang),
            {"key": key, "count": count})


def map_key(region: Any, district: Any, category: Any, kind: Any, measure: Any, theme: Any,
            lang: str) -> str:
    """What a full map figure depends on (a patch applies only to a figure built for it)."""
    return json.dumps([region, district, category, kind, measure, theme, lang])


def update_map(context: Context, trigger: str | None, region: Any, district: Any,
               category: Any, kind: Any, measure: str | None, theme: str | None,
               payload: Mapping[str, Any] | None, built: str | None,
               lang: str) -> tuple[Any, str]:
    """The map: a full figure when what it shows changed, else a patch of its arrays
    (points on a push, shading and points on the timer or after a reconnect)."""
    measure = measure or "open"
    key = map_key(region, district, category, kind, measure, theme, lang)
    flt = _filter(context, region, district, category, kind)
    patching = built == key and trigger in (ids.LIVE_MAP_TICK, ids.SOCKET, ids.RESYNC)
    if patching and trigger == ids.SOCKET and (pushed_nothing(payload) or (
            payload is not None and not payload.get("registered_count"))):
        raise PreventUpdate
    with context.sessions() as session:
        points = aggregates.recent_points(session, flt, context.now, POINT_HOURS)
        stats = None if patching and trigger == ids.SOCKET else aggregates.district_map_stats(
            session, flt, context.now, context.due_soon)
    if patching:
        return map_patch(stats, points, measure, lang, context.tz), key
    figure: go.Figure = build_map_figure(stats or [], points, measure, lang, context.tz,
                                         dark=theme == "dark", tile_url=context.map_tiles)
    return figure, key


def open_map_target(click: Mapping[str, Any] | None) -> tuple[str, str]:
    """Where a click on the map leads: a district's workload or a registration's case."""
    target = clicked_target(click)
    if target is None:
        raise PreventUpdate
    what, key = target
    if what == "district":
        return "/workload", drill_search(Drill(district=key))
    return f"/cases/{key}", ""


def register(app: Dash) -> None:
    filters = [Input(ids.LIVE_REGION, "value"), Input(ids.LIVE_DISTRICT, "value"),
               Input(ids.LIVE_CATEGORY, "value"), Input(ids.LIVE_KIND, "value")]

    @app.callback(Output(ids.LIVE_DISTRICT, "options"), Input(ids.LIVE_REGION, "value"),
                  State(ids.LANG, "data"))
    def live_district_options(region: Any, lang: str) -> list[dict]:
        return update_district_options(request_context(), region, lang)

    @app.callback(Output(ids.LIVE_FEED, "children"), Output(ids.LIVE_NEW_COUNT, "children"),
                  Output(ids.LIVE_STRIP, "children"), Output(ids.LIVE_NEW, "data"), *filters,
                  Input(ids.SOCKET, "data-changes"), Input(ids.RESYNC, "data"),
                  State(ids.LIVE_OPENED, "data"), State(ids.LIVE_NEW, "data"),
                  State(ids.LANG, "data"))
    def update_live_feed(region: Any, district: Any, category: Any, kind: Any,
                         payload: Mapping[str, Any] | None, _resync: int, opened: str | None,
                         counted: Any, lang: str) -> tuple[Any, ...]:
        pushed = ctx.triggered_id == ids.SOCKET
        if pushed and pushed_nothing(payload):
            raise PreventUpdate
        return refresh_feed(request_context(), region, district, category, kind, opened, lang,
                            payload if pushed else None, counted)

    @app.callback(Output(ids.LIVE_MAP, "figure"), Output(ids.LIVE_MAP_KEY, "data"), *filters,
                  Input(ids.LIVE_MEASURE, "value"), Input(ids.THEME, "data"),
                  Input(ids.LIVE_MAP_TICK, "n_intervals"), Input(ids.SOCKET, "data-changes"),
                  Input(ids.RESYNC, "data"), State(ids.LIVE_MAP_KEY, "data"),
                  State(ids.LANG, "data"))
    def update_live_map(region: Any, district: Any, category: Any, kind: Any, measure: Any,
                        theme: Any, _tick: Any, payload: Any, _resync: Any, built: Any,
                        lang: str) -> tuple[Any, str]:
        return update_map(request_context(), ctx.triggered_id, region, district, category,
                          kind, measure, theme, payload, built, lang)

    @app.callback(Output(ids.URL, "pathname", allow_duplicate=True),
                  Output(ids.URL, "search", allow_duplicate=True),
                  Input(ids.LIVE_MAP, "clickData"), prevent_initial_call=True)
    def follow_map_click(click: Any) -> tuple[str, str]:
        return open_map_target(click)

