"""Callbacks of the overdue page: the two grids, newly-overdue highlighting, unit choices,
flagging (through data.flags' service, which checks role and region again on the server and
announces the flag to every page that may see the case), CSV export (audit-logged).

The grids re-read on the "overdue" push (deadlines just passed, or the room's cases changed:
console/web/push.py), on a "flags" push and after a reconnect; the pages of a push with the same
scope and filters share one read per web process. Their timer is only a slow safety refresh
(components.common.SAFETY_REFRESH_MS)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, State, ctx, no_update
from dash.dcc.express import send_bytes, send_string
from dash.exceptions import PreventUpdate

from callbacks import inputs, printing
from callbacks.case import change_flag
from callbacks.context import Context, request_context
from callbacks.shared_reads import SHARED_SKEW, SharedReads
from callbacks.view_url import register_view
from components import ids
from components.common import district_options
from components.export import (
    MEDIA_TYPES,
    Format,
    Table,
    case_table,
    csv_text,
    export_filename,
    export_format,
    xlsx_bytes,
)
from components.flags import flag_history
from components.i18n import plural, t
from components.overdue import case_rows
from components.view_state import OVERDUE_VIEW
from data import audit, case_lists, flags
from data.case_lists import ListedCase
from data.queries import CaseFilter

GRID_LIMIT = 2000
EXPORT_LIMIT = 200_000
NEWLY_KEPT = 500
FLAGGED = {"yes": True, "no": False}  # the flagged filter's choices
OVERDUE_PUSH = f"{ids.SOCKET}.data-overdue"
ALERTS_PUSH = f"{ids.SOCKET}.data-alerts"


def overdue_filter(
    context: Context,
    status: str,
    region: Any,
    district: Any,
    category: Any,
    kind: Any,
    unit: Any,
    flagged: Any,
) -> CaseFilter:
    """The page's filters as a CaseFilter scoped to the viewer."""
    flt = context.case_filter(
        status=status,
        region=inputs.text(region),
        district=inputs.text(district),
        category=inputs.text(category),
        kind=inputs.text(kind),
        unit=inputs.text(unit),
    )
    return replace(flt, flagged=FLAGGED.get(inputs.text(flagged) or ""))


def pushed_overdue(payload: Any) -> list[str]:
    """The registration numbers an "overdue" push names."""
    return inputs.texts(inputs.mapping(payload).get("reg_nos"))


CaseLists = tuple[list[ListedCase], int, list[ListedCase], int]
_lists: SharedReads[CaseLists] = SharedReads()


def read_lists(context: Context, filters: Sequence[Any]) -> CaseLists:
    """The overdue and the due-soon cases (at most GRID_LIMIT each) and their totals."""
    with context.sessions() as session:
        overdue, overdue_total = case_lists.cases_by_deadline(
            session,
            overdue_filter(context, "overdue", *filters),
            context.now,
            context.due_soon,
            GRID_LIMIT,
        )
        soon, soon_total = case_lists.cases_by_deadline(
            session,
            overdue_filter(context, "due_soon", *filters),
            context.now,
            context.due_soon,
            GRID_LIMIT,
        )
    return overdue, overdue_total, soon, soon_total


def push_instant(context: Context, payload: Any) -> datetime | None:
    """The instant of an "overdue" push if it is of this moment (within SHARED_SKEW): the
    pages it reaches then share their reads (see refresh_overdue); else None."""
    at = inputs.instant(inputs.mapping(payload).get("at"))
    return at if at is not None and abs(at - context.now) <= SHARED_SKEW else None


