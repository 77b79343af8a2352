"""Callbacks of the wall screen (`/wall`): its counters and feed, its map, the cases needing
attention, the connection badge, the theme and the sound.

Nothing here polls: the wall has no timer that reads the store. Its counters and feed follow
the "changes" push exactly as the live page with its default filters does (callbacks/live.py:
the push's live view, the feed rows read once per flush and web process), its map the "changes"
and "map" pushes (update_map), and its attention panel re-reads on the pushes that can bring or
settle a case needing attention (ATTENTION_PUSHES: a deadline passed or the room's cases
changed, a flag set or cleared), once per push, room and web process. A reconnect re-reads all
(the shell's resync). The clock runs in the browser (assets/kup-wall.js).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from dash import Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks.context import Context, request_context
from callbacks.live import (
    Filters,
    follow_changes_throttled,
    map_trigger,
    pushed_nothing,
    read_feed,
    update_map,
)
from callbacks.overdue import push_instant
from callbacks.shared_reads import SharedReads
from callbacks.view_url import register_view
from components import ids
from components.live_map import DEFAULT_MEASURE
from components.wall import THEMES, WALL_LOOK, WALL_VIEW, attention_list, counters, wall_feed
from data import wall
from data.wall import Attention

DEFAULT_FILTERS: Filters = (None, None, None, None)  # the wall shows the viewer's whole scope
# The pushes after which the attention panel re-reads (socket events of console/web/push.py):
# a deadline passed, a flag set or cleared, an alert's step (an escalation).
ATTENTION_PUSHES = ("overdue", "flags", "alerts")
SEEN_KEPT = 300  # events a page remembers having shown (not new when they show again)

# A tone when a case newly needs attention, if the sound is on; `data-tones` counts them.
PLAY_TONE = """
function(alert, sound) {
    if (!alert || !sound || !window.kupWall) { return window.dash_clientside.no_update; }
    return window.kupWall.tone();
}
"""
# The sound switch: on, the browser's audio starts (the switch's click allows it) with a
# short tone to say so.
SWITCH_SOUND = """
function(sound) {
    if (!window.kupWall) { return window.dash_clientside.no_update; }
    return window.kupWall.enable(Boolean(sound));
}
"""
# The wall's colour mode and the shell's connection badge (hidden with the navbar) repeated in
# the wall's top line.
APPLY_WALL_THEME = "function(dark) { return dark === false ? 'light' : 'dark'; }"
MIRROR_CONNECTION = "function(text, color) { return [text, color || 'secondary']; }"


def refresh_wall_feed(context: Context, payload: Any, memory: Any, lang: Any) -> tuple[Any, ...]:
    """The counters (open, overdue, due soon and registered today: since local midnight) and
    the feed, as the live page reads them (callbacks.live.read_feed); the day's count starts
    again at midnight."""
    lang, memory = inputs.language(lang), inputs.mapping(memory)
    day = wall.day_start(context.now, context.tz)
    counted = memory if memory.get("day") == day.isoformat() else {}
    state = read_feed(context, DEFAULT_FILTERS, day, payload, counted)
    return (
        counters({**state.counts, "today": state.count}, lang),
        wall_feed(state.rows, lang, context.tz, state.fresh),
        {**state.memory, "day": day.isoformat()},
    )


_attention: SharedReads[list[Attention]] = SharedReads()


def read_attention(context: Context, payload: Any = None) -> list[Attention]:
    """The cases needing attention in the viewer's scope: after a push of this moment read at
    its instant once per web process for every page of the viewer's room (see push_instant),
    else read now."""
    shared_at = push_instant(context, payload) if payload is not None else None
    if shared_at is not None:
        context = context.at(shared_at)

    def read() -> list[Attention]:
        with context.sessions() as session:
            return wall.attention(session, context.case_filter(), context.now)

    if shared_at is None:
        return read()
    return _attention.get((context.sessions, context.viewer.region, shared_at), read)


def newly_shown(keys: list[str], memory: Any) -> tuple[list[str], list[str], dict[str, Any]]:
    """Which of the events shown (`keys`) arrived with this update (none on the first, which
    only shows what is there), which stay marked as arrived while the page was open, and the
    page's memory after it."""
    memory = inputs.mapping(memory)
    first = "seen" not in memory
    seen = inputs.texts(memory.get("seen"))
    known = set(seen)
    arrived = [] if first else [k for k in keys if k not in known]
    marked = [k for k in dict.fromkeys([*arrived, *inputs.texts(memory.get("new"))]) if k in keys]
    return arrived, marked, {"seen": [*keys, *seen][:SEEN_KEPT], "new": marked}


