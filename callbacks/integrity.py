"""Callbacks of the integrity signals' page: the table for the chosen group, window and region
(a regional viewer's own region always), the cases behind a clicked number, the export
(audit-logged). A viewer who may not read the signals gets nothing (the page says so)."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks.context import Context, request_context
from callbacks.overdue import download
from callbacks.view_url import register_view
from components import ids
from components.export import export_filename, export_format
from components.i18n import t
from components.integrity import (
    CASES_COLUMN,
    DEFAULT_WINDOW,
    INTEGRITY_VIEW,
    WINDOWS,
    case_list,
    columns,
    export_table,
    grid_rows,
    references,
    row_name,
    signal_name,
    summary,
)
from data import audit
from data import integrity as data_integrity
from data.queries import CaseFilter
from data.reference import load_geography
from rules.integrity import GROUPS, SIGNALS, integrity_region


def choices(group: Any, window: Any, region: Any) -> tuple[str, int, str | None]:
    """The controls' values, checked: a known group, a window of the page's, a known region
    (or none)."""
    chosen_region = inputs.text(region)
    return (
        inputs.choice(group, GROUPS, "district"),
        int(inputs.choice(window, [str(w) for w in WINDOWS], str(DEFAULT_WINDOW))),
        chosen_region if chosen_region in load_geography().regions else None,
    )


def scope(context: Context, region: str | None) -> CaseFilter:
    """The filter of the viewer's request (PermissionError for a viewer who may not read the
    signals, or another region than a regional viewer's own)."""
    asked = integrity_region(context.viewer, region)
    return context.case_filter(region=asked)


def load_rows(
    context: Context, group: str, window: int, region: str | None
) -> tuple[list[dict[str, object]], CaseFilter]:
    """The report's rows (data.integrity.report) and the filter they were read with."""
    flt = scope(context, region)
    with context.sessions() as session:
        return data_integrity.report(session, flt, group, window, context.now), flt


def update_integrity(
    context: Context, group: Any, window: Any, region: Any, lang: Any
) -> tuple[Any, ...]:
    """The grid's rows and columns and the line above it."""
    lang = inputs.language(lang)
    chosen = choices(group, window, region)
    try:
        rows, flt = load_rows(context, *chosen)
    except PermissionError:
        return [], columns(chosen[0], references([]), lang), t("integrity.forbidden", lang)
    return (
        grid_rows(rows, chosen[0], lang),
        columns(chosen[0], references(rows), lang),
        summary(rows, flt.region, lang),
    )


def drill(context: Context, cell: Any, group: Any, window: Any, region: Any, lang: Any) -> Any:
    """The cases behind the clicked number (a signal's count or the row's cases)."""
    lang = inputs.language(lang)
    cell = inputs.mapping(cell)
    key, column = inputs.text(cell.get("rowId")), inputs.text(cell.get("colId"))
    if key is None or column not in (CASES_COLUMN, *SIGNALS):
        raise PreventUpdate
    chosen_group, days, chosen_region = choices(group, window, region)
    signal = None if column == CASES_COLUMN else column
    try:
        flt = scope(context, chosen_region)
    except PermissionError:
        return html.Div(t("integrity.forbidden", lang))
    with context.sessions() as session:
        found = data_integrity.signal_cases(
            session, flt, chosen_group, key, signal, days, context.now
        )
    title = f"{row_name(key, chosen_group, lang)} — {signal_name(signal, lang)}"
    return case_list(title, found, lang)


def export_integrity(
    context: Context, group: Any, window: Any, region: Any, lang: Any, fmt: Any = "xlsx"
) -> dict[str, object]:
    """The table as a workbook or CSV (`fmt`) in the page's language, audit-logged."""
    fmt, lang = export_format(fmt), inputs.language(lang)
    chosen = choices(group, window, region)
    try:
        rows, flt = load_rows(context, *chosen)
    except PermissionError:
        raise PreventUpdate from None
    with context.writer.begin() as session:
        audit.record(
            session,
            context.viewer.username,
            "export",
            "ui:integrity",
            {"group": chosen[0], "window_days": chosen[1], "region": flt.region, "format": fmt},
            context.stamp,
        )
    return download(
        export_table(rows, chosen[0], lang),
        lang,
        fmt,
        export_filename(f"integrity-{chosen[0]}", context.now, context.tz, fmt),
    )


def register(app: Dash) -> None:
    register_view(
        app,
        INTEGRITY_VIEW,
        [(i, "value") for i in (ids.INTEGRITY_GROUP, ids.INTEGRITY_WINDOW, ids.INTEGRITY_REGION)],
    )
    controls = (
        Input(ids.INTEGRITY_GROUP, "value"),
        Input(ids.INTEGRITY_WINDOW, "value"),
        Input(ids.INTEGRITY_REGION, "value"),
    )
    states = (
        State(ids.INTEGRITY_GROUP, "value"),
        State(ids.INTEGRITY_WINDOW, "value"),
        State(ids.INTEGRITY_REGION, "value"),
        State(ids.LANG, "data"),
    )

    @app.callback(
        Output(ids.INTEGRITY_GRID, "rowData"),
        Output(ids.INTEGRITY_GRID, "columnDefs"),
        Output(ids.INTEGRITY_SUMMARY, "children"),
        Output(ids.INTEGRITY_CASES, "children"),
        *controls,
        State(ids.LANG, "data"),
    )
    def show_integrity(group: Any, window: Any, region: Any, lang: Any) -> tuple[Any, ...]:
        return (*update_integrity(request_context(), group, window, region, lang), None)

    @app.callback(
        Output(ids.INTEGRITY_CASES, "children", allow_duplicate=True),
        Input(ids.INTEGRITY_GRID, "cellClicked"),
        *states,
        prevent_initial_call=True,
    )
    def show_cases(cell: Any, group: Any, window: Any, region: Any, lang: Any) -> Any:
        return drill(request_context(), cell, group, window, region, lang)

    @app.callback(
        Output(ids.INTEGRITY_DOWNLOAD, "data"),
        Input(ids.INTEGRITY_EXPORT_CSV, "n_clicks"),
        Input(ids.INTEGRITY_EXPORT, "n_clicks"),
        *states,
        prevent_initial_call=True,
    )
    def download_integrity(
        _csv: Any, _xlsx: Any, group: Any, window: Any, region: Any, lang: Any
    ) -> dict[str, object]:
        fmt = "csv" if ctx.triggered_id == ids.INTEGRITY_EXPORT_CSV else "xlsx"
        return export_integrity(request_context(), group, window, region, lang, fmt)
