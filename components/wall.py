"""The wall screen (`/wall`): the live page's facts for the duty room's television, filling the
screen with no scrolling, in type read from three metres (components/assets/wall.css): a top
line (title, scope, clock, connection, sound), four big counters, the map, the cases needing
attention (deadlines just passed, flags raised) and the feed of new registrations.

The attention panel's kinds are listed once (data.wall.ATTENTION_KINDS); each has its colour
and symbol here (KIND_STYLE) and its name in the words table ("wall.kind.<kind>")."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import TypedDict
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.common import HIDDEN_FROM_READERS, empty_state, graph_config
from components.formatting import intl_locales, local_time
from components.i18n import district_name, duration_text, label, number_text, region_name, t
from components.live import MAP_CONFIG, WALL_PATH, feed
from components.live_map import MapLook
from components.view_state import ViewSpec
from data.wall import Attention
from rules.access import Viewer

PATH = WALL_PATH
# The map's sizes on the wall: its box's height, type read from afar, larger points.
WALL_LOOK = MapLook(height=None, font=18, marker=11, bar=22, legend=False)
# The counters in their order, each with its colour and the key of its name.
COUNTERS = (
    ("open", "primary", "strip.open"),
    ("overdue", "danger", "strip.overdue"),
    ("due_soon", "warning", "strip.due_soon"),
    ("today", "info", "wall.today"),
)
# Why a case needs attention: its badge's colour and a symbol (the word says it; the colour
# and the symbol only repeat it).
KIND_STYLE = {
    "overdue": ("danger", "⚠"),
    "flagged": ("warning", "⚑"),
    "escalated": ("danger", "⇧"),
}
FEED_SHOWN = 20  # more would not fit the screen anyway
THEMES = {True: "dark", False: "light"}  # the theme switch's value: the wall's colour mode
# What the wall keeps in its address (components.view_state): its colour mode, dark unless
# `?theme=light` (a television's start address says it). Not the sound: a browser starts audio
# only after a click on the page, so an address could not switch it on.
WALL_VIEW = ViewSpec(
    PATH,
    ("theme",),
    defaults={"theme": THEMES[True]},
    switches={"theme": (THEMES[True], THEMES[False])},
)
# What the browser reads from the clock's element, and the wall's colour mode (Dash takes
# `data-*` attributes as keyword arguments; names with a hyphen only through a mapping).
_ClockAttributes = TypedDict("_ClockAttributes", {"data-tz": str, "data-locales": str})
_ThemeAttribute = TypedDict("_ThemeAttribute", {"data-bs-theme": str})


def counters(counts: Mapping[str, int], lang: str) -> list[html.Div]:
    """The four big counters (open, overdue, due soon, registered today); the overdue one
    filled red when there are any."""
    tiles = []
    for key, color, name in COUNTERS:
        value = counts.get(key, 0)
        alarm = key == "overdue" and value > 0
        tiles.append(
            html.Div(
                [
                    html.Div(
                        number_text(value, lang), className="kup-wall-number", id=f"wall-{key}"
                    ),
                    html.Div(t(name, lang), className="kup-wall-count-label"),
                ],
                className=f"kup-wall-count border border-3 border-{color} rounded-3"
                + (" kup-wall-alarm bg-danger text-white" if alarm else ""),
            )
        )
    return tiles


def since_text(item: Attention, lang: str, tz: ZoneInfo, now: datetime) -> str:
    """When a case came to need attention: how long it has been overdue ("5 ч 10 мин": its
    deadline is mostly midnight), or the time it was flagged ("14:05")."""
    if item.kind == "overdue":
        return t("wall.overdue_for", lang, duration=duration_text(now - item.at, lang))
    return local_time(item.at, tz, lang)


def attention_note(item: Attention, lang: str) -> str:
    """The line under a case needing attention: whom an escalation reached, a flag's comment
    and author, or the case's summary."""
    if item.kind == "escalated":
        return label("wall.escalated", str(item.level), lang)
    if item.note:
        return f"{item.note} — {item.by}"
    return str(item.case.get("summary") or "")


def attention_item(
    item: Attention, lang: str, tz: ZoneInfo, now: datetime, new: bool = False
) -> html.Li:
    """One case needing attention: why (a coloured badge) and since when, its number, district
    and category, and the flag's comment or the case's summary. `new`: it arrived while the
    screen was open (highlighted; the highlight fades in CSS, the element kept by its id)."""
    case = item.case
    reg_no = str(case["reg_no"])
    color, symbol = KIND_STYLE.get(item.kind, ("secondary", "•"))
    note = attention_note(item, lang)
    return html.Li(
        [
            html.Div(
                [
                    dbc.Badge(
                        f"{symbol} {label('wall.kind', item.kind, lang)}",
                        color=color,
                        text_color="dark" if color == "warning" else None,
                    ),
                    html.Span(since_text(item, lang, tz, now), className="fw-semibold"),
                    html.Span(reg_no, className="font-monospace fw-semibold text-nowrap"),
                    *(
                        [dbc.Badge(t("live.arrived", lang), color="light", text_color="dark")]
                        if new
                        else []
                    ),
                ],
                className="d-flex flex-wrap align-items-center gap-2",
            ),
            html.Div(
                " · ".join(
                    [
                        district_name(str(case.get("district")), lang),
                        label("category", str(case.get("category")), lang),
                    ]
                ),
                className="kup-wall-where",
            ),
            html.Div(note, className="kup-summary text-break"),
        ],
        id=f"wall-att-{item.kind}-{reg_no}",
        className=f"kup-attention-item kup-attention-{item.kind}"
        + (" kup-attention-new" if new else ""),
    )


