"""Every view is a link: the wiring between a page's controls and its address's query string
(components.view_state). The page's skeleton starts in the view of the address (the router
passes it the query); then a change of a control writes the query (dcc.Location pushes it to
the browser's history, the page is not reloaded), and a change of the query alone (Back,
Forward) sets the controls. Each side writes only what differs, so neither wakes the other
again."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from callbacks import inputs
from callbacks.context import request_context
from components import ids
from components.view_state import ViewSpec, query_string, query_values
from rules.clock import local_date


def same_path(pathname: Any, spec: ViewSpec) -> bool:
    """Whether the address is the page of `spec` (a trailing slash aside)."""
    return ((inputs.text(pathname) or "/").rstrip("/") or "/") == spec.path


def keep_as_of(wanted: str, search: str | None) -> str:
    """The query string `wanted`, with the instant looked back at in `search` kept (a view's
    change stays in the past)."""
    at = query_values(search, ("as_of",))["as_of"]
    if at is None:
        return wanted
    return (
        f"{wanted}&{query_string([('as_of', at)])[1:]}" if wanted else query_string([("as_of", at)])
    )


def search_of(spec: ViewSpec, pathname: Any, search: Any, values: Sequence[Any]) -> str:
    """The query string of the controls' `values`, or PreventUpdate when the address is
    another page's or already says so."""
    if not same_path(pathname, spec):
        raise PreventUpdate
    wanted = keep_as_of(spec.search(values), inputs.text(search))
    if wanted == (inputs.text(search) or ""):
        raise PreventUpdate
    return wanted


def controls_of(spec: ViewSpec, pathname: Any, search: Any, current: Sequence[Any]) -> list[Any]:
    """The controls' values of the view in `search` (checked for this viewer), no_update for
    those already so; PreventUpdate when nothing changes or the address is another page's."""
    if not same_path(pathname, spec):
        raise PreventUpdate
    context = request_context()
    view = spec.read(inputs.text(search), context.viewer, local_date(context.now, context.tz))
    wanted = spec.controls(view)
    if wanted == list(current):
        raise PreventUpdate
    return [no_update if w == c else w for w, c in zip(wanted, current, strict=True)]


def register_view(app: Dash, spec: ViewSpec, controls: Sequence[tuple[str, str]]) -> None:
    """Keep the (component id, property) `controls`, one per name of `spec` in its order, and
    the address's query string in step."""
    if len(controls) != len(spec.names):
        raise ValueError("one control per name of the view")

    @app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        *(Input(c, prop) for c, prop in controls),
        State(ids.URL, "pathname"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def write_view(*args: Any) -> str:
        *values, pathname, search = args
        return search_of(spec, pathname, search, values)

    @app.callback(
        # a list even of one: the callback returns a list (one value per control)
        [Output(c, prop, allow_duplicate=True) for c, prop in controls],
        Input(ids.URL, "search"),
        State(ids.URL, "pathname"),
        *(State(c, prop) for c, prop in controls),
        prevent_initial_call=True,
    )
    def follow_view(search: Any, pathname: Any, *current: Any) -> list[Any]:
        return controls_of(spec, pathname, search, current)
