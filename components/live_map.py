"""The live map: districts shaded by a measure, recent registrations as points by category.

Works with no internet access: the district outlines come from the shipped GeoJSON and the
`geo` subplot draws no basemap (no tiles, no topojson), zoomed to the districts shown. Trace
layout is fixed (0: districts, 1..15: one points trace per category) so that live updates can
patch arrays in place instead of resending the outlines.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, SupportsFloat, TypedDict
from zoneinfo import ZoneInfo

import plotly.graph_objects as go

from components.formatting import local_time
from components.i18n import (
    district_name,
    label,
    number_separators,
    number_text,
    percent_text,
    t,
)
from data.reference import (
    Feature,
    FeatureCollection,
    MultiPolygon,
    Polygon,
    PolygonCoordinates,
    Position,
    load_boundaries,
)
from rules.clock import DEFAULT_TZ, zone
from rules.contract import CATEGORIES

if TYPE_CHECKING:
    from dash import Patch

MEASURES = ("open", "overdue", "overdue_share", "received_24h")
DEFAULT_MEASURE = "open"
# Colour-blind-safe first (Okabe–Ito), then distinct extras; order follows CATEGORIES.
CATEGORY_COLORS = dict(
    zip(
        CATEGORIES,
        (
            "#E69F00",
            "#D55E00",
            "#0072B2",
            "#CC79A7",
            "#000000",
            "#882255",
            "#009E73",
            "#56B4E9",
            "#F0E442",
            "#AA4499",
            "#44AA99",
            "#661100",
            "#332288",
            "#999933",
            "#888888",
        ),
        strict=True,
    )
)
# On a dark wall screen the darkest colours would vanish: lighter ones of the same hue there
# (black becomes white), each at least 2.5:1 against the dark page, with white outlines.
DARK_CATEGORY_COLORS = {
    **CATEGORY_COLORS,
    "homicide": "#FFFFFF",
    "sexual": "#CC6677",
    "extremism": "#B5651D",
    "missing_person": "#8F7FE0",
}
# The districts' shading, one perceptually even scale for every measure (viridis: read the same
# with each kind of colour blindness and in grey). Light theme: more is darker, from a yellow
# that stands out from the white page. Dark theme: more is brighter, starting at a blue that
# still stands out from the dark page (viridis' darkest violets would vanish into it).
VIRIDIS = (
    "#440154",
    "#482878",
    "#3e4989",
    "#31688e",
    "#26828e",
    "#1f9e89",
    "#35b779",
    "#6ece58",
    "#b5de2b",
    "#fde725",
)
LIGHT_SCALE = VIRIDIS[::-1]
DARK_SCALE = VIRIDIS[3:]
POINTS_TRACE_OFFSET = 1


@dataclass(frozen=True)
class MapLook:
    """The map's sizes: its height in pixels (None: its box's), the legend's and colour bar's
    type, the points' and the colour bar's width, and whether the points' legend shows (beside
    the map, which then leaves it room)."""

    height: int | None = 480
    font: int = 11
    marker: int = 7
    bar: int = 12
    legend: bool = True


LIVE_LOOK = MapLook()


def shading_scale(dark: bool) -> list[list[float | str]]:
    """The districts' colour scale (Plotly's [[position, colour], ...]) for the theme."""
    colours = DARK_SCALE if dark else LIGHT_SCALE
    return [[i / (len(colours) - 1), colour] for i, colour in enumerate(colours)]


def _round(polygon: PolygonCoordinates) -> PolygonCoordinates:
    """A polygon's rings rounded to 3 decimals (~100 m), repeated points dropped."""
    rings = []
    for ring in polygon:
        rounded = [[round(p[0], 3), round(p[1], 3)] for p in ring]
        rings.append(rounded[:1] + [p for prev, p in zip(rounded, rounded[1:]) if p != prev])
    return rings


def _rounded(geometry: Polygon | MultiPolygon) -> Polygon | MultiPolygon:
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": _round(geometry["coordinates"])}
    return {"type": "MultiPolygon", "coordinates": [_round(p) for p in geometry["coordinates"]]}


