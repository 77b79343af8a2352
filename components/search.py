"""The navbar's case search: a box (labelled for screen readers) and the list of the cases
found as the user types, each a link to its case page."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from components import ids
from components.i18n import district_name, label, t
from data.case_lists import CaseSummary
from data.search import MAX_QUERY_LENGTH

ANNOUNCED: dict[str, Any] = {"aria-live": "polite"}  # screen readers read the results shown
DEBOUNCE_S = 0.25  # results as the user types: a query a quarter of a second after a pause


def search_box(lang: str) -> html.Div:
    """The box and its (empty, hidden) list of results."""
    return html.Div(
        [
            html.Label(
                t("search.label", lang), htmlFor=ids.SEARCH_INPUT, className="visually-hidden"
            ),
            dbc.Input(
                id=ids.SEARCH_INPUT,
                type="search",
                placeholder=t("search.placeholder", lang),
                debounce=DEBOUNCE_S,
                maxLength=MAX_QUERY_LENGTH,
                autocomplete="off",
                size="sm",
                className="kup-search-input",
            ),
            dcc.Store(id=ids.SEARCH_PATH),
            html.Div(
                id=ids.SEARCH_RESULTS,
                hidden=True,
                className="list-group shadow kup-search-results",
                **ANNOUNCED,
            ),
        ],
        title=t("search.hint", lang),
        className="kup-search position-relative",
    )


def search_results(cases: Sequence[CaseSummary], lang: str) -> list[Component]:
    """The cases found, each a link to its page (its number, category, district, officer),
    or a line saying none was found."""
    if not cases:
        return [html.Div(t("search.none", lang), className="list-group-item small text-muted")]
    return [
        dcc.Link(
            [
                html.Div(case.reg_no, className="fw-semibold small"),
                html.Div(
                    " · ".join(
                        part
                        for part in (
                            label("status", case.status, lang),
                            label("category", case.category, lang),
                            district_name(case.district, lang),
                            case.officer or "",
                        )
                        if part
                    ),
                    className="small text-muted text-truncate",
                ),
            ],
            href=f"/cases/{case.reg_no}",
            className="list-group-item list-group-item-action py-1",
        )
        for case in cases
    ]
