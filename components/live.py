"""The live page (`/`): newest registrations, counters, the map, filters."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta
from typing import TypedDict
from zoneinfo import ZoneInfo

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.common import (
    SAFETY_REFRESH_MS,
    card,
    category_options,
    district_options,
    empty_state,
    filter_dropdown,
    graph_config,
    hidden_label,
    kind_options,
    loading,
    region_options,
)
from components.formatting import local_time
from components.i18n import district_name, label, number_text, plural_parts, t
from components.live_map import MEASURES
from components.time_control import time_control
from components.view_state import LIVE_VIEW
from rules.access import Viewer

# No mode bar: it would lie over the legend of the points (zoom with the wheel, double-click
# to reset the view).
MAP_CONFIG: dcc.Graph.Config = {
    "displaylogo": False,
    "displayModeBar": False,
    "scrollZoom": True,
    "doubleClick": "reset",
    "topojsonURL": "/_kup-no-topojson/",
}
WALL_PATH = "/wall"  # the same facts arranged for the duty room's television (components/wall.py)
# How long a registration pushed live stays highlighted at the top of the feed (the CSS
# animation of .kup-feed-new in assets/live.css lasts as long).
HIGHLIGHT = timedelta(seconds=6)


STRIP_KEYS = ("open", "overdue", "due_soon")

# A feed item's `data-reg-no` attribute (Dash takes `data-*` attributes as keyword arguments;
# a name with a hyphen can only be given through a mapping, typed here).
_RegNoAttribute = TypedDict("_RegNoAttribute", {"data-reg-no": str})


def status_strip(counts: Mapping[str, int], lang: str) -> list[dbc.Col]:
    """Open, overdue and due-soon counts as tiles; the two alarming ones link to /overdue."""
    tiles = zip(
        STRIP_KEYS,
        ("primary", "danger", "warning"),
        ("/workload", "/overdue", "/overdue"),
        strict=True,
    )
    return [
        dbc.Col(
            dcc.Link(
                html.Div(
                    [
                        html.Div(
                            number_text(counts.get(key, 0), lang),
                            className="fs-3 fw-bold lh-1",
                            id=f"strip-{key}",
                        ),
                        html.Div(t(f"strip.{key}", lang), className="small"),
                    ],
                    className=f"kup-tile border border-2 border-{color} rounded px-3 py-2 "
                    "text-center",
                ),
                href=href,
                className="text-reset text-decoration-none",
            ),
            width="auto",
        )
        for key, color, href in tiles
    ]


def new_count(count: int, lang: str) -> list[html.Strong | str]:
    """ "5 новых регистраций с открытия страницы" (the number in bold, the words agreeing
    with it by the language's plural rules)."""
    before, number, after = plural_parts("live.new_since", count, lang)
    return [part for part in (before, html.Strong(number, className="fs-5"), after) if part]


def feed_item(
    row: Mapping[str, object], lang: str, tz: ZoneInfo, new: bool = False
) -> dbc.ListGroupItem:
    """One registration: number (link to its page), local time, district, category, summary;
    `new`: just pushed, highlighted with a "new" badge for a few seconds (HIGHLIGHT). The
    summary is a plain string child, so Dash renders it as text, never as markup. The item's
    id (its number) lets the page keep each item's element when the list moves, so a
    highlight is not started again on another item."""
    reg_no = str(row["reg_no"])
    registered = row.get("registered_at")
    extras = [label("kind", str(row.get("kind") or "crime"), lang)]
    head = [
        dcc.Link(
            reg_no, href=f"/cases/{reg_no}", className="fw-semibold font-monospace text-nowrap"
        ),
        html.Span(
            local_time(registered if isinstance(registered, datetime | str) else None, tz, lang),
            className="text-body-secondary",
        ),
        dbc.Badge(
            label("category", str(row.get("category")), lang),
            color="info",
            text_color="dark",
            className="ms-auto",
        ),
    ]
    if row.get("priority") == "high":
        head.insert(2, dbc.Badge(f"! {label('priority', 'high', lang)}", color="danger"))
    if new:
        head.insert(
            2,
            dbc.Badge(
                t("live.arrived", lang),
                color="warning",
                text_color="dark",
                className="kup-arrived-badge",
            ),
        )
    return dbc.ListGroupItem(
        html.Div(
            [
                html.Div(head, className="d-flex flex-wrap align-items-center gap-2"),
                html.Div(
                    " · ".join([district_name(str(row.get("district")), lang), *extras]),
                    className="small text-body-secondary",
                ),
                html.Div(str(row.get("summary") or ""), className="kup-summary text-break"),
            ],
            **_RegNoAttribute({"data-reg-no": reg_no}),
        ),
        id=f"feed-{reg_no}",
        className="kup-feed-item kup-feed-new py-2" if new else "kup-feed-item py-2",
    )


def feed(
    rows: Sequence[Mapping[str, object]],
    lang: str,
    tz: ZoneInfo,
    new: Collection[str] = frozenset(),
) -> dbc.ListGroup | html.Div:
    """The feed list in the order given (registration numbers in `new` highlighted), or a
    sentence when it is empty."""
    if not rows:
        return empty_state(t("live.feed_empty", lang))
    return dbc.ListGroup(
        [feed_item(r, lang, tz, new=str(r["reg_no"]) in new) for r in rows], flush=True
    )


def points_switch(lang: str, shown: bool = True) -> dbc.Switch:
    """The switch that shows or hides the map's points (hidden: a click anywhere in a district
    reaches the district); kept in the address (`?points=hidden`), not by the browser."""
    return dbc.Switch(
        id=ids.LIVE_POINTS,
        label=t("map.points_toggle", lang),
        value=shown,
        className="small mb-0 text-nowrap",
    )


def live_page(
    viewer: Viewer,
    lang: str,
    opened: datetime,
    search: str | None = None,
    as_of: datetime | None = None,
    present: datetime | None = None,
) -> html.Div:
    """The skeleton of the live page; `opened` starts the "new since" counter; its filters, map
    measure and points switch those of the address's `search` (components.view_state); the
    time control at `as_of`, the instant looked back at (None: live), of the last 24 hours
    before `present` (the real now; `opened` when not given)."""
    scope = viewer.region
    view = LIVE_VIEW.read(search, viewer)
    points_shown = LIVE_VIEW.is_on("points", view["points"])
    measure = dbc.Select(
        id=ids.LIVE_MEASURE,
        value=view["measure"],
        size="sm",
        options=[{"label": t(f"measure.{m}", lang), "value": m} for m in MEASURES],
    )
    return html.Div(
        [
            dcc.Store(id=ids.LIVE_OPENED, data=opened.isoformat()),
            dcc.Store(id=ids.LIVE_NEW),
            dcc.Store(id=ids.LIVE_MAP_KEY),
            dcc.Store(id=ids.LIVE_MAP_CHANGES),
            dcc.Interval(id=ids.LIVE_MAP_TICK, interval=SAFETY_REFRESH_MS),
            dbc.Row(
                [
                    dbc.Col(html.H1(t("live.title", lang), className="h3 mb-0"), width="auto"),
                    dbc.Col(
                        html.Div(
                            new_count(0, lang),
                            id=ids.LIVE_NEW_COUNT,
                            className="text-body-secondary",
                        ),
                        width="auto",
                    ),
                    dbc.Col(
                        dcc.Link(t("wall.open", lang), href=WALL_PATH, id=ids.LIVE_WALL_LINK),
                        width="auto",
                    ),
                    dbc.Col(
                        dbc.Row(status_strip({}, lang), id=ids.LIVE_STRIP, className="g-2"),
                        className="ms-lg-auto",
                        width="auto",
                    ),
                ],
                className="align-items-center g-3 mb-3",
            ),
            dbc.Row(
                [
                    filter_dropdown(
                        ids.LIVE_REGION,
                        t("filter.region", lang),
                        region_options(scope, lang),
                        lang,
                        view["region"],
                    ),
                    filter_dropdown(
                        ids.LIVE_DISTRICT,
                        t("filter.district", lang),
                        district_options(view["region"], scope, lang),
                        lang,
                        view["district"],
                    ),
                    filter_dropdown(
                        ids.LIVE_CATEGORY,
                        t("filter.category", lang),
                        category_options(lang),
                        lang,
                        view["category"],
                    ),
                    filter_dropdown(
                        ids.LIVE_KIND,
                        t("filter.kind", lang),
                        kind_options(lang),
                        lang,
                        view["kind"],
                    ),
                    dbc.Col(
                        time_control(as_of, present or opened, lang),
                        lg=4,
                        className="ms-lg-auto",
                    ),
                ],
                className="g-2 mb-3 align-items-center",
            ),
            dbc.Row(
                [
                    dbc.Col(
                        card(
                            t("live.map", lang),
                            [
                                loading(
                                    dcc.Graph(
                                        id=ids.LIVE_MAP,
                                        config=graph_config(lang, MAP_CONFIG),
                                        style={"height": "460px"},
                                    ),
                                    lang,
                                ),
                                html.Div(
                                    t("map.hint" if points_shown else "map.points_hidden", lang),
                                    id=ids.LIVE_MAP_HINT,
                                    className="small text-body-secondary mt-1",
                                ),
                            ],
                            header_extra=html.Div(
                                [
                                    points_switch(lang, points_shown),
                                    hidden_label(t("map.measure", lang), ids.LIVE_MEASURE),
                                    measure,
                                ],
                                className="d-flex align-items-center gap-3",
                            ),
                        ),
                        lg=7,
                        className="mb-3",
                    ),
                    dbc.Col(
                        card(
                            t("live.feed", lang),
                            loading(
                                html.Div(
                                    empty_state(t("loading", lang)),
                                    id=ids.LIVE_FEED,
                                    className="kup-feed overflow-auto",
                                    style={"maxHeight": "540px"},
                                ),
                                lang,
                            ),
                        ),
                        lg=5,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
        ]
    )