def refresh_overdue(
    context: Context,
    filters: Sequence[Any],
    pushed: Any,
    memory: Any,
    lang: Any,
    shared_at: datetime | None = None,
) -> tuple[Any, ...]:
    """Both grids, their counts and the newly-overdue memory. A case is "newly overdue" when
    the server said so (`pushed`, from the "overdue" event) or when it was due soon at the
    previous refresh and is overdue now: deadlines pass without any event arriving.
    `shared_at` (see push_instant): the lists are read at that instant once per web process
    for every page of the push with the same scope and filters."""
    memory, lang = inputs.mapping(memory), inputs.language(lang)
    previous_soon = set(inputs.texts(memory.get("due_soon")))
    newly = list(inputs.texts(memory.get("newly")))
    if shared_at is not None:
        context = context.at(shared_at)
        flt = overdue_filter(context, "overdue", *filters)  # the scope and every filter
        key = (context.sessions, flt, shared_at, context.due_soon)
        overdue, overdue_total, soon, soon_total = _lists.get(
            key, lambda: read_lists(context, filters)
        )
    else:
        overdue, overdue_total, soon, soon_total = read_lists(context, filters)
    overdue_now = {c.reg_no for c in overdue}
    for reg_no in [*inputs.texts(pushed), *sorted(previous_soon & overdue_now)]:
        if reg_no in overdue_now and reg_no not in newly:
            newly.append(reg_no)
    newly = [r for r in newly if r in overdue_now][-NEWLY_KEPT:]
    memory = {"newly": newly, "due_soon": [c.reg_no for c in soon]}
    newly_set = set(newly)
    notice = (
        dbc.Badge(plural("overdue.newly", len(newly), lang), color="danger", className="fs-6")
        if newly
        else None
    )
    return (
        case_rows(overdue, lang, context.tz, context.now, newly_set),
        case_rows(soon, lang, context.tz, context.now),
        t("overdue.shown", lang, shown=len(overdue), total=overdue_total),
        t("overdue.shown", lang, shown=len(soon), total=soon_total),
        memory,
        notice,
    )


def unit_options(context: Context, region: Any, district: Any) -> list[dict[str, str]]:
    """Units holding undecided cases within the viewer's scope and the chosen area."""
    flt = context.case_filter(region=inputs.text(region), district=inputs.text(district))
    with context.sessions() as session:
        units = case_lists.units_with_open_cases(session, flt, context.now, context.due_soon)
    return [{"label": u, "value": u} for u in units]


def active_status(tab: Any) -> str:
    """The status listed by the active tab: "due_soon" or "overdue"."""
    return inputs.choice(tab, ("overdue", "due_soon"), "overdue")


def selected_case(tab: Any, overdue_rows: Any, soon_rows: Any) -> str | None:
    """The reg_no selected in the grid of the active tab."""
    overdue, soon = inputs.rows(overdue_rows), inputs.rows(soon_rows)
    rows = soon if active_status(tab) == "due_soon" else overdue
    return inputs.reg_no(rows[0].get("reg_no")) if rows else None


def describe_selection(reg_no: str | None, lang: Any) -> tuple[str, bool]:
    """The flag panel's "Selected: …" text and whether its button stays disabled."""
    lang = inputs.language(lang)
    if not reg_no:
        return t("flag.select", lang), True
    return t("flag.selected", lang, reg_no=reg_no), False


def flag_case(context: Context, reg_no: str | None, comment: Any, lang: Any) -> tuple[Any, bool]:
    """Flag the selected case (as the case page does). Returns the message and whether the
    flag was set."""
    if not reg_no:
        return dbc.Alert(t("flag.select", inputs.language(lang)), color="secondary"), False
    return change_flag(context, reg_no, "flag", comment, None, lang)


def flag_history_of(context: Context, reg_no: str | None, lang: Any) -> Any:
    """The flag panel's view of the selected case's active flag: its comments, who said what
    and when (nothing if the case has none, or the viewer may not see it)."""
    if not reg_no:
        return None
    with context.sessions() as session:
        flag = flags.active_flag(session, context.viewer, reg_no)
    return flag_history(flag.history, inputs.language(lang), context.tz) if flag else None


