"""Callbacks of the workload page: the drill-down table (or an officer's cases), the intake vs
decisions chart, row clicks that drill down, CSV export (audit-logged).

The page re-renders on the "workload" push (console/web/push.py): at its first level (the
viewer's districts, no drill-down) it shows the rows and the chart the push leader read once for
its room; drilled down, it re-reads its own level on that push (once per web process for every
page at the same point). Its timer is only a slow safety
refresh (components.common.SAFETY_REFRESH_MS)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from callbacks import inputs, printing
from callbacks.context import Context, request_context
from callbacks.overdue import download, open_clicked_case
from callbacks.shared_reads import SHARED_SKEW, SharedReads
from components import ids
from components.export import (
    case_table,
    export_filename,
    export_format,
    workload_table,
)
from components.i18n import t
from components.overdue import case_rows
from components.workload import (
    TOTAL_KEY,
    Drill,
    breadcrumb_bar,
    build_intake_figure,
    child,
    drill_search,
    grid_options,
    grid_rows,
    level_heading,
    level_name_key,
    parse_drill,
    workload_columns,
    workload_count_headers,
)
from data import audit, case_lists, workload_counts
from data.queries import CaseFilter
from data.reference import load_geography
from data.workload_counts import COUNT_FIELDS, WorkloadRow

CASE_LIMIT = 2000
SHOWN = {"display": "block"}
HIDDEN = {"display": "none"}


@dataclass(frozen=True)
class WorkloadView:
    """Everything the page shows at one drill-down point."""

    drill: Drill
    level: str
    rows: list[dict[str, object]]  # group rows, or case rows at the "cases" level
    total: int
    series: list[dict[str, object]]


def drill_filter(context: Context, drill: Drill, status: str = "all") -> CaseFilter:
    """The drill-down point as a CaseFilter, scoped to the viewer's region."""
    return context.case_filter(
        status=status,
        region=drill.region,
        district=drill.district,
        unit=drill.unit,
        officer=drill.officer,
    )


def pushed_view(context: Context, drill: Drill, payload: Any, lang: str) -> WorkloadView | None:
    """The view a "workload" push gives a page at the first level of its own scope (no
    drill-down below the viewer's region), its numbers checked like any callback input; None
    for a page drilled down or a push of another scope (the page reads its own)."""
    payload = inputs.mapping(payload)
    own = context.viewer.region
    if (
        not payload
        or drill != Drill(region=drill.region)
        or drill.region not in (None, own)
        or inputs.text(payload.get("scope")) != own
    ):
        return None
    found = [
        WorkloadRow(key, **{name: inputs.number(row.get(name)) for name in COUNT_FIELDS})
        for row in inputs.rows(payload.get("rows"))
        if (key := inputs.text(row.get("key"))) is not None
    ]
    series = [
        {
            "day": inputs.text(day.get("day")) or "",
            "intake": inputs.number(day.get("intake")),
            "decided": inputs.number(day.get("decided")),
        }
        for day in inputs.rows(payload.get("series"))
    ]
    rows = grid_rows(found, "districts", lang)
    return WorkloadView(drill, "districts", rows, len(rows), series)


_views: SharedReads[WorkloadView] = SharedReads()


def load_view(context: Context, search: Any, lang: Any, pushed: Any = None) -> WorkloadView:
    """The rows and the chart of the drill-down point in `search`: from the "workload" push
    (`pushed`) where it fits (see pushed_view); else queried, for a push of this moment once
    per web process for every page of the push at the same point, scope and language."""
    drill, lang = parse_drill(inputs.text(search)), inputs.language(lang)
    if pushed is None:
        return query_view(context, drill, lang)
    view = pushed_view(context, drill, pushed, lang)
    if view is not None:
        return view
    at = inputs.instant(inputs.mapping(pushed).get("as_of"))
    if at is None or abs(at - context.now) > SHARED_SKEW:
        return query_view(context, drill, lang)
    shared = context.at(at)
    key = (context.sessions, drill_filter(shared, drill), at, lang, context.tz)
    return _views.get(key, lambda: query_view(shared, drill, lang))


def query_view(context: Context, drill: Drill, lang: str) -> WorkloadView:
    """Query the rows and the chart of a drill-down point."""
    level = drill.level
    with context.sessions() as session:
        if level == "cases":
            cases, total = case_lists.cases_by_deadline(
                session,
                drill_filter(context, drill, "open"),
                context.now,
                context.due_soon,
                CASE_LIMIT,
            )
            rows = case_rows(cases, lang, context.tz, context.now)
        else:
            flt = drill_filter(context, drill)
            if level == "districts":
                found = workload_counts.district_workload(
                    session, flt, context.now, context.due_soon, tz=context.tz
                )
            else:
                group = "unit" if level == "units" else "officer"
                found = list(
                    workload_counts.workload_rows(
                        session, flt, context.now, context.due_soon, group, tz=context.tz
                    ).values()
                )
            rows = grid_rows(found, level, lang)
            total = len(rows)
        series = workload_counts.intake_vs_decisions(
            session, drill_filter(context, drill), context.now, context.due_soon, context.tz
        )
    return WorkloadView(drill, level, rows, total, series)


def level_title(view: WorkloadView, lang: str) -> Any:
    """The line under the table's title: how many of the officer's cases are listed, or
    (on screen only) how to drill down."""
    if view.level == "cases":
        return t("overdue.shown", lang, shown=len(view.rows), total=view.total)
    return html.Span(t("workload.hint", lang), className="kup-no-print")