def attention_list(
    items: Sequence[Attention],
    lang: str,
    tz: ZoneInfo,
    now: datetime,
    new: Collection[str] = frozenset(),
) -> html.Ul | html.Div:
    """The attention panel's list, the latest first (the events whose key is in `new`
    highlighted), or a sentence when nothing needs attention."""
    if not items:
        return empty_state(t("wall.calm", lang))
    return html.Ul(
        [attention_item(i, lang, tz, now, i.key in new) for i in items],
        className="list-unstyled mb-0",
    )


def wall_feed(
    rows: Sequence[Mapping[str, object]], lang: str, tz: ZoneInfo, new: Collection[str]
) -> dbc.ListGroup | html.Div:
    """The live page's feed, cut to what a screen shows."""
    return feed(rows[:FEED_SHOWN], lang, tz, new)


def _panel(title: str, body: Component, class_name: str) -> html.Section:
    return html.Section(
        [html.H2(title, className="kup-wall-title"), body],
        className=f"kup-wall-panel {class_name}",
    )


def top_line(viewer: Viewer, lang: str, tz: ZoneInfo, dark: bool = True) -> html.Header:
    """Title (a link back to the live page), the viewer's scope, the clock (filled in the
    browser: assets/kup-wall.js), the connection state, the sound and theme switches (`dark`:
    the theme switch on)."""
    scope = region_name(viewer.region, lang) if viewer.region else t("nav.scope_country", lang)
    return html.Header(
        [
            # The title leads back to the live page (a television needs no other link).
            html.H1(
                dcc.Link(t("wall.title", lang), href="/", title=t("wall.leave", lang)),
                className="kup-wall-heading",
            ),
            html.Span(scope, className="kup-wall-scope", id=ids.WALL_SCOPE),
            html.Span(
                [html.Span(className="kup-wall-date"), " ", html.Span(className="kup-wall-time")],
                id=ids.WALL_CLOCK,
                className="kup-wall-clock ms-auto",
                **_ClockAttributes(
                    {"data-tz": tz.key, "data-locales": ",".join(intl_locales(lang))}
                ),
            ),
            dbc.Badge(
                t("conn.connecting", lang), id=ids.WALL_CONNECTION, color="secondary", pill=True
            ),
            dbc.Switch(
                id=ids.WALL_SOUND,
                label=t("wall.sound", lang),
                value=False,
                className="mb-0 text-nowrap kup-wall-switch",
            ),
            dbc.Switch(
                id=ids.WALL_DARK,
                # A moon for the eye, the words for screen readers and on hover (as the navbar)
                label=html.Span(
                    [
                        html.Span("☾", **HIDDEN_FROM_READERS),
                        html.Span(t("nav.dark", lang), className="visually-hidden"),
                    ],
                    title=t("nav.dark", lang),
                ),
                value=dark,
                className="mb-0 text-nowrap kup-wall-switch",
            ),
        ],
        className="kup-wall-top",
    )


def wall_page(viewer: Viewer, lang: str, tz: ZoneInfo, search: str | None = None) -> html.Div:
    """The skeleton of the wall screen (its callbacks fill it in from the pushes), in the colour
    mode of the address's `search` (WALL_VIEW)."""
    dark = WALL_VIEW.is_on("theme", WALL_VIEW.read(search, viewer)["theme"])
    return html.Div(
        [
            dcc.Store(id=ids.WALL_FEED_MEMORY),
            dcc.Store(id=ids.WALL_ATTENTION_MEMORY),
            dcc.Store(id=ids.WALL_ALERT),
            dcc.Store(id=ids.WALL_MAP_KEY),
            dcc.Store(id=ids.WALL_MAP_CHANGES),
            top_line(viewer, lang, tz, dark),
            html.Div(counters({}, lang), id=ids.WALL_COUNTERS, className="kup-wall-counters"),
            html.Div(
                [
                    _panel(
                        t("live.map", lang),
                        dcc.Graph(
                            id=ids.WALL_MAP,
                            config=graph_config(lang, {**MAP_CONFIG, "scrollZoom": False}),
                            responsive=True,
                            className="kup-wall-map",
                        ),
                        "kup-wall-map-panel",
                    ),
                    _panel(
                        t("wall.attention", lang),
                        html.Div(
                            empty_state(t("loading", lang)),
                            id=ids.WALL_ATTENTION,
                            className="kup-wall-list",
                        ),
                        "kup-wall-attention border border-3 border-danger",
                    ),
                    _panel(
                        t("live.feed", lang),
                        html.Div(
                            empty_state(t("loading", lang)),
                            id=ids.WALL_FEED,
                            className="kup-feed kup-wall-list",
                        ),
                        "kup-wall-feed",
                    ),
                ],
                className="kup-wall-body",
            ),
        ],
        id=ids.WALL,
        className="kup-wall bg-body text-body",
        **_ThemeAttribute({"data-bs-theme": THEMES[dark]}),
    )