def export_overdue(
    context: Context, tab: Any, filters: Sequence[Any], fmt: Any = "xlsx", lang: Any = None
) -> dict[str, object]:
    """The active tab's filtered list (within the viewer's scope) as an Excel workbook or
    CSV (`fmt`) in the page's language, audit-logged."""
    status, fmt, lang = active_status(tab), export_format(fmt), inputs.language(lang)
    flt = overdue_filter(context, status, *filters)
    with context.sessions() as session:
        rows, total = case_lists.cases_by_deadline(
            session, flt, context.now, context.due_soon, EXPORT_LIMIT
        )
    with context.writer.begin() as session:
        audit.record(
            session,
            context.viewer.username,
            "export",
            f"ui:{status}",
            {"rows": len(rows), "total": total, "filter": _described(flt), "format": fmt},
            context.stamp,
        )
    return download(
        case_table((c.as_dict() for c in rows), lang, context.tz),
        lang,
        fmt,
        export_filename(status.replace("_", "-"), context.now, context.tz, fmt),
    )


def download(table: Table, lang: str, fmt: Format, filename: str) -> dict[str, object]:
    """The Download component's data for `table` as an export file: a workbook (sent as
    base64) or CSV text (UTF-8 with its byte-order mark)."""
    # Dash's send_bytes / send_string (not annotated) return the Download component's data.
    data: dict[str, object]
    if fmt == "xlsx":
        data = send_bytes(xlsx_bytes(table, lang), filename, type=MEDIA_TYPES[fmt])
    else:
        data = send_string(csv_text(table, lang), filename, type=MEDIA_TYPES[fmt])
    return data


def _described(flt: CaseFilter) -> dict[str, object]:
    return {k: v for k, v in vars(flt).items() if v not in (None, "")}


def open_clicked_case(cell: Any) -> str:
    """A click on a registration number (in any grid of cases) opens that case."""
    cell = inputs.mapping(cell)
    reg_no = inputs.text(cell.get("value"))
    if inputs.text(cell.get("colId")) != "reg_no" or reg_no is None:
        raise PreventUpdate
    return f"/cases/{reg_no}"


