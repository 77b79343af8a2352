"""The manager's page (`/workload`): workload per district with drill-down region → district →
unit → officer → cases, aging, intake vs decisions, export."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TypedDict

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from components.common import SAFETY_REFRESH_MS, card, graph_config, loading, page_header
from components.formatting import chart_day_format
from components.i18n import (
    district_name,
    grid_locale,
    number_separators,
    number_text,
    region_name,
    t,
)
from components.overdue import CASE_COLUMN_DEFAULTS, GRID_CLASS, fitted_column
from components.overdue import column_defs as case_columns
from components.view_state import query_string, query_values
from data.queries import UNASSIGNED
from data.reference import load_geography
from data.workload_counts import WorkloadRow
from rules.access import Viewer

COUNT_COLUMNS = (
    "open",
    "overdue",
    "due_soon",
    "age_0_3",
    "age_3_10",
    "age_10_30",
    "age_30_plus",
    "received_7d",
    "received_30d",
    "decided_7d",
    "decided_30d",
    "late_30d",
    "decided_late_7d",
    "decided_late_30d",
)


@dataclass(frozen=True)
class Drill:
    """Where the drill-down stands (the page's query parameters)."""

    region: str | None = None
    district: str | None = None
    unit: str | None = None
    officer: str | None = None

    @property
    def level(self) -> str:
        """What the table lists at this point: districts, units, officers or cases."""
        if self.officer:
            return "cases"
        if self.unit:
            return "officers"
        if self.district:
            return "units"
        return "districts"


DRILL_NAMES = ("region", "district", "unit", "officer")  # the drill-down's query names


def parse_drill(search: str | None) -> Drill:
    """The drill-down from a query string such as "?district=41711000000000&unit=OVD-1"."""
    return Drill(**query_values(search, DRILL_NAMES))


def drill_search(drill: Drill) -> str:
    """The query string of a drill-down point ("" at the top)."""
    return query_string([(name, getattr(drill, name)) for name in DRILL_NAMES])


def child(drill: Drill, key: str) -> Drill:
    """One level down, into the row `key` of the current table."""
    level = drill.level
    if level == "districts":
        district = load_geography().districts.get(key)
        return Drill(region=district.region if district else drill.region, district=key)
    if level == "units":
        return replace(drill, unit=key)
    if level == "officers":
        return replace(drill, officer=key)
    return drill


def region_of(drill: Drill) -> str | None:
    """The drill-down's region (given, or that of its district)."""
    if drill.district:
        district = load_geography().districts.get(drill.district)
        if district:
            return district.region
    return drill.region


def unit_label(key: str, lang: str) -> str:
    return t("workload.unassigned", lang) if key == UNASSIGNED else key


def breadcrumbs(drill: Drill, scope_region: str | None, lang: str) -> list[tuple[str, str | None]]:
    """(label, query string) from the top of what the viewer may see down to here; the last
    one, where we are, has no link."""
    crumbs: list[tuple[str, str]] = []
    if scope_region is None:
        crumbs.append((t("workload.country", lang), ""))
    region = scope_region or region_of(drill)
    if region:
        crumbs.append((region_name(region, lang), drill_search(Drill(region=region))))
    if drill.district:
        crumbs.append(
            (
                district_name(drill.district, lang),
                drill_search(Drill(region=region, district=drill.district)),
            )
        )
    if drill.unit:
        crumbs.append(
            (
                unit_label(drill.unit, lang),
                drill_search(replace(drill, region=region, officer=None)),
            )
        )
    if drill.officer:
        crumbs.append(
            (unit_label(drill.officer, lang), drill_search(replace(drill, region=region)))
        )
    return [
        (text, None if i == len(crumbs) - 1 else search) for i, (text, search) in enumerate(crumbs)
    ]


# The breadcrumb's `aria-label` (Dash takes `aria-*` attributes as keyword arguments; a name
# with a hyphen can only be given through a mapping, typed here).
_AriaLabel = TypedDict("_AriaLabel", {"aria-label": str})


def breadcrumb_bar(drill: Drill, scope_region: str | None, lang: str) -> html.Nav:
    items = []
    for text, search in breadcrumbs(drill, scope_region, lang):
        items.append(
            html.Li(
                dcc.Link(text, href=f"/workload{search}") if search is not None else text,
                className="breadcrumb-item" + ("" if search is not None else " active"),
            )
        )
    return html.Nav(
        html.Ol(items, className="breadcrumb mb-2"), **_AriaLabel({"aria-label": "breadcrumb"})
    )


def row_name(key: str, level: str, lang: str) -> str:
    if level == "districts":
        return district_name(key, lang)
    if level == "regions":
        return region_name(key, lang)
    return unit_label(key, lang)


TOTAL_KEY = "__total__"  # the pinned row of column sums (not a group to drill into)
SHOWN_SUFFIX = "_shown"  # a count's field beside it: the count as the language writes it


def with_shown_counts(row: dict[str, object], lang: str) -> dict[str, object]:
    """The row with each count also as text the language writes ("1 234") for the grid to
    show (it sorts by the number)."""
    for name in COUNT_COLUMNS:
        value = row.get(name)
        row[name + SHOWN_SUFFIX] = number_text(value, lang) if isinstance(value, int) else ""
    return row


def grid_rows(rows: Sequence[WorkloadRow], level: str, lang: str) -> list[dict[str, object]]:
    """Grid rows of a workload table: the group's key and display name, its region's name
    (districts level) and every count (as a number and as shown text); busiest (most
    overdue, then open) first."""
    geo = load_geography()
    result = []
    for row in sorted(rows, key=lambda r: (-r.overdue, -r.open, row_name(r.key, level, lang))):
        item: dict[str, object] = {"key": row.key, "name": row_name(row.key, level, lang)}
        if level == "districts":
            district = geo.districts.get(row.key)
            item["region"] = region_name(district.region, lang) if district else ""
            item["region_code"] = district.region if district else ""
        item.update({name: getattr(row, name) for name in COUNT_COLUMNS})
        result.append(with_shown_counts(item, lang))
    return result


def total_grid_row(rows: Sequence[Mapping[str, object]], lang: str) -> dict[str, object]:
    """The pinned bottom row: column sums."""
    total: dict[str, object] = {"key": "", "name": t("col.total", lang), "region": ""}
    for name in COUNT_COLUMNS:
        total[name] = sum(value for r in rows if isinstance(value := r.get(name), int))
    return with_shown_counts(total, lang)


def level_name_key(level: str) -> str:
    """The message key of a workload level's name column."""
    return {
        "districts": "level.district",
        "units": "level.unit",
        "officers": "level.officer",
    }.get(level, "level.district")


def workload_count_headers(lang: str) -> list[tuple[str, str]]:
    """(field, header) of each count column as the grid heads it, a group's name before its
    column's ("Поступило: 7 дн.") where the grid puts it above (for exports' flat headers)."""
    headers = []
    for column in workload_columns("units", lang):
        children = column.get("children")
        if isinstance(children, list):
            headers += [
                (str(c["field"]), f"{column['headerName']}: {c['headerName']}") for c in children
            ]
        elif column.get("field") in COUNT_COLUMNS:
            headers.append((str(column["field"]), str(column["headerName"])))
    return headers


def workload_columns(level: str, lang: str) -> list[dict[str, object]]:
    """Column groups: name (and region), status now, aging, intake, decisions, late. They
    fill the grid's width (in proportion to their usual widths) and fit a 1366 px screen;
    names wrap between words rather than being cut."""

    def num(field: str, key: str, least: int, natural: int = 90) -> dict[str, object]:
        return {
            "field": field,
            "headerName": t(key, lang),
            "flex": natural,
            "minWidth": least,
            "type": "numericColumn",
            "valueFormatter": {"function": f"params.data.{field}{SHOWN_SUFFIX}"},
        }

    first: list[dict[str, object]] = [
        {
            **fitted_column("name", t(level_name_key(level), lang), 150),
            "pinned": "left",
            # Not spanning the group row: a pinned part of it with no header cell is a row
            # without cells to screen readers (axe: aria-required-children).
            "suppressSpanHeaderHeight": True,
            "cellClass": "kup-link",
        }
    ]
    if level == "districts":
        first.append(
            {**fitted_column("region", t("col.region", lang), 184, 200), "cellClass": "kup-link"}
        )
    return [
        *first,
        num("open", "col.open", 72),
        num("overdue", "col.overdue", 100),
        num("due_soon", "col.due_soon", 78),  # «истекает» whole (its header's longest word)
        {
            "headerName": t("col.age", lang),
            "children": [
                num("age_0_3", "col.age_0_3", 62),
                num("age_3_10", "col.age_3_10", 62),
                num("age_10_30", "col.age_10_30", 66),
                num("age_30_plus", "col.age_30_plus", 62),
            ],
        },
        {
            "headerName": t("col.received", lang),
            "children": [num("received_7d", "col.7d", 62), num("received_30d", "col.30d", 62)],
        },
        {
            "headerName": t("col.decided", lang),
            "children": [num("decided_7d", "col.7d", 62), num("decided_30d", "col.30d", 62)],
        },
        num("late_30d", "col.late_30d", 104, 130),
        {
            "headerName": t("col.decided_late", lang),
            "children": [
                num("decided_late_7d", "col.7d", 57),
                num("decided_late_30d", "col.30d", 57),
            ],
        },
    ]


def build_intake_figure(
    series: Sequence[Mapping[str, object]], lang: str, dark: bool = False
) -> go.Figure:
    """Daily intake (bars) and decisions (line) over the series' days."""
    days = [p["day"] for p in series]
    day = chart_day_format(lang)
    figure = go.Figure(
        [
            go.Bar(
                x=days,
                y=[p["intake"] for p in series],
                name=t("workload.intake", lang),
                marker_color="#0072B2",
                hovertemplate=f"%{{x|{day}}}: %{{y}}<extra>{t('workload.intake', lang)}</extra>",
            ),
            go.Scatter(
                x=days,
                y=[p["decided"] for p in series],
                name=t("workload.decided", lang),
                mode="lines+markers",
                line={"color": "#E69F00", "width": 3},
                hovertemplate=f"%{{x|{day}}}: %{{y}}<extra>{t('workload.decided', lang)}</extra>",
            ),
        ]
    )
    grid = "rgba(255,255,255,0.12)" if dark else "rgba(0,0,0,0.08)"
    figure.update_layout(
        template="plotly_dark" if dark else "plotly_white",
        height=300,
        margin={"l": 40, "r": 10, "t": 10, "b": 40},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        legend={"orientation": "h", "y": 1.12, "x": 0},
        hovermode="x unified",
        bargap=0.25,
        uirevision="intake",
        separators="".join(number_separators(lang)),
    )
    figure.update_xaxes(type="date", tickformat=day, hoverformat=day, gridcolor=grid)
    figure.update_yaxes(rangemode="tozero", gridcolor=grid)
    return figure


def grid_options(rows: Sequence[Mapping[str, object]], lang: str) -> dict[str, object]:
    """The group grid's options: as tall as its rows (every district shows; the page scrolls,
    not a box inside it), the column sums pinned at the bottom."""
    total = total_grid_row(rows, lang)
    total["key"] = TOTAL_KEY
    return {
        "domLayout": "autoHeight",
        "animateRows": False,
        "suppressColumnVirtualisation": True,
        "suppressCellFocus": True,
        "localeText": grid_locale(lang, "workload.empty"),
        "pinnedBottomRowData": [total] if rows else [],
    }


LEVEL_TITLES = {
    "districts": "workload.of_districts",
    "units": "workload.of_units",
    "officers": "workload.of_officers",
    "cases": "workload.of_cases",
}


def level_heading(drill: Drill, scope_region: str | None, lang: str) -> str:
    """The table card's title at this drill-down point: what it lists, and where ("Нагрузка
    сотрудников — ОВД Первомайского района")."""
    level = drill.level
    if level == "districts":
        region = scope_region or region_of(drill)
        place = region_name(region, lang) if region else t("nav.scope_country", lang)
    elif level == "units":
        place = district_name(drill.district, lang)
    else:
        place = unit_label((drill.unit if level == "officers" else drill.officer) or "", lang)
    return t(LEVEL_TITLES[level], lang, place=place)


def workload_page(viewer: Viewer, lang: str) -> html.Div:
    """The skeleton of the workload page: the table card (its title set by the drill-down
    callback) and the chart."""
    table = dag.AgGrid(
        id=ids.WORKLOAD_GRID,
        rowData=[],
        columnDefs=workload_columns("districts", lang),
        defaultColDef={
            "resizable": True,
            "sortable": True,
            "wrapHeaderText": True,
            "autoHeaderHeight": True,
        },
        getRowId="params.data.key",
        dashGridOptions=grid_options([], lang),
        style={"width": "100%"},
        className=GRID_CLASS,
    )
    cases = dag.AgGrid(
        id=ids.WORKLOAD_CASES,
        rowData=[],
        columnDefs=case_columns(lang, marks=False),  # (fits the card at 1366 px)
        defaultColDef=CASE_COLUMN_DEFAULTS,
        getRowId="params.data.reg_no",
        dashGridOptions={
            "domLayout": "autoHeight",
            "animateRows": False,
            "suppressColumnVirtualisation": True,
            "localeText": grid_locale(lang, "workload.empty"),
        },
        style={"width": "100%"},
        className=GRID_CLASS,
    )
    # (a card as components.common.card builds it, with a title the callback replaces)
    table_card = dbc.Card(
        [
            dbc.CardHeader(
                html.Span(id=ids.WORKLOAD_CARD_TITLE, className="fw-semibold"),
                className="d-flex align-items-center gap-2",
            ),
            dbc.CardBody(
                loading(
                    [
                        html.Div(id=ids.WORKLOAD_TITLE, className="small text-body-secondary mb-1"),
                        html.Div(table, id=ids.WORKLOAD_GRID_BOX),
                        html.Div(cases, id=ids.WORKLOAD_CASES_BOX, style={"display": "none"}),
                    ],
                    lang,
                )
            ),
        ],
        className="shadow-sm",
    )
    return html.Div(
        [
            dcc.Download(id=ids.WORKLOAD_DOWNLOAD),
            dcc.Interval(id=ids.WORKLOAD_TICK, interval=SAFETY_REFRESH_MS),
            html.Div(id=ids.WORKLOAD_PRINT_HEADER),  # (callbacks.printing)
            page_header(
                t("workload.title", lang),
                (ids.WORKLOAD_EXPORT, ids.WORKLOAD_EXPORT_CSV),
                lang,
                spacing="mb-2",
            ),
            html.Div(id=ids.WORKLOAD_BREADCRUMB),
            dbc.Row(
                [
                    dbc.Col(table_card, xs=12, className="mb-3"),
                    dbc.Col(
                        card(
                            t("workload.chart", lang),
                            loading(
                                dcc.Graph(
                                    id=ids.WORKLOAD_CHART,
                                    config=graph_config(lang, {"displaylogo": False}),
                                    style={"height": "300px"},
                                ),
                                lang,
                            ),
                        ),
                        xs=12,
                        className="mb-3",
                    ),
                ],
                className="g-3",
            ),
        ]
    )
