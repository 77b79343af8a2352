"""The prosecutor's page (`/overdue`): overdue and due-soon cases, filters, export, flagging."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from components.alerts import grid_text
from components.common import (
    SAFETY_REFRESH_MS,
    card,
    category_options,
    district_options,
    filter_dropdown,
    kind_options,
    loading,
    page_header,
    region_options,
)
from components.formatting import deadline_text, local_datetime, sort_key
from components.i18n import district_name, duration_text, grid_locale, label, region_name, t
from components.view_state import OVERDUE_VIEW
from data.case_lists import ListedCase
from rules.access import Viewer

NEW_MARK = "●"
# The grids of this page and the workload page: AG Grid's own styles with the console's
# (components/assets/kup.css: headers wrap between words, narrower cell padding, print).
GRID_CLASS = "kup-grid kup-grid-fit"
CASE_COLUMN_DEFAULTS = {
    "resizable": True,
    "sortable": True,
    "filter": True,
    "wrapHeaderText": True,
    "autoHeaderHeight": True,
}


def flag_text(case: ListedCase, tz: ZoneInfo, lang: str) -> str:
    """ "comment — who, when" of a case's active flag ("" when not flagged)."""
    flag = case.flag
    if flag is None or not flag.comment:
        return ""
    at = local_datetime(flag.at, tz, lang)
    return f"{flag.comment} — {t('flag.by', lang, by=flag.by, at=at)}"


def case_rows(
    cases: Sequence[ListedCase],
    lang: str,
    tz: ZoneInfo,
    now: datetime,
    newly: Collection[str] = (),
) -> list[dict[str, object]]:
    """Grid rows of overdue or due-soon cases: labels translated, the deadline as its last
    day (with a hidden key the grid sorts it by), how long overdue (or how long left) as
    text, and whether the case just crossed its deadline."""
    rows = []
    for case in cases:
        delta = case.deadline - now
        rows.append(
            {
                "reg_no": case.reg_no,
                "new": NEW_MARK if case.reg_no in newly else "",
                "newly": case.reg_no in newly,
                "status": label("status", case.status, lang),
                "overdue_by": duration_text(delta, lang) if delta.total_seconds() <= 0 else "",
                "time_left": duration_text(delta, lang) if delta.total_seconds() > 0 else "",
                "deadline": deadline_text(case.deadline, tz, lang),
                "deadline_key": sort_key(case.deadline),
                "district": district_name(case.district, lang),
                "region": region_name(case.region, lang),
                "category": label("category", case.category, lang),
                "kind": label("kind", case.kind, lang),
                "unit": case.unit or "",
                "officer": case.officer or "",
                "flagged": case.flagged,
                # the live alert's state first, then the prosecutor's flag (one column: the
                # grid fits 1366 px)
                "flag": " · ".join(
                    part
                    for part in (grid_text(case.alert, lang), flag_text(case, tz, lang))
                    if part
                ),
                "summary": case.summary or "",
            }
        )
    return rows


def fitted_column(
    field: str, header: str, least: int, natural: int | None = None
) -> dict[str, object]:
    """A column whose text wraps between words, its rows growing to fit (no value is cut):
    at least `least` px wide (its longest word, or its header's with the filter button),
    and sharing the grid's width with the other such columns in proportion to `natural`
    (about the width it would take unwrapped), so that the grid fills a wide screen; just
    `least` wide without `natural` (a pinned column, which AG Grid does not widen)."""
    width = {"flex": natural, "minWidth": least} if natural else {"width": least}
    return {"field": field, "headerName": header, **width, "wrapText": True, "autoHeight": True}