def register(app: Dash) -> None:
    printing.register_slot(app, ids.OVERDUE_PRINT_HEADER)
    filter_ids = (
        ids.OVERDUE_REGION,
        ids.OVERDUE_DISTRICT,
        ids.OVERDUE_CATEGORY,
        ids.OVERDUE_KIND,
        ids.OVERDUE_UNIT,
        ids.OVERDUE_FLAGGED,
    )
    filter_inputs = [Input(i, "value") for i in filter_ids]
    filter_states = [State(i, "value") for i in filter_ids]
    register_view(
        app, OVERDUE_VIEW, [*((i, "value") for i in filter_ids), (ids.OVERDUE_TABS, "active_tab")]
    )

    @app.callback(
        Output(ids.OVERDUE_DISTRICT, "options"),
        Input(ids.OVERDUE_REGION, "value"),
        State(ids.LANG, "data"),
    )
    def overdue_district_options(region: Any, lang: Any) -> list[dict[str, str]]:
        return district_options(
            inputs.text(region), request_context().viewer.region, inputs.language(lang)
        )

    @app.callback(
        Output(ids.OVERDUE_UNIT, "options"),
        Input(ids.OVERDUE_REGION, "value"),
        Input(ids.OVERDUE_DISTRICT, "value"),
    )
    def overdue_unit_options(region: Any, district: Any) -> list[dict[str, str]]:
        return unit_options(request_context(), region, district)

    @app.callback(
        Output(ids.OVERDUE_GRID, "rowData"),
        Output(ids.DUE_SOON_GRID, "rowData"),
        Output(ids.OVERDUE_COUNT, "children"),
        Output(ids.DUE_SOON_COUNT, "children"),
        Output(ids.OVERDUE_NEWLY, "data"),
        Output(ids.OVERDUE_NEWLY_TEXT, "children"),
        *filter_inputs,
        Input(ids.OVERDUE_TICK, "n_intervals"),
        Input(ids.SOCKET, "data-overdue"),
        Input(ids.SOCKET, "data-flags"),
        Input(ids.RESYNC, "data"),
        Input(ids.FLAG_VERSION, "data"),
        Input(ids.SOCKET, "data-alerts"),
        State(ids.OVERDUE_NEWLY, "data"),
        State(ids.LANG, "data"),
    )
    def update_overdue_grids(*args: Any) -> tuple[Any, ...]:
        filters, rest = args[:6], args[6:]
        _tick, pushed, _flags, _resync, _version, alerted, memory, lang = rest
        context = request_context()
        if ALERTS_PUSH in ctx.triggered_prop_ids:  # an alert's step: one read per process
            shared = push_instant(context, alerted)
            return refresh_overdue(context, filters, [], memory, lang, shared)
        if OVERDUE_PUSH not in ctx.triggered_prop_ids:
            return refresh_overdue(context, filters, [], memory, lang)
        return refresh_overdue(
            context,
            filters,
            pushed_overdue(pushed),
            memory,
            lang,
            push_instant(context, pushed),
        )

    @app.callback(
        Output(ids.FLAG_SELECTED, "children"),
        Output(ids.FLAG_BUTTON, "disabled"),
        Input(ids.OVERDUE_TABS, "active_tab"),
        Input(ids.OVERDUE_GRID, "selectedRows"),
        Input(ids.DUE_SOON_GRID, "selectedRows"),
        State(ids.LANG, "data"),
    )
    def show_flag_selection(
        tab: Any, overdue_rows: Any, soon_rows: Any, lang: Any
    ) -> tuple[str, bool]:
        return describe_selection(selected_case(tab, overdue_rows, soon_rows), lang)

    @app.callback(
        Output(ids.FLAG_HISTORY, "children"),
        Input(ids.OVERDUE_TABS, "active_tab"),
        Input(ids.OVERDUE_GRID, "selectedRows"),
        Input(ids.DUE_SOON_GRID, "selectedRows"),
        Input(ids.FLAG_VERSION, "data"),
        Input(ids.SOCKET, "data-flags"),
        State(ids.LANG, "data"),
    )
    def show_flag_history(
        tab: Any, overdue_rows: Any, soon_rows: Any, _version: Any, _pushed: Any, lang: Any
    ) -> Any:
        return flag_history_of(request_context(), selected_case(tab, overdue_rows, soon_rows), lang)

    @app.callback(
        Output(ids.FLAG_RESULT, "children"),
        Output(ids.FLAG_VERSION, "data"),
        Output(ids.FLAG_COMMENT, "value"),
        Input(ids.FLAG_BUTTON, "n_clicks"),
        State(ids.FLAG_COMMENT, "value"),
        State(ids.OVERDUE_TABS, "active_tab"),
        State(ids.OVERDUE_GRID, "selectedRows"),
        State(ids.DUE_SOON_GRID, "selectedRows"),
        State(ids.FLAG_VERSION, "data"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def set_flag(
        _clicks: Any,
        comment: Any,
        tab: Any,
        overdue_rows: Any,
        soon_rows: Any,
        version: Any,
        lang: Any,
    ) -> tuple[Any, Any, Any]:
        message, done = flag_case(
            request_context(), selected_case(tab, overdue_rows, soon_rows), comment, lang
        )
        return (
            message,
            (inputs.number(version) + 1 if done else no_update),
            ("" if done else no_update),
        )

    @app.callback(
        Output(ids.OVERDUE_DOWNLOAD, "data"),
        # (CSV first: a sweep of every callback by its first input reads this one as text.)
        Input(ids.OVERDUE_EXPORT_CSV, "n_clicks"),
        Input(ids.OVERDUE_EXPORT, "n_clicks"),
        State(ids.OVERDUE_TABS, "active_tab"),
        State(ids.LANG, "data"),
        *filter_states,
        prevent_initial_call=True,
    )
    def download_overdue(
        _csv: Any, _xlsx: Any, tab: Any, lang: Any, *filters: Any
    ) -> dict[str, object]:
        fmt = "csv" if ctx.triggered_id == ids.OVERDUE_EXPORT_CSV else "xlsx"
        return export_overdue(request_context(), tab, filters, fmt, lang)

    @app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Input(ids.OVERDUE_GRID, "cellClicked"),
        Input(ids.DUE_SOON_GRID, "cellClicked"),
        prevent_initial_call=True,
    )
    def open_overdue_case(overdue_cell: Any, soon_cell: Any) -> str:
        return open_clicked_case(
            soon_cell if ctx.triggered_id == ids.DUE_SOON_GRID else overdue_cell
        )
