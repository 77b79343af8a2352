"""Figure builders without a browser: the live map (offline, shaded by the chosen measure,
points by category, patchable in place) and the intake vs decisions chart."""

from __future__ import annotations

import json

import pytest

from components.live import MAP_CONFIG
from components.live_map import (
    CATEGORY_COLORS,
    MEASURES,
    POINTS_TRACE_OFFSET,
    VIRIDIS,
    build_map_figure,
    clicked_target,
    district_outlines,
    map_patch,
    tile_zoom,
    view_ranges,
)
from components.workload import build_intake_figure
from data.reference import load_geography
from rules.clock import DEFAULT_TZ, zone
from rules.contract import CATEGORIES

TZ = zone(DEFAULT_TZ)

BISHKEK, OSH_CITY, ALAI = "41711000000000", "41721000000000", "41706207000000"
STATS = [
    {
        "district": BISHKEK,
        "open": 40,
        "overdue": 10,
        "due_soon": 3,
        "overdue_share": 0.25,
        "received_24h": 12,
    },
    {
        "district": OSH_CITY,
        "open": 8,
        "overdue": 0,
        "due_soon": 1,
        "overdue_share": 0.0,
        "received_24h": 2,
    },
]
POINTS = [
    {
        "reg_no": "KUP-A",
        "category": "theft",
        "district": BISHKEK,
        "lat": 42.87,
        "lon": 74.59,
        "registered_at": "2026-03-11T05:30:00+00:00",
    },
    {
        "reg_no": "KUP-B",
        "category": "fraud",
        "district": OSH_CITY,
        "lat": 40.51,
        "lon": 72.8,
        "registered_at": "2026-03-11T06:00:00+00:00",
    },
    {
        "reg_no": "KUP-C",
        "category": "theft",
        "district": BISHKEK,
        "lat": None,
        "lon": None,
        "registered_at": "2026-03-11T06:10:00+00:00",
    },
]


@pytest.mark.parametrize(
    "measure, expected",
    [
        ("open", [40, 8]),
        ("overdue", [10, 0]),
        ("overdue_share", [25.0, 0.0]),
        ("received_24h", [12, 2]),
    ],
)
def test_districts_shaded_by_the_chosen_measure(measure: str, expected: list) -> None:
    figure = build_map_figure(STATS, [], measure, "ru")
    shapes = figure.data[0]
    assert shapes.type == "choropleth" and list(shapes.locations) == [BISHKEK, OSH_CITY]
    assert list(shapes.z) == expected
    assert shapes.featureidkey == "id" and shapes.locationmode == "geojson-id"
    assert figure.layout.geo.visible is False  # no basemap: nothing to fetch


def test_unknown_measure_falls_back_and_labels_follow_the_language() -> None:
    figure = build_map_figure(STATS, [], "bogus", "en")
    assert list(figure.data[0].z) == [40, 8]
    assert figure.data[0].colorbar.title.text == "Open cases"
    assert figure.data[0].customdata[0][1] == "Bishkek"
    ru = build_map_figure(STATS, [], "overdue_share", "ru")
    assert ru.data[0].colorbar.title.text == "Доля просроченных"
    assert ru.data[0].colorbar.ticksuffix == "\xa0%"  # Russian: "21,3 %", no break


def test_points_coloured_by_category_with_a_legend_for_those_present() -> None:
    figure = build_map_figure(STATS, POINTS, "open", "ru", tz=TZ)
    points = figure.data[POINTS_TRACE_OFFSET:]
    assert [t.name for t in points][:3] == ["кража", "грабёж", "мошенничество"]
    theft = points[CATEGORIES.index("theft")]
    fraud = points[CATEGORIES.index("fraud")]
    assert list(theft.lat) == [42.87] and list(theft.lon) == [74.59]  # no coordinates: skipped
    assert theft.customdata[0][0] == "KUP-A" and theft.customdata[0][1] == "11:30"
    assert theft.marker.color == CATEGORY_COLORS["theft"] and list(fraud.lat) == [40.51]
    assert [t.name for t in points if t.showlegend] == ["кража", "мошенничество"]
    assert len(set(CATEGORY_COLORS.values())) == len(CATEGORIES)


def test_offline_by_default_tiles_only_when_configured() -> None:
    offline = json.dumps(build_map_figure(STATS, POINTS, "open", "ru").to_plotly_json())
    assert "http" not in offline
    tiled = build_map_figure(
        STATS, POINTS, "open", "ru", tile_url="https://tiles.example/{z}/{x}/{y}.png"
    )
    assert tiled.data[0].type == "choroplethmap"
    assert tiled.data[POINTS_TRACE_OFFSET].type == "scattermap"
    assert tiled.layout.map.style["sources"]["tiles"]["tiles"] == [
        "https://tiles.example/{z}/{x}/{y}.png"
    ]


def test_the_map_frames_the_districts_shown() -> None:
    country_lon, country_lat = view_ranges(load_geography().districts)
    osh_lon, osh_lat = view_ranges([OSH_CITY, ALAI])
    assert country_lon[0] < 69.5 and country_lon[1] > 80 and 38.8 < country_lat[0] < 39.2
    assert country_lon[0] < osh_lon[0] < osh_lon[1] < country_lon[1]
    assert osh_lon[1] - osh_lon[0] < (country_lon[1] - country_lon[0]) / 2
    figure = build_map_figure(STATS[1:], [], "open", "ru")
    assert list(figure.layout.geo.lonaxis.range) == view_ranges([OSH_CITY])[0]


def test_outlines_cover_every_district_and_are_lightened() -> None:
    outlines = district_outlines()
    assert {f["id"] for f in outlines["features"]} == set(load_geography().districts)
    assert all(f["properties"] == {} for f in outlines["features"])
    assert len(json.dumps(outlines)) < 450_000