@lru_cache(maxsize=1)
def district_outlines() -> FeatureCollection:
    """The shipped district boundaries, lightened for the browser (id = SOATE)."""
    source = load_boundaries()
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "id": f["id"],
                "properties": {},
                "geometry": _rounded(f["geometry"]),
            }
            for f in source["features"]
        ],
    }


def _points_of(feature: Feature) -> list[Position]:
    geometry = feature["geometry"]
    polygons = (
        [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    )
    return [point for polygon in polygons for ring in polygon for point in ring]


@lru_cache(maxsize=1)
def _district_bounds() -> dict[str, tuple[float, float, float, float]]:
    bounds = {}
    for feature in district_outlines()["features"]:
        points = _points_of(feature)
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        bounds[feature["id"]] = (min(lons), min(lats), max(lons), max(lats))
    return bounds


def view_ranges(districts: Iterable[str], pad: float = 0.04) -> tuple[list[float], list[float]]:
    """Longitude and latitude ranges framing these districts (all of them if none known), so
    the map fills its frame whatever the viewer's region."""
    known = _district_bounds()
    boxes = [known[d] for d in districts if d in known] or list(known.values())
    west, south = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, north = max(b[2] for b in boxes), max(b[3] for b in boxes)
    dx, dy = (east - west) * pad + 0.02, (north - south) * pad + 0.02
    return [west - dx, east + dx], [south - dy, north + dy]


def _number(value: object) -> float:
    """A count or share of a district's stats as a float (missing: 0)."""
    if value is None:
        return 0.0
    if not isinstance(value, SupportsFloat):
        raise TypeError(f"a district's measure is a number, not {value!r}")
    return float(value)


def measure_value(stats: Mapping[str, object], measure: str) -> float:
    """The value of `measure` in one district's stats (the share in percent)."""
    value = _number(stats.get(measure))
    return round(value * 100, 1) if measure == "overdue_share" else value


class ChoroplethArrays(TypedDict):
    """The district trace's arrays: SOATE codes, shading values, hover data."""

    locations: list[str]
    z: list[float]
    customdata: list[list[object]]


def choropleth_arrays(
    district_stats: Sequence[Mapping[str, object]], measure: str, lang: str
) -> ChoroplethArrays:
    """locations / z / customdata of the district trace (also used to patch it live); the
    hover's numbers as text the page language writes ("1 234", "21,3 %")."""
    return {
        "locations": [str(s["district"]) for s in district_stats],
        "z": [measure_value(s, measure) for s in district_stats],
        "customdata": [
            [
                s["district"],
                district_name(str(s["district"]), lang),
                number_text(_number(s["open"]), lang),
                number_text(_number(s["overdue"]), lang),
                percent_text(_number(s["overdue_share"]), lang),
                number_text(_number(s["received_24h"]), lang),
            ]
            for s in district_stats
        ],
    }


def percent_suffix(lang: str) -> str:
    """What follows a number in the language's percentage: " %" (Russian), "%"."""
    return percent_text(0, lang).removeprefix(number_text(0, lang))


def points_arrays(
    points: Iterable[Mapping[str, object]], lang: str, tz: ZoneInfo
) -> list[dict[str, list[object]]]:
    """Per category (in CATEGORIES order): lat / lon / customdata of its points trace."""
    by_category: dict[str, dict[str, list[object]]] = {
        c: {"lat": [], "lon": [], "customdata": []} for c in CATEGORIES
    }
    for point in points:
        bucket = by_category.get(str(point.get("category")), by_category["other"])
        if point.get("lat") is None or point.get("lon") is None:
            continue
        bucket["lat"].append(point["lat"])
        bucket["lon"].append(point["lon"])
        registered_at = point.get("registered_at")
        bucket["customdata"].append(
            [
                point["reg_no"],
                local_time(
                    registered_at if isinstance(registered_at, datetime | str) else None, tz, lang
                ),
                district_name(str(point.get("district")), lang),
            ]
        )
    return [by_category[c] for c in CATEGORIES]


def tile_style(tile_url: str) -> dict[str, object]:
    """A MapLibre style drawing raster tiles from `tile_url` (".../{z}/{x}/{y}.png")."""
    return {
        "version": 8,
        "sources": {"tiles": {"type": "raster", "tiles": [tile_url], "tileSize": 256}},
        "layers": [{"id": "tiles", "type": "raster", "source": "tiles"}],
    }


def tile_zoom(
    lon_range: Sequence[float], lat_range: Sequence[float], frame: tuple[int, int] = (640, 460)
) -> float:
    """The web-map zoom level at which these ranges fill a frame of `frame` pixels (tiles of
    256 px: zoom z shows 360° of longitude in 256·2^z px; latitude stretched as Mercator
    does at the frame's middle)."""
    middle = math.radians(sum(lat_range) / 2)
    lon_span = max(lon_range[1] - lon_range[0], 1e-6)
    lat_span = max((lat_range[1] - lat_range[0]) / math.cos(middle), 1e-6)
    return round(
        min(
            math.log2(frame[0] * 360 / (256 * lon_span)),
            math.log2(frame[1] * 360 / (256 * lat_span)),
        ),
        2,
    )


def build_map_figure(
    district_stats: Sequence[Mapping[str, object]],
    points: Iterable[Mapping[str, object]],
    measure: str,
    lang: str,
    tz: ZoneInfo = zone(DEFAULT_TZ),
    dark: bool = False,
    tile_url: str = "",
    points_shown: bool = True,
    look: MapLook = LIVE_LOOK,
) -> go.Figure:
    """The map: one shaded polygon per district in `district_stats` (its dicts carry
    district, open, overdue, overdue_share, received_24h) and the `points` (reg_no, category,
    lat, lon, registered_at, district) coloured by category, hidden unless `points_shown`.
    Framed to the districts given (a region's, when the page filters one), and the view the
    user zoomed to is kept while those stay the same. Without `tile_url` nothing is fetched
    from the network; with it, the outlines lie over those raster tiles. `look`: its sizes
    (the live page's, or the wall screen's larger ones)."""
    if measure not in MEASURES:
        measure = DEFAULT_MEASURE
    arrays = choropleth_arrays(district_stats, measure, lang)
    suffix = percent_suffix(lang) if measure == "overdue_share" else ""
    line = "#DDDDDD" if dark else "#555555"
    tiles = bool(tile_url)
    shape_trace = go.Choroplethmap if tiles else go.Choropleth
    point_trace = go.Scattermap if tiles else go.Scattergeo
    extra = {"marker_opacity": 0.7} if tiles else {"locationmode": "geojson-id"}
    figure = go.Figure()
    figure.add_trace(
        shape_trace(
            geojson=district_outlines(),
            featureidkey="id",
            **extra,
            locations=arrays["locations"],
            z=arrays["z"],
            customdata=arrays["customdata"],
            colorscale=shading_scale(dark),
            zmin=0,
            zmax=100 if measure == "overdue_share" else None,
            marker={"line": {"color": line, "width": 0.6}},
            colorbar={
                "title": {"text": t(f"measure.{measure}", lang), "side": "right"},
                "thickness": look.bar,
                "len": 0.75,
                "ticksuffix": suffix,
                "x": 0,
                "xanchor": "left",
                "y": 0.5,
            },
            name=t(f"measure.{measure}", lang),
            showlegend=False,
            hovertemplate=(
                "<b>%{customdata[1]}</b><br>"
                f"{t('strip.open', lang)}: %{{customdata[2]}}<br>"
                f"{t('strip.overdue', lang)}: %{{customdata[3]}} (%{{customdata[4]}})<br>"
                f"{t('measure.received_24h', lang)}: %{{customdata[5]}}<extra></extra>"
            ),
        )
    )
    colours = DARK_CATEGORY_COLORS if dark else CATEGORY_COLORS
    for category, data in zip(CATEGORIES, points_arrays(points, lang, tz), strict=True):
        marker: dict[str, object] = {
            "size": look.marker if not tiles else look.marker + 2,
            "color": colours[category],
            "opacity": 0.9,
        }
        if not tiles:
            marker["line"] = {"width": 0.8 if dark else 0.5, "color": "#FFFFFF"}
        figure.add_trace(
            point_trace(
                lat=data["lat"],
                lon=data["lon"],
                customdata=data["customdata"],
                mode="markers",
                name=label("category", category, lang),
                visible=points_shown,
                showlegend=bool(data["lat"]),
                marker=marker,
                hovertemplate=(
                    "<b>%{customdata[0]}</b><br>%{customdata[1]} · %{customdata[2]}"
                    f"<br>{label('category', category, lang)}<extra></extra>"
                ),
            )
        )
    lon_range, lat_range = view_ranges(arrays["locations"])
    if tiles:
        figure.update_layout(
            map={
                "style": tile_style(tile_url),
                "center": {"lon": sum(lon_range) / 2, "lat": sum(lat_range) / 2},
                "zoom": tile_zoom(lon_range, lat_range),
            }
        )
    else:
        figure.update_geos(
            visible=False,
            projection_type="mercator",
            bgcolor="rgba(0,0,0,0)",
            lonaxis_range=lon_range,
            lataxis_range=lat_range,
            domain={"x": [0.1, 0.8] if look.legend else [0.15, 1], "y": [0, 1]},
        )
    figure.update_layout(
        margin={"l": 0, "r": 0, "t": 0, "b": 0},
        height=look.height,
        separators="".join(number_separators(lang)),
        uirevision=f"map-{zlib.crc32(','.join(arrays['locations']).encode()):08x}",
        paper_bgcolor="rgba(0,0,0,0)",
        clickmode="event",
        showlegend=None if look.legend else False,
        font={"color": "#E6E6E6" if dark else "#212529", "size": look.font + 1},
        legend={
            "orientation": "v",
            "y": 1,
            "yanchor": "top",
            "x": 1,
            "xanchor": "right",
            "title": {"text": t("map.points", lang)},
            "font": {"size": look.font},
            "itemsizing": "constant",
            "bgcolor": "rgba(0,0,0,0)",
        },
    )
    return figure


def map_patch(
    district_stats: Sequence[Mapping[str, object]] | None,
    points: Iterable[Mapping[str, object]] | None,
    measure: str,
    lang: str,
    tz: ZoneInfo,
    *,
    point_arrays: Sequence[Mapping[str, list[object]]] | None = None,
    points_shown: bool | None = None,
) -> Patch:
    """A dash Patch updating the shading and/or points of a figure from build_map_figure; the
    points as `points` or as their points_arrays already built (only read); their visibility
    when `points_shown` is given."""
    from dash import Patch

    patch = Patch()
    if points_shown is not None:
        for offset in range(len(CATEGORIES)):
            patch["data"][POINTS_TRACE_OFFSET + offset]["visible"] = points_shown
    if district_stats is not None:
        arrays = choropleth_arrays(district_stats, measure, lang)
        for key, values in arrays.items():
            patch["data"][0][key] = values
    if point_arrays is None and points is not None:
        point_arrays = points_arrays(points, lang, tz)
    if point_arrays is not None:
        for offset, data in enumerate(point_arrays):
            trace = patch["data"][POINTS_TRACE_OFFSET + offset]
            trace["lat"], trace["lon"] = data["lat"], data["lon"]
            trace["customdata"] = data["customdata"]
            trace["showlegend"] = bool(data["lat"])
    return patch


def clicked_target(
    curve: int, location: str | None, first_custom: str | None
) -> tuple[str, str] | None:
    """What a clicked map point (its trace, location and first custom value) points at:
    ("district", soate) or ("case", reg_no); None otherwise."""
    if curve == 0 and location:
        return "district", location
    if curve >= POINTS_TRACE_OFFSET and first_custom:
        return "case", first_custom
    return None