def column_defs(lang: str, due_soon: bool = False, marks: bool = True) -> list[dict[str, object]]:
    """Columns of the overdue (or due-soon) grid; rows arrive sorted by deadline. They fit a
    1366 px screen without sideways scrolling and fill a wider one. `marks`: the narrow first
    column marking the cases that just became overdue (the overdue page's)."""
    timing = ("time_left", "col.time_left") if due_soon else ("overdue_by", "col.overdue_by")
    mark = {
        "field": "new",
        "headerName": "",
        "width": 32,
        "sortable": False,
        "filter": False,
        "resizable": False,
        "suppressHeaderMenuButton": True,
        "pinned": "left",
        "cellStyle": {"color": "var(--bs-danger)", "fontWeight": "bold"},
    }
    return [
        *([mark] if marks else []),
        {
            "field": "reg_no",
            "headerName": t("col.reg_no", lang),
            "width": 252,
            "cellClass": "font-monospace kup-link kup-reg-no",
            "pinned": "left",
        },
        {
            # how long overdue (or left), as text: sorted and filtered by the deadline instead
            **fitted_column(timing[0], t(timing[1], lang), 95, 100),
            "sortable": False,
            "filter": False,
        },
        {
            # sorted by the instant, shown (and filtered) as the last day
            **fitted_column("deadline_key", t("col.deadline", lang), 88, 180),
            "colId": "deadline",
            "valueFormatter": {"function": "params.data.deadline"},
            "filterValueGetter": {"function": "params.data.deadline"},
            "sort": "asc",
        },
        # (the longest one-word district name, «Токтогульский», whole)
        fitted_column("district", t("col.district", lang), 116, 140),
        fitted_column("category", t("col.category", lang), 122, 150),
        fitted_column("kind", t("col.kind", lang), 108, 120),
        fitted_column("unit", t("col.unit", lang), 136, 150),
        fitted_column("officer", t("col.officer", lang), 118, 120),
        fitted_column("flag", t("col.flag_alert", lang), 106, 200),
        fitted_column("summary", t("col.summary", lang), 158, 320),
    ]


def case_grid(component_id: str, lang: str, due_soon: bool = False) -> dag.AgGrid:
    """A grid of cases; single-row selection (for flagging), reg_no clicks open the case."""
    return dag.AgGrid(
        id=component_id,
        rowData=[],
        columnDefs=column_defs(lang, due_soon),
        defaultColDef=CASE_COLUMN_DEFAULTS,
        getRowId="params.data.reg_no",
        getRowStyle={
            "styleConditions": [
                {
                    "condition": "params.data.newly",
                    "style": {"backgroundColor": "rgba(220, 53, 69, 0.18)", "fontWeight": "600"},
                }
            ]
        },
        dashGridOptions={
            "rowSelection": {
                "mode": "singleRow",
                "checkboxes": False,
                "enableClickSelection": True,
            },
            "animateRows": False,
            "suppressColumnVirtualisation": True,
            "localeText": grid_locale(lang, "overdue.empty_soon" if due_soon else "overdue.empty"),
        },
        style={"width": "100%", "height": "var(--kup-case-grid-height)"},  # (kup.css)
        className=f"{GRID_CLASS} kup-case-grid",
    )


def flag_panel(lang: str) -> dbc.Card:
    """The selected case's active flag with its comments, comment box and Flag button
    (rendered for prosecutors and admins only; the server checks the role again when the
    button is used)."""
    return card(
        t("flag.title", lang),
        [
            html.Div(t("flag.select", lang), id=ids.FLAG_SELECTED, className="mb-2"),
            html.Div(id=ids.FLAG_HISTORY, className="mb-2 small"),
            dbc.Textarea(
                id=ids.FLAG_COMMENT,
                maxLength=2000,
                rows=3,
                placeholder=t("flag.comment", lang),
                className="mb-2",
            ),
            dbc.Button(t("flag.button", lang), id=ids.FLAG_BUTTON, color="danger", disabled=True),
            html.Div(id=ids.FLAG_RESULT, className="mt-2"),
        ],
        class_name="mb-3",
    )


