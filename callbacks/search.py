"""Callbacks of the navbar's case search: the cases found as the user types (scoped to the
viewer's region by data.search), and the box emptied when a page opens."""

from __future__ import annotations

from typing import Any

from dash import Dash, Input, Output, State, no_update

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


def emptied_for(pathname: Any, shown_for: Any) -> tuple[Any, Any]:
    """The box's value and the page it now stands for, when the page is `pathname` and the box
    stood for `shown_for`: emptied when the user went to another page (a result clicked), left
    alone when the page first opens (what the user began to type is kept)."""
    page = inputs.text(pathname)
    if shown_for is None or inputs.text(shown_for) == page:
        return no_update, page
    return "", page


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
        Output(ids.SEARCH_PATH, "data"),
        Input(ids.URL, "pathname"),
        State(ids.SEARCH_PATH, "data"),
    )
    def clear_search(pathname: Any, cleared_for: Any) -> tuple[Any, Any]:
        return emptied_for(pathname, cleared_for)
