"""Callbacks of the navbar's case search: the cases found as the user types (scoped to the
viewer's region by data.search), and the box emptied when a page opens."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State

from callbacks import inputs
from callbacks.context import Context, request_context
from components import ids
from components.search import search_results
from data.search import MAX_QUERY_LENGTH, query_words, search_cases


def find_cases(context: Context, query: Any, lang: Any) -> tuple[Any, bool]:
    """The list of the cases found for the text typed, and whether it is hidden (no words
    typed yet: nothing to show)."""
    query, lang = (inputs.text(query) or "")[:MAX_QUERY_LENGTH], inputs.language(lang)
    if not query_words(query):
        return [], True
    with context.sessions() as session:
        cases = search_cases(session, query, context.viewer.region, context.now, context.due_soon)
    return search_results(cases, lang), False


def register(app: Dash) -> None:
    @app.callback(
        Output(ids.SEARCH_RESULTS, "children"),
        Output(ids.SEARCH_RESULTS, "hidden"),
        Input(ids.SEARCH_INPUT, "value"),
        State(ids.LANG, "data"),
        prevent_initial_call=True,
    )
    def update_search_results(query: Any, lang: Any) -> tuple[Any, bool]:
        return find_cases(request_context(), query, lang)

    @app.callback(
        Output(ids.SEARCH_INPUT, "value"),
        Input(ids.URL, "pathname"),
        prevent_initial_call=True,
    )
    def clear_search(_pathname: Any) -> str:
        return ""