def update_workload(
    context: Context, search: Any, theme: Any, lang: Any, pushed: Any = None
) -> tuple[Any, ...]:
    """Breadcrumbs, the hint under the title, the group grid (rows, columns, options) or the
    cases grid, which of the two shows, the chart, and the table's title (`pushed`: the
    "workload" push that triggered this)."""
    lang = inputs.language(lang)
    view = load_view(context, search, lang, pushed)
    figure = build_intake_figure(view.series, lang, dark=inputs.text(theme) == "dark")
    crumbs = breadcrumb_bar(view.drill, context.viewer.region, lang)
    heading = level_heading(view.drill, context.viewer.region, lang)
    if view.level == "cases":
        return (
            crumbs,
            level_title(view, lang),
            [],
            workload_columns("units", lang),
            grid_options([], lang),
            view.rows,
            HIDDEN,
            SHOWN,
            figure,
            heading,
        )
    return (
        crumbs,
        level_title(view, lang),
        view.rows,
        workload_columns(view.level, lang),
        grid_options(view.rows, lang),
        [],
        SHOWN,
        HIDDEN,
        figure,
        heading,
    )


def drill_into(search: Any, cell: Any, rows: Any) -> str:
    """The query string one level below the clicked row (the region column of a district
    row goes to its region instead)."""
    cell = inputs.mapping(cell)
    key = inputs.text(cell.get("rowId"))
    if key is None or key == TOTAL_KEY or key not in [r.get("key") for r in inputs.rows(rows)]:
        raise PreventUpdate
    drill = parse_drill(inputs.text(search))
    if inputs.text(cell.get("colId")) == "region" and drill.level == "districts":
        district = load_geography().districts.get(key)
        if district is None:
            raise PreventUpdate
        return drill_search(Drill(region=district.region))
    return drill_search(child(drill, key))


def export_workload(
    context: Context, search: Any, lang: Any, fmt: Any = "xlsx"
) -> dict[str, object]:
    """The current level (groups with their counts, or the officer's cases) as an Excel
    workbook or CSV (`fmt`) in the page's language, audit-logged."""
    fmt, lang = export_format(fmt), inputs.language(lang)
    view = load_view(context, search, lang)
    if view.level == "cases":
        with context.sessions() as session:
            cases, _ = case_lists.cases_by_deadline(
                session,
                drill_filter(context, view.drill, "open"),
                context.now,
                context.due_soon,
                200_000,
            )
        table = case_table((c.as_dict() for c in cases), lang, context.tz)
    else:
        table = workload_table(
            view.rows,
            t(level_name_key(view.level), lang),
            workload_count_headers(lang),
            lang,
            with_region=view.level == "districts",
        )
    with context.writer.begin() as session:
        audit.record(
            session,
            context.viewer.username,
            "export",
            f"ui:workload:{view.level}",
            {"rows": len(view.rows), "drill": drill_search(view.drill), "format": fmt},
            context.stamp,
        )
    return download(
        table, lang, fmt, export_filename(f"workload-{view.level}", context.now, context.tz, fmt)
    )


def register(app: Dash) -> None:
    printing.register_slot(app, ids.WORKLOAD_PRINT_HEADER)

    @app.callback(
        Output(ids.WORKLOAD_BREADCRUMB, "children"),
        Output(ids.WORKLOAD_TITLE, "children"),
        Output(ids.WORKLOAD_GRID, "rowData"),
        Output(ids.WORKLOAD_GRID, "columnDefs"),
        Output(ids.WORKLOAD_GRID, "dashGridOptions"),
        Output(ids.WORKLOAD_CASES, "rowData"),
        Output(ids.WORKLOAD_GRID_BOX, "style"),
        Output(ids.WORKLOAD_CASES_BOX, "style"),
        Output(ids.WORKLOAD_CHART, "figure"),
        Output(ids.WORKLOAD_CARD_TITLE, "children"),
        Input(ids.URL, "search"),
        Input(ids.THEME, "data"),
        Input(ids.RESYNC, "data"),
        Input(ids.WORKLOAD_TICK, "n_intervals"),
        Input(ids.SOCKET, "data-workload"),
        State(ids.LANG, "data"),
    )
    def show_workload(
        search: Any, theme: Any, _resync: Any, _tick: Any, pushed: Any, lang: Any
    ) -> tuple[Any, ...]:
        fired = ctx.triggered_id == ids.SOCKET
        return update_workload(request_context(), search, theme, lang, pushed if fired else None)

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.WORKLOAD_GRID, "cellClicked"),
        State(ids.URL, "search"),
        State(ids.WORKLOAD_GRID, "rowData"),
        prevent_initial_call=True,
    )
    def drill_down(cell: Any, search: Any, rows: Any) -> str:
        return drill_into(search, cell, rows)

    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.WORKLOAD_CASES, "cellClicked"),
        prevent_initial_call=True,
    )
    def open_workload_case(cell: Any) -> str:
        return open_clicked_case(cell)

    @app.callback(
        Output(ids.WORKLOAD_DOWNLOAD, "data"),
        Input(ids.WORKLOAD_EXPORT_CSV, "n_clicks"),
        Input(ids.WORKLOAD_EXPORT, "n_clicks"),
        State(ids.URL, "search"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def download_workload(_csv: Any, _xlsx: Any, search: Any, lang: Any) -> dict[str, object]:
        fmt = "csv" if ctx.triggered_id == ids.WORKLOAD_EXPORT_CSV else "xlsx"
        return export_workload(request_context(), search, lang, fmt)