def overdue_page(
    viewer: Viewer, lang: str, search: str | None = None, looking_back: bool = False
) -> html.Div:
    """The skeleton of the overdue page, its filters and tab those of the address's `search`
    (components.view_state); `looking_back`: the page shows an earlier instant, so it offers
    no flagging (a flag is set in the present)."""
    scope = viewer.region
    view = OVERDUE_VIEW.read(search, viewer)
    flagged_options = [
        {"label": t("filter.flagged.yes", lang), "value": "yes"},
        {"label": t("filter.flagged.no", lang), "value": "no"},
    ]
    grids = dbc.Tabs(
        [
            dbc.Tab(
                loading(
                    [
                        html.Div(id=ids.OVERDUE_COUNT, className="small mb-1"),
                        case_grid(ids.OVERDUE_GRID, lang),
                    ],
                    lang,
                ),
                label=t("overdue.tab_overdue", lang),
                tab_id="overdue",
            ),
            dbc.Tab(
                loading(
                    [
                        html.Div(id=ids.DUE_SOON_COUNT, className="small mb-1"),
                        case_grid(ids.DUE_SOON_GRID, lang, due_soon=True),
                    ],
                    lang,
                ),
                label=t("overdue.tab_due_soon", lang),
                tab_id="due_soon",
            ),
        ],
        id=ids.OVERDUE_TABS,
        active_tab=view["tab"],
        className="mb-2",
    )
    side = [flag_panel(lang)] if viewer.can_flag and not looking_back else []
    return html.Div(
        [
            dcc.Store(id=ids.OVERDUE_NEWLY, data={"newly": [], "due_soon": []}),
            dcc.Store(id=ids.FLAG_VERSION, data=0),
            dcc.Interval(id=ids.OVERDUE_TICK, interval=SAFETY_REFRESH_MS),
            dcc.Download(id=ids.OVERDUE_DOWNLOAD),
            html.Div(id=ids.OVERDUE_PRINT_HEADER),  # (callbacks.printing)
            page_header(
                t("overdue.title", lang),
                (ids.OVERDUE_EXPORT, ids.OVERDUE_EXPORT_CSV),
                lang,
                html.Div(id=ids.OVERDUE_NEWLY_TEXT),
            ),
            dbc.Row(
                [
                    filter_dropdown(
                        ids.OVERDUE_REGION,
                        t("filter.region", lang),
                        region_options(scope, lang),
                        lang,
                        view["region"],
                        width=2,
                    ),
                    filter_dropdown(
                        ids.OVERDUE_DISTRICT,
                        t("filter.district", lang),
                        district_options(view["region"], scope, lang),
                        lang,
                        view["district"],
                        width=2,
                    ),
                    filter_dropdown(
                        ids.OVERDUE_CATEGORY,
                        t("filter.category", lang),
                        category_options(lang),
                        lang,
                        view["category"],
                        width=2,
                    ),
                    filter_dropdown(
                        ids.OVERDUE_KIND,
                        t("filter.kind", lang),
                        kind_options(lang),
                        lang,
                        view["kind"],
                        width=2,
                    ),
                    filter_dropdown(
                        ids.OVERDUE_UNIT,
                        t("filter.unit", lang),
                        [{"label": view["unit"], "value": view["unit"]}] if view["unit"] else [],
                        lang,
                        view["unit"],
                        width=2,
                    ),
                    filter_dropdown(
                        ids.OVERDUE_FLAGGED,
                        t("filter.flagged", lang),
                        flagged_options,
                        lang,
                        view["flagged"],
                        width=2,
                    ),
                ],
                className="g-2 mb-3 kup-no-print",
            ),
            # The flag panel: beside the grids on a wall screen (from 1800 px), above them
            # (its parts in a row) on narrower ones, where the grids' columns need the whole
            # width (kup.css).
            dbc.Row(
                [
                    dbc.Col(grids, width=12, className="kup-case-grids" if side else ""),
                    *([dbc.Col(side, width=12, className="kup-flag-side")] if side else []),
                ],
                className="g-3",
            ),
        ]
    )