def refresh_attention(
    context: Context, payload: Any, memory: Any, alert: Any, lang: Any
) -> tuple[Any, ...]:
    """The attention panel, the page's memory of it, and the alert (bumped when an event
    arrived: the browser then plays a tone if the sound is on)."""
    items = read_attention(context, payload)
    keys = list(dict.fromkeys(item.key for item in items))
    arrived, marked, memory = newly_shown(keys, memory)
    alert = inputs.mapping(alert)
    bumped: Any = (
        {"new": len(arrived), "seq": inputs.number(alert.get("seq")) + 1} if arrived else no_update
    )
    return (
        attention_list(items, inputs.language(lang), context.tz, context.now, set(marked)),
        memory,
        bumped,
    )


def wall_theme(dark: Any) -> str:
    """The wall's colour mode: dark unless its switch is off."""
    return THEMES[inputs.switch(dark, default=True)]


def _pushed(events: Collection[str]) -> Any:
    """The payload of the socket event of `events` that fired this callback, if one did."""
    for event in events:
        if f"{ids.SOCKET}.data-{event}" in ctx.triggered_prop_ids:
            return ctx.inputs.get(f"{ids.SOCKET}.data-{event}")
    return None


def register(app: Dash) -> None:
    register_view(app, WALL_VIEW, [(ids.WALL_DARK, "value")])

    @app.callback(
        Output(ids.WALL_COUNTERS, "children"),
        Output(ids.WALL_FEED, "children"),
        Output(ids.WALL_FEED_MEMORY, "data"),
        Input(ids.SOCKET, "data-changes"),
        Input(ids.RESYNC, "data"),
        State(ids.WALL_FEED_MEMORY, "data"),
        State(ids.LANG, "data"),
    )
    def update_wall_feed(payload: Any, _resync: Any, memory: Any, lang: Any) -> tuple[Any, ...]:
        pushed = ctx.triggered_id == ids.SOCKET
        if pushed and pushed_nothing(payload):
            raise PreventUpdate
        return refresh_wall_feed(request_context(), payload if pushed else None, memory, lang)

    @app.callback(
        Output(ids.WALL_MAP, "figure"),
        Output(ids.WALL_MAP_KEY, "data"),
        Input(ids.WALL_DARK, "value"),
        Input(ids.WALL_MAP_CHANGES, "data"),
        Input(ids.SOCKET, "data-map"),
        Input(ids.RESYNC, "data"),
        State(ids.WALL_MAP_KEY, "data"),
        State(ids.LANG, "data"),
    )
    def update_wall_map(
        dark: Any, payload: Any, shading: Any, _resync: Any, built: Any, lang: Any
    ) -> tuple[Any, str]:
        return update_map(
            request_context(),
            map_trigger(ids.WALL_MAP_CHANGES),
            *DEFAULT_FILTERS,
            DEFAULT_MEASURE,
            wall_theme(dark),
            payload,
            built,
            lang,
            shading,
            True,
            look=WALL_LOOK,
        )

    follow_changes_throttled(app, ids.WALL_MAP_CHANGES, ids.WALL_MAP)

    @app.callback(
        Output(ids.WALL_ATTENTION, "children"),
        Output(ids.WALL_ATTENTION_MEMORY, "data"),
        Output(ids.WALL_ALERT, "data"),
        *(Input(ids.SOCKET, f"data-{event}") for event in ATTENTION_PUSHES),
        Input(ids.RESYNC, "data"),
        State(ids.WALL_ATTENTION_MEMORY, "data"),
        State(ids.WALL_ALERT, "data"),
        State(ids.LANG, "data"),
    )
    def update_wall_attention(*args: Any) -> tuple[Any, ...]:
        memory, alert, lang = args[-3:]
        return refresh_attention(request_context(), _pushed(ATTENTION_PUSHES), memory, alert, lang)

    app.clientside_callback(
        APPLY_WALL_THEME, Output(ids.WALL, "data-bs-theme"), Input(ids.WALL_DARK, "value")
    )
    app.clientside_callback(
        MIRROR_CONNECTION,
        Output(ids.WALL_CONNECTION, "children"),
        Output(ids.WALL_CONNECTION, "color"),
        Input(ids.LIVE_BADGE, "children"),
        Input(ids.LIVE_BADGE, "color"),
    )
    app.clientside_callback(
        PLAY_TONE,
        Output(ids.WALL, "data-tones"),
        Input(ids.WALL_ALERT, "data"),
        State(ids.WALL_SOUND, "value"),
        prevent_initial_call=True,
    )
    app.clientside_callback(
        SWITCH_SOUND,
        Output(ids.WALL, "data-sound"),
        Input(ids.WALL_SOUND, "value"),
        prevent_initial_call=True,
    )