def test_patch_updates_arrays_in_place() -> None:
    patch = map_patch(STATS, POINTS, "overdue", "ru", TZ).to_plotly_json()
    assigned = {tuple(op["location"]): op["params"]["value"] for op in patch["operations"]}
    assert assigned[("data", 0, "z")] == [10, 0]
    assert assigned[("data", 0, "locations")] == [BISHKEK, OSH_CITY]
    theft = POINTS_TRACE_OFFSET + CATEGORIES.index("theft")
    assert assigned[("data", theft, "lat")] == [42.87]
    assert assigned[("data", theft, "showlegend")] is True
    points_only = map_patch(None, [], "open", "ru", TZ).to_plotly_json()
    assert all(op["location"][1] >= POINTS_TRACE_OFFSET for op in points_only["operations"])


def test_clicks_lead_to_a_district_or_a_case() -> None:
    assert clicked_target(0, BISHKEK, BISHKEK) == ("district", BISHKEK)
    assert clicked_target(POINTS_TRACE_OFFSET, None, "KUP-A") == ("case", "KUP-A")
    assert clicked_target(0, None, "KUP-A") is None  # the outline, off any district
    assert clicked_target(POINTS_TRACE_OFFSET, None, None) is None


def test_dark_theme_changes_outline_and_font_colours() -> None:
    light = build_map_figure(STATS, [], "open", "ru")
    dark = build_map_figure(STATS, [], "open", "ru", dark=True)
    assert light.data[0].marker.line.color != dark.data[0].marker.line.color
    assert light.layout.font.color != dark.layout.font.color


@pytest.mark.parametrize("measure", MEASURES)
def test_every_measure_has_a_label(measure: str) -> None:
    assert build_map_figure(STATS, [], measure, "ky").data[0].colorbar.title.text


def test_intake_figure() -> None:
    series = [
        {"day": "2026-03-10", "intake": 5, "decided": 2},
        {"day": "2026-03-11", "intake": 7, "decided": 4},
    ]
    figure = build_intake_figure(series, "ru")
    bars, line = figure.data
    assert (bars.type, line.type) == ("bar", "scatter")
    assert list(bars.x) == ["2026-03-10", "2026-03-11"] and list(bars.y) == [5, 7]
    assert list(line.y) == [2, 4] and bars.name == "Поступило" and line.name == "Решения"
    assert build_intake_figure(series, "en", dark=True).layout.template.layout.paper_bgcolor
    assert build_intake_figure([], "en").data[0].name == "Intake"


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#rrggbb"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("measure", MEASURES)
def test_shading_is_viridis_more_is_darker_by_day_and_brighter_by_night(measure: str) -> None:
    light = [c for _, c in build_map_figure(STATS, [], measure, "ru").data[0].colorscale]
    dark = [c for _, c in build_map_figure(STATS, [], measure, "ru", dark=True).data[0].colorscale]
    assert set(light) <= set(VIRIDIS) and set(dark) <= set(VIRIDIS)  # colour-blind safe
    assert [_luminance(c) for c in light] == sorted(map(_luminance, light), reverse=True)
    assert [_luminance(c) for c in dark] == sorted(map(_luminance, dark))
    # The least shaded district still stands out from the page (Bootstrap's backgrounds).
    assert _contrast(dark[0], "#212529") >= 2 and _contrast(light[-1], "#FFFFFF") >= 7


def test_points_stay_visible_on_the_dark_theme() -> None:
    dark = build_map_figure(STATS, POINTS, "open", "ru", dark=True)
    points = dark.data[POINTS_TRACE_OFFSET:]
    assert all(t.marker.line.color == "#FFFFFF" for t in points)
    assert all(_contrast(t.marker.color, "#212529") >= 2.5 for t in points)
    assert len({t.marker.color for t in points}) == len(CATEGORIES)


def test_points_can_be_hidden_in_a_figure_and_by_a_patch() -> None:
    hidden = build_map_figure(STATS, POINTS, "open", "ru", points_shown=False)
    assert all(t.visible is False for t in hidden.data[POINTS_TRACE_OFFSET:])
    assert hidden.data[0].visible is not False
    patch = map_patch(None, None, "open", "ru", TZ, points_shown=True).to_plotly_json()
    assigned = {tuple(op["location"]): op["params"]["value"] for op in patch["operations"]}
    assert assigned == {
        ("data", POINTS_TRACE_OFFSET + i, "visible"): True for i in range(len(CATEGORIES))
    }


def test_a_new_framing_resets_the_users_view() -> None:
    country = build_map_figure(STATS, [], "open", "ru").layout.uirevision
    assert build_map_figure(STATS, [], "overdue", "ru", dark=True).layout.uirevision == country
    assert build_map_figure(STATS[1:], [], "open", "ru").layout.uirevision != country


def test_tiled_map_centres_and_zooms_on_the_districts_shown() -> None:
    url = "https://tiles.example/{z}/{x}/{y}.png"
    country = build_map_figure(STATS, [], "open", "ru", tile_url=url).layout.map
    osh = build_map_figure(STATS[1:], [], "open", "ru", tile_url=url).layout.map
    lon, lat = view_ranges([OSH_CITY])
    assert lon[0] < osh.center.lon < lon[1] and lat[0] < osh.center.lat < lat[1]
    assert osh.zoom > country.zoom
    assert 5 < tile_zoom(*view_ranges(load_geography().districts)) < 6.5  # the whole country


def test_no_mode_bar_over_the_legend() -> None:
    assert MAP_CONFIG["displayModeBar"] is False and MAP_CONFIG["scrollZoom"] is True
