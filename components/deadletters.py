"""The admins' dead-letter page: entries the contract refused, with their reason."""

from __future__ import annotations

from collections.abc import Sequence
from zoneinfo import ZoneInfo

import dash_ag_grid as dag
from dash import html

from components import ids
from components.formatting import local_datetime
from components.i18n import grid_locale, t
from data.deadletters import DeadLetterView

PATH = "/deadletters"
SHOWN = 500


def dead_letter_rows(views: Sequence[DeadLetterView], tz: ZoneInfo) -> list[dict[str, object]]:
    """Grid rows of dead letters, times in local time."""
    return [
        {
            "id": v.id,
            "received": local_datetime(v.received_at, tz),
            "source_id": v.source_id,
            "field": v.field,
            "error": v.error,
            "retried": local_datetime(v.retried_at, tz) if v.retried_at else "",
        }
        for v in views
    ]


def dead_letters_page(lang: str) -> html.Div:
    """Title, counts line and the grid (filled by its callback)."""
    columns = [
        {"field": "received", "headerName": t("dead.received", lang), "width": 150},
        {"field": "source_id", "headerName": t("dead.source_id", lang), "width": 190},
        {"field": "field", "headerName": t("dead.field", lang), "width": 130},
        {
            "field": "error",
            "headerName": t("dead.error", lang),
            "flex": 1,
            "wrapText": True,
            "autoHeight": True,
        },
        {"field": "retried", "headerName": t("dead.retried", lang), "width": 150},
    ]
    return html.Div(
        [
            html.H1(t("dead.title", lang), className="h3"),
            html.P(t("loading", lang), id=ids.DEAD_SUMMARY, className="text-body-secondary"),
            dag.AgGrid(
                id=ids.DEAD_GRID,
                rowData=[],
                columnDefs=columns,
                defaultColDef={"resizable": True, "sortable": True, "filter": True},
                getRowId="params.data.id",
                dashGridOptions={"localeText": grid_locale(lang, "dead.empty")},
                style={"height": "70vh"},
            ),
        ]
    )


def forbidden(lang: str) -> html.Div:
    return html.Div(t("dead.forbidden", lang), className="py-5 text-center")
